//! Advertising policy of SPEC §4 applied to one ad set's targeting, and the frequency caps per objective.
//!
//! Start with [`ad_set_targets`]: it narrows the brief's targets to one country and one placement set, then
//! applies the alcohol age floor (18, or 21 in the US) and the rule that interest, genre and gender
//! targeting may not reach minors in the US, GB or the EU. [`category_policy`] recognises alcohol and
//! gambling categories; [`frequency_caps`] picks caps within the Ads API's 5/day, 35/week, 50/month.

use crate::taxonomy::{categories, cities};
use crate::types::{AgeRange, Country, FrequencyCap, FrequencyUnit, Objective, Placement, Platform, Targets};

/// The Ads API's ceilings: impressions per listener per day, week and month.
pub const CAP_LIMITS: [(FrequencyUnit, u32); 3] =
    [(FrequencyUnit::Day, 5), (FrequencyUnit::Week, 35), (FrequencyUnit::Month, 50)];

/// What the ad category means for targeting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CategoryPolicy {
    /// Alcohol: adults only (21+ in the US).
    pub alcohol: bool,
    /// Gambling: allowed only after review.
    pub gambling: bool,
}

/// Recognises alcohol (ADV_15_139 or a name about alcohol, beer, wine or spirits, but not non-alcoholic
/// drinks) and gambling (parent "Gambling", ids `ADV_16_*`) categories.
pub fn category_policy(category_id: &str) -> CategoryPolicy {
    let row = categories::get(category_id);
    let name = row.map(|c| c.name.to_lowercase()).unwrap_or_default();
    let words: Vec<&str> = name.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    // Whole words, so "Spirituality" is not a spirit and "Non-Alcoholic" is not alcohol.
    let alcohol_word = words
        .iter()
        .any(|w| matches!(*w, "alcohol" | "alcoholic" | "beer" | "beers" | "wine" | "wines" | "spirits" | "liquor"));
    let alcohol = category_id == "ADV_15_139" || (alcohol_word && !name.contains("non-alcoholic"));
    let gambling = category_id.starts_with("ADV_16_") || row.is_some_and(|c| c.parent == "Gambling");
    CategoryPolicy { alcohol, gambling }
}

/// The legal drinking age alcohol ads must respect in a market.
pub fn alcohol_min_age(country: Country) -> u8 {
    if country == Country::Us { 21 } else { 18 }
}

/// Markets where interest, genre and gender targeting may not reach minors: the US, GB and the EU.
pub fn protects_minors(country: Country) -> bool {
    use Country::*;
    matches!(country, Us | Gb | Ie | Fr | De | At | It | Es | Pt | Nl | Be | Lu | Se | Dk | Fi | Pl)
}

/// Something the policy changed, reported to the user as an assumption (grouped by kind across countries).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Notice {
    /// Alcohol ages were raised to the market's floor.
    AlcoholAges,
    /// The brief's ages include minors: interest, genre and gender targeting were dropped.
    MinorsTargetingDropped,
    /// Ages were unrestricted: the ad set targets adults so its interest/gender targeting stays lawful.
    AdultsOnlyForTargeting,
    /// Podcast topics only work on podcast placement; a music-only ad set goes without them.
    TopicsNeedPodcast,
    /// The brief asked only for desktop, which this objective cannot use.
    DesktopNotAllowed,
}

/// The brief's targets as one ad set uses them, and what policy changed.
pub fn ad_set_targets(
    brief: &Targets,
    country: Country,
    placements: &[Placement],
    objective: Objective,
    store: Option<Platform>,
    policy: CategoryPolicy,
) -> (Targets, Vec<Notice>) {
    let mut notices = Vec::new();
    let podcast = placements.contains(&Placement::Podcast);
    if !podcast && !brief.podcast_topics.is_empty() {
        notices.push(Notice::TopicsNeedPodcast);
    }
    let mut targets = Targets {
        countries: vec![country],
        cities: dedup(brief.cities.iter().filter(|c| cities::get(c, country).is_some()).cloned()),
        age_ranges: dedup(brief.age_ranges.iter().copied()),
        genders: dedup(brief.genders.iter().copied()),
        platforms: platforms(&brief.platforms, objective, store, &mut notices),
        interests: dedup(brief.interests.iter().cloned()),
        genres: dedup(brief.genres.iter().cloned()),
        podcast_topics: if podcast { dedup(brief.podcast_topics.iter().cloned()) } else { Vec::new() },
    };
    if policy.alcohol && raise_age_floor(&mut targets.age_ranges, alcohol_min_age(country)) {
        notices.push(Notice::AlcoholAges);
    }
    if protects_minors(country) {
        protect_minors(&mut targets, &mut notices);
    }
    (targets, notices)
}

/// Platforms for an objective: one store for app installs, mobile only for video views, else as briefed.
fn platforms(
    brief: &[Platform],
    objective: Objective,
    store: Option<Platform>,
    notices: &mut Vec<Notice>,
) -> Vec<Platform> {
    match objective {
        Objective::AppInstalls => vec![store.unwrap_or(Platform::Ios)],
        Objective::VideoViews => {
            let mobile: Vec<Platform> = dedup(brief.iter().copied().filter(|p| *p != Platform::Desktop));
            if mobile.is_empty() {
                if !brief.is_empty() {
                    notices.push(Notice::DesktopNotAllowed);
                }
                vec![Platform::Android, Platform::Ios]
            } else {
                mobile
            }
        }
        _ => dedup(brief.iter().copied()),
    }
}

/// Raises every age range to `floor`, dropping those entirely below it. Returns whether anything changed.
fn raise_age_floor(ranges: &mut Vec<AgeRange>, floor: u8) -> bool {
    let raised: Vec<AgeRange> =
        ranges.iter().filter(|r| r.max >= floor).map(|r| AgeRange { min: r.min.max(floor), max: r.max }).collect();
    // Nothing left (or nothing asked: 13+) means the market's legal audience.
    let raised = if raised.is_empty() { vec![AgeRange { min: floor, max: 99 }] } else { dedup(raised) };
    let changed = raised != *ranges;
    *ranges = raised;
    changed
}

/// Keeps profiling-based targeting away from minors. When the brief names ages that include minors, it is
/// the targeting that goes; when it names no ages at all, the ad set is limited to adults instead, since the
/// advertiser asked for the interest, not for teenagers.
fn protect_minors(targets: &mut Targets, notices: &mut Vec<Notice>) {
    let profiled = !(targets.interests.is_empty() && targets.genres.is_empty() && targets.genders.is_empty());
    if !profiled {
        return;
    }
    if targets.age_ranges.is_empty() {
        targets.age_ranges = vec![AgeRange { min: 18, max: 99 }];
        notices.push(Notice::AdultsOnlyForTargeting);
    } else if targets.age_ranges.iter().any(|r| r.min < 18) {
        targets.interests.clear();
        targets.genres.clear();
        targets.genders.clear();
        notices.push(Notice::MinorsTargetingDropped);
    }
}

/// Frequency caps per objective, well inside the Ads API's limits: reach spreads impressions thin (the
/// API's suggested reach cap is 2 a week); response objectives allow a few more exposures.
pub fn frequency_caps(objective: Objective) -> Vec<FrequencyCap> {
    let (day, week) = match objective {
        Objective::Reach => (1, 2),
        Objective::EvenImpressionDelivery => (3, 20),
        Objective::VideoViews | Objective::PodcastStreams => (2, 10),
        Objective::Clicks | Objective::WebsiteVisits | Objective::AppInstalls | Objective::LeadGen => (3, 15),
    };
    let cap = |frequency_unit: FrequencyUnit, wanted: u32| {
        let limit = CAP_LIMITS.iter().find(|(u, _)| *u == frequency_unit).map_or(1, |(_, l)| *l);
        FrequencyCap { frequency_unit, frequency_period: 1, max_impressions: wanted.clamp(1, limit) }
    };
    vec![cap(FrequencyUnit::Day, day), cap(FrequencyUnit::Week, week)]
}

/// The most impressions per listener per day an ad set's [`frequency_caps`] allow.
pub fn max_daily_frequency(objective: Objective) -> f64 {
    frequency_caps(objective)
        .iter()
        .map(|c| {
            let days = match c.frequency_unit {
                FrequencyUnit::Day => 1.0,
                FrequencyUnit::Week => 7.0,
                FrequencyUnit::Month => 30.0,
            };
            f64::from(c.max_impressions) / (days * f64::from(c.frequency_period.max(1)))
        })
        .fold(f64::INFINITY, f64::min)
}

/// Removes repeats, keeping first occurrences in order.
fn dedup<T: PartialEq>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn age(min: u8, max: u8) -> AgeRange {
        AgeRange { min, max }
    }

    #[test]
    fn recognises_alcohol_and_gambling_by_id_and_name() {
        assert!(category_policy("ADV_15_139").alcohol);
        assert!(!category_policy("ADV_15_141").alcohol, "non-alcoholic beverages");
        assert!(!category_policy("ADV_28_243").alcohol, "spirituality is not spirits");
        assert!(category_policy("ADV_16_147").gambling);
        assert!(!category_policy("ADV_15_139").gambling);
        assert_eq!(category_policy("nonsense"), CategoryPolicy::default());
    }

    #[test]
    fn alcohol_ages_are_raised_per_market() {
        let brief = Targets { age_ranges: vec![age(16, 30), age(13, 17)], ..Targets::default() };
        let policy = CategoryPolicy { alcohol: true, gambling: false };
        let (us, notes) = ad_set_targets(&brief, Country::Us, &[Placement::Music], Objective::Reach, None, policy);
        assert_eq!(us.age_ranges, vec![age(21, 30)]);
        assert_eq!(notes, vec![Notice::AlcoholAges]);
        let (de, _) = ad_set_targets(&brief, Country::De, &[Placement::Music], Objective::Reach, None, policy);
        assert_eq!(de.age_ranges, vec![age(18, 30)]);
        let (br, _) =
            ad_set_targets(&Targets::default(), Country::Br, &[Placement::Music], Objective::Reach, None, policy);
        assert_eq!(br.age_ranges, vec![age(18, 99)]);
    }

    #[test]
    fn minors_lose_profiling_targeting_in_protected_markets_only() {
        let brief = Targets {
            age_ranges: vec![age(13, 17)],
            interests: vec!["gaming".into()],
            genders: vec![crate::types::Gender::Male],
            ..Targets::default()
        };
        let p = CategoryPolicy::default();
        let (gb, notes) = ad_set_targets(&brief, Country::Gb, &[Placement::Music], Objective::Reach, None, p);
        assert!(gb.interests.is_empty() && gb.genders.is_empty());
        assert_eq!(notes, vec![Notice::MinorsTargetingDropped]);
        let (br, notes) = ad_set_targets(&brief, Country::Br, &[Placement::Music], Objective::Reach, None, p);
        assert_eq!(br.interests, vec!["gaming".to_string()]);
        assert!(notes.is_empty());
        let open = Targets { age_ranges: vec![], ..brief };
        let (fr, notes) = ad_set_targets(&open, Country::Fr, &[Placement::Music], Objective::Reach, None, p);
        assert_eq!(fr.age_ranges, vec![age(18, 99)]);
        assert_eq!(fr.interests, vec!["gaming".to_string()]);
        assert_eq!(notes, vec![Notice::AdultsOnlyForTargeting]);
    }

    #[test]
    fn targets_are_narrowed_to_the_country_and_placement() {
        let brief = Targets {
            countries: vec![Country::Se, Country::No],
            cities: vec!["Oslo".into(), "Stockholm".into()],
            podcast_topics: vec!["business-and-finance".into()],
            ..Targets::default()
        };
        let p = CategoryPolicy::default();
        let (se, notes) = ad_set_targets(&brief, Country::Se, &[Placement::Music], Objective::Reach, None, p);
        assert_eq!(se.countries, vec![Country::Se]);
        assert_eq!(se.cities, vec!["Stockholm".to_string()]);
        assert!(se.podcast_topics.is_empty());
        assert_eq!(notes, vec![Notice::TopicsNeedPodcast]);
        let (no, _) = ad_set_targets(&brief, Country::No, &[Placement::Podcast], Objective::Reach, None, p);
        assert_eq!(no.podcast_topics.len(), 1);
    }

    #[test]
    fn objectives_that_need_mobile_get_it() {
        let desktop = Targets { platforms: vec![Platform::Desktop], ..Targets::default() };
        let p = CategoryPolicy::default();
        let (t, notes) = ad_set_targets(&desktop, Country::Us, &[Placement::Music], Objective::VideoViews, None, p);
        assert_eq!(t.platforms, vec![Platform::Android, Platform::Ios]);
        assert_eq!(notes, vec![Notice::DesktopNotAllowed]);
        let (t, _) = ad_set_targets(
            &Targets::default(),
            Country::Us,
            &[Placement::Music],
            Objective::AppInstalls,
            Some(Platform::Android),
            p,
        );
        assert_eq!(t.platforms, vec![Platform::Android]);
    }

    #[test]
    fn caps_stay_within_the_api_limits() {
        for &objective in Objective::ALL {
            for cap in frequency_caps(objective) {
                let limit = CAP_LIMITS.iter().find(|(u, _)| *u == cap.frequency_unit).map(|(_, l)| *l);
                assert!(cap.max_impressions >= 1 && Some(cap.max_impressions) <= limit, "{objective}");
                assert!(cap.frequency_period >= 1);
            }
        }
    }
}
