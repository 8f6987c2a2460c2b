//! The plan panel: what the brief resolved to (chips, assumptions, the open question), then the plan itself
//! (totals, budget split, ad sets, response curves, the agent trace and exports). The page places the
//! budget slider between the two, outside anything that re-renders while it is dragged.

use leptos::prelude::*;
use planner::plan::ResponseCurve;
use planner::types::{Overrides, PlanResponse};

use super::chart::{BudgetSplit, ResponseCurves};
use super::chips::BriefChips;
use super::export::ExportBar;
use super::table::{AdSetTable, PlanTotals};
use super::trace::AgentTrace;

/// The brief: chips, the question while something is missing, and the assumptions made.
#[component]
pub fn BriefSummary(
    /// The planner's answer.
    response: PlanResponse,
    /// Slots the user edited.
    #[prop(optional)]
    edited: Vec<&'static str>,
    /// Called with a chip edit; read-only without it.
    #[prop(optional)]
    on_edit: Option<Callback<Overrides>>,
) -> impl IntoView {
    let assumptions = response.assumptions.clone();
    view! {
        <section class="brief" aria-labelledby="brief-title">
            <h2 id="brief-title" class="section-title">"The brief"</h2>
            {match on_edit {
                Some(on_edit) => view! { <BriefChips brief=response.brief edited=edited on_edit=on_edit /> }.into_any(),
                None => view! { <BriefChips brief=response.brief edited=edited /> }.into_any(),
            }}
            {response.question.map(|q| view! { <p class="brief__question">{q}</p> })}
            {(!assumptions.is_empty()).then(|| view! {
                <details class="assumptions" open>
                    <summary>{format!("Assumptions ({})", assumptions.len())}</summary>
                    <ul>{assumptions.into_iter().map(|a| view! { <li>{a}</li> }).collect_view()}</ul>
                </details>
            })}
        </section>
    }
}

/// The plan: totals, split, ad sets, curves, trace and exports (the trace and the planner's raw answer also
/// while there is no plan yet).
#[component]
pub fn PlanBody(
    /// The planner's answer.
    response: PlanResponse,
    /// The answer as `mixtape plan --json` prints it.
    json: String,
    /// Each ad set's response curve (none on a shared plan).
    #[prop(optional)]
    curves: Vec<ResponseCurve>,
    /// Planning time in the page.
    #[prop(optional)]
    elapsed_ms: Option<f64>,
    /// Saves the plan for a link.
    #[prop(optional)]
    on_share: Option<Callback<(), ()>>,
    /// The saved link, once there is one.
    #[prop(optional, into)]
    shared: Option<Signal<Option<Result<String, String>>>>,
) -> impl IntoView {
    let trace = response.trace.clone();
    let plan = response.plan.clone();
    let export = match (on_share, shared, plan.is_some()) {
        (Some(on_share), Some(shared), true) => {
            view! { <ExportBar response=response.clone() json=json.clone() on_share=on_share shared=shared /> }
                .into_any()
        }
        _ => view! { <ExportBar response=response.clone() json=json.clone() /> }.into_any(),
    };
    view! {
        {plan.map(|plan| {
            let currency = plan.totals.budget.currency;
            view! {
                <section class="plan" aria-labelledby="plan-title">
                    <h2 id="plan-title" class="section-title">"The plan"</h2>
                    <PlanTotals totals=plan.totals.clone() />
                    <BudgetSplit plan=plan.clone() />
                    <AdSetTable plan=plan />
                    {(!curves.is_empty()).then(|| view! { <ResponseCurves curves=curves currency=currency /> })}
                </section>
            }
        })}
        {match elapsed_ms {
            Some(ms) => view! { <AgentTrace trace=trace elapsed_ms=ms /> }.into_any(),
            None => view! { <AgentTrace trace=trace /> }.into_any(),
        }}
        {export}
    }
}
