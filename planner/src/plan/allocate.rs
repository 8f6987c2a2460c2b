//! Splitting the budget: first in USD floats to maximise the expected total result under diminishing
//! returns, then in the brief's integer micro-units so the ad sets add up exactly to the brief.
//!
//! Start with [`optimise`]. Each ad set's expected result is `c·(1 − exp(−s/d))` in its budget `s`; the
//! optimum gives every ad set above its minimum the same marginal return λ, so `s(λ) = d·ln(c / (d·λ))`
//! (floored at the minimum, capped at the budget its audience absorbs) and λ is found by bisection on the
//! total. A split expected to leave part of the budget unspent is redone with tighter capacities until it
//! delivers ([`Split::short`]). [`BudgetFrame`] knows the brief's budget in integer units (lifetime
//! micros, or daily micros for a daily budget) and the 250 USD minimum; [`to_units`] rounds the optimum
//! to units by largest remainder.

use super::history::Supply;
use crate::taxonomy::fx;
use crate::types::{Budget, BudgetType, Currency};

/// The minimum an ad set must spend over its flight, in USD micros.
pub const MIN_AD_SET_USD_MICROS: i64 = 250_000_000;

/// A plan under-delivers when it is expected to spend less than this share of its budget…
pub const DELIVERY_TARGET: f64 = 0.95;
/// …or, where its ad sets usually deliver less than that (their rate at small budgets: pacing, not an
/// audience too small for the budget), more than this share below their usual rate.
pub const DELIVERY_TOLERANCE: f64 = 0.02;

/// Delivery shortfalls (below an ad set's usual rate) the allocator tightens capacity to, in turn, when
/// the plan would otherwise under-deliver.
pub(super) const TIGHTER_SLACKS: [f64; 4] = [0.04, 0.03, 0.02, 0.01];

/// An ad set's expected result as a function of its budget `s` (USD): `c·(1 − exp(−min(s, k)/d))`, where
/// `k` is the budget its audience can absorb: beyond it more budget buys nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    /// Asymptote: the most this ad set can deliver.
    pub ceiling: f64,
    /// Budget at which 63% of the ceiling is reached.
    pub scale: f64,
    /// The budget its audience absorbs (`f64::INFINITY` when unknown): `delivery`'s capacity.
    pub capacity: f64,
    /// The share of a budget delivered, by budget in USD (no knots when unknown: all of it).
    pub delivery: Supply,
}

impl Response {
    /// A response whose capacity is its delivery curve's.
    pub fn new(ceiling: f64, scale: f64, delivery: Supply) -> Response {
        Response { ceiling, scale, capacity: delivery.capacity(), delivery }
    }

    /// A response that buys nothing.
    pub fn flat() -> Response {
        Response::new(0.0, 1.0, Supply::default())
    }

    /// Whether the response says anything (a positive, finite ceiling and scale).
    pub fn usable(&self) -> bool {
        self.ceiling > 0.0 && self.scale > 0.0 && self.ceiling.is_finite() && self.scale.is_finite()
    }

    /// Expected result for budget `s`.
    pub fn at(&self, s: f64) -> f64 {
        let s = s.min(self.capacity);
        if self.usable() && s > 0.0 { self.ceiling * -libm::expm1(-s / self.scale) } else { 0.0 }
    }

    /// Marginal result per USD at budget `s`.
    pub fn marginal(&self, s: f64) -> f64 {
        if self.usable() && s < self.capacity {
            self.ceiling / self.scale * libm::exp(-s.max(0.0) / self.scale)
        } else {
            0.0
        }
    }

    /// The same response, absorbing only what it delivers within `slack` of its usual rate.
    fn within(&self, slack: f64) -> Response {
        Response { capacity: self.delivery.capacity_within(slack), ..self.clone() }
    }

    /// The budget at which the marginal return falls to `lambda` (never below `min`, never above the
    /// capacity unless the minimum is).
    fn budget_at(&self, lambda: f64, min: f64) -> f64 {
        if !self.usable() || lambda <= 0.0 {
            return min;
        }
        let ratio = self.ceiling / (self.scale * lambda);
        let unbounded = if ratio <= 1.0 { min } else { self.scale * libm::log(ratio) };
        unbounded.min(self.capacity).max(min)
    }
}

/// Bisection steps on ln λ: enough to pin λ to double precision over any realistic range.
const BISECTION_STEPS: usize = 200;

/// A split of the budget and what it is expected to spend.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    /// USD per ad set, adding up to the total.
    pub budgets: Vec<f64>,
    /// The share of the total the ad sets are expected to deliver.
    pub delivered: f64,
    /// The share they would deliver at their usual rate.
    pub usual: f64,
    /// Whether some result was given up so that the plan delivers.
    pub traded: bool,
}

impl Split {
    /// Whether the plan is expected to leave part of its budget unspent: below [`DELIVERY_TARGET`], or
    /// [`DELIVERY_TOLERANCE`] below its usual rate where that is lower.
    pub fn short(&self) -> bool {
        self.delivered < DELIVERY_TARGET.min(self.usual - DELIVERY_TOLERANCE)
    }
}

/// Splits `total` USD across the responses to maximise the summed result while the plan delivers its
/// budget, every ad set getting at least `min`.
///
/// The best split within each ad set's capacity comes first. When it is expected to fall short
/// ([`Split::short`]), capacities are tightened a step at a time ([`TIGHTER_SLACKS`]), which moves money
/// from audiences past their knee to those with room, and the first split that delivers is kept: the
/// least result given up for a plan that spends its budget. When none does, the tightest split stands:
/// it spends the most, and the history's supply curves are too rough to say the budget cannot be spent.
pub fn optimise(responses: &[Response], total: f64, min: f64) -> Split {
    let split = |budgets: Vec<f64>, traded: bool| {
        let share = |rate: &dyn Fn(&Response, f64) -> f64| {
            let spent: f64 = responses.iter().zip(&budgets).map(|(r, b)| b * rate(r, *b)).sum();
            if total > 0.0 { spent / total } else { 1.0 }
        };
        let delivered = share(&|r, b| r.delivery.delivery(b).unwrap_or(1.0));
        let usual = share(&|r, _| r.delivery.delivery(0.0).unwrap_or(1.0));
        Split { budgets, delivered, usual, traded }
    };
    let mut best = split(maximise(responses, total, min), false);
    for slack in TIGHTER_SLACKS {
        if !best.short() {
            break;
        }
        best = split(maximise(&responses.iter().map(|r| r.within(slack)).collect::<Vec<_>>(), total, min), true);
    }
    best
}

/// Splits `total` USD across the responses to maximise the summed result, every ad set getting at least
/// `min` and none more than its capacity while another has room. Ad sets whose response is flat get the
/// minimum; if every response is flat, the split is even.
fn maximise(responses: &[Response], total: f64, min: f64) -> Vec<f64> {
    let n = responses.len();
    if n == 0 {
        return Vec::new();
    }
    let even = vec![total / n as f64; n];
    if !(total.is_finite() && min.is_finite()) || total <= min * n as f64 || !responses.iter().any(Response::usable) {
        return even;
    }
    // More budget than the audiences absorb: every ad set over its capacity by the same factor.
    let absorbs = |r: &Response| if r.usable() { r.capacity.max(min) } else { min };
    let room: f64 = responses.iter().map(absorbs).sum();
    if room <= total {
        return responses.iter().map(|r| absorbs(r) * total / room).collect();
    }
    let spend = |lambda: f64| responses.iter().map(|r| r.budget_at(lambda, min)).sum::<f64>();
    // At λ_hi every ad set sits at its minimum; λ_lo is lowered until the budgets exceed the total.
    let hi0 = responses.iter().map(|r| r.marginal(min)).fold(0.0, f64::max);
    let (mut ln_lo, mut ln_hi) = (libm::log(hi0) - 1.0, libm::log(hi0));
    for _ in 0..2000 {
        if spend(libm::exp(ln_lo)) >= total {
            break;
        }
        ln_lo -= 1.0;
    }
    for _ in 0..BISECTION_STEPS {
        let mid = (ln_lo + ln_hi) / 2.0;
        if spend(libm::exp(mid)) > total { ln_lo = mid } else { ln_hi = mid }
    }
    let budgets: Vec<f64> = responses.iter().map(|r| r.budget_at(libm::exp(ln_hi), min)).collect();
    settle(budgets, total, min).unwrap_or(even)
}

/// Makes the float budgets add up to `total`: the bisection leaves a tiny gap, which goes to the ad sets
/// above their minimum in proportion to what they already have above it.
fn settle(budgets: Vec<f64>, total: f64, min: f64) -> Option<Vec<f64>> {
    let above: f64 = budgets.iter().map(|b| b - min).sum();
    let wanted = total - min * budgets.len() as f64;
    if !(above > 0.0 && above.is_finite()) {
        return None;
    }
    let out: Vec<f64> = budgets.iter().map(|b| min + (b - min) * wanted / above).collect();
    out.iter().all(|b| b.is_finite()).then_some(out)
}

/// Rounds budgets to integer units adding up exactly to `total_units`, each at least `min_units`. The
/// pool above the minimums is split in proportion to `above_min` (each ad set's float budget above its
/// minimum) by largest remainder; all zeros split it evenly.
pub fn to_units(above_min: &[f64], total_units: i64, min_units: i64) -> Vec<i64> {
    let n = above_min.len();
    if n == 0 {
        return Vec::new();
    }
    let pool = total_units - min_units.saturating_mul(n as i64);
    if pool < 0 {
        // Cannot honour the minimum (callers prevent this): split evenly instead.
        return largest_remainder(&vec![1; n], total_units);
    }
    let sum: f64 = above_min.iter().filter(|a| a.is_finite()).map(|a| a.max(0.0)).sum();
    // Integer weights (2^40 resolution) so the split itself is exact integer arithmetic.
    let weights: Vec<i128> = above_min
        .iter()
        .map(|a| {
            let share = if a.is_finite() && sum > 0.0 { a.max(0.0) / sum } else { 0.0 };
            (share * (1u64 << 40) as f64).round() as i128
        })
        .collect();
    largest_remainder(&weights, pool).into_iter().map(|u| u + min_units).collect()
}

/// Splits `total` in proportion to integer weights; leftovers go to the largest remainders, ties to the
/// earlier index. All-zero weights split evenly.
pub fn largest_remainder(weights: &[i128], total: i64) -> Vec<i64> {
    let n = weights.len();
    if n == 0 {
        return Vec::new();
    }
    let sum: i128 = weights.iter().map(|w| (*w).max(0)).sum();
    let (weights, sum): (Vec<i128>, i128) =
        if sum > 0 { (weights.iter().map(|w| (*w).max(0)).collect(), sum) } else { (vec![1; n], n as i128) };
    let total = i128::from(total.max(0));
    let mut out: Vec<i128> = weights.iter().map(|w| total * w / sum).collect();
    let mut order: Vec<(i128, usize)> = weights.iter().enumerate().map(|(i, w)| (total * w % sum, i)).collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let short = total - out.iter().sum::<i128>();
    for (_, i) in order.into_iter().take(usize::try_from(short).unwrap_or(0)) {
        out[i] += 1;
    }
    out.into_iter().map(|u| i64::try_from(u).unwrap_or(i64::MAX)).collect()
}

/// The brief's budget as the allocator sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BudgetFrame {
    /// The brief's budget.
    pub budget: Budget,
    /// Units per unit of flight spend: 1 for lifetime, the number of days for daily.
    pub days_per_unit: i64,
    /// The per-ad-set minimum in units.
    pub min_units: i64,
}

impl BudgetFrame {
    /// The frame of a budget over a flight of `days` (≥ 1).
    pub fn new(budget: Budget, days: i64) -> BudgetFrame {
        let days_per_unit = match budget.kind {
            BudgetType::Lifetime => 1,
            BudgetType::Daily => days.max(1),
        };
        let min_units = min_units(budget.currency, days_per_unit);
        BudgetFrame { budget, days_per_unit, min_units }
    }

    /// Total units to split (the brief's amount).
    pub fn total_units(&self) -> i64 {
        self.budget.micro_amount
    }

    /// How many ad sets the budget can fund at the minimum.
    pub fn max_ad_sets(&self) -> usize {
        if self.min_units <= 0 || self.total_units() <= 0 {
            return 0;
        }
        usize::try_from(self.total_units() / self.min_units).unwrap_or(usize::MAX)
    }

    /// Micro-units spent over the flight for `units`.
    pub fn flight_micros(&self, units: i64) -> i64 {
        units.saturating_mul(self.days_per_unit)
    }

    /// USD (float, for modelling) spent over the flight for `units`.
    pub fn usd(&self, units: i64) -> f64 {
        self.flight_micros(units) as f64 / 1e6 * fx::usd_per_unit(self.budget.currency)
    }

    /// The whole budget over the flight in EUR micros (for the number of ad sets).
    pub fn eur_micros(&self) -> i64 {
        fx::to_eur(self.flight_micros(self.total_units()), self.budget.currency)
    }
}

/// The smallest number of units whose flight spend is at least 250 USD at the reference rate.
fn min_units(currency: Currency, days_per_unit: i64) -> i64 {
    let enough = |units: i64| fx::to_usd(units.saturating_mul(days_per_unit), currency) >= MIN_AD_SET_USD_MICROS;
    // Conversion is monotone, so bisect between nothing and a generous upper bound.
    let (mut lo, mut hi) = (0_i64, fx::convert(2 * MIN_AD_SET_USD_MICROS, Currency::Usd, currency).max(1));
    while !enough(hi) {
        hi = hi.saturating_mul(2);
        if hi == i64::MAX {
            return hi;
        }
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if enough(mid) { hi = mid } else { lo = mid }
    }
    hi
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(ceiling: f64, scale: f64) -> Response {
        Response::new(ceiling, scale, Supply::default())
    }

    #[test]
    fn the_optimum_equalises_marginal_returns_and_beats_an_even_split() {
        let rs = [r(1e6, 3000.0), r(4e5, 1000.0), r(2e6, 9000.0)];
        let total = 12_000.0;
        let b = optimise(&rs, total, 100.0).budgets;
        assert!((b.iter().sum::<f64>() - total).abs() < 1e-6);
        let m: Vec<f64> = rs.iter().zip(&b).map(|(r, s)| r.marginal(*s)).collect();
        for w in m.windows(2) {
            assert!((w[0] - w[1]).abs() / w[0] < 1e-6, "{m:?}");
        }
        let best: f64 = rs.iter().zip(&b).map(|(r, s)| r.at(*s)).sum();
        let even: f64 = rs.iter().map(|r| r.at(total / 3.0)).sum();
        assert!(best > even, "{best} vs {even}");
    }

    #[test]
    fn a_binding_minimum_is_honoured() {
        let rs = [r(1e6, 3000.0), r(10.0, 1.0)];
        let b = optimise(&rs, 5000.0, 300.0).budgets;
        assert!((b[1] - 300.0).abs() < 1e-6 && (b[0] - 4700.0).abs() < 1e-6, "{b:?}");
    }

    #[test]
    fn a_full_ad_set_passes_the_budget_on() {
        // The better ad set can only absorb 2,000: the rest goes to the other, whose return is lower.
        let full = Response { capacity: 2_000.0, ..r(1e6, 3000.0) };
        let b = optimise(&[full.clone(), r(4e5, 3000.0)], 6_000.0, 100.0).budgets;
        assert!((b[0] - 2_000.0).abs() < 1e-6 && (b[1] - 4_000.0).abs() < 1e-6, "{b:?}");
        assert_eq!(full.marginal(2_500.0), 0.0);
        assert_eq!(full.at(2_500.0), full.at(2_000.0));
    }

    #[test]
    fn more_budget_than_every_audience_absorbs_is_shared_by_capacity() {
        let rs = [Response { capacity: 1_000.0, ..r(1e6, 3000.0) }, Response { capacity: 3_000.0, ..r(4e5, 1000.0) }];
        let b = optimise(&rs, 8_000.0, 100.0).budgets;
        assert!((b[0] - 2_000.0).abs() < 1e-6 && (b[1] - 6_000.0).abs() < 1e-6, "{b:?}");
    }

    /// A response whose delivery is `usual` up to `knee` USD and then falls as `knee/s` (flat delivered
    /// spend beyond it).
    fn supplied(ceiling: f64, scale: f64, usual: f64, knee: f64) -> Response {
        Response::new(ceiling, scale, Supply::from_knots(vec![(knee / 100.0, usual), (knee, usual)]))
    }

    fn delivered(rs: &[Response], b: &[f64]) -> f64 {
        rs.iter().zip(b).map(|(r, s)| s * r.delivery.delivery(*s).unwrap_or(1.0)).sum()
    }

    #[test]
    fn a_plan_gives_up_some_result_to_deliver_its_budget() {
        // The better ad set's audience fills at 1,000; the other has room to 100,000. Both usually deliver
        // 97%, so the plan must spend 95%.
        let rs = [supplied(1e6, 3000.0, 0.97, 1_000.0), supplied(4e5, 3000.0, 0.97, 100_000.0)];
        let (total, min) = (2_500.0, 100.0);
        let best = maximise(&rs, total, min);
        assert!(delivered(&rs, &best) < DELIVERY_TARGET * total, "{best:?}");
        let split = optimise(&rs, total, min);
        assert!(split.traded && !split.short(), "{split:?}");
        let b = split.budgets;
        assert!(delivered(&rs, &b) >= DELIVERY_TARGET * total, "{b:?}");
        assert!(b[0] < best[0] && b[0] > 1_000.0, "{b:?} vs {best:?}");
        assert!((b.iter().sum::<f64>() - total).abs() < 1e-6);
    }

    #[test]
    fn a_budget_no_split_delivers_is_shared_by_the_tightest_capacity() {
        let rs = [supplied(1e6, 3000.0, 0.96, 1_000.0), supplied(4e5, 3000.0, 0.96, 3_000.0)];
        let b = optimise(&rs, 20_000.0, 100.0).budgets;
        let tightest: Vec<f64> = rs.iter().map(|r| r.within(TIGHTER_SLACKS[3]).capacity).collect();
        assert!((b[0] / tightest[0] - b[1] / tightest[1]).abs() < 1e-9 * b[0], "{b:?} {tightest:?}");
    }

    #[test]
    fn flat_or_broken_responses_split_evenly() {
        let b = optimise(&[r(0.0, 1.0), r(f64::NAN, 1.0)], 1000.0, 100.0).budgets;
        assert_eq!(b, vec![500.0, 500.0]);
        assert!(optimise(&[], 1000.0, 1.0).budgets.is_empty());
    }

    #[test]
    fn units_add_up_exactly_and_respect_the_minimum() {
        let units = to_units(&[1.0, 1.0, 1.0], 10, 2);
        assert_eq!(units, vec![4, 3, 3]);
        let units = to_units(&[0.0, 6750.3, 2499.7], 9_999_500_000, 250_000_000);
        assert_eq!(units.iter().sum::<i64>(), 9_999_500_000);
        assert!(units.iter().all(|u| *u >= 250_000_000));
        assert_eq!(units[0], 250_000_000);
    }

    #[test]
    fn largest_remainder_breaks_ties_by_position() {
        assert_eq!(largest_remainder(&[1, 1, 1], 2), vec![1, 1, 0]);
        assert_eq!(largest_remainder(&[0, 0], 3), vec![2, 1]);
        assert_eq!(largest_remainder(&[3, 1], 4), vec![3, 1]);
    }

    #[test]
    fn the_minimum_is_250_usd_in_any_currency_and_flight() {
        for &c in Currency::ALL {
            for days in [1, 7, 30, 31] {
                let m = min_units(c, days);
                assert!(fx::to_usd(m * days, c) >= MIN_AD_SET_USD_MICROS, "{c} {days}");
                assert!(fx::to_usd((m - 1) * days, c) < MIN_AD_SET_USD_MICROS, "{c} {days}");
            }
        }
    }
}
