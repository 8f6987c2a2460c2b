//! The human-readable answer `mixtape plan` prints without `--json`.

use std::fmt::Write;

use planner::taxonomy::categories;
use planner::types::{BudgetType, Currency, PlanResponse, Range, Targets};

/// Renders a response as a short report: the brief, then either the question or the ad sets.
pub fn render(r: &PlanResponse) -> String {
    let mut out = String::new();
    let b = &r.brief;
    let category = categories::get(&b.ad_category).map_or(b.ad_category.as_str(), |c| c.name);
    let _ = writeln!(out, "Objective  {}   Category  {} ({})", b.objective, category, b.ad_category);
    if let Some(budget) = b.budget {
        let kind = if budget.kind == BudgetType::Daily { "per day" } else { "lifetime" };
        let _ = writeln!(out, "Budget     {} {kind}", money(budget.micro_amount, budget.currency));
    }
    if let Some(s) = b.schedule {
        let _ = writeln!(out, "Schedule   {} → {} ({} days)", s.start, s.end, s.days());
    }
    let _ = writeln!(out, "Audience   {}", audience(&b.targets));
    if !b.formats.is_empty() || !b.placements.is_empty() {
        let list = |v: Vec<&str>| if v.is_empty() { "any".to_owned() } else { v.join(", ") };
        let _ = writeln!(
            out,
            "Formats    {}   Placements  {}",
            list(b.formats.iter().map(|f| f.as_str()).collect()),
            list(b.placements.iter().map(|p| p.as_str()).collect())
        );
    }
    for a in &r.assumptions {
        let _ = writeln!(out, "  · {a}");
    }
    if let Some(q) = &r.question {
        let _ = writeln!(out, "\n{q}");
    }
    if let Some(plan) = &r.plan {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<34} {:>18} {:>14}  {:<28} Evidence",
            "Ad set", "Budget", "Bid (CPM)", "Forecast p10–p50–p90"
        );
        for a in &plan.ad_sets {
            let evidence = format!(
                "{} comparable, median CPM {}, {}% delivered",
                a.evidence.comparable_campaigns,
                money(a.evidence.median_cpm.micro_amount, a.evidence.median_cpm.currency),
                a.evidence.median_delivery_rate_permille / 10
            );
            let _ = writeln!(
                out,
                "{:<34} {:>18} {:>14}  {:<28} {}",
                a.name,
                money(a.budget.micro_amount, a.budget.currency),
                money(a.bid_micro_amount, a.budget.currency),
                format!("{} {}", range(&a.forecast.results), a.forecast.result_name),
                evidence
            );
            let _ = writeln!(out, "{:<34} {}", "", a.reason);
        }
        let t = &plan.totals;
        let _ = writeln!(
            out,
            "{:<34} {:>18} {:>14}  {} {}",
            "Total",
            money(t.budget.micro_amount, t.budget.currency),
            "",
            range(&t.results),
            t.result_name
        );
    }
    out
}

fn audience(t: &Targets) -> String {
    let mut parts: Vec<String> = vec![t.countries.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")];
    if !t.cities.is_empty() {
        parts.push(t.cities.join(", "));
    }
    if !t.age_ranges.is_empty() {
        parts.push(format!(
            "ages {}",
            t.age_ranges.iter().map(|r| format!("{}-{}", r.min, r.max)).collect::<Vec<_>>().join(", ")
        ));
    }
    for list in [
        t.genders.iter().map(|g| g.as_str().to_owned()).collect::<Vec<_>>(),
        t.platforms.iter().map(|p| p.as_str().to_owned()).collect(),
        t.interests.clone(),
        t.genres.clone(),
        t.podcast_topics.clone(),
    ] {
        if !list.is_empty() {
            parts.push(list.join(", "));
        }
    }
    parts.retain(|p| !p.is_empty());
    if parts.is_empty() { "not yet known".to_owned() } else { parts.join(" · ") }
}

fn range(r: &Range) -> String {
    format!("{}–{}–{}", group(r.p10 as i128), group(r.p50 as i128), group(r.p90 as i128))
}

/// "50,000 BRL", "9,999.50 USD", "3,000,000 JPY".
pub fn money(micros: i64, currency: Currency) -> String {
    let cents = (i128::from(micros) + 5_000) / 10_000;
    let (whole, frac) = (cents / 100, (cents % 100).abs());
    if frac == 0 || currency == Currency::Jpy {
        format!("{} {currency}", group(whole))
    } else {
        format!("{}.{frac:02} {currency}", group(whole))
    }
}

fn group(n: i128) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_and_exact() {
        assert_eq!(money(50_000_000_000, Currency::Brl), "50,000 BRL");
        assert_eq!(money(9_999_500_000, Currency::Usd), "9,999.50 USD");
        assert_eq!(money(3_000_000_000_000, Currency::Jpy), "3,000,000 JPY");
    }
}
