//! The planner page: the chat on one side, the plan on the other. Every message, chip edit and slider move
//! re-plans here in the browser; only history (once per markets and objectives) and sharing reach the server.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use planner::llm::NoModel;
use planner::types::{Budget, Overrides};

use crate::api::{self, Conversation, LlmStatus, ProxyModel};
use crate::components::chat::{ChatLog, Composer};
use crate::components::export::copy_to_clipboard;
use crate::components::plan::{BriefSummary, PlanBody};
use crate::components::slider::BudgetSlider;
use crate::format;
use crate::session::{self, Outcome, Session, Turn};

/// What caused a re-plan, which decides what else changes with it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cause {
    /// A new message: the assistant replies in the chat and the slider re-centres.
    Message,
    /// A chip edit: the slider re-centres on the edited budget.
    Edit,
    /// The slider itself, or a reload: nothing else moves.
    Quiet,
}

/// The planner.
#[component]
pub fn PlannerPage() -> impl IntoView {
    let today = session::today();
    let session = RwSignal::new(session::restore().unwrap_or_default());
    let outcome = RwSignal::new(None::<Arc<Outcome>>);
    let busy = RwSignal::new(false);
    let anchor = RwSignal::new(None::<Budget>);
    let shared = RwSignal::new(None::<Result<String, String>>);
    // The model the server offers, if any: asked about what the rules leave unread.
    let llm = RwSignal::new(None::<LlmStatus>);
    // Resolvers waiting on the model right now, shown while a reply is being computed.
    let waiting = RwSignal::new(Vec::<&'static str>::new());
    // Only the latest re-plan may land: a slow one must not overwrite a newer answer.
    let generation = StoredValue::new(0_u64);
    // A message is owed a reply by whichever re-plan lands next (a slider move may overtake it).
    let owed_reply = StoredValue::new(false);

    let replan = move |cause: Cause| {
        let s = session.get_untracked();
        session::persist(&s);
        shared.set(None);
        let messages = s.messages();
        if messages.is_empty() {
            outcome.set(None);
            return;
        }
        generation.update_value(|g| *g += 1);
        let ticket = generation.get_value();
        if cause == Cause::Message {
            busy.set(true);
            owed_reply.set_value(true);
        }
        spawn_local(async move {
            let result = if llm.get_untracked().is_some_and(|l| l.configured) {
                let model = ProxyModel::new(move |agents| waiting.set(agents));
                session::plan(today, &messages, &s.overrides, Some(&model)).await
            } else {
                session::plan(today, &messages, &s.overrides, None::<&NoModel>).await
            };
            waiting.set(Vec::new());
            if generation.get_value() != ticket {
                return;
            }
            busy.set(false);
            let (reply, planned) = match result {
                Ok(o) => {
                    if cause != Cause::Quiet || anchor.get_untracked().is_none() {
                        anchor.set(o.response.brief.budget);
                    }
                    let o = Arc::new(o);
                    outcome.set(Some(Arc::clone(&o)));
                    (session::reply(&o.response), Some(o))
                }
                Err(e) => (format!("Sorry, I could not plan that: {e}."), None),
            };
            if owed_reply.get_value() {
                owed_reply.set_value(false);
                session.update(|s| s.turns.push(Turn { user: false, text: reply }));
                session::persist(&session.get_untracked());
            }
            if let Some(o) = planned {
                session::prefetch(&o.response).await;
            }
        });
    };
    spawn_local(async move {
        llm.set(Some(api::llm_status().await));
        replan(Cause::Quiet);
    });

    let on_send = Callback::new(move |text: String| {
        session.update(|s| s.turns.push(Turn { user: true, text }));
        replan(Cause::Message);
    });
    let on_edit = Callback::new(move |edit: Overrides| {
        session.update(|s| s.edit(edit));
        replan(Cause::Edit);
    });
    let on_slide = Callback::new(move |budget: Budget| {
        session.update(|s| s.edit(Overrides { budget: Some(budget), ..Overrides::default() }));
        replan(Cause::Quiet);
    });
    let on_share = Callback::new(move |()| {
        let s = session.get_untracked();
        let messages = s.messages();
        spawn_local(async move {
            let saved = api::save_plan(&Conversation { today, messages: &messages, overrides: &s.overrides }).await;
            if let Ok(saved) = &saved {
                let origin = window().location().origin().unwrap_or_default();
                copy_to_clipboard(&format!("{origin}{}", saved.url));
            }
            shared.set(Some(saved.map(|s| s.url).map_err(|e| e.to_string())));
        });
    });
    let start_over = move |_| {
        session.set(Session::default());
        anchor.set(None);
        replan(Cause::Quiet);
    };

    let turns = Signal::derive(move || session.with(|s| s.turns.clone()));
    let budget = Signal::derive(move || outcome.with(|o| o.as_ref().and_then(|o| o.response.brief.budget)));
    view! {
        <header class="topbar">
            <a class="topbar__brand" href="/">"Mixtape"</a>
            <span class="topbar__date">"Planning as of "{format::day(today)}</span>
            <span class="topbar__model" title="What resolves the brief">
                {move || match llm.get() {
                    Some(LlmStatus { configured: true, provider, model }) => format!(
                        "Rules + {} {}",
                        provider.unwrap_or_default(),
                        model.unwrap_or_default()
                    ),
                    _ => "Rules only".to_owned(),
                }}
            </span>
            <button type="button" class="button button--small" on:click=start_over>"New plan"</button>
        </header>
        <main class="workspace">
            <section class="workspace__chat" aria-label="Chat">
                <ChatLog turns=turns busy=busy waiting=waiting />
                <Composer on_send=on_send busy=busy />
            </section>
            <section class="workspace__plan" aria-label="Plan" id="plan-panel">
                {move || match outcome.get() {
                    None => view! {
                        <p class="empty">"Your plan appears here: ad sets by market, format and placement, with budgets, bids, forecasts and the evidence behind them."</p>
                    }.into_any(),
                    Some(o) => {
                        let edited = session.with_untracked(|s| s.overrides.slots());
                        view! { <BriefSummary response=o.response.clone() edited=edited on_edit=on_edit /> }.into_any()
                    }
                }}
                <BudgetSlider anchor=anchor value=budget on_input=on_slide />
                {move || outcome.get().map(|o| view! {
                    <PlanBody
                        response=o.response.clone()
                        json=o.json.clone()
                        curves=o.curves.clone()
                        elapsed_ms=o.elapsed_ms
                        on_share=on_share
                        shared=shared
                    />
                })}
            </section>
        </main>
    }
}
