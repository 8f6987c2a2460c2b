//! The Ads API's combination rules (SPEC §4, reference §6.2–6.4): which formats an objective takes, where
//! each format may run, which platforms an ad set may target, and the nearest valid objective when a
//! requested format rules the brief's objective out.
//!
//! Start with [`is_valid`]; the planner only ever emits ad sets it accepts. Everything here is a pure
//! function of the enums, so the UI can use it to grey out impossible choices.

use crate::types::{AssetFormat, Objective, Placement, Platform};

/// The formats an objective accepts.
pub fn formats_for(objective: Objective) -> &'static [AssetFormat] {
    use AssetFormat::{Audio, Image, Video};
    match objective {
        Objective::EvenImpressionDelivery => &[Audio, Video, Image],
        Objective::Reach | Objective::Clicks | Objective::WebsiteVisits | Objective::AppInstalls => &[Audio, Video],
        Objective::VideoViews => &[Video],
        Objective::PodcastStreams | Objective::LeadGen => &[Audio],
    }
}

/// The placements a format may run on under an objective.
pub fn placements_for(format: AssetFormat, objective: Objective) -> &'static [Placement] {
    // IMAGE never runs on podcasts; video views are bought on music only.
    if format == AssetFormat::Image || objective == Objective::VideoViews {
        &[Placement::Music]
    } else {
        &[Placement::Music, Placement::Podcast]
    }
}

/// The objective an ad set of `format` uses when the brief asks for `objective`: the objective itself when
/// it takes the format, else the nearest one in the same delivery-goal group of the Ads API.
pub fn nearest_objective(objective: Objective, format: AssetFormat) -> Objective {
    if formats_for(objective).contains(&format) {
        return objective;
    }
    match format {
        // Only even impression delivery takes IMAGE.
        AssetFormat::Image => Objective::EvenImpressionDelivery,
        // Audio is refused only by VIDEO_VIEWS, an awareness goal: reach is its audio sibling.
        AssetFormat::Audio => Objective::Reach,
        // Video is refused by PODCAST_STREAMS and LEAD_GEN; both goal groups also accept CLICKS.
        AssetFormat::Video => Objective::Clicks,
    }
}

/// Whether an ad set with this format, placements, objective and platform targeting is accepted by the
/// Ads API (`platforms` empty means all three).
pub fn is_valid(format: AssetFormat, placements: &[Placement], objective: Objective, platforms: &[Platform]) -> bool {
    let allowed = placements_for(format, objective);
    let platforms_ok = match objective {
        Objective::AppInstalls => platforms == [Platform::Ios] || platforms == [Platform::Android],
        Objective::VideoViews => !platforms.is_empty() && !platforms.contains(&Platform::Desktop),
        _ => true,
    };
    formats_for(objective).contains(&format)
        && !placements.is_empty()
        && placements.iter().all(|p| allowed.contains(p))
        && platforms_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_objective_always_takes_the_format() {
        for &objective in Objective::ALL {
            for &format in AssetFormat::ALL {
                let nearest = nearest_objective(objective, format);
                assert!(formats_for(nearest).contains(&format), "{objective} {format} -> {nearest}");
                if formats_for(objective).contains(&format) {
                    assert_eq!(nearest, objective);
                }
            }
        }
        assert_eq!(nearest_objective(Objective::Reach, AssetFormat::Image), Objective::EvenImpressionDelivery);
    }

    #[test]
    fn spot_checks_of_the_api_rules() {
        use AssetFormat::*;
        use Placement::*;
        assert!(is_valid(Video, &[Music], Objective::VideoViews, &[Platform::Ios]));
        assert!(!is_valid(Video, &[Podcast], Objective::VideoViews, &[Platform::Ios]));
        assert!(!is_valid(Video, &[Music], Objective::VideoViews, &[]));
        assert!(!is_valid(Image, &[Music, Podcast], Objective::EvenImpressionDelivery, &[]));
        assert!(is_valid(Image, &[Music], Objective::EvenImpressionDelivery, &[]));
        assert!(!is_valid(Image, &[Music], Objective::Reach, &[]));
        assert!(!is_valid(Audio, &[Music], Objective::AppInstalls, &[Platform::Ios, Platform::Android]));
        assert!(is_valid(Audio, &[Music, Podcast], Objective::AppInstalls, &[Platform::Android]));
        assert!(!is_valid(Video, &[Music], Objective::LeadGen, &[]));
        assert!(!is_valid(Audio, &[], Objective::Reach, &[]));
    }
}
