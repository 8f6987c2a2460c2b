//! The most any plan valid under SPEC §4 can buy on the truth: an upper bound on every planner's result,
//! whoever's optimizer made the plan. The oracle is Mixtape's own optimizer given the truth; this bound
//! does not depend on it, so it says how much room is left at all.
//!
//! Start with [`best_result`]. It lists every ad set the rules allow for the brief — each country and
//! format it permits (with the nearest objective where a format forces one), on each allowed placement or
//! all of them, for app installs on each store — and keeps, for each country and format, the best of them
//! at every budget: a relaxation (the placements may differ between budgets) that can only raise the
//! bound. The budget is split among exactly as many ad sets as SPEC §4's table allows, each given at least
//! the 250 USD minimum, by dynamic programming over a grid of [`STEPS`] equal shares of the rest, which is
//! exact on that grid whatever the curves' shape. Every point is the truth's median outcome.

use chrono::NaiveDate;
use planner::plan::ad_sets_for_budget;
use planner::plan::rules::{formats_for, nearest_objective, placements_for};
use planner::taxonomy::fx;
use planner::types::{AssetFormat, Brief, BudgetType, Country, Currency, Objective, Placement, Platform, Targets};

use super::sim::{self, AdSetInput, Delivered, simulate_ad_set};
use crate::seed::truth::Truth;

/// Equal shares of the budget above the minimums that the split moves in.
pub const STEPS: usize = 200;

/// The minimum an ad set spends over its flight, USD micros (SPEC §4).
const MIN_USD_MICROS: i64 = 250_000_000;

/// The best median result of the brief's objective any valid plan of the brief buys (0 when none can be
/// made: no schedule, no budget, a budget below one ad set's minimum, or more than [`MAX_SLOTS`]
/// combinations to choose from).
pub fn best_result(truth: &Truth, brief: &Brief) -> f64 {
    best(truth, brief, |d| d.brief_results)
}

/// The largest share of its budget any valid plan of the brief delivers (median outcome): below
/// [`super::UNDER_DELIVERY`], no planner can spend the brief's budget.
pub fn most_delivered(truth: &Truth, brief: &Brief) -> f64 {
    let Some(frame) = Frame::of(brief) else { return 0.0 };
    best(truth, brief, |d| d.spend_micros as f64) / frame.total.max(1) as f64
}

/// The most of `metric` any valid plan of the brief buys.
fn best(truth: &Truth, brief: &Brief, metric: impl Fn(&Delivered) -> f64 + Copy) -> f64 {
    let Some(frame) = Frame::of(brief) else { return 0.0 };
    let slots = slots(brief);
    if slots.len() > MAX_SLOTS {
        return 0.0;
    }
    let fundable = usize::try_from(frame.total / frame.minimum).unwrap_or(0);
    // SPEC §4: the table's count (four or five above 15,000 EUR), at least one per country, no more than
    // the budget funds or the valid combinations allow.
    let table = ad_sets_for_budget(fx::to_eur(frame.total, frame.currency));
    let counts = if table >= 4 { 4..=5 } else { table..=table };
    let countries = brief.targets.countries.len();
    counts
        .map(|n| n.max(countries).min(fundable).min(slots.len()))
        .filter(|n| *n > 0)
        .map(|n| best_split(truth, brief.objective, &frame, &slots, n, metric))
        .fold(0.0, f64::max)
}

/// Briefs with more country × format combinations than this (five countries or more) are not bounded:
/// every choice of them is tried.
const MAX_SLOTS: usize = 12;

/// The brief's money and flight.
struct Frame {
    total: i64,
    minimum: i64,
    currency: Currency,
    start: NaiveDate,
    days: u32,
}

impl Frame {
    fn of(brief: &Brief) -> Option<Frame> {
        let (budget, schedule) = (brief.budget?, brief.schedule?);
        let days = u32::try_from(schedule.days()).ok().filter(|d| *d > 0)?;
        let total = match budget.kind {
            BudgetType::Lifetime => budget.micro_amount,
            BudgetType::Daily => budget.micro_amount.saturating_mul(i64::from(days)),
        };
        let minimum = fx::convert(MIN_USD_MICROS, Currency::Usd, budget.currency).max(1);
        Some(Frame { total, minimum, currency: budget.currency, start: schedule.start, days })
    }
}

/// The most of `metric` that `n` of the slots buy splitting the budget, each given at least the minimum.
fn best_split(
    truth: &Truth,
    objective: Objective,
    frame: &Frame,
    slots: &[Slot],
    n: usize,
    metric: impl Fn(&Delivered) -> f64,
) -> f64 {
    let step = (frame.total - frame.minimum * n as i64) / STEPS as i64;
    // Each slot's best at the minimum plus 0..=STEPS steps.
    let curves: Vec<Vec<f64>> = slots
        .iter()
        .map(|slot| {
            (0..=STEPS)
                .map(|j| {
                    slot.options
                        .iter()
                        .map(|(placements, audience)| {
                            let input = AdSetInput {
                                country: slot.country,
                                format: slot.format,
                                placements,
                                objective: slot.objective,
                                audience: *audience,
                                start: frame.start,
                                days: frame.days,
                                budget_micros: frame.minimum + step * j as i64,
                                currency: frame.currency,
                            };
                            metric(&simulate_ad_set(truth, &input, objective, None))
                        })
                        .fold(0.0, f64::max)
                })
                .collect()
        })
        .collect();
    let mut best = 0.0_f64;
    for chosen in subsets(slots.len(), n) {
        // split[j]: the most the slots chosen so far buy with j steps among them.
        let mut split = vec![0.0_f64; STEPS + 1];
        for &s in &chosen {
            split = (0..=STEPS)
                .map(|j| (0..=j).map(|k| split[j - k] + curves[s][k]).fold(f64::NEG_INFINITY, f64::max))
                .collect();
        }
        best = best.max(split[STEPS]);
    }
    best
}

/// One country and format: the ad sets it may be, as (placements, audience) pairs.
struct Slot {
    country: Country,
    format: AssetFormat,
    objective: Objective,
    options: Vec<(Vec<Placement>, u64)>,
}

/// Every country × format the brief allows, with its valid placements and store targeting. Placements
/// asked for that none of the formats can run on ("video views on podcasts") are set aside, as the
/// planner does.
fn slots(brief: &Brief) -> Vec<Slot> {
    let formats = if brief.formats.is_empty() { formats_for(brief.objective) } else { brief.formats.as_slice() };
    let runnable = formats.iter().any(|f| {
        placements_for(*f, nearest_objective(brief.objective, *f)).iter().any(|p| brief.placements.contains(p))
    });
    let asked: &[Placement] = if runnable { &brief.placements } else { &[] };
    let mut out = Vec::new();
    for &country in &brief.targets.countries {
        for &format in formats {
            let objective = nearest_objective(brief.objective, format);
            let placements: Vec<Placement> = placements_for(format, objective)
                .iter()
                .copied()
                .filter(|p| asked.is_empty() || asked.contains(p))
                .collect();
            let mut placement_sets: Vec<Vec<Placement>> = placements.iter().map(|p| vec![*p]).collect();
            if placements.len() > 1 {
                placement_sets.push(placements.clone());
            }
            let stores = platforms(brief, objective);
            let options: Vec<(Vec<Placement>, u64)> = placement_sets
                .iter()
                .flat_map(|ps| {
                    stores.iter().map(move |platforms| {
                        let targets =
                            Targets { countries: vec![country], platforms: platforms.clone(), ..brief.targets.clone() };
                        (ps.clone(), sim::audience(&targets, country))
                    })
                })
                .collect();
            if !options.is_empty() {
                out.push(Slot { country, format, objective, options });
            }
        }
    }
    out
}

/// The platform targetings an ad set of this objective may have (SPEC §4 and the Ads API's rules): one
/// store for app installs, mobile for video views, the brief's own otherwise.
fn platforms(brief: &Brief, objective: Objective) -> Vec<Vec<Platform>> {
    let allowed = |p: &Platform| brief.targets.platforms.is_empty() || brief.targets.platforms.contains(p);
    match objective {
        Objective::AppInstalls => {
            [Platform::Ios, Platform::Android].into_iter().filter(allowed).map(|p| vec![p]).collect()
        }
        Objective::VideoViews => {
            let mobile: Vec<Platform> = [Platform::Android, Platform::Ios].into_iter().filter(allowed).collect();
            if mobile.is_empty() { Vec::new() } else { vec![mobile] }
        }
        _ => vec![brief.targets.platforms.clone()],
    }
}

/// Every `k`-element subset of `0..n`, as index lists.
fn subsets(n: usize, k: usize) -> impl Iterator<Item = Vec<usize>> {
    (0u32..(1 << n))
        .filter(move |m| m.count_ones() as usize == k)
        .map(move |m| (0..n).filter(|i| m & (1 << i) != 0).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use planner::types::{Budget, Schedule};

    fn brief(objective: Objective, eur: i64, placements: Vec<Placement>) -> Brief {
        let start = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default();
        Brief {
            objective,
            ad_category: "ADV_21_182".to_owned(),
            budget: Some(Budget { micro_amount: eur * 1_000_000, currency: Currency::Eur, kind: BudgetType::Lifetime }),
            schedule: Some(Schedule { start, end: start.checked_add_days(chrono::Days::new(27)).unwrap_or(start) }),
            targets: Targets { countries: vec![Country::De], ..Targets::default() },
            formats: vec![],
            placements,
        }
    }

    fn result(truth: &Truth, b: &Brief, format: AssetFormat, placement: Placement, micros: i64) -> f64 {
        let input = AdSetInput {
            country: Country::De,
            format,
            placements: &[placement],
            objective: b.objective,
            audience: sim::audience(&b.targets, Country::De),
            start: b.schedule.map(|s| s.start).unwrap_or_default(),
            days: 28,
            budget_micros: micros,
            currency: Currency::Eur,
        };
        simulate_ad_set(truth, &input, b.objective, None).brief_results
    }

    #[test]
    fn the_bound_is_at_least_any_valid_plan() {
        let truth = Truth::calibrated(42);
        // Under 1,000 EUR: one ad set with the whole budget.
        let small = brief(Objective::Clicks, 800, vec![]);
        let one = result(&truth, &small, AssetFormat::Video, Placement::Podcast, 800_000_000);
        assert!(best_result(&truth, &small) >= one && one > 0.0);
        // 3,000 EUR: two ad sets, here split evenly.
        let two = brief(Objective::Clicks, 3_000, vec![]);
        let even = result(&truth, &two, AssetFormat::Audio, Placement::Music, 1_500_000_000)
            + result(&truth, &two, AssetFormat::Video, Placement::Music, 1_500_000_000);
        assert!(best_result(&truth, &two) >= even);
        assert!((0.95..=1.0).contains(&most_delivered(&truth, &two)), "a broad German audience takes 3,000 EUR");
    }

    #[test]
    fn briefs_no_plan_can_serve_have_no_bound() {
        let truth = Truth::calibrated(42);
        assert_eq!(best_result(&truth, &brief(Objective::Reach, 100, vec![])), 0.0, "below one ad set's minimum");
        // Video views cannot run on podcasts: the planner sets the placement aside, and so does the bound.
        assert!(best_result(&truth, &brief(Objective::VideoViews, 3_000, vec![Placement::Podcast])) > 0.0);
    }
}
