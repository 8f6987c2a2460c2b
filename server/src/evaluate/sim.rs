//! The market simulator: what a plan really buys in the synthetic market, judged by the market's true
//! parameters ([`Truth`]) and never by the planner's fitted curves.
//!
//! Start with [`expected`] (the median outcome of a whole plan) and [`spread`] (p10/p50/p90 of the plan's
//! result over seeded random draws). Both go through [`simulate_ad_set`], which turns one planned ad set
//! into the truth's [`AdSetSpec`]s and sums what they deliver. The response model is the truth's own
//! (`Truth::simulate`: impressions at a seasonal CPM up to a soft audience-supply ceiling, NBD reach, power
//! laws in frequency), so an ad set cannot buy more inventory than its audience holds: its delivered spend
//! falls short of its budget instead.
//!
//! An ad set on several placements is simulated as one ad set per placement, each with an equal share of
//! the budget and of the audience, so its reach stays de-duplicated within the ad set's listeners (the
//! history has one placement per ad set; how the truth would split a two-placement ad set is not known).
//!
//! Statistics are f64 here only; money in and out is integer micro-units with a currency.

use chrono::NaiveDate;
use planner::taxonomy::{cities, markets};
use planner::types::{AdSet, AssetFormat, BudgetType, Country, Currency, Objective, Placement, Plan, Targets};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::seed::truth::{AdSetSpec, Draws, Outcome, Truth};

/// What one ad set (or a whole plan) delivers, with the brief's result counted the planner's way.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Delivered {
    /// Impressions.
    pub impressions: f64,
    /// Unique listeners, de-duplicated within each ad set (summed across ad sets).
    pub reach: f64,
    /// Clicks.
    pub clicks: f64,
    /// The ad set's own objective's results.
    pub own_results: f64,
    /// The brief's result: the ad set's results when it pursues the brief's objective, else the reach,
    /// impressions or clicks the brief's objective counts, else nothing (as the planner totals it).
    pub brief_results: f64,
    /// Spend actually delivered, micro-units of the plan's currency.
    pub spend_micros: i64,
    /// Budget booked over the flight, micro-units of the plan's currency.
    pub budget_micros: i64,
}

impl Delivered {
    fn add(&mut self, other: &Delivered) {
        self.impressions += other.impressions;
        self.reach += other.reach;
        self.clicks += other.clicks;
        self.own_results += other.own_results;
        self.brief_results += other.brief_results;
        self.spend_micros = self.spend_micros.saturating_add(other.spend_micros);
        self.budget_micros = self.budget_micros.saturating_add(other.budget_micros);
    }

    /// Delivered spend as a share of the booked budget (1 when nothing was booked).
    pub fn delivery_rate(&self) -> f64 {
        if self.budget_micros <= 0 { 1.0 } else { self.spend_micros as f64 / self.budget_micros as f64 }
    }
}

/// p10, p50 and p90 of a quantity over random draws.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Quantiles {
    /// 10th percentile.
    pub p10: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
}

/// A plan's outcome in the market: the median (noise-free) delivery and the spread of the brief's result.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanOutcome {
    /// Median outcome of the whole plan.
    pub expected: Delivered,
    /// Median outcome of each ad set, in the plan's order.
    pub ad_sets: Vec<Delivered>,
}

/// One planned ad set in the truth's terms (before splitting by placement).
#[derive(Clone, Debug, PartialEq)]
pub struct AdSetInput<'a> {
    /// Market.
    pub country: Country,
    /// Format.
    pub format: AssetFormat,
    /// Placements it runs on.
    pub placements: &'a [Placement],
    /// Its objective.
    pub objective: Objective,
    /// Listeners its targeting reaches.
    pub audience: u64,
    /// First day.
    pub start: NaiveDate,
    /// Flight length in days.
    pub days: u32,
    /// Budget over the whole flight, micro-units.
    pub budget_micros: i64,
    /// Currency of the budget.
    pub currency: Currency,
}

impl<'a> AdSetInput<'a> {
    /// Reads a planned ad set: its flight from its start and end times, its lifetime budget (a daily
    /// budget counts once per day), its audience from its targeting. `None` when its times do not parse.
    pub fn of(ad_set: &'a AdSet) -> Option<AdSetInput<'a>> {
        let start = date(&ad_set.start_time)?;
        let end = date(&ad_set.end_time)?;
        let days = u32::try_from((end - start).num_days() + 1).ok().filter(|d| *d > 0)?;
        let budget_micros = match ad_set.budget.kind {
            BudgetType::Lifetime => ad_set.budget.micro_amount,
            BudgetType::Daily => ad_set.budget.micro_amount.saturating_mul(i64::from(days)),
        };
        Some(AdSetInput {
            country: ad_set.country,
            format: ad_set.asset_format,
            placements: &ad_set.placements,
            objective: ad_set.objective,
            audience: audience(&ad_set.targets, ad_set.country),
            start,
            days,
            budget_micros,
            currency: ad_set.budget.currency,
        })
    }
}

/// Listeners a targeting reaches in a country, as the market's listener estimates give it (the same
/// estimate the seed draws history with; cities narrow it to their population).
pub fn audience(targets: &Targets, country: Country) -> u64 {
    let city_population: u64 =
        targets.cities.iter().filter_map(|c| cities::get(c, country)).map(|c| c.population).sum();
    markets::market(country).audience(targets, city_population)
}

/// `YYYY-MM-DD` at the start of an RFC 3339 time.
fn date(time: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(time.get(..10)?, "%Y-%m-%d").ok()
}

/// One ad set's delivery under given draws (`None`: the median draws and no daily noise). An invalid
/// combination delivers nothing and spends nothing.
pub fn simulate_ad_set(
    truth: &Truth,
    input: &AdSetInput<'_>,
    brief_objective: Objective,
    draws: Option<(&Draws, &mut ChaCha8Rng)>,
) -> Delivered {
    let placements: &[Placement] = if input.placements.is_empty() { &[Placement::Music] } else { input.placements };
    let parts = placements.len() as i64;
    let mut total = Delivered { budget_micros: input.budget_micros, ..Delivered::default() };
    let mut draws = draws;
    for (i, placement) in placements.iter().enumerate() {
        // Equal shares; the first part takes the remainder so the parts add up to the budget.
        let share = input.budget_micros / parts + if i == 0 { input.budget_micros % parts } else { 0 };
        let spec = AdSetSpec {
            country: input.country,
            asset_format: input.format,
            placement: *placement,
            objective: input.objective,
            audience_size: (input.audience / parts as u64).max(1),
            start: input.start,
            days: input.days,
            budget_micros: share,
            currency: input.currency,
        };
        let outcome = match draws.as_mut() {
            None => truth.expected(&spec),
            Some((d, rng)) => {
                let sigma = truth.noise.daily_cpm_sigma;
                truth.simulate(&spec, d, || lognormal(rng, sigma)).map(|days| Outcome::total(&days))
            }
        };
        let Some(o) = outcome else { continue };
        let part = Delivered {
            impressions: o.impressions as f64,
            reach: o.reach as f64,
            clicks: o.clicks as f64,
            own_results: o.results as f64,
            brief_results: brief_result(&o, input.objective, brief_objective),
            spend_micros: o.spend_micros,
            budget_micros: 0,
        };
        total.add(&part);
    }
    total
}

/// The brief's result in an ad set's outcome, counted as the planner totals it: the ad set's own results
/// when it pursues the brief's objective, else the metric the brief's objective counts.
pub fn brief_result(o: &Outcome, ad_set_objective: Objective, brief_objective: Objective) -> f64 {
    if ad_set_objective == brief_objective {
        return o.results as f64;
    }
    match brief_objective {
        Objective::Reach => o.reach as f64,
        Objective::EvenImpressionDelivery => o.impressions as f64,
        Objective::Clicks => o.clicks as f64,
        _ => 0.0,
    }
}

/// Lognormal with median 1 (Box–Muller through `libm`, like the seed's draws).
fn lognormal(rng: &mut ChaCha8Rng, sigma: f64) -> f64 {
    use rand::RngExt;
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    libm::exp(sigma * libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(std::f64::consts::TAU * u2))
}

/// The median outcome of a plan: every ad set with the truth's median draws. Ad sets whose times do not
/// parse deliver nothing (and count their budget as undelivered).
pub fn expected(truth: &Truth, plan: &Plan, brief_objective: Objective) -> PlanOutcome {
    let mut out = PlanOutcome::default();
    for ad_set in &plan.ad_sets {
        let delivered = match AdSetInput::of(ad_set) {
            Some(input) => simulate_ad_set(truth, &input, brief_objective, None),
            None => Delivered { budget_micros: ad_set.budget.micro_amount, ..Delivered::default() },
        };
        out.expected.add(&delivered);
        out.ad_sets.push(delivered);
    }
    out
}

/// One random realisation of every ad set of a plan (the ad-set draws and daily CPM noise of `rng`).
pub fn realise(truth: &Truth, plan: &Plan, brief_objective: Objective, rng: &mut ChaCha8Rng) -> Vec<Delivered> {
    plan.ad_sets
        .iter()
        .map(|ad_set| match AdSetInput::of(ad_set) {
            Some(input) => {
                let draws = truth.draw(rng);
                simulate_ad_set(truth, &input, brief_objective, Some((&draws, rng)))
            }
            None => Delivered { budget_micros: ad_set.budget.micro_amount, ..Delivered::default() },
        })
        .collect()
}

/// The spread of a plan's brief result over `runs` seeded realisations.
pub fn spread(truth: &Truth, plan: &Plan, brief_objective: Objective, seed: u64, runs: usize) -> Quantiles {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let totals: Vec<f64> = (0..runs.max(1))
        .map(|_| realise(truth, plan, brief_objective, &mut rng).iter().map(|d| d.brief_results).sum())
        .collect();
    quantiles(totals)
}

/// p10/p50/p90 by the nearest rank.
pub fn quantiles(mut values: Vec<f64>) -> Quantiles {
    if values.is_empty() {
        return Quantiles::default();
    }
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    Quantiles { p10: at(0.1), p50: at(0.5), p90: at(0.9) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(audience: u64, budget_usd: i64, placements: &[Placement]) -> AdSetInput<'_> {
        AdSetInput {
            country: Country::Us,
            format: AssetFormat::Audio,
            placements,
            objective: Objective::Reach,
            audience,
            start: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default(),
            days: 28,
            budget_micros: budget_usd * 1_000_000,
            currency: Currency::Usd,
        }
    }

    #[test]
    fn a_small_audience_cannot_absorb_a_big_budget() {
        let truth = Truth::calibrated(42);
        let broad = simulate_ad_set(&truth, &input(40_000_000, 20_000, &[Placement::Music]), Objective::Reach, None);
        let narrow = simulate_ad_set(&truth, &input(20_000, 20_000, &[Placement::Music]), Objective::Reach, None);
        assert!(broad.delivery_rate() > 0.9, "{broad:?}");
        assert!(narrow.delivery_rate() < 0.5, "{narrow:?}");
        assert!(narrow.reach <= 20_000.0 && broad.reach <= broad.impressions);
    }

    #[test]
    fn placements_split_the_budget_and_the_audience() {
        let truth = Truth::calibrated(42);
        let both = [Placement::Music, Placement::Podcast];
        let d = simulate_ad_set(&truth, &input(1_000_000, 5_001, &both), Objective::Reach, None);
        assert_eq!(d.budget_micros, 5_001_000_000);
        assert!(d.spend_micros <= d.budget_micros && d.reach <= 1_000_000.0);
    }

    #[test]
    fn draws_spread_around_the_median() {
        let truth = Truth::calibrated(42);
        let one = input(5_000_000, 10_000, &[Placement::Music]);
        let median = simulate_ad_set(&truth, &one, Objective::Reach, None).brief_results;
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let values: Vec<f64> = (0..200)
            .map(|_| {
                let d = truth.draw(&mut rng);
                simulate_ad_set(&truth, &one, Objective::Reach, Some((&d, &mut rng))).brief_results
            })
            .collect();
        let q = quantiles(values);
        assert!(q.p10 < median && median < q.p90 * 1.05, "{q:?} vs {median}");
    }
}
