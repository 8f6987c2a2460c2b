//! An ad set's forecast: impressions, reach, clicks and the objective's result as p10/p50/p90, plus the
//! expected CPM and cost per result in the plan's currency.
//!
//! Start with [`forecast`]. The p50 is the fitted curve at the ad set's budget, scaled to its audience and
//! flight; p10 and p90 come from the spread of the history around the curve (see `model.rs`). The ranges
//! are then made consistent percentile by percentile: reach never above impressions or the targetable
//! audience, clicks and results never above impressions.

use super::model::{CellModel, Metric};
use crate::types::{Currency, Forecast, Money, Objective, Range};

/// What the forecast is for.
#[derive(Clone, Copy, Debug)]
pub struct Inputs<'a> {
    /// The ad set's fitted models.
    pub model: &'a CellModel,
    /// Its objective.
    pub objective: Objective,
    /// Booked budget over the flight, USD (for the models).
    pub budget_usd: f64,
    /// Booked budget over the flight, plan currency micros.
    pub flight_micros: i64,
    /// Plan currency.
    pub currency: Currency,
    /// Targetable listeners.
    pub audience: u64,
    /// Flight length, days.
    pub days: f64,
    /// Expected share of the budget actually spent (0–1).
    pub delivery: f64,
}

/// p10, p50, p90 as floats.
type Triple = [f64; 3];

/// The forecast of one ad set.
pub fn forecast(i: Inputs<'_>) -> Forecast {
    let audience = i.audience as f64;
    let unseen_supply = i.model.beyond_supply(i.budget_usd, audience, i.days);
    let range = |m: Metric| -> Triple {
        let spread = i.model.get(m).spread_at(i.model.x(m, i.budget_usd, audience, i.days));
        let p50 = i.model.expect(m, i.budget_usd, audience, i.days);
        [p50 * libm::exp(spread.lo), p50, p50 * libm::exp(spread.hi + unseen_supply)]
    };
    let impressions = range(Metric::Impressions);
    let cap = |t: Triple, by: Triple| -> Triple { [t[0].min(by[0]), t[1].min(by[1]), t[2].min(by[2])] };
    let reach = cap(cap(range(Metric::Reach), impressions), [audience; 3]);
    let clicks = cap(range(Metric::Clicks), impressions);
    let results = match Metric::for_objective(i.objective) {
        Metric::Impressions => impressions,
        Metric::Reach => reach,
        Metric::Clicks => clicks,
        Metric::Results => cap(range(Metric::Results), impressions),
    };
    let (impressions, reach, clicks, results) =
        (to_range(impressions), to_range(reach), to_range(clicks), to_range(results));
    let spend = spend_micros(i.flight_micros, i.delivery);
    Forecast {
        impressions,
        reach,
        clicks,
        results,
        result_name: result_name(i.objective).to_owned(),
        cost_per_result: Money { micro_amount: per(spend, results.p50, 1), currency: i.currency },
        cpm: Money { micro_amount: per(spend, impressions.p50, 1000), currency: i.currency },
        audience_size: i.audience,
    }
}

/// What an objective's results count.
pub fn result_name(objective: Objective) -> &'static str {
    match objective {
        Objective::Reach => "reach",
        Objective::EvenImpressionDelivery => "impressions",
        Objective::Clicks => "clicks",
        Objective::WebsiteVisits => "visits",
        Objective::VideoViews => "video views",
        Objective::AppInstalls => "installs",
        Objective::PodcastStreams => "streams",
        Objective::LeadGen => "leads",
    }
}

/// Expected spend: the booked budget times the expected delivery rate.
pub fn spend_micros(flight_micros: i64, delivery: f64) -> i64 {
    let d = if delivery.is_finite() { delivery.clamp(0.0, 1.0) } else { 1.0 };
    let spend = flight_micros as f64 * d;
    if spend.is_finite() { spend.clamp(0.0, i64::MAX as f64).round() as i64 } else { flight_micros }
}

/// `spend × per_units / count`, rounded to the nearest micro; 0 when nothing is counted.
pub fn per(spend: i64, count: u64, per_units: i64) -> i64 {
    if count == 0 {
        return 0;
    }
    let num = i128::from(spend) * i128::from(per_units);
    let den = i128::from(count);
    i64::try_from((2 * num + den) / (2 * den)).unwrap_or(i64::MAX)
}

/// A float triple as an integer range (non-finite and negative values become 0; sorted, so p10 ≤ p50 ≤ p90
/// holds even if a caller passed a disordered triple).
fn to_range(t: Triple) -> Range {
    let mut v = t.map(count);
    v.sort_unstable();
    Range { p10: v[0], p50: v[1], p90: v[2] }
}

/// A non-negative float as a count.
pub fn count(v: f64) -> u64 {
    if v.is_finite() && v > 0.0 { v.min(1e15).round() as u64 } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::history::History;
    use crate::plan::model::Cell;
    use crate::types::{AssetFormat, Country, Placement};

    fn inputs(model: &CellModel, objective: Objective, budget_usd: f64, audience: u64) -> Inputs<'_> {
        Inputs {
            model,
            objective,
            budget_usd,
            flight_micros: (budget_usd * 1e6) as i64,
            currency: Currency::Usd,
            audience,
            days: 30.0,
            delivery: 0.95,
        }
    }

    fn default_model(objective: Objective) -> CellModel {
        let cell =
            Cell { country: Country::Us, format: AssetFormat::Audio, placements: &[Placement::Music], objective };
        CellModel::build(&History::default(), cell, 1e-3, 30.0, 1.0)
    }

    #[test]
    fn ranges_are_ordered_and_reach_is_bounded() {
        for &objective in &[Objective::Reach, Objective::Clicks, Objective::LeadGen] {
            let m = default_model(objective);
            for (budget, audience) in [(500.0, 1_000_000), (1e7, 5_000), (0.0, 10), (1e5, 0)] {
                let f = forecast(inputs(&m, objective, budget, audience));
                for r in [f.impressions, f.reach, f.clicks, f.results] {
                    assert!(r.p10 <= r.p50 && r.p50 <= r.p90, "{r:?}");
                }
                assert!(f.reach.p90 <= audience && f.reach.p90 <= f.impressions.p90.max(f.reach.p90));
                for p in [0, 1, 2] {
                    let pick = |r: Range| [r.p10, r.p50, r.p90][p];
                    assert!(pick(f.reach) <= pick(f.impressions));
                    assert!(pick(f.clicks) <= pick(f.impressions));
                }
            }
        }
    }

    #[test]
    fn the_result_of_a_reach_objective_is_its_reach() {
        let m = default_model(Objective::Reach);
        let f = forecast(inputs(&m, Objective::Reach, 5000.0, 2_000_000));
        assert_eq!(f.results, f.reach);
        assert_eq!(f.result_name, "reach");
        assert!(f.cpm.micro_amount > 0 && f.cost_per_result.micro_amount > 0);
    }

    #[test]
    fn money_helpers_never_divide_by_zero() {
        assert_eq!(per(1_000_000, 0, 1000), 0);
        assert_eq!(per(5_000_000, 1000, 1000), 5_000_000);
        assert_eq!(spend_micros(1_000_000, f64::NAN), 1_000_000);
        assert_eq!(spend_micros(1_000_000, 0.9), 900_000);
        assert_eq!(count(f64::NAN), 0);
        assert_eq!(count(-3.0), 0);
        assert_eq!(count(2.6), 3);
    }
}
