//! The Ads API's combination rules as the synthetic history needs them: the planner's own rules
//! ([`planner::plan::rules`]) spelled out per single placement, plus the single-platform restriction a
//! historical ad set may carry. The history only ever contains ad sets these rules allow.

use planner::plan::rules::{formats_for, placements_for};
use planner::types::{AssetFormat, Objective, Placement, Platform};

/// The (format, placement) pairs an objective can run on, in the planner's order.
pub fn valid_combinations(objective: Objective) -> Vec<(AssetFormat, Placement)> {
    formats_for(objective).iter().flat_map(|&f| placements_for(f, objective).iter().map(move |&p| (f, p))).collect()
}

/// Whether an objective can run in a format on a placement.
pub fn is_valid(objective: Objective, format: AssetFormat, placement: Placement) -> bool {
    planner::plan::rules::is_valid(format, &[placement], objective, &[Platform::Android])
}

/// Whether a single-platform restriction (or none) is allowed for the objective: `APP_INSTALLS` targets
/// exactly one of IOS and ANDROID, `VIDEO_VIEWS` never runs on DESKTOP.
pub fn platform_allowed(objective: Objective, platform: Option<Platform>) -> bool {
    match objective {
        Objective::AppInstalls => matches!(platform, Some(Platform::Ios | Platform::Android)),
        Objective::VideoViews => platform != Some(Platform::Desktop),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AssetFormat::{Image, Video};
    use Placement::{Music, Podcast};

    #[test]
    fn the_api_rules_hold() {
        assert!(is_valid(Objective::VideoViews, Video, Music));
        assert!(!is_valid(Objective::VideoViews, Video, Podcast));
        assert!(!is_valid(Objective::Reach, Image, Music));
        assert!(is_valid(Objective::EvenImpressionDelivery, Image, Music));
        for objective in Objective::ALL {
            assert!(!is_valid(*objective, Image, Podcast));
            for (f, p) in valid_combinations(*objective) {
                assert!(is_valid(*objective, f, p));
            }
        }
        assert!(!platform_allowed(Objective::AppInstalls, None));
        assert!(!platform_allowed(Objective::AppInstalls, Some(Platform::Desktop)));
        assert!(platform_allowed(Objective::AppInstalls, Some(Platform::Ios)));
    }
}
