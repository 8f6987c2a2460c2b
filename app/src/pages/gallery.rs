//! `/gallery`: every component rendered from fixtures, for designers iterating on the UI with `trunk serve`.
//! The fixture is a real `mixtape plan --json` answer (`app/fixtures/plan.json`); curves are drawn through
//! each ad set's forecast so the gallery needs no history.

use leptos::prelude::*;
use planner::plan::ResponseCurve;
use planner::types::{Budget, Overrides, PlanResponse};

use crate::components::chart::{BudgetSplit, ResponseCurves};
use crate::components::chat::{ChatLog, Composer};
use crate::components::chips::BriefChips;
use crate::components::export::ExportBar;
use crate::components::slider::BudgetSlider;
use crate::components::table::{AdSetTable, PlanTotals};
use crate::components::trace::AgentTrace;
use crate::session::Turn;

/// Regenerate with `mixtape plan --today 2026-03-02 --json "…" > app/fixtures/plan.json`.
const PLAN: &str = include_str!("../../fixtures/plan.json");

/// A saturating curve through each ad set's median forecast at its budget.
fn fixture_curves(response: &PlanResponse) -> Vec<ResponseCurve> {
    let Some(plan) = &response.plan else { return Vec::new() };
    plan.ad_sets
        .iter()
        .map(|a| {
            let chosen = a.budget.micro_amount;
            let ceiling = a.forecast.results.p50 as f64 / (1.0 - (-1.0_f64).exp());
            let points = (0..=40_i64)
                .map(|k| {
                    let x = chosen * 2 * k / 40;
                    (x, ceiling * (1.0 - (-(x as f64) / chosen.max(1) as f64).exp()))
                })
                .collect();
            ResponseCurve { ad_set: a.name.clone(), metric: Some("results"), chosen_micros: chosen, points }
        })
        .collect()
}

/// The gallery.
#[component]
pub fn GalleryPage() -> impl IntoView {
    let response: Option<PlanResponse> = serde_json::from_str(PLAN).ok();
    let Some(response) = response else {
        return view! { <p class="empty" role="alert">"The gallery fixture does not parse: regenerate app/fixtures/plan.json."</p> }.into_any();
    };
    let Some(plan) = response.plan.clone() else {
        return view! { <p class="empty" role="alert">"The gallery fixture has no plan."</p> }.into_any();
    };
    let turns = vec![
        Turn { user: true, text: response_brief_text() },
        Turn { user: false, text: "What's the total budget, and in which currency?".to_owned() },
        Turn { user: true, text: "R$ 50.000".to_owned() },
        Turn { user: false, text: crate::session::reply(&response) },
    ];
    let budget = RwSignal::new(response.brief.budget);
    let anchor = Signal::stored(response.brief.budget);
    let edits = RwSignal::new(Vec::<String>::new());
    let log_edit =
        Callback::new(move |o: Overrides| edits.update(|e| e.push(serde_json::to_string(&o).unwrap_or_default())));
    let mut question = response.clone();
    question.plan = None;
    question.question = Some("What's the total budget, and in which currency?".to_owned());
    let item = |name: &'static str, body: AnyView| {
        view! {
            <section class="gallery__item" aria-label=name>
                <h2 class="gallery__name">{name}</h2>
                {body}
            </section>
        }
    };
    let json = response.to_json();
    let curves = fixture_curves(&response);
    let currency = plan.totals.budget.currency;
    view! {
        <header class="topbar">
            <a class="topbar__brand" href="/">"Mixtape"</a>
            <span class="topbar__date">"Component gallery"</span>
        </header>
        <main class="gallery">
            {item("ChatLog", view! { <ChatLog turns=turns busy=false /> }.into_any())}
            {item("ChatLog (empty, busy)", view! { <ChatLog turns=Vec::new() busy=true /> }.into_any())}
            {item("Composer", view! { <Composer on_send=Callback::new(|_: String| ()) busy=false /> }.into_any())}
            {item("BriefChips (editable)", view! {
                <BriefChips brief=response.brief.clone() edited=vec!["budget"] on_edit=log_edit />
                <ul class="gallery__log">{move || edits.get().into_iter().map(|e| view! { <li><code>{e}</code></li> }).collect_view()}</ul>
            }.into_any())}
            {item("BriefChips (read-only, missing slots)", view! { <BriefChips brief=question.brief.clone() /> }.into_any())}
            {item("BudgetSlider", view! {
                <BudgetSlider anchor=anchor value=budget on_input=Callback::new(move |b: Budget| budget.set(Some(b))) />
            }.into_any())}
            {item("PlanTotals", view! { <PlanTotals totals=plan.totals.clone() /> }.into_any())}
            {item("BudgetSplit", view! { <BudgetSplit plan=plan.clone() /> }.into_any())}
            {item("AdSetTable", view! { <AdSetTable plan=plan.clone() /> }.into_any())}
            {item("ResponseCurves", view! { <ResponseCurves curves=curves currency=currency /> }.into_any())}
            {item("AgentTrace", view! { <AgentTrace trace=response.trace.clone() elapsed_ms=3.2 /> }.into_any())}
            {item("ExportBar", view! { <ExportBar response=response.clone() json=json /> }.into_any())}
        </main>
    }
    .into_any()
}

fn response_brief_text() -> String {
    "Reach hip-hop fans 18-24 in Brazil and Mexico next month for our new energy drink".to_owned()
}
