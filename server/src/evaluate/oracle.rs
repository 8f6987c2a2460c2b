//! The oracle: Mixtape's own optimizer, given the market's true response instead of curves fitted from
//! history — the best the planner's allocation could do with perfect knowledge of the market.
//!
//! Start with [`plan`]. It calls `planner::plan::plan_with_responses`, which picks candidates, targeting
//! and forecasts as usual but asks [`true_response`] for each chosen ad set's curve. Because the planner
//! picks its candidates on the history's evidence, the oracle also tries the brief narrowed to every
//! subset of the formats and placements it allows (an advertiser's own choice, so still the same brief
//! and budget) and, when the budget funds only some of the brief's countries, every choice of that many,
//! and keeps the plan with the best true median result among those that deliver their budget, as the
//! optimizer itself puts delivery first (any plan when none delivers); [`best_result`] keeps the best
//! result whatever it spends.
//!
//! [`true_response`]'s curve is the planner's form, `c·(1 − exp(−s/d))` in USD, fitted (relative least
//! squares) to the truth's median outcome of that very ad set — its market, format, placements,
//! objective, audience, start and flight — at budgets from the 250 USD minimum to the whole plan's
//! budget. So the oracle knows the truth exactly at every budget it samples; what it cannot do is
//! allocate on a curve of another shape, which keeps it "Mixtape's optimizer" rather than a different
//! one. Like the planner's, each curve carries its delivery at every budget, here the truth's.

use planner::performance::PerformanceAnswer;
use planner::plan::rules::{formats_for, nearest_objective, placements_for};
use planner::plan::{CurveRequest, PlanOutcome, Response, Supply, plan_with_responses};
use planner::types::{AssetFormat, Brief, Currency, Placement, Plan, Targets};

use super::UNDER_DELIVERY;
use super::sim::{self, AdSetInput, simulate_ad_set};
use crate::seed::truth::Truth;

/// Budgets sampled per curve.
const SAMPLES: usize = 16;
/// Candidate scales tried per curve (log-spaced).
const SCALES: usize = 120;

/// The oracle's plan for a brief over the same history the other planners read: the best, in the truth's
/// median outcome, of the optimizer's plans on true curves for the brief and its narrowings.
pub fn plan(truth: &Truth, brief: &Brief, history: &PerformanceAnswer) -> PlanOutcome {
    best_of(truth, brief, history, Goal::DeliverThenResult)
}

/// The plan with the best true result whatever it spends: the optimizer on true curves that say nothing of
/// delivery beyond each ad set's capacity, over the brief and its narrowings. What Mixtape's delivery
/// guard costs is measured against it.
pub fn best_result(truth: &Truth, brief: &Brief, history: &PerformanceAnswer) -> PlanOutcome {
    best_of(truth, brief, history, Goal::Result)
}

/// What the oracle optimises.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Goal {
    /// Like the optimizer: a plan that delivers its budget beats one that does not, whatever it buys.
    DeliverThenResult,
    /// The result alone.
    Result,
}

fn best_of(truth: &Truth, brief: &Brief, history: &PerformanceAnswer, goal: Goal) -> PlanOutcome {
    let respond = |request: &CurveRequest<'_>| match goal {
        Goal::DeliverThenResult => true_response(truth, request),
        Goal::Result => {
            let r = true_response(truth, request);
            Response { delivery: Supply::default(), ..r }
        }
    };
    let value = |outcome: &PlanOutcome| {
        outcome.plan.as_ref().map_or((false, f64::NEG_INFINITY), |p| {
            let delivered = sim::expected(truth, p, brief.objective).expected;
            let delivers = goal == Goal::Result || delivered.delivery_rate() >= UNDER_DELIVERY;
            (delivers, delivered.brief_results)
        })
    };
    let mut best = plan_with_responses(brief, history, &respond);
    let mut best_value = value(&best);
    let funded = best.plan.as_ref().map_or(0, planned_countries);
    for variant in narrowings(brief).into_iter().chain(country_choices(brief, funded)) {
        let outcome = plan_with_responses(&variant, history, &respond);
        let v = value(&outcome);
        if v > best_value {
            (best, best_value) = (outcome, v);
        }
    }
    best
}

/// The optimizer on true curves over exactly the candidates Mixtape picks for the brief: what allocation
/// alone could gain.
pub fn same_candidates(truth: &Truth, brief: &Brief, history: &PerformanceAnswer) -> PlanOutcome {
    plan_with_responses(brief, history, &|request| true_response(truth, request))
}

/// The brief restricted to each non-empty subset of the formats and placements it allows (the brief
/// itself excluded).
fn narrowings(brief: &Brief) -> Vec<Brief> {
    let formats: Vec<AssetFormat> =
        if brief.formats.is_empty() { formats_for(brief.objective).to_vec() } else { brief.formats.clone() };
    let placements: Vec<Placement> =
        if brief.placements.is_empty() { Placement::ALL.to_vec() } else { brief.placements.clone() };
    let subsets = |n: usize| (1..(1u32 << n)).map(move |mask| (0..n).filter(move |i| mask & (1 << i) != 0));
    let mut out = Vec::new();
    for fs in subsets(formats.len()) {
        let fs: Vec<AssetFormat> = fs.map(|i| formats[i]).collect();
        for ps in subsets(placements.len()) {
            let ps: Vec<Placement> = ps.map(|i| placements[i]).collect();
            // Skip narrowings no format can run on.
            let runnable = fs.iter().any(|f| {
                let objective = nearest_objective(brief.objective, *f);
                placements_for(*f, objective).iter().any(|p| ps.contains(p))
            });
            let variant = Brief { formats: fs.clone(), placements: ps, ..brief.clone() };
            if runnable && variant != *brief {
                out.push(variant);
            }
        }
    }
    out
}

/// When the budget funds only `funded` of the brief's countries, the brief restricted to each choice of
/// that many: the planner picks them on the history's evidence, the oracle on the truth.
fn country_choices(brief: &Brief, funded: usize) -> Vec<Brief> {
    let countries = &brief.targets.countries;
    // Every subset is tried, so a brief of many countries (none among the generated ones) is not.
    if funded == 0 || funded >= countries.len() || countries.len() > 8 {
        return Vec::new();
    }
    (1u32..(1 << countries.len()))
        .filter(|mask| mask.count_ones() as usize == funded)
        .map(|mask| {
            let chosen = (0..countries.len()).filter(|i| mask & (1 << i) != 0).map(|i| countries[i]).collect();
            Brief { targets: Targets { countries: chosen, ..brief.targets.clone() }, ..brief.clone() }
        })
        .collect()
}

/// The distinct countries a plan covers.
fn planned_countries(plan: &Plan) -> usize {
    let mut countries: Vec<_> = plan.ad_sets.iter().map(|a| a.country).collect();
    countries.sort();
    countries.dedup();
    countries.len()
}

/// The planner-form curve closest to the truth's median response of one ad set, with the truth's delivery
/// at each sampled budget as its delivery curve (a `Supply`, read as the planner reads its history's).
pub fn true_response(truth: &Truth, r: &CurveRequest<'_>) -> Response {
    let top = r.plan_budget_usd.max(250.0);
    let low = 50.0_f64.min(top / 4.0);
    let budgets: Vec<f64> =
        (0..SAMPLES).map(|i| low * libm::pow(top * 1.2 / low, i as f64 / (SAMPLES - 1) as f64)).collect();
    let outcomes: Vec<(f64, sim::Delivered)> = budgets
        .iter()
        .map(|&usd| {
            let input = AdSetInput {
                country: r.country,
                format: r.format,
                placements: r.placements,
                objective: r.objective,
                audience: r.audience,
                start: r.start,
                days: r.days,
                budget_micros: (usd * 1e6) as i64,
                currency: Currency::Usd,
            };
            (usd, simulate_ad_set(truth, &input, r.brief_objective, None))
        })
        .collect();
    let points: Vec<(f64, f64)> =
        outcomes.iter().map(|(usd, d)| (*usd, d.brief_results)).filter(|(_, y)| *y > 0.0).collect();
    let Some((ceiling, scale)) = fit(&points) else { return Response::flat() };
    // The planner's own reading of a supply curve, here on the truth's delivery at each sampled budget.
    Response::new(
        ceiling,
        scale,
        Supply::from_knots(outcomes.iter().map(|(usd, d)| (*usd, d.delivery_rate())).collect()),
    )
}

/// Least squares in relative error of `c·(1 − exp(−s/d))` to the points: for each scale `d` on a log grid
/// the best `c` is closed-form; the best pair `(c, d)` wins when it is positive and finite.
fn fit(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let (min_s, max_s) = points.iter().fold((f64::MAX, 0.0_f64), |(a, b), (s, _)| (a.min(*s), b.max(*s)));
    if points.len() < 2 || max_s <= 0.0 {
        return None;
    }
    let (lo, hi) = (libm::log(min_s / 10.0), libm::log(max_s * 1000.0));
    let mut best: Option<(f64, f64, f64)> = None;
    for i in 0..SCALES {
        let d = libm::exp(lo + (hi - lo) * i as f64 / (SCALES - 1) as f64);
        let g: Vec<f64> = points.iter().map(|(s, _)| -libm::expm1(-s / d)).collect();
        let num: f64 = points.iter().zip(&g).map(|((_, y), g)| g / y).sum();
        let den: f64 = points.iter().zip(&g).map(|((_, y), g)| g * g / (y * y)).sum();
        if den <= 0.0 {
            continue;
        }
        let c = num / den;
        let err: f64 = points.iter().zip(&g).map(|((_, y), g)| (c * g / y - 1.0).powi(2)).sum();
        if best.is_none_or(|(e, ..)| err < e) {
            best = Some((err, c, d));
        }
    }
    best.map(|(_, c, d)| (c, d)).filter(|(c, d)| *c > 0.0 && c.is_finite() && d.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use planner::types::{Country, Objective, Targets};

    #[test]
    fn a_small_audience_absorbs_less_than_a_big_budget() {
        let truth = Truth::calibrated(42);
        let targets = Targets::default();
        let request = |audience: u64| CurveRequest {
            country: Country::Us,
            format: AssetFormat::Audio,
            placements: &[Placement::Music],
            objective: Objective::Reach,
            brief_objective: Objective::Reach,
            targets: &targets,
            audience,
            start: chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default(),
            days: 30,
            plan_budget_usd: 100_000.0,
        };
        let narrow = true_response(&truth, &request(50_000));
        assert!(narrow.usable() && narrow.capacity < 20_000.0, "{narrow:?}");
        let broad = true_response(&truth, &request(40_000_000));
        assert!(broad.usable() && broad.capacity > 100_000.0, "{broad:?}");
    }

    #[test]
    fn the_fit_recovers_an_exponential() {
        let truth = Response::new(1e6, 3_000.0, Supply::default());
        let points: Vec<(f64, f64)> = [250.0, 800.0, 2_000.0, 6_000.0, 15_000.0].map(|s| (s, truth.at(s))).to_vec();
        let (ceiling, scale) = fit(&points).expect("fit");
        assert!((scale / 3_000.0 - 1.0).abs() < 0.05, "{scale}");
        assert!((ceiling / 1e6 - 1.0).abs() < 0.05, "{ceiling}");
    }
}
