//! Response models for one ad set: impressions, reach, clicks and the objective's result as functions of
//! its budget, each fitted from the history of its cell and pooled toward a prior when the cell is thin.
//!
//! Start with [`CellModel::build`]. Each metric is normalised so ad sets of different sizes share a curve:
//! reach, and the results that are a listener's own action (installs, leads, streams, video views), per
//! targetable listener against budget per listener (they cannot grow with the flight's length the way
//! impressions do: [`Metric::per_listener`]), everything else per listener-day against budget per
//! listener-day. The prior is the same format, placement and objective in every market of the answer (the
//! brief's and their neighbours), its spend rescaled by the markets' price indices, binned, and given the
//! weight of [`PRIOR_WEIGHT`] observations ([`RESULT_PRIOR_WEIGHT`] for an objective's own, noisier
//! results) — so a cell with three ad sets leans on it and a cell with fifty mostly follows its own. With
//! no history at all, conservative defaults stand in ([`default_curve`]). The curve is moved onto the
//! history's median (the cell's, pooled with the other markets' as [`LEVEL_PRIOR_WEIGHT`] ad sets), and
//! the spread of the history around curves fitted without it (out of fold) gives the p10/p90.
//!
//! The curves answer to the spend actually delivered, in typical prices: each historical ad set's spend is
//! divided by its CPM factor (the season of its flight, the narrowness of its audience: `history::Prices`).
//! A planned budget is first cut to what its audience's supply delivers (`history::Supply`, at the demand
//! the budget puts on the audience), then divided by its own factor, so a narrow December flight buys what
//! it costs and a budget its audience cannot absorb buys what the audience holds.

use super::curve::{self, Curve, Point};
use super::history::{History, Row, Supply, median, sort};
use crate::types::{AssetFormat, Country, Objective, Placement};

/// How many observations the prior is worth: about the ratio of one ad set's noise around its cell's
/// curve (some 35% in logs) to how far neighbouring markets' cells differ once prices are accounted for
/// (some 10%), squared.
pub const PRIOR_WEIGHT: f64 = 12.0;
/// The same for an objective's own results (installs, leads, streams, visits, views): counts far rarer
/// than impressions, with the result rate's own noise on top, so one ad set says less — some 50% in logs —
/// and the prior is worth about (50% ÷ 10%)² of them.
pub const RESULT_PRIOR_WEIGHT: f64 = 24.0;
/// How many ad sets the other markets' level is worth when the curve is moved onto the history's median.
/// Far fewer than the curve's prior: markets share the shape of a format's response more than its level,
/// which differs by some 25% in logs between markets even after prices — (50% ÷ 25%)² ≈ 3 ad sets.
pub const LEVEL_PRIOR_WEIGHT: f64 = 3.0;
/// The prior is summarised in at most this many bins (keeps fitting cheap for large answers).
const PRIOR_BINS: usize = 12;
/// Cells larger than this are binned too.
const CELL_BINS: usize = 24;
/// Below this many cell observations, the spread comes from the pooled history.
const MIN_SPREAD_POINTS: usize = 5;

/// What an ad set delivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Metric {
    /// Ad impressions.
    Impressions,
    /// Unique listeners.
    Reach,
    /// Clicks.
    Clicks,
    /// The objective's own result column (visits, views, installs, streams, leads).
    Results,
}

impl Metric {
    /// Every metric, in the order [`CellModel`] stores them.
    pub const ALL: [Metric; 4] = [Metric::Impressions, Metric::Reach, Metric::Clicks, Metric::Results];

    /// The metric that counts an objective's results. Reach, impressions and clicks objectives share the
    /// model of that metric so their result and, say, their reach forecast can never disagree.
    pub fn for_objective(objective: Objective) -> Metric {
        match objective {
            Objective::Reach => Metric::Reach,
            Objective::EvenImpressionDelivery => Metric::Impressions,
            Objective::Clicks => Metric::Clicks,
            _ => Metric::Results,
        }
    }

    fn value(self, row: &Row) -> f64 {
        match self {
            Metric::Impressions => row.impressions,
            Metric::Reach => row.reach,
            Metric::Clicks => row.clicks,
            Metric::Results => row.results,
        }
    }

    /// Whether the metric grows with the listeners an ad set reaches rather than with its listener-days:
    /// reach, and the results that are a listener's own action (an install, a lead, a stream, a video
    /// view), which the same listeners reached over a longer flight do not repeat the way they see more
    /// impressions. Website visits are clicks that land, and grow with exposure like clicks.
    pub fn per_listener(self, objective: Objective) -> bool {
        match self {
            Metric::Reach => true,
            Metric::Impressions | Metric::Clicks => false,
            Metric::Results => match Metric::for_objective(objective) {
                Metric::Results => objective != Objective::WebsiteVisits,
                shared => shared.per_listener(objective),
            },
        }
    }

    /// Listeners, or listener-days, the metric is normalised by for an ad set of `objective`.
    pub fn exposure(self, objective: Objective, audience: f64, days: f64) -> f64 {
        let exposure = if self.per_listener(objective) { audience } else { audience * days };
        exposure.max(1.0)
    }
}

/// Where a model's evidence came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// The cell's own history (shrunk toward the pooled prior when thin).
    Cell,
    /// No cell history: the same format and objective in other markets, rescaled by price index.
    Pooled,
    /// No history for this format and objective at all: conservative defaults.
    Defaults,
}

/// Log-scale residual quantiles: p10 = p50·e^lo, p90 = p50·e^hi.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// ≤ 0.
    pub lo: f64,
    /// ≥ 0.
    pub hi: f64,
}

impl Spread {
    /// The spread used when there is nothing to measure one from.
    pub const DEFAULT: Spread = Spread { lo: -0.5, hi: 0.4 };
}

/// One metric's curve and spread.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricModel {
    /// Normalised response curve.
    pub curve: Curve,
    /// Residual spread.
    pub spread: Spread,
    /// The normalised spend up to which the evidence reaches (its 90th percentile); beyond it the curve
    /// extrapolates ([`MetricModel::spread_at`]).
    pub evidence_x: f64,
}

impl MetricModel {
    /// The spread at normalised spend `x`: the residual spread, its low side widened by the log distance
    /// beyond the evidence, since that is where saturation the history never met would bite.
    pub fn spread_at(&self, x: f64) -> Spread {
        let beyond = if x > self.evidence_x && self.evidence_x > 0.0 { libm::log(x / self.evidence_x) } else { 0.0 };
        Spread { lo: (self.spread.lo - beyond).max(-3.0), hi: self.spread.hi }
    }
}

/// Models for every metric of one candidate ad set.
#[derive(Clone, Debug, PartialEq)]
pub struct CellModel {
    /// In [`Metric::ALL`] order.
    pub metrics: [MetricModel; 4],
    /// Where the evidence came from.
    pub basis: Basis,
    /// How many pooled ad sets informed the prior.
    pub pooled: usize,
    /// The planned ad set's CPM factor: its budget buys what `budget ÷ price` buys at typical prices.
    pub price: f64,
    /// Its typical CPM, USD at typical prices (the evidence's median, else a default): what turns a
    /// budget into the impressions it asks of the audience.
    pub cpm_usd: f64,
    /// How its audience's supply cuts delivery (the history's, shared by every cell).
    pub supply: Supply,
    /// The most impressions per targetable listener per day its own frequency caps allow: however thin
    /// the history, no budget buys more.
    pub max_frequency: f64,
    /// The cell's objective (how its results are normalised: [`Metric::exposure`]).
    pub objective: Objective,
}

/// The share of a budget delivered when the history says nothing about supply.
pub const DEFAULT_DELIVERY: f64 = 0.95;

/// What a model is built for.
#[derive(Clone, Copy, Debug)]
pub struct Cell<'a> {
    /// Market.
    pub country: Country,
    /// Format.
    pub format: AssetFormat,
    /// Placements.
    pub placements: &'a [Placement],
    /// Objective.
    pub objective: Objective,
}

impl CellModel {
    /// Fits every metric for a cell; `typical_x` (budget per listener-day the plan is likely to spend) and
    /// the flight's `days` anchor the default curves when there is no history. `price` is the planned ad
    /// set's CPM factor ([`super::history::Prices::factor`]).
    pub fn build(history: &History, cell: Cell<'_>, typical_x: f64, days: f64, price: f64) -> CellModel {
        let price = if price.is_finite() && price > 0.0 { price } else { 1.0 };
        let typical_x = typical_x / price;
        let own = history.cell(cell.country, cell.format, cell.placements, cell.objective);
        let index = history.price_index(cell.country);
        // Pooled spend is rescaled to this market's prices: where CPMs are twice as high, the same result
        // costs twice as much.
        let pooled: Vec<(&Row, f64)> = history
            .pooled(cell.format, cell.placements, cell.objective)
            .map(|r| (r, index / history.price_index(r.country)))
            .collect();
        let basis = match (own.is_empty(), pooled.is_empty()) {
            (false, _) => Basis::Cell,
            (true, false) => Basis::Pooled,
            (true, true) => Basis::Defaults,
        };
        let own: Vec<(&Row, f64)> = own.into_iter().map(|r| (r, 1.0)).collect();
        let evidence = if own.is_empty() { &pooled } else { &own };
        let cpm_usd = median(evidence.iter().filter_map(|(r, f)| r.cpm().map(|c| c * f / r.price)).collect())
            .filter(|c| *c > 0.0)
            .unwrap_or_else(|| default_cpm(cell.format, index));
        let anchor = if days > 0.0 { typical_x * days } else { typical_x };
        // The result of reach, impressions and clicks objectives is that metric: it is fitted once.
        let shared = Metric::for_objective(cell.objective);
        let mut metrics = Metric::ALL.map(|m| {
            if m == Metric::Results && shared != Metric::Results {
                return MetricModel { curve: Curve::FLAT, spread: Spread::DEFAULT, evidence_x: f64::INFINITY };
            }
            let typical = if m.per_listener(cell.objective) { anchor } else { typical_x };
            fit_metric(m, &own, &pooled, cell, index, typical)
        });
        metrics[Metric::Results as usize] = metrics[shared as usize];
        let max_frequency = super::policy::max_daily_frequency(cell.objective);
        let supply = history.supply.clone();
        CellModel {
            metrics,
            basis,
            pooled: pooled.len(),
            price,
            cpm_usd,
            supply,
            max_frequency,
            objective: cell.objective,
        }
    }

    /// A metric's model.
    pub fn get(&self, metric: Metric) -> &MetricModel {
        &self.metrics[metric as usize]
    }

    /// Expected total of `metric` for a budget (USD over the flight) on an audience over a flight.
    pub fn expect(&self, metric: Metric, budget_usd: f64, audience: f64, days: f64) -> f64 {
        let exposure = metric.exposure(self.objective, audience, days);
        exposure * self.get(metric).curve.at(self.x(metric, budget_usd, audience, days))
    }

    /// A budget (USD over the flight) as the metric's normalised delivered spend.
    pub fn x(&self, metric: Metric, budget_usd: f64, audience: f64, days: f64) -> f64 {
        budget_usd * self.delivery(budget_usd, audience, days)
            / self.price
            / metric.exposure(self.objective, audience, days)
    }

    /// The share of a budget (USD over the flight) the audience's supply is expected to deliver.
    pub fn delivery(&self, budget_usd: f64, audience: f64, days: f64) -> f64 {
        let demand = self.demand(budget_usd, audience, days);
        let usual = self.supply.delivery(demand).unwrap_or(DEFAULT_DELIVERY);
        if demand > 0.0 { usual.min(self.max_frequency / demand) } else { usual }
    }

    /// How far a budget's demand lies beyond what the history's supply saw (a log ratio), while supply
    /// rather than the frequency caps bounds it: there the history cannot say how much more the
    /// audience gives, so the forecast's high side widens by it.
    pub fn beyond_supply(&self, budget_usd: f64, audience: f64, days: f64) -> f64 {
        let demand = self.demand(budget_usd, audience, days);
        let usual = self.supply.delivery(demand).unwrap_or(DEFAULT_DELIVERY);
        if usual * demand < self.max_frequency { self.supply.beyond(demand) } else { 0.0 }
    }

    /// The impressions a budget (USD over the flight) asks of each listener a day at the typical CPM.
    fn demand(&self, budget_usd: f64, audience: f64, days: f64) -> f64 {
        budget_usd / self.price / self.cpm_usd * 1000.0 / Metric::Impressions.exposure(self.objective, audience, days)
    }
}

/// A row as a normalised observation; `price_factor` rescales pooled spend to the target market.
fn point(row: &Row, metric: Metric, price_factor: f64) -> Point {
    let exposure = metric.exposure(row.objective, row.audience, row.days);
    Point { x: row.spend_usd * price_factor / row.price / exposure, y: metric.value(row) / exposure, w: 1.0 }
}

/// Rows with the factor that rescales their spend to the target market's prices.
type Scaled<'a> = (&'a Row, f64);

fn fit_metric(
    metric: Metric,
    own: &[Scaled<'_>],
    pooled: &[Scaled<'_>],
    cell: Cell<'_>,
    index: f64,
    typical_x: f64,
) -> MetricModel {
    let own_points: Vec<Point> = own.iter().map(|(r, f)| point(r, metric, *f)).collect();
    let prior_points: Vec<Point> = pooled.iter().map(|(r, f)| point(r, metric, *f)).collect();
    let prior = if pooled.is_empty() {
        default_points(default_curve(metric, cell.format, cell.objective, index), typical_x)
    } else {
        let weight = if metric == Metric::Results { RESULT_PRIOR_WEIGHT } else { PRIOR_WEIGHT };
        bins(&prior_points, PRIOR_BINS, weight)
    };
    let fit_on = |own: &[Point]| {
        let mut points = if own.len() > CELL_BINS { bins(own, CELL_BINS, own.len() as f64) } else { own.to_vec() };
        points.extend(prior.iter().copied());
        curve::fit(&points).unwrap_or(Curve::FLAT)
    };
    let mut curve = fit_on(&own_points);
    let evidence = if own_points.is_empty() { &prior_points } else { &own_points };
    let evidence_x = super::history::quantile_sorted(&sort(evidence.iter().map(|p| p.x).collect()), 0.9)
        .filter(|x| *x > 0.0)
        .unwrap_or(f64::INFINITY);
    let centre = |rows: &[Scaled<'_>]| median(rows.iter().map(|r| residual(curve, metric, r)).collect()).unwrap_or(0.0);
    let spread = if own.len() >= MIN_SPREAD_POINTS {
        // Out of fold: each half of the cell predicted by a curve fitted without it, so the range holds
        // the curve's own error as well as the market's noise.
        let folds: [Vec<Point>; 2] =
            [0, 1].map(|k| own_points.iter().enumerate().filter(|(i, _)| i % 2 != k).map(|(_, p)| *p).collect());
        let curves = folds.map(|f| fit_on(&f));
        let residuals = own.iter().enumerate().map(|(i, r)| residual(curves[i % 2], metric, r)).collect();
        spread(residuals, 1.0)
    } else if pooled.len() >= MIN_SPREAD_POINTS {
        // Borrowed evidence is less certain than the cell's own: widen it.
        spread(pooled.iter().map(|r| residual(curve, metric, r)).collect(), 1.5)
    } else {
        Spread::DEFAULT
    };
    // Least squares on relative errors runs low through multiplicative noise: the median residual moves
    // the curve onto the history's median, so the p50 is a median — the cell's own median, pooled with
    // the other markets' as if it were `LEVEL_PRIOR_WEIGHT` ad sets.
    let n = own.len() as f64;
    let centre = (n * centre(own) + LEVEL_PRIOR_WEIGHT * centre(pooled)) / (n + LEVEL_PRIOR_WEIGHT);
    curve.asymptote *= libm::exp(centre);
    if metric == Metric::Reach {
        // Nobody is reached twice: the share of the audience reached is at most one.
        curve.asymptote = curve.asymptote.min(1.0);
    }
    MetricModel { curve, spread, evidence_x }
}

/// Sorts points by `x` and averages them in up to `n` bins of (almost) equal counts, sharing `weight`.
fn bins(points: &[Point], n: usize, weight: f64) -> Vec<Point> {
    let mut sorted = points.to_vec();
    sorted.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    let n = n.min(sorted.len()).max(1);
    let each = weight / n as f64;
    (0..n)
        .filter_map(|i| {
            let chunk = &sorted[i * sorted.len() / n..(i + 1) * sorted.len() / n];
            let len = chunk.len() as f64;
            (len > 0.0).then(|| Point {
                x: chunk.iter().map(|p| p.x).sum::<f64>() / len,
                y: chunk.iter().map(|p| p.y).sum::<f64>() / len,
                w: each,
            })
        })
        .collect()
}

/// A row's log residual around a curve, in counts (half a count of continuity keeps zero counts finite).
fn residual(curve: Curve, metric: Metric, (r, f): &Scaled<'_>) -> f64 {
    let exposure = metric.exposure(r.objective, r.audience, r.days);
    let fitted = exposure * curve.at(r.spend_usd * f / r.price / exposure);
    libm::log((metric.value(r) + 0.5) / (fitted + 0.5)).clamp(-3.0, 3.0)
}

/// The 10th and 90th percentiles of residuals around their median, widened when there are few.
fn spread(residuals: Vec<f64>, widen: f64) -> Spread {
    let sorted = sort(residuals);
    let widen = widen * (1.0 + 1.5 / libm::sqrt(sorted.len().max(1) as f64));
    let q = |p: f64| super::history::quantile_sorted(&sorted, p).unwrap_or(0.0);
    let centre = q(0.5);
    Spread { lo: ((q(0.1) - centre) * widen).clamp(-3.0, -0.05), hi: ((q(0.9) - centre) * widen).clamp(0.05, 3.0) }
}

/// Conservative defaults per format: CPM (USD, at a typical market), impressions a listener can take per
/// day from one ad set, reach per impression at low frequency, and per-impression rates. Calibrated to the
/// low end of the public benchmarks in the reference (§7) so a plan without evidence under-promises.
fn default_curve(metric: Metric, format: AssetFormat, objective: Objective, index: f64) -> Curve {
    let ctr = match format {
        AssetFormat::Audio => 0.0012,
        AssetFormat::Video => 0.004,
        AssetFormat::Image => 0.002,
    };
    let cpm = default_cpm(format, index);
    let per_impression = match metric {
        Metric::Impressions => 1.0,
        Metric::Reach => 0.3,
        Metric::Clicks => ctr,
        Metric::Results => match objective {
            Objective::Reach => 0.3,
            Objective::EvenImpressionDelivery => 1.0,
            Objective::Clicks => ctr,
            Objective::WebsiteVisits => ctr * 0.6,
            Objective::VideoViews => 0.3,
            Objective::AppInstalls => ctr * 0.1,
            Objective::PodcastStreams => 0.004,
            Objective::LeadGen => ctr * 0.1,
        },
    };
    // Per listener: half the audience reached, acting at the rate of its first impression (0.3 reached per
    // impression). Per listener-day: the impressions one ad set can deliver before frequency and inventory
    // bind.
    let asymptote = if metric.per_listener(objective) { 0.5 * per_impression / 0.3 } else { 0.15 * per_impression };
    // Initial slope = results per USD = 1000 / CPM × per-impression rate.
    let slope = 1000.0 / cpm * per_impression;
    let scale = if slope > 0.0 { asymptote / slope } else { 1.0 };
    Curve { asymptote, scale }
}

/// The default CPM of a format in USD, in a market whose price index is `index`.
fn default_cpm(format: AssetFormat, index: f64) -> f64 {
    let cpm = match format {
        AssetFormat::Audio => 18.0,
        AssetFormat::Video => 25.0,
        AssetFormat::Image => 10.0,
    };
    cpm * index
}

/// The default curve sampled around the spend the plan is likely to make.
fn default_points(curve: Curve, typical_x: f64) -> Vec<Point> {
    let centre = if typical_x.is_finite() && typical_x > 0.0 { typical_x } else { curve.scale };
    let n = 8;
    (0..n)
        .map(|i| {
            let x = centre * libm::pow(4.0, f64::from(i) - 3.5);
            Point { x, y: curve.at(x), w: PRIOR_WEIGHT / f64::from(n) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::performance::HistoricalAdSet;
    use crate::types::Currency;
    use chrono::NaiveDate;

    fn hist(country: Country, budget_usd: i64, audience: u64) -> HistoricalAdSet {
        // Truth: impressions per listener-day = 0.2·(1 − e^(−x/0.004)).
        let days = 30.0;
        let x = budget_usd as f64 / (audience as f64 * days);
        let per_day = 0.2 * (1.0 - (-x / 0.004).exp());
        let impressions = (per_day * audience as f64 * days) as u64;
        HistoricalAdSet {
            country,
            asset_format: AssetFormat::Audio,
            placement: Placement::Music,
            objective: Objective::Reach,
            start: NaiveDate::from_ymd_opt(2025, 3, 1).unwrap_or_default(),
            duration_days: 30,
            currency: Currency::Usd,
            booked_micros: budget_usd * 1_000_000,
            spend_micros: budget_usd * 1_000_000,
            impressions,
            reach: impressions / 4,
            clicks: impressions / 800,
            completes: impressions,
            results: impressions / 4,
            audience_size: audience,
            age_min: 18,
            age_max: 99,
            gender: None,
            platform: None,
            interest: None,
        }
    }

    fn cell(country: Country) -> Cell<'static> {
        Cell { country, format: AssetFormat::Audio, placements: &[Placement::Music], objective: Objective::Reach }
    }

    #[test]
    fn a_rich_cell_fits_its_own_history() {
        let rows: Vec<HistoricalAdSet> =
            (1..=30).map(|i| hist(Country::Us, 500 * i, 200_000 + 10_000 * i as u64)).collect();
        let model = CellModel::build(&History::new(&rows), cell(Country::Us), 1e-3, 30.0, 1.0);
        assert_eq!(model.basis, Basis::Cell);
        let imp = model.get(Metric::Impressions).curve;
        assert!((imp.asymptote - 0.2).abs() < 0.02, "{imp:?}");
        let s = model.get(Metric::Impressions).spread;
        assert!(s.lo <= 0.0 && s.hi >= 0.0);
    }

    #[test]
    fn an_empty_cell_borrows_from_other_markets_or_defaults() {
        let rows: Vec<HistoricalAdSet> = (1..=10).map(|i| hist(Country::Us, 800 * i, 300_000)).collect();
        let h = History::new(&rows);
        let pooled = CellModel::build(&h, cell(Country::Br), 1e-3, 30.0, 1.0);
        assert_eq!(pooled.basis, Basis::Pooled);
        assert!(pooled.expect(Metric::Impressions, 5000.0, 1e6, 30.0) > 0.0);
        let none = CellModel::build(&History::default(), cell(Country::Br), 1e-3, 30.0, 1.0);
        assert_eq!(none.basis, Basis::Defaults);
        let imps = none.expect(Metric::Impressions, 5000.0, 1e6, 30.0);
        // Around the default CPM of $18: 5,000 USD buys a few hundred thousand impressions.
        assert!(imps > 100_000.0 && imps < 300_000.0, "{imps}");
        for m in Metric::ALL {
            let v = none.expect(m, 5000.0, 1e6, 30.0);
            assert!(v.is_finite() && v >= 0.0, "{m:?}");
        }
    }

    #[test]
    fn noisy_history_gives_a_median_forecast_and_an_honest_range() {
        // The same curve as `hist`, with multiplicative noise spread evenly from −0.5 to +0.5 in logs.
        let rows: Vec<HistoricalAdSet> = (0..40)
            .map(|i| {
                let mut r = hist(Country::Us, 400 + 300 * (i % 10), 250_000);
                let noise = ((i * 7 % 40) as f64 / 39.0 - 0.5).exp();
                r.impressions = (r.impressions as f64 * noise) as u64;
                r
            })
            .collect();
        let model = CellModel::build(&History::new(&rows), cell(Country::Us), 1e-3, 30.0, 1.0);
        let exact = hist(Country::Us, 1_500, 250_000).impressions as f64;
        let p50 = model.expect(Metric::Impressions, 1_500.0, 250_000.0, 30.0);
        assert!((p50 / exact - 1.0).abs() < 0.1, "{p50} vs {exact}");
        let s = model.get(Metric::Impressions).spread;
        // The history's own 10th/90th percentiles are ±0.4; out of fold and widened, the range holds them.
        assert!(s.lo < -0.4 && s.hi > 0.4 && s.lo > -1.0 && s.hi < 1.0, "{s:?}");
        // Far beyond the evidence the low side widens, the high side does not.
        let m = model.get(Metric::Impressions);
        let far = m.spread_at(m.evidence_x * 10.0);
        assert!(far.lo < s.lo - 2.0 && far.hi == s.hi, "{far:?}");
        assert_eq!(m.spread_at(m.evidence_x / 2.0), s);
    }

    #[test]
    fn a_dearer_flight_buys_less() {
        let rows: Vec<HistoricalAdSet> = (1..=10).map(|i| hist(Country::Us, 800 * i, 300_000)).collect();
        let h = History::new(&rows);
        let typical = CellModel::build(&h, cell(Country::Us), 1e-3, 30.0, 1.0);
        let december = CellModel::build(&h, cell(Country::Us), 1e-3, 30.0, 1.3);
        let (a, b) = (
            typical.expect(Metric::Impressions, 4_000.0, 300_000.0, 30.0),
            december.expect(Metric::Impressions, 4_000.0, 300_000.0, 30.0),
        );
        assert!(b < a * 0.85 && b > a * 0.6, "{a} {b}");
    }

    #[test]
    fn installs_follow_the_listeners_reached_not_the_flight_length() {
        // Truth: installs per listener = 0.01·(1 − e^(−b/0.002)), b the budget per listener, whatever the
        // flight's length — one install per person at most, however long the ad runs.
        let installs = |budget: f64, audience: f64| audience * 0.01 * (1.0 - (-budget / audience / 0.002).exp());
        let rows: Vec<HistoricalAdSet> = (0..40)
            .map(|i| {
                let (budget, audience) = (300 + 200 * (i % 8), 200_000 + 50_000 * (i % 5) as u64);
                let mut r = hist(Country::Us, budget, audience);
                r.objective = Objective::AppInstalls;
                r.duration_days = [7, 14, 28, 56][i as usize % 4];
                r.results = installs(budget as f64, audience as f64) as u64;
                r
            })
            .collect();
        let cell = Cell { objective: Objective::AppInstalls, ..cell(Country::Us) };
        let model = CellModel::build(&History::new(&rows), cell, 1e-3, 30.0, 1.0);
        let exact = installs(1_000.0, 300_000.0);
        for days in [7.0, 56.0] {
            let forecast = model.expect(Metric::Results, 1_000.0, 300_000.0, days);
            assert!((forecast / exact - 1.0).abs() < 0.1, "{days} days: {forecast} vs {exact}");
        }
    }

    #[test]
    fn reach_never_exceeds_the_audience() {
        let rows: Vec<HistoricalAdSet> = (1..=10).map(|i| hist(Country::Us, 800 * i, 300_000)).collect();
        let model = CellModel::build(&History::new(&rows), cell(Country::Us), 1e-3, 30.0, 1.0);
        assert!(model.expect(Metric::Reach, 1e9, 1000.0, 30.0) <= 1000.0);
    }
}
