//! The history as the planner reads it: every usable historical ad set turned into USD floats once, put in
//! a canonical order (so float sums never depend on the order the store answered in), and indexed by cell
//! (country, format, placement, objective).
//!
//! Start with [`History::new`]. Also here: the objective's cost metric ([`cost_metric`]), medians, and
//! each market's price index (how much dearer its CPMs are than the same formats elsewhere), which lets
//! evidence from one market stand in for another, and [`Prices`]: how much dearer a month's CPMs are than
//! the year's and narrow targeting than broad, which lets a broad spring flight's evidence price a narrow
//! December one.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};

use crate::performance::HistoricalAdSet;
use crate::taxonomy::fx;
use crate::types::{AssetFormat, Country, Gender, Objective, Placement, Platform};

/// One historical ad set in the units the models use.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Market.
    pub country: Country,
    /// Creative format.
    pub format: AssetFormat,
    /// Placement it ran on.
    pub placement: Placement,
    /// Objective.
    pub objective: Objective,
    /// Booked budget, USD.
    pub booked_usd: f64,
    /// Spend, USD.
    pub spend_usd: f64,
    /// Flight length, days (≥ 1).
    pub days: f64,
    /// Targetable listeners (≥ 1).
    pub audience: f64,
    /// Impressions.
    pub impressions: f64,
    /// Unique listeners.
    pub reach: f64,
    /// Clicks.
    pub clicks: f64,
    /// The objective's results.
    pub results: f64,
    /// Youngest targeted age.
    pub age_min: u8,
    /// Oldest targeted age.
    pub age_max: u8,
    /// Gender restriction.
    pub gender: Option<Gender>,
    /// Platform restriction.
    pub platform: Option<Platform>,
    /// Interest or genre slug.
    pub interest: Option<String>,
    /// First day of the flight.
    pub start: NaiveDate,
    /// Its CPM relative to a typical month and broad targeting ([`Prices::factor`]; 1 until the history
    /// is read).
    pub price: f64,
}

impl Row {
    fn from_history(h: &HistoricalAdSet) -> Option<Row> {
        if h.booked_micros <= 0 || h.spend_micros < 0 || h.duration_days == 0 || h.audience_size == 0 {
            return None;
        }
        let usd = |micros: i64| micros as f64 / 1e6 * fx::usd_per_unit(h.currency);
        Some(Row {
            country: h.country,
            format: h.asset_format,
            placement: h.placement,
            objective: h.objective,
            booked_usd: usd(h.booked_micros),
            spend_usd: usd(h.spend_micros),
            days: f64::from(h.duration_days),
            audience: h.audience_size as f64,
            impressions: h.impressions as f64,
            reach: h.reach as f64,
            clicks: h.clicks as f64,
            results: h.results as f64,
            age_min: h.age_min,
            age_max: h.age_max,
            gender: h.gender,
            platform: h.platform,
            interest: h.interest.clone(),
            start: h.start,
            price: 1.0,
        })
    }

    /// Spend ÷ booked budget.
    pub fn delivery(&self) -> f64 {
        self.spend_usd / self.booked_usd
    }

    /// CPM in USD, when the row delivered.
    pub fn cpm(&self) -> Option<f64> {
        per(self.spend_usd * 1000.0, self.impressions)
    }

    /// Spend per result in USD, when there were results.
    pub fn cost_per_result(&self) -> Option<f64> {
        per(self.spend_usd, self.results)
    }
}

/// How CPMs move with the calendar and the targeting, beyond a cell's own level: each historical ad set's
/// CPM relative to its cell's median, regressed on the months its flight ran in and on how narrow its
/// audience is (log of the market's listeners over the audience). Months with little evidence are shrunk
/// toward no seasonality, so a short history simply has none.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prices {
    /// The CPM multiplier of each month, January first (centred on the year).
    pub months: [f64; 12],
    /// CPM elasticity to narrowness: an audience `k` times narrower than the market costs `k^narrowness`.
    pub narrowness: f64,
}

impl Default for Prices {
    fn default() -> Self {
        Prices { months: [1.0; 12], narrowness: 0.0 }
    }
}

/// Ad sets of evidence the prior of "no seasonality" is worth in each month (one ad set's CPM is off by
/// about 20%, the seasons move it by up to 40%).
const SEASON_PRIOR_AD_SETS: f64 = 2.0;

/// Regressors of [`Prices::learn`]: twelve months, the narrowness and a level (which frees the months from
/// carrying the mean of the narrowness term).
const PRICE_TERMS: usize = 14;

impl Prices {
    fn learn(rows: &[Row], cells: &BTreeMap<CellKey, Vec<usize>>) -> Prices {
        // Ridge least squares of each ad set's log CPM ratio on the shares of its flight in each month (a
        // flight across November and December is their mix, not either) and its narrowness.
        let mut a = [[0.0_f64; PRICE_TERMS]; PRICE_TERMS];
        let mut b = [0.0_f64; PRICE_TERMS];
        for (m, row) in a.iter_mut().enumerate() {
            row[m] = if m < 12 { SEASON_PRIOR_AD_SETS } else { 1e-3 };
        }
        for indices in cells.values() {
            let Some(base) = median(indices.iter().filter_map(|i| rows[*i].cpm()).collect()) else { continue };
            if base <= 0.0 {
                continue;
            }
            for r in indices.iter().map(|i| &rows[*i]) {
                let Some(cpm) = r.cpm().filter(|c| *c > 0.0) else { continue };
                let ratio = libm::log(cpm / base).clamp(-2.0, 2.0);
                let months = month_days(r.start, r.days);
                let flight: f64 = months.iter().map(|(_, d)| d).sum();
                let mut terms: Vec<(usize, f64)> = months.iter().map(|(m, d)| (*m, d / flight)).collect();
                terms.push((12, narrowness(r.country, r.audience)));
                terms.push((13, 1.0));
                for &(i, xi) in &terms {
                    b[i] += ratio * xi;
                    for &(j, xj) in &terms {
                        a[i][j] += xi * xj;
                    }
                }
            }
        }
        let x = solve(a, b).unwrap_or([0.0; PRICE_TERMS]);
        // Centred on the year, so an index reads "dearer or cheaper than usual".
        let mean = x[..12].iter().sum::<f64>() / 12.0;
        Prices {
            months: core::array::from_fn(|m| libm::exp((x[m] - mean).clamp(-1.0, 1.0))),
            narrowness: x[12].clamp(0.0, 0.3),
        }
    }

    /// The CPM factor of an ad set on `audience` listeners in `country`, flying `days` days from `start`:
    /// the mean of its months' indices times its narrowness premium.
    pub fn factor(&self, country: Country, audience: f64, start: NaiveDate, days: f64) -> f64 {
        let (total, weight) =
            month_days(start, days).into_iter().fold((0.0, 0.0), |(t, w), (m, d)| (t + self.months[m] * d, w + d));
        let season = if weight > 0.0 { total / weight } else { 1.0 };
        season * libm::exp(self.narrowness * narrowness(country, audience))
    }
}

/// How much of a booked budget the market delivers as an ad set's demand grows against its audience's
/// supply. Demand is the impressions the budget would buy at the cell's typical CPM, per targetable listener
/// per day; every historical ad set is one (demand, delivery rate) observation, from every cell of the
/// answer (an audience's supply is its listeners' time, whatever the format). They are binned by demand
/// and made non-increasing; beyond the last bin, delivered impressions stay at the last bin's level (the
/// most the history ever bought from an audience).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Supply {
    /// (demand, delivery rate) knots, demand ascending, delivery non-increasing; empty without evidence.
    knots: Vec<(f64, f64)>,
}

/// Fewer observations than this say nothing about supply.
const MIN_SUPPLY_ROWS: usize = 40;
/// Observations per knot.
const SUPPLY_ROWS_PER_KNOT: usize = 8;
/// The delivery shortfall beyond the unconstrained rate that [`Supply::capacity`] still accepts.
pub const SUPPLY_SLACK: f64 = 0.05;

impl Supply {
    fn learn(rows: &[Row], cells: &BTreeMap<CellKey, Vec<usize>>) -> Supply {
        let mut points: Vec<(f64, f64)> = Vec::new();
        for indices in cells.values() {
            let typical = median(indices.iter().filter_map(|i| rows[*i].cpm().map(|c| c / rows[*i].price)).collect());
            let Some(cpm) = typical.filter(|c| *c > 0.0) else { continue };
            for r in indices.iter().map(|i| &rows[*i]) {
                let demand = r.booked_usd / r.price / cpm * 1000.0 / (r.audience * r.days);
                let delivery = r.delivery();
                if demand.is_finite() && demand > 0.0 && delivery.is_finite() {
                    points.push((demand, delivery.clamp(0.0, 1.0)));
                }
            }
        }
        if points.len() < MIN_SUPPLY_ROWS {
            return Supply::default();
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let n = points.len() / SUPPLY_ROWS_PER_KNOT;
        let knots: Vec<(f64, f64)> = (0..n)
            .filter_map(|k| {
                let chunk = &points[k * points.len() / n..(k + 1) * points.len() / n];
                let demand = median(chunk.iter().map(|p| p.0).collect())?;
                let delivery = median(chunk.iter().map(|p| p.1).collect())?;
                Some((demand, delivery))
            })
            .collect();
        Supply::from_knots(knots)
    }

    /// A supply curve from (demand, delivery rate) points in ascending demand, made non-increasing.
    /// Demand may be in any unit proportional to impressions per listener-day (a budget on one audience
    /// and flight will do); [`Supply::capacity`] answers in the same unit.
    pub fn from_knots(knots: Vec<(f64, f64)>) -> Supply {
        Supply { knots: non_increasing(knots) }
    }

    /// The expected share of a booked budget delivered at `demand` (impressions wanted per listener-day);
    /// `None` without evidence.
    pub fn delivery(&self, demand: f64) -> Option<f64> {
        let (first, last) = (self.knots.first()?, self.knots.last()?);
        if demand.is_nan() || demand <= first.0 {
            return Some(first.1);
        }
        if demand >= last.0 {
            return Some(last.1 * last.0 / demand);
        }
        let k = self.knots.iter().position(|(d, _)| *d >= demand)?;
        let ((d0, v0), (d1, v1)) = (self.knots[k - 1], self.knots[k]);
        let t = if d1 > d0 { libm::log(demand / d0) / libm::log(d1 / d0) } else { 1.0 };
        Some(v0 + (v1 - v0) * t)
    }

    /// How far `demand` lies beyond the most any observation asked, as a log ratio (0 within the
    /// evidence, and without any).
    pub fn beyond(&self, demand: f64) -> f64 {
        match self.knots.last() {
            Some(&(last, _)) if demand > last && last > 0.0 => libm::log(demand / last),
            _ => 0.0,
        }
    }

    /// The largest demand still delivered within [`SUPPLY_SLACK`] of the rate at low demand: where more
    /// budget stops buying its share of impressions. Infinite without evidence.
    pub fn capacity(&self) -> f64 {
        self.capacity_within(SUPPLY_SLACK)
    }

    /// The largest demand delivered within `slack` of the rate at low demand.
    pub fn capacity_within(&self, slack: f64) -> f64 {
        let Some(&(_, base)) = self.knots.first() else { return f64::INFINITY };
        let floor = base - slack;
        match self.knots.iter().position(|(_, v)| *v < floor) {
            Some(0) => self.knots[0].0,
            Some(k) => {
                let ((d0, v0), (d1, v1)) = (self.knots[k - 1], self.knots[k]);
                let t = if v0 > v1 { (v0 - floor) / (v0 - v1) } else { 0.0 };
                libm::exp(libm::log(d0) + t * (libm::log(d1) - libm::log(d0)))
            }
            None => self.knots.last().map_or(f64::INFINITY, |(d, v)| d * v / floor),
        }
    }
}

/// More demand never delivers a larger share: the knots' delivery made non-increasing by pooling
/// adjacent violators (each run that rises is replaced by its mean), which, unlike a running minimum, does
/// not drag the curve down to its noisiest low knot.
fn non_increasing(knots: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    // Blocks of (sum of delivery, knots in it).
    let mut blocks: Vec<(f64, usize)> = Vec::new();
    for &(_, v) in &knots {
        blocks.push((v, 1));
        while blocks.len() > 1 {
            let (last, before) = (blocks[blocks.len() - 1], blocks[blocks.len() - 2]);
            if last.0 / last.1 as f64 <= before.0 / before.1 as f64 {
                break;
            }
            blocks.pop();
            let merged = blocks.len() - 1;
            blocks[merged] = (before.0 + last.0, before.1 + last.1);
        }
    }
    let levels = blocks.iter().flat_map(|(sum, n)| std::iter::repeat_n(sum / *n as f64, *n));
    knots.iter().zip(levels).map(|(&(d, _), v)| (d, v)).collect()
}

/// How narrow an audience is: the log of the market's listeners over it (0 for the whole market).
fn narrowness(country: Country, audience: f64) -> f64 {
    let listeners = crate::taxonomy::markets::market(country).total_listeners() as f64;
    libm::log(listeners / audience.max(1.0)).max(0.0)
}

/// Solves the symmetric positive definite system `a·x = b` by Gaussian elimination with partial pivoting;
/// `None` when it is singular.
fn solve(mut a: [[f64; PRICE_TERMS]; PRICE_TERMS], mut b: [f64; PRICE_TERMS]) -> Option<[f64; PRICE_TERMS]> {
    const N: usize = PRICE_TERMS;
    for col in 0..N {
        let pivot = (col..N).max_by(|i, j| a[*i][col].abs().total_cmp(&a[*j][col].abs()))?;
        // NaN fails this test too.
        if a[pivot][col].abs().partial_cmp(&1e-12) != Some(Ordering::Greater) {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let top = a[col];
        for row in col + 1..N {
            let f = a[row][col] / top[col];
            for (cell, above) in a[row].iter_mut().zip(top).skip(col) {
                *cell -= f * above;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; N];
    for row in (0..N).rev() {
        let tail: f64 = (row + 1..N).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - tail) / a[row][row];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// The days of a flight in each month it touches: (month index from 0, days).
fn month_days(start: NaiveDate, days: f64) -> Vec<(usize, f64)> {
    let mut out: Vec<(usize, f64)> = Vec::new();
    let days = days.clamp(1.0, 366.0) as u64;
    let mut day = start;
    let mut left = days;
    while left > 0 {
        let month = day.month0() as usize;
        // Days until the first of the next month (or the flight's end).
        let next = if day.month() == 12 {
            NaiveDate::from_ymd_opt(day.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(day.year(), day.month() + 1, 1)
        };
        let in_month = next.map_or(left, |n| u64::try_from((n - day).num_days()).unwrap_or(left)).clamp(1, left);
        out.push((month, in_month as f64));
        left -= in_month;
        day = match day.checked_add_days(Days::new(in_month)) {
            Some(d) => d,
            None => break,
        };
    }
    out
}

/// `num / den` when both make sense.
fn per(num: f64, den: f64) -> Option<f64> {
    (den > 0.0 && num.is_finite() && num >= 0.0).then(|| num / den)
}

/// The cost metric Spotify's planner compares an objective on: CPM for awareness, CPC for traffic, and
/// cost per install, view, stream or lead for the rest.
pub fn cost_metric(row: &Row, objective: Objective) -> Option<f64> {
    match objective {
        Objective::Reach | Objective::EvenImpressionDelivery => row.cpm(),
        Objective::Clicks | Objective::WebsiteVisits => per(row.spend_usd, row.clicks),
        _ => row.cost_per_result(),
    }
}

/// The name of that metric, for reasons.
pub fn cost_metric_name(objective: Objective) -> &'static str {
    match objective {
        Objective::Reach | Objective::EvenImpressionDelivery => "CPM",
        Objective::Clicks | Objective::WebsiteVisits => "CPC",
        Objective::VideoViews => "cost per view",
        Objective::AppInstalls => "cost per install",
        Objective::PodcastStreams => "cost per stream",
        Objective::LeadGen => "cost per lead",
    }
}

/// A cell of history: market, format, placement and objective.
pub type CellKey = (Country, AssetFormat, Placement, Objective);

/// The usable history, canonically ordered and indexed.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// Every usable row, in canonical order.
    pub rows: Vec<Row>,
    cells: BTreeMap<CellKey, Vec<usize>>,
    price_index: BTreeMap<Country, f64>,
    /// How the calendar and the targeting move CPMs, learnt from these rows.
    pub prices: Prices,
    /// How delivery falls as demand outgrows an audience's supply, learnt from these rows.
    pub supply: Supply,
}

impl History {
    /// Reads the store's answer: drops rows that cannot be used (no budget, audience or days), sorts the
    /// rest canonically and indexes them.
    pub fn new(ad_sets: &[HistoricalAdSet]) -> History {
        let mut sorted: Vec<&HistoricalAdSet> = ad_sets.iter().collect();
        sorted.sort_by(|a, b| canonical_order(a, b));
        let mut rows: Vec<Row> = sorted.into_iter().filter_map(Row::from_history).collect();
        let mut cells: BTreeMap<CellKey, Vec<usize>> = BTreeMap::new();
        for (i, r) in rows.iter().enumerate() {
            cells.entry((r.country, r.format, r.placement, r.objective)).or_default().push(i);
        }
        let price_index = price_index(&rows);
        let prices = Prices::learn(&rows, &cells);
        for r in &mut rows {
            r.price = prices.factor(r.country, r.audience, r.start, r.days);
        }
        let supply = Supply::learn(&rows, &cells);
        History { rows, cells, price_index, prices, supply }
    }

    /// Rows of one market, format and objective on any of `placements`.
    pub fn cell(
        &self,
        country: Country,
        format: AssetFormat,
        placements: &[Placement],
        objective: Objective,
    ) -> Vec<&Row> {
        let mut idx: Vec<usize> = placements
            .iter()
            .filter_map(|p| self.cells.get(&(country, format, *p, objective)))
            .flatten()
            .copied()
            .collect();
        idx.sort_unstable();
        idx.into_iter().map(|i| &self.rows[i]).collect()
    }

    /// Rows of one objective in one market, any format or placement (the market's baseline).
    pub fn market(&self, country: Country, objective: Objective) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(move |r| r.country == country && r.objective == objective)
    }

    /// Rows of one format and objective in every market of the answer (the pooled prior): those on one of
    /// `placements` when there are any — a placement performs alike across markets — else on any.
    pub fn pooled<'a>(
        &'a self,
        format: AssetFormat,
        placements: &'a [Placement],
        objective: Objective,
    ) -> impl Iterator<Item = &'a Row> {
        let same = move |r: &&Row| r.format == format && r.objective == objective;
        let any_on_placement = self.rows.iter().filter(same).any(|r| placements.contains(&r.placement));
        self.rows.iter().filter(same).filter(move |r| !any_on_placement || placements.contains(&r.placement))
    }

    /// How dear a market's CPMs are relative to the same formats across the answer (1.0 = typical, and
    /// for markets without history).
    pub fn price_index(&self, country: Country) -> f64 {
        self.price_index.get(&country).copied().unwrap_or(1.0)
    }
}

/// Median of each market's CPM relative to its format's median CPM across all markets, clamped so one odd
/// market cannot distort the prior by more than 5×.
fn price_index(rows: &[Row]) -> BTreeMap<Country, f64> {
    let mut by_format: BTreeMap<AssetFormat, Vec<f64>> = BTreeMap::new();
    for r in rows {
        if let Some(cpm) = r.cpm() {
            by_format.entry(r.format).or_default().push(cpm);
        }
    }
    let format_median: BTreeMap<AssetFormat, f64> =
        by_format.into_iter().filter_map(|(f, v)| median(v).map(|m| (f, m))).collect();
    let mut ratios: BTreeMap<Country, Vec<f64>> = BTreeMap::new();
    for r in rows {
        let base = format_median.get(&r.format).copied().filter(|m| *m > 0.0);
        if let (Some(cpm), Some(base)) = (r.cpm(), base) {
            ratios.entry(r.country).or_default().push(cpm / base);
        }
    }
    ratios.into_iter().filter_map(|(c, v)| median(v).map(|m| (c, m.clamp(0.2, 5.0)))).collect()
}

/// The median of finite values (mean of the middle two for an even count).
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    values.retain(|v| v.is_finite());
    quantile_sorted(&sort(values), 0.5)
}

/// Sorts floats totally (deterministic for equal values too).
pub fn sort(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values
}

/// Linear-interpolated quantile `q` of sorted values.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let pos = q.clamp(0.0, 1.0) * last as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let (a, b) = (sorted.get(lo)?, sorted.get(hi)?);
    Some(a + (b - a) * (pos - lo as f64))
}

/// A total order over every field, so the same set of rows is always read in the same order.
fn canonical_order(a: &HistoricalAdSet, b: &HistoricalAdSet) -> Ordering {
    (a.country, a.asset_format, a.placement, a.objective, a.start, a.duration_days, a.currency)
        .cmp(&(b.country, b.asset_format, b.placement, b.objective, b.start, b.duration_days, b.currency))
        .then_with(|| {
            (a.booked_micros, a.spend_micros, a.impressions, a.reach, a.clicks, a.completes, a.results).cmp(&(
                b.booked_micros,
                b.spend_micros,
                b.impressions,
                b.reach,
                b.clicks,
                b.completes,
                b.results,
            ))
        })
        .then_with(|| {
            (a.audience_size, a.age_min, a.age_max, a.gender, a.platform, &a.interest).cmp(&(
                b.audience_size,
                b.age_min,
                b.age_max,
                b.gender,
                b.platform,
                &b.interest,
            ))
        })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::types::Currency;
    use chrono::NaiveDate;

    pub(crate) fn row(country: Country, currency: Currency, spend: i64, impressions: u64) -> HistoricalAdSet {
        HistoricalAdSet {
            country,
            asset_format: AssetFormat::Audio,
            placement: Placement::Music,
            objective: Objective::Reach,
            start: NaiveDate::from_ymd_opt(2025, 5, 1).unwrap_or_default(),
            duration_days: 30,
            currency,
            booked_micros: spend,
            spend_micros: spend,
            impressions,
            reach: impressions / 3,
            clicks: impressions / 500,
            completes: impressions,
            results: impressions / 3,
            audience_size: 1_000_000,
            age_min: 18,
            age_max: 99,
            gender: None,
            platform: None,
            interest: None,
        }
    }

    #[test]
    fn order_of_the_answer_does_not_matter() {
        let a = vec![row(Country::Us, Currency::Usd, 1_000_000_000, 60_000), row(Country::Br, Currency::Brl, 900, 1)];
        let b: Vec<HistoricalAdSet> = a.iter().rev().cloned().collect();
        assert_eq!(History::new(&a).rows, History::new(&b).rows);
    }

    #[test]
    fn unusable_rows_are_dropped_and_money_is_in_usd() {
        let mut bad = row(Country::Us, Currency::Usd, 1_000_000_000, 60_000);
        bad.audience_size = 0;
        let h = History::new(&[bad, row(Country::Br, Currency::Brl, 6_400_000_000, 100_000)]);
        assert_eq!(h.rows.len(), 1);
        assert!((h.rows[0].spend_usd - 1170.0).abs() < 1e-6, "{}", h.rows[0].spend_usd);
        assert!((h.rows[0].cpm().unwrap_or_default() - 11.7).abs() < 1e-9);
    }

    #[test]
    fn a_dear_market_has_a_higher_price_index() {
        let h = History::new(&[
            row(Country::Us, Currency::Usd, 2_000_000_000, 100_000),
            row(Country::Br, Currency::Usd, 500_000_000, 100_000),
        ]);
        assert!(h.price_index(Country::Us) > 1.0 && h.price_index(Country::Br) < 1.0);
        assert_eq!(h.price_index(Country::Jp), 1.0);
    }

    /// A year of monthly flights (two a month, two audiences) at CPMs that follow `month_cpm` and are
    /// `narrow_premium` dearer on an audience a tenth of the other's.
    fn priced_year(month_cpm: impl Fn(u32) -> f64, narrow_premium: f64) -> Vec<HistoricalAdSet> {
        let listeners = crate::taxonomy::markets::market(Country::Us).total_listeners();
        let mut rows = Vec::new();
        for month in 1..=12 {
            for (audience, premium) in [(listeners, 1.0), (listeners / 10, narrow_premium)] {
                let mut r = row(Country::Us, Currency::Usd, 1_000_000_000, 0);
                r.start = NaiveDate::from_ymd_opt(2025, month, 1).unwrap_or_default();
                r.duration_days = 28;
                r.audience_size = audience;
                r.impressions = (1_000_000.0 / (month_cpm(month) * premium)) as u64;
                rows.push(r.clone());
                rows.push(r);
            }
        }
        rows
    }

    #[test]
    fn prices_learn_the_seasons_and_the_narrowness_premium() {
        let december = |m: u32| if m == 12 { 26.0 } else { 20.0 };
        let h = History::new(&priced_year(december, 1.2));
        let p = h.prices;
        // Shrunk a little toward no seasonality, but December stands out and the rest is flat.
        assert!(p.months[11] / p.months[5] > 1.15 && p.months[11] / p.months[5] < 1.31, "{p:?}");
        assert!((p.months[2] / p.months[5] - 1.0).abs() < 0.02, "{p:?}");
        // 1.2× for an audience ten times narrower: ln 1.2 / ln 10 ≈ 0.079.
        assert!((p.narrowness - 0.079).abs() < 0.01, "{p:?}");
        // A flight across November and December is their mix.
        let nov = NaiveDate::from_ymd_opt(2026, 11, 17).unwrap_or_default();
        let listeners = crate::taxonomy::markets::market(Country::Us).total_listeners() as f64;
        let mixed = p.factor(Country::Us, listeners, nov, 28.0);
        assert!(mixed > p.months[10] && mixed < p.months[11], "{mixed} {p:?}");
        assert!(p.factor(Country::Us, listeners / 10.0, nov, 28.0) > mixed * 1.15);
    }

    #[test]
    fn supply_learns_where_delivery_falls() {
        // At a CPM of 10 USD, demand is budget ÷ 10 × 1000 impressions over 100,000 listeners × 30 days.
        // Delivery is 96% up to 0.1 impressions per listener-day; beyond, impressions stay at 0.096.
        let rows: Vec<HistoricalAdSet> = (0..80)
            .map(|i| {
                let budget_usd = 30.0 * 1.1_f64.powi(i);
                let demand = budget_usd / 10.0 * 1000.0 / 3_000_000.0;
                let delivery = if demand <= 0.1 { 0.96 } else { 0.96 * 0.1 / demand };
                let mut r = row(Country::Us, Currency::Usd, (budget_usd * delivery * 1e6) as i64, 0);
                r.booked_micros = (budget_usd * 1e6) as i64;
                r.impressions = (budget_usd * delivery / 10.0 * 1000.0) as u64;
                r.audience_size = 100_000;
                r
            })
            .collect();
        let supply = History::new(&rows).supply;
        assert!((supply.delivery(0.01).unwrap_or_default() - 0.96).abs() < 1e-9, "{supply:?}");
        let capacity = supply.capacity();
        // Within a knot (eight ad sets, a factor of two in demand here) of the truth.
        assert!(capacity > 0.06 && capacity < 0.12, "{capacity} {supply:?}");
        // Far beyond the evidence delivered impressions stay where they were.
        let far = supply.delivery(100.0).unwrap_or_default();
        assert!(far > 0.0 && far < 0.002, "{far}");
        // And the history says how far that is from anything it saw.
        assert_eq!(supply.beyond(0.01), 0.0);
        assert!(supply.beyond(100.0) > 4.0, "{}", supply.beyond(100.0));
        assert_eq!(History::new(&rows[..10]).supply.delivery(0.01), None);
        assert_eq!(Supply::default().capacity(), f64::INFINITY);
    }

    #[test]
    fn a_rise_in_delivery_is_pooled_not_cut_to_the_lowest_knot() {
        let knots = non_increasing(vec![(1.0, 0.96), (2.0, 0.90), (3.0, 0.94), (4.0, 0.60)]);
        let levels: Vec<f64> = knots.iter().map(|k| k.1).collect();
        for (got, want) in levels.iter().zip([0.96, 0.92, 0.92, 0.60]) {
            assert!((got - want).abs() < 1e-12, "{levels:?}");
        }
        assert_eq!(knots.iter().map(|k| k.0).collect::<Vec<_>>(), vec![1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn without_evidence_prices_are_flat() {
        let h = History::new(&[row(Country::Us, Currency::Usd, 1_000_000_000, 60_000)]);
        assert_eq!(h.prices.narrowness, 0.0);
        assert!(h.prices.months.iter().all(|m| (m - 1.0).abs() < 1e-9), "{:?}", h.prices);
        assert_eq!(History::default().prices, Prices::default());
        assert_eq!(month_days(NaiveDate::from_ymd_opt(2026, 1, 30).unwrap_or_default(), 4.0), vec![(0, 2.0), (1, 2.0)]);
    }

    #[test]
    fn medians_and_quantiles() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, f64::NAN, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(vec![]), None);
        assert_eq!(quantile_sorted(&[0.0, 10.0], 0.1), Some(1.0));
    }
}
