//! Which ad sets could run, how good the evidence says each is, and which ones the plan keeps.
//!
//! Start with [`enumerate`] (every combination of format, placements, objective and — for app installs —
//! store that the Ads API accepts and the brief allows), then [`score`] (the rules Spotify's planner
//! describes: cost against the market's historical median for the objective's cost metric, delivery near
//! 100%, similar budget and duration, targeting overlap, and how much evidence there is), then [`select`]
//! (the best per country first, then more ad sets round-robin, never two with the same format and
//! objective in one country).

use super::history::{self, History, Row, cost_metric};
use super::rules;
use crate::types::{AgeRange, AssetFormat, Brief, Country, Objective, Placement, Platform, Targets};

/// One possible ad set.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    /// Market.
    pub country: Country,
    /// Format.
    pub format: AssetFormat,
    /// Objective (the brief's, or the nearest one the format accepts).
    pub objective: Objective,
    /// Placements (sorted).
    pub placements: Vec<Placement>,
    /// The one store an app-install ad set targets.
    pub store: Option<Platform>,
}

/// Every valid candidate in a country for the brief.
pub fn enumerate(brief: &Brief, country: Country) -> Vec<Candidate> {
    let mut out = Vec::new();
    for format in formats(brief) {
        let objective = rules::nearest_objective(brief.objective, format);
        for placements in placement_sets(brief, format, objective) {
            for store in stores(brief, objective) {
                out.push(Candidate { country, format, objective, placements: placements.clone(), store });
            }
        }
    }
    out
}

/// The requested formats, or every format the objective takes.
fn formats(brief: &Brief) -> Vec<AssetFormat> {
    if brief.formats.is_empty() {
        return rules::formats_for(brief.objective).to_vec();
    }
    AssetFormat::ALL.iter().copied().filter(|f| brief.formats.contains(f)).collect()
}

/// Placement sets to consider: the requested set (narrowed to what the format may use), or — when the
/// planner chooses — each placement alone and both together. Podcast topics only work on podcasts, so
/// with topics in the brief the planner only offers sets that include podcasts (where the format can).
pub fn placement_sets(brief: &Brief, format: AssetFormat, objective: Objective) -> Vec<Vec<Placement>> {
    let allowed = rules::placements_for(format, objective);
    if !brief.placements.is_empty() {
        let wanted: Vec<Placement> = allowed.iter().copied().filter(|p| brief.placements.contains(p)).collect();
        return vec![if wanted.is_empty() { allowed.to_vec() } else { wanted }];
    }
    let mut sets: Vec<Vec<Placement>> = allowed.iter().map(|p| vec![*p]).collect();
    if allowed.len() > 1 {
        sets.push(allowed.to_vec());
    }
    if !brief.targets.podcast_topics.is_empty() && allowed.contains(&Placement::Podcast) {
        sets.retain(|s| s.contains(&Placement::Podcast));
    }
    sets
}

/// The stores an app-install ad set may target: IOS and/or ANDROID as the brief allows (both when it
/// only names desktop, which app installs cannot use). Other objectives have no store.
fn stores(brief: &Brief, objective: Objective) -> Vec<Option<Platform>> {
    if objective != Objective::AppInstalls {
        return vec![None];
    }
    let p = &brief.targets.platforms;
    let named: Vec<Option<Platform>> =
        [Platform::Ios, Platform::Android].into_iter().filter(|s| p.contains(s)).map(Some).collect();
    if named.is_empty() { vec![Some(Platform::Ios), Some(Platform::Android)] } else { named }
}

/// Distinct format + objective pairs a country can hold (the cap on its number of ad sets).
pub fn distinct_pairs(candidates: &[Candidate]) -> usize {
    let mut pairs: Vec<(AssetFormat, Objective)> = candidates.iter().map(|c| (c.format, c.objective)).collect();
    pairs.sort();
    pairs.dedup();
    pairs.len()
}

/// What the history says about a candidate.
#[derive(Clone, Debug, PartialEq)]
pub struct Stats {
    /// Comparable ad sets (same market, format, placement, objective).
    pub comparable: usize,
    /// Pooled ad sets (same format and objective, any answered market) used when there are none.
    pub pooled: usize,
    /// Median of the objective's cost metric, USD (the cell's, else pooled and price-adjusted).
    pub cost: Option<f64>,
    /// The market's median of that metric across formats and placements, USD.
    pub market_cost: Option<f64>,
    /// Median CPM, USD.
    pub cpm: Option<f64>,
    /// Median cost per result, USD.
    pub cost_per_result: Option<f64>,
    /// Median delivery rate (spend ÷ booked).
    pub delivery: Option<f64>,
}

impl Stats {
    /// Gathers the candidate's evidence: its own cell, else the pooled format and objective rescaled to
    /// this market's price index. `market_cost` is the market's median for the objective's cost metric.
    pub fn gather(history: &History, c: &Candidate, market_cost: Option<f64>) -> Stats {
        let own = history.cell(c.country, c.format, &c.placements, c.objective);
        let index = history.price_index(c.country);
        let rows: Vec<(&Row, f64)> = if own.is_empty() {
            history
                .pooled(c.format, &c.placements, c.objective)
                .map(|r| (r, index / history.price_index(r.country)))
                .collect()
        } else {
            own.iter().map(|r| (*r, 1.0)).collect()
        };
        let med = |f: &dyn Fn(&Row) -> Option<f64>| {
            history::median(rows.iter().filter_map(|(r, k)| f(r).map(|v| v * k)).collect())
        };
        Stats {
            comparable: own.len(),
            pooled: if own.is_empty() { rows.len() } else { 0 },
            cost: med(&|r| cost_metric(r, c.objective)),
            market_cost,
            cpm: med(&|r| r.cpm()),
            cost_per_result: med(&|r| r.cost_per_result()),
            delivery: history::median(rows.iter().map(|(r, _)| r.delivery()).collect()),
        }
    }
}

/// The market's median of the objective's cost metric; for a market without history, the median across
/// the answer's markets rescaled to its price index (so its formats still compete on price).
fn market_cost(history: &History, country: Country, objective: Objective) -> Option<f64> {
    let own: Vec<f64> = history.market(country, objective).filter_map(|r| cost_metric(r, objective)).collect();
    if !own.is_empty() {
        return history::median(own);
    }
    let index = history.price_index(country);
    history::median(
        history
            .rows
            .iter()
            .filter(|r| r.objective == objective)
            .filter_map(|r| cost_metric(r, objective).map(|v| v * index / history.price_index(r.country)))
            .collect(),
    )
}

/// A candidate with its evidence and score.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    /// The candidate.
    pub candidate: Candidate,
    /// Its evidence.
    pub stats: Stats,
    /// Higher is better; roughly 0..1.
    pub score: f64,
}

/// What the ranking compares history with.
#[derive(Clone, Copy, Debug)]
pub struct Wanted<'a> {
    /// The brief's objective.
    pub objective: Objective,
    /// The brief's targets.
    pub targets: &'a Targets,
    /// Budget per ad set, USD over the flight.
    pub budget_usd: f64,
    /// Flight length, days.
    pub days: f64,
}

/// Weights of the ranking rules (sum to 1). Cost leads, as in Spotify's planner; evidence counts so a cell
/// with fifty comparable ad sets beats an equally priced guess.
const W_COST: f64 = 0.35;
const W_DELIVERY: f64 = 0.2;
const W_BUDGET: f64 = 0.1;
const W_DURATION: f64 = 0.1;
const W_TARGETING: f64 = 0.15;
const W_EVIDENCE: f64 = 0.1;
const SUBSTITUTE_PENALTY: f64 = 1.0;

/// Scores a candidate on its history, against the market's median cost for its objective.
pub fn score(history: &History, candidate: Candidate, wanted: Wanted<'_>, market_cost: Option<f64>) -> Scored {
    let stats = Stats::gather(history, &candidate, market_cost);
    let own = history.cell(candidate.country, candidate.format, &candidate.placements, candidate.objective);
    // Half a point means "as the market": a cell at half the median cost gets a full point, double gets none.
    let cost = match (stats.cost, stats.market_cost) {
        (Some(c), Some(m)) if c > 0.0 && m > 0.0 => {
            (0.5 + 0.5 * libm::log(m / c) / core::f64::consts::LN_2).clamp(0.0, 1.0)
        }
        _ => 0.5,
    };
    let delivery = stats.delivery.map_or(0.5, |d| (1.0 - 4.0 * (1.0 - d).abs()).clamp(0.0, 1.0));
    let targets = store_targets(wanted.targets, candidate.store);
    let mean = |f: &dyn Fn(&Row) -> f64| {
        if own.is_empty() { 0.5 } else { own.iter().map(|r| f(r)).sum::<f64>() / own.len() as f64 }
    };
    let budget = mean(&|r| similarity(r.booked_usd, wanted.budget_usd, 3.0));
    let duration = mean(&|r| similarity(r.days, wanted.days, 2.0));
    let ages = AgeYears::new(&targets.age_ranges);
    let targeting = mean(&|r| overlap(r, &targets, &ages));
    let n = own.len() as f64;
    let evidence = n / (n + 5.0);
    // An ad set that cannot pursue the brief's objective (a requested format the objective refuses) always
    // ranks below those that can: the penalty exceeds the whole range of the other terms.
    let substitute = if candidate.objective == wanted.objective { 0.0 } else { SUBSTITUTE_PENALTY };
    let score = W_COST * cost
        + W_DELIVERY * delivery
        + W_BUDGET * budget
        + W_DURATION * duration
        + W_TARGETING * targeting
        + W_EVIDENCE * evidence
        - substitute;
    Scored { candidate, stats, score: if score.is_finite() { score } else { 0.0 } }
}

/// The brief's targets with an app-install ad set's single store.
fn store_targets(targets: &Targets, store: Option<Platform>) -> Targets {
    match store {
        Some(s) => Targets { platforms: vec![s], ..targets.clone() },
        None => targets.clone(),
    }
}

/// 1 when equal, ½ when `a` is `factor` times `b` (either way), falling off in log distance.
fn similarity(a: f64, b: f64, factor: f64) -> f64 {
    if !(a > 0.0 && b > 0.0) {
        return 0.0;
    }
    let d = libm::log(a / b) / libm::log(factor);
    1.0 / (1.0 + d * d)
}

/// Targeting overlap of a historical ad set with the brief: the mean of Jaccard overlaps over ages,
/// genders, platforms and interests (an empty list means everyone).
fn overlap(row: &Row, t: &Targets, ages: &AgeYears) -> f64 {
    let age = ages.overlap(row.age_min, row.age_max);
    let gender = jaccard(
        row.gender.map_or(3, |_| 1),
        t.genders.len(),
        row.gender.is_none_or(|g| t.genders.is_empty() || t.genders.contains(&g)),
        3,
    );
    let platform = jaccard(
        row.platform.map_or(3, |_| 1),
        t.platforms.len(),
        row.platform.is_none_or(|p| t.platforms.is_empty() || t.platforms.contains(&p)),
        3,
    );
    // A slug on one side only is a partial match: one of them is the whole market.
    let interest = match (&row.interest, t.interests.len() + t.genres.len()) {
        (None, 0) => 1.0,
        (None, _) | (Some(_), 0) => 0.5,
        (Some(i), _) if t.interests.contains(i) || t.genres.contains(i) => 1.0,
        (Some(_), _) => 0.0,
    };
    (age + gender + platform + interest) / 4.0
}

/// Jaccard overlap of a one-value-or-all history restriction (`row_len` values) with the brief's list
/// (`brief_len` values, 0 meaning all of `universe`). `contains` says whether they intersect.
fn jaccard(row_len: usize, brief_len: usize, contains: bool, universe: usize) -> f64 {
    let brief_len = if brief_len == 0 { universe } else { brief_len.min(universe) };
    if !contains {
        return 0.0;
    }
    let inter = row_len.min(brief_len);
    let union = row_len.max(brief_len);
    inter as f64 / union.max(1) as f64
}

/// The brief's ages as running counts of covered years, so the overlap with any historical age band is a
/// few lookups instead of a walk over 87 years per row.
struct AgeYears {
    /// `below[i]` = brief years from 13 up to (not including) age 13 + i.
    below: [u32; 88],
}

impl AgeYears {
    const FIRST: u8 = 13;
    const LAST: u8 = 99;

    fn new(ranges: &[AgeRange]) -> AgeYears {
        let mut below = [0u32; 88];
        for a in Self::FIRST..=Self::LAST {
            let i = usize::from(a - Self::FIRST);
            let inside = ranges.is_empty() || ranges.iter().any(|r| r.min <= a && a <= r.max);
            below[i + 1] = below[i] + u32::from(inside);
        }
        AgeYears { below }
    }

    /// Brief years below `age`.
    fn count_below(&self, age: u8) -> u32 {
        self.below[usize::from(age.clamp(Self::FIRST, Self::LAST + 1) - Self::FIRST)]
    }

    /// Jaccard overlap, in years, of the band `min..=max` with the brief's ages.
    fn overlap(&self, min: u8, max: u8) -> f64 {
        let (min, max) = (min.max(Self::FIRST), max.min(Self::LAST));
        if min > max {
            return 0.0;
        }
        let brief = self.count_below(Self::LAST + 1);
        let inter = self.count_below(max + 1) - self.count_below(min);
        let union = brief + u32::from(max - min + 1) - inter;
        if union == 0 { 0.0 } else { f64::from(inter) / f64::from(union) }
    }
}

/// Candidates of one country, best first.
#[derive(Clone, Debug)]
pub struct CountryOptions {
    /// Market.
    pub country: Country,
    /// Scored candidates, best first (ties in canonical order).
    pub ranked: Vec<Scored>,
    /// Targetable listeners (for sharing extra ad sets: bigger markets first).
    pub audience: u64,
    /// The brief's result its best candidate is forecast to buy (0 until the planner forecasts it).
    pub best_forecast: f64,
}

impl CountryOptions {
    /// Scores and ranks a country's candidates.
    pub fn new(history: &History, candidates: Vec<Candidate>, wanted: Wanted<'_>, audience: u64) -> Option<Self> {
        let country = candidates.first()?.country;
        // One market median per objective (a brief has at most three), not one per candidate.
        let mut medians: Vec<(Objective, Option<f64>)> = Vec::new();
        for c in &candidates {
            if !medians.iter().any(|(o, _)| *o == c.objective) {
                medians.push((c.objective, market_cost(history, country, c.objective)));
            }
        }
        let median_for = |o: Objective| medians.iter().find(|(m, _)| *m == o).and_then(|(_, v)| *v);
        let mut ranked: Vec<Scored> = candidates
            .into_iter()
            .map(|c| {
                let market = median_for(c.objective);
                score(history, c, wanted, market)
            })
            .collect();
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.candidate.cmp(&b.candidate)));
        Some(CountryOptions { country, ranked, audience, best_forecast: 0.0 })
    }
}

/// A second app-install ad set in a country prefers the other store, so both app stores are covered
/// unless the evidence for one is clearly worse.
const SAME_STORE_PENALTY: f64 = 0.15;

/// Picks `total` ad sets from the countries (assumed already limited to those the budget can fund): each
/// country's best first, then one more at a time round-robin over the countries by audience, largest
/// first. Returned in the countries' order, best first within a country.
pub fn select(countries: &[CountryOptions], total: usize) -> Vec<Scored> {
    let mut picks: Vec<Vec<Scored>> = vec![Vec::new(); countries.len()];
    let mut left = total;
    for (i, options) in countries.iter().enumerate() {
        if left == 0 {
            break;
        }
        if let Some(p) = next_pick(options, &picks[i]) {
            picks[i].push(p);
            left -= 1;
        }
    }
    let mut order: Vec<usize> = (0..countries.len()).collect();
    order.sort_by(|a, b| countries[*b].audience.cmp(&countries[*a].audience).then(a.cmp(b)));
    while left > 0 {
        let mut added = false;
        for &i in &order {
            if left == 0 {
                break;
            }
            if let Some(p) = next_pick(&countries[i], &picks[i]) {
                picks[i].push(p);
                left -= 1;
                added = true;
            }
        }
        if !added {
            break;
        }
    }
    picks.into_iter().flatten().collect()
}

/// The country's best remaining candidate whose format + objective is not taken yet.
fn next_pick(options: &CountryOptions, taken: &[Scored]) -> Option<Scored> {
    let used =
        |c: &Candidate| taken.iter().any(|t| t.candidate.format == c.format && t.candidate.objective == c.objective);
    let store_used = |c: &Candidate| c.store.is_some() && taken.iter().any(|t| t.candidate.store == c.store);
    options
        .ranked
        .iter()
        .filter(|s| !used(&s.candidate))
        .map(|s| (s.score - if store_used(&s.candidate) { SAME_STORE_PENALTY } else { 0.0 }, s))
        // `ranked` is already in canonical tie order, so keep the first of equal scores.
        .fold(None, |best: Option<(f64, &Scored)>, (v, s)| match best {
            Some((b, _)) if b >= v => best,
            _ => Some((v, s)),
        })
        .map(|(_, s)| s.clone())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::types::{Budget, BudgetType, Currency, Schedule};
    use chrono::NaiveDate;

    pub(crate) fn brief(objective: Objective) -> Brief {
        Brief {
            objective,
            ad_category: "ADV_23_217".into(),
            budget: Some(Budget { micro_amount: 10_000_000_000, currency: Currency::Usd, kind: BudgetType::Lifetime }),
            schedule: NaiveDate::from_ymd_opt(2026, 4, 1)
                .zip(NaiveDate::from_ymd_opt(2026, 4, 30))
                .map(|(start, end)| Schedule { start, end }),
            targets: Targets { countries: vec![Country::Br], ..Targets::default() },
            formats: vec![],
            placements: vec![],
        }
    }

    #[test]
    fn every_enumerated_candidate_is_valid() {
        for &objective in Objective::ALL {
            for formats in [vec![], vec![AssetFormat::Image], vec![AssetFormat::Audio, AssetFormat::Video]] {
                for placements in [vec![], vec![Placement::Podcast], vec![Placement::Music, Placement::Podcast]] {
                    let b = Brief { formats: formats.clone(), placements: placements.clone(), ..brief(objective) };
                    let cs = enumerate(&b, Country::Br);
                    assert!(!cs.is_empty(), "{objective} {formats:?} {placements:?}");
                    for c in cs {
                        let platforms: Vec<Platform> = match (c.objective, c.store) {
                            (_, Some(s)) => vec![s],
                            (Objective::VideoViews, _) => vec![Platform::Ios],
                            _ => vec![],
                        };
                        assert!(rules::is_valid(c.format, &c.placements, c.objective, &platforms), "{c:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_format_the_objective_cannot_use_gets_the_nearest_objective() {
        let b = Brief { formats: vec![AssetFormat::Image], ..brief(Objective::Reach) };
        let cs = enumerate(&b, Country::Br);
        assert!(
            cs.iter().all(|c| c.objective == Objective::EvenImpressionDelivery && c.placements == [Placement::Music])
        );
    }

    #[test]
    fn app_installs_respect_a_single_requested_store() {
        let mut b = brief(Objective::AppInstalls);
        b.targets.platforms = vec![Platform::Android];
        assert!(enumerate(&b, Country::Br).iter().all(|c| c.store == Some(Platform::Android)));
        b.targets.platforms = vec![];
        let stores: Vec<_> = enumerate(&b, Country::Br).iter().map(|c| c.store).collect();
        assert!(stores.contains(&Some(Platform::Ios)) && stores.contains(&Some(Platform::Android)));
    }

    #[test]
    fn podcast_topics_steer_to_podcast_placement() {
        let mut b = brief(Objective::Reach);
        b.targets.podcast_topics = vec!["sports".into()];
        assert!(enumerate(&b, Country::Br).iter().all(|c| c.placements.contains(&Placement::Podcast)));
    }

    #[test]
    fn overlap_rewards_matching_targeting() {
        let h = History::new(&[crate::plan::history::tests::row(Country::Br, Currency::Usd, 1_000_000_000, 60_000)]);
        let r = &h.rows[0];
        let everyone = Targets::default();
        let narrow = Targets {
            age_ranges: vec![AgeRange { min: 18, max: 24 }],
            genders: vec![crate::types::Gender::Female],
            interests: vec!["gaming".into()],
            ..Targets::default()
        };
        let (all_ages, young) = (AgeYears::new(&[]), AgeYears::new(&narrow.age_ranges));
        assert!(overlap(r, &everyone, &all_ages) > overlap(r, &narrow, &young));
        assert!((young.overlap(18, 24) - 1.0).abs() < 1e-12);
        assert!((young.overlap(18, 31) - 0.5).abs() < 1e-12);
        assert_eq!(young.overlap(30, 40), 0.0);
        assert!((all_ages.overlap(13, 99) - 1.0).abs() < 1e-12);
        assert!(similarity(100.0, 100.0, 3.0) > similarity(100.0, 300.0, 3.0));
        assert!((similarity(100.0, 300.0, 3.0) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn selection_never_repeats_a_format_and_objective_in_a_country() {
        let h = History::default();
        let b = brief(Objective::AppInstalls);
        let wanted = Wanted { objective: b.objective, targets: &b.targets, budget_usd: 5000.0, days: 30.0 };
        let opts = CountryOptions::new(&h, enumerate(&b, Country::Br), wanted, 1_000_000).expect("some");
        let picks = select(&[opts], 5);
        assert_eq!(picks.len(), 2);
        assert_ne!(picks[0].candidate.format, picks[1].candidate.format);
        // With nothing to tell them apart, the two ad sets cover both stores.
        assert_ne!(picks[0].candidate.store, picks[1].candidate.store);
    }
}
