//! How numbers, money, dates and lists read on screen. Money goes through the planner's own formatting
//! (integer micro-units in, no floats), so the page and the plan's reasons spell amounts the same way.

use chrono::NaiveDate;
use planner::plan::describe;
use planner::types::{Budget, BudgetType, Range, Schedule};

/// "R$ 50,000", or "R$ 300 a day" for a daily budget.
pub fn budget(b: &Budget) -> String {
    let amount = describe::money(b.micro_amount, b.currency);
    match b.kind {
        BudgetType::Lifetime => amount,
        BudgetType::Daily => format!("{amount} a day"),
    }
}

/// Micro-units as an exact plain decimal, for files and inputs: 1_234_500_000 → "1234.5".
pub fn decimal(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let (whole, frac) = (micros.unsigned_abs() / 1_000_000, micros.unsigned_abs() % 1_000_000);
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    format!("{sign}{whole}.{}", format!("{frac:06}").trim_end_matches('0'))
}

/// A count in at most four significant characters: 950, 12.3k, 4.5M.
pub fn compact(n: u64) -> String {
    let f = n as f64;
    match n {
        0..1_000 => n.to_string(),
        1_000..10_000 => format!("{:.1}k", f / 1e3),
        10_000..1_000_000 => format!("{:.0}k", f / 1e3),
        1_000_000..10_000_000 => format!("{:.1}M", f / 1e6),
        _ => format!("{:.0}M", f / 1e6),
    }
}

/// "12k–15k" (p10–p90), or one number when the range is a point.
pub fn range(r: &Range) -> String {
    if r.p10 == r.p90 { compact(r.p50) } else { format!("{}–{}", compact(r.p10), compact(r.p90)) }
}

/// "Apr 1 – Apr 30, 2026".
pub fn schedule(s: &Schedule) -> String {
    let same_year = s.start.format("%Y").to_string() == s.end.format("%Y").to_string();
    let start = if same_year { s.start.format("%b %-d") } else { s.start.format("%b %-d, %Y") };
    format!("{start} – {} ({} days)", s.end.format("%b %-d, %Y"), s.days())
}

/// "Wed, Apr 1, 2026".
pub fn day(d: NaiveDate) -> String {
    d.format("%a, %b %-d, %Y").to_string()
}

/// "A", "A and B", "A, B and C".
pub fn list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => {
            format!("{} and {}", init.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(", "), last.as_ref())
        }
    }
}

/// "EVEN_IMPRESSION_DELIVERY" → "Even impression delivery".
pub fn words(code: &str) -> String {
    let lower = code.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Microseconds as "41 µs" or "1.2 ms".
pub fn duration(us: u64) -> String {
    if us < 1_000 { format!("{us} µs") } else { format!("{:.1} ms", us as f64 / 1e3) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use planner::types::Currency;

    #[test]
    fn counts_and_ranges_read_compactly() {
        assert_eq!(compact(950), "950");
        assert_eq!(compact(12_345), "12k");
        assert_eq!(compact(4_560_000), "4.6M");
        assert_eq!(range(&Range { p10: 1_200, p50: 1_500, p90: 1_900 }), "1.2k–1.9k");
        assert_eq!(range(&Range { p10: 7, p50: 7, p90: 7 }), "7");
    }

    #[test]
    fn budgets_dates_and_lists_read_as_sentences() {
        let daily = Budget { micro_amount: 300_000_000, currency: Currency::Usd, kind: BudgetType::Daily };
        assert!(budget(&daily).ends_with(" a day"));
        let april = Schedule {
            start: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default(),
            end: NaiveDate::from_ymd_opt(2026, 4, 30).unwrap_or_default(),
        };
        assert_eq!(schedule(&april), "Apr 1 – Apr 30, 2026 (30 days)");
        assert_eq!(list(&["Brazil", "Mexico", "Chile"]), "Brazil, Mexico and Chile");
        assert_eq!(words("EVEN_IMPRESSION_DELIVERY"), "Even impression delivery");
    }
}
