//! The plan's numbers: totals, and one table row per ad set with its budget, bid, forecast ranges, the
//! evidence behind them and the planner's one-line reason.

use leptos::prelude::*;
use planner::plan::describe;
use planner::types::{Plan, Totals};

use crate::format;

/// The plan's totals: budget and forecast ranges (p10–p90, the median beside it).
#[component]
pub fn PlanTotals(
    /// The totals.
    totals: Totals,
) -> impl IntoView {
    let stat = |label: &'static str, value: String, detail: String| {
        view! {
            <div class="totals__stat">
                <dt>{label}</dt>
                <dd>
                    <span class="totals__value">{value}</span>
                    <span class="totals__detail">{detail}</span>
                </dd>
            </div>
        }
    };
    let median = |r: &planner::types::Range| format!("median {}", format::compact(r.p50));
    view! {
        <dl class="totals" aria-label="Plan totals">
            {stat("Budget", format::budget(&totals.budget), String::new())}
            {stat("Impressions", format::range(&totals.impressions), median(&totals.impressions))}
            {stat("Reach", format::range(&totals.reach), median(&totals.reach))}
            {stat("Clicks", format::range(&totals.clicks), median(&totals.clicks))}
            {(totals.result_name != "reach" && totals.result_name != "impressions" && totals.result_name != "clicks")
                .then(|| stat("Results", format::range(&totals.results), format!("{}, {}", totals.result_name, median(&totals.results))))}
        </dl>
    }
}

/// One row per ad set: its numbers, and under its name the planner's reason and the evidence behind it.
#[component]
pub fn AdSetTable(
    /// The plan.
    plan: Plan,
) -> impl IntoView {
    // Reach and impressions have their own columns; any other result (clicks, streams, installs…) gets one.
    let result = plan.totals.result_name.clone();
    let result_column = (result != "reach" && result != "impressions").then(|| format::words(&result));
    view! {
        <div class="table-scroll" role="region" aria-label="Ad sets" tabindex="0">
            <table class="ad-sets">
                <caption class="visually-hidden">"Ad sets with budget, bid, forecast ranges (p10–p90) and evidence"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Ad set"</th>
                        <th scope="col">"Budget"</th>
                        <th scope="col">"Max CPM bid"</th>
                        <th scope="col">"Impressions"</th>
                        <th scope="col">"Reach"</th>
                        {result_column.clone().map(|name| view! { <th scope="col">{name}</th> })}
                    </tr>
                </thead>
                <tbody>
                    {plan
                        .ad_sets
                        .into_iter()
                        .map(|a| {
                            let f = &a.forecast;
                            let evidence = format!(
                                "Evidence: {} comparable campaigns · median CPM {} · {:.0}% of budgets delivered",
                                a.evidence.comparable_campaigns,
                                describe::money(a.evidence.median_cpm.micro_amount, a.evidence.median_cpm.currency),
                                f64::from(a.evidence.median_delivery_rate_permille) / 10.0
                            );
                            let results = result_column.clone().map(|name| {
                                // An ad set on a substitute objective counts its own result; say which.
                                let cell = if f.result_name == result {
                                    format::range(&f.results)
                                } else {
                                    format!("{} {}", format::range(&f.results), f.result_name)
                                };
                                view! { <td class="num" data-label=name>{cell}</td> }
                            });
                            view! {
                                <tr>
                                    <th scope="row">
                                        <span class="ad-sets__name">{a.name.clone()}</span>
                                        <span class="ad-sets__reason">{a.reason.clone()}</span>
                                        <span class="ad-sets__evidence">{evidence}</span>
                                    </th>
                                    <td class="num" data-label="Budget">{format::budget(&a.budget)}</td>
                                    <td class="num" data-label="Max CPM bid">{describe::money(a.bid_micro_amount, a.budget.currency)}</td>
                                    <td class="num" data-label="Impressions">{format::range(&f.impressions)}</td>
                                    <td class="num" data-label="Reach">{format::range(&f.reach)}</td>
                                    {results}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
