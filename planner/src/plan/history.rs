//! The history as the planner reads it: every usable historical ad set turned into USD floats once, put in
//! a canonical order (so float sums never depend on the order the store answered in), and indexed by cell
//! (country, format, placement, objective).
//!
//! Start with [`History::new`]. Also here: the objective's cost metric ([`cost_metric`]), medians, and
//! each market's price index (how much dearer its CPMs are than the same formats elsewhere), which lets
//! evidence from one market stand in for another.

use std::cmp::Ordering;
use std::collections::BTreeMap;

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
}

impl History {
    /// Reads the store's answer: drops rows that cannot be used (no budget, audience or days), sorts the
    /// rest canonically and indexes them.
    pub fn new(ad_sets: &[HistoricalAdSet]) -> History {
        let mut sorted: Vec<&HistoricalAdSet> = ad_sets.iter().collect();
        sorted.sort_by(|a, b| canonical_order(a, b));
        let rows: Vec<Row> = sorted.into_iter().filter_map(Row::from_history).collect();
        let mut cells: BTreeMap<CellKey, Vec<usize>> = BTreeMap::new();
        for (i, r) in rows.iter().enumerate() {
            cells.entry((r.country, r.format, r.placement, r.objective)).or_default().push(i);
        }
        let price_index = price_index(&rows);
        History { rows, cells, price_index }
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

    /// Rows of one format and objective in every market of the answer (the pooled prior).
    pub fn pooled(&self, format: AssetFormat, objective: Objective) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(move |r| r.format == format && r.objective == objective)
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

    #[test]
    fn medians_and_quantiles() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, f64::NAN, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(vec![]), None);
        assert_eq!(quantile_sorted(&[0.0, 10.0], 0.1), Some(1.0));
    }
}
