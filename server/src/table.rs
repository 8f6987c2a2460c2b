//! The human-readable answer `mixtape plan` prints without `--json`.

use std::fmt::Write;

use planner::plan::describe::{exact_money as money, thousands};
use planner::taxonomy::categories;
use planner::types::{BudgetType, PlanResponse, Range, Targets};

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
    format!("{}–{}–{}", thousands(r.p10), thousands(r.p50), thousands(r.p90))
}
