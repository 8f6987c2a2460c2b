//! A shared plan at `/p/<id>`: the frozen snapshot saved on the server, read-only.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::chat::ChatLog;
use crate::components::plan::{BriefSummary, PlanBody};
use crate::session::{self, Turn};

/// The read-only page of a saved plan.
#[component]
pub fn SharedPage(
    /// The saved plan's id, from the URL.
    id: String,
) -> impl IntoView {
    let loaded = RwSignal::new(None::<Result<api::SavedPlan, String>>);
    spawn_local(async move {
        loaded.set(Some(api::load_plan(&id).await.map_err(|e| e.to_string())));
    });
    view! {
        <header class="topbar">
            <a class="topbar__brand" href="/">"Mixtape"</a>
            <span class="topbar__date">"Shared plan · read-only"</span>
            <a class="button button--small" href="/">"Plan your own"</a>
        </header>
        <main class="workspace workspace--shared">
            {move || match loaded.get() {
                None => view! { <p class="empty" role="status">"Loading the plan…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="empty" role="alert">{format!("This plan could not be opened: {e}.")}</p> }.into_any(),
                Some(Ok(saved)) => {
                    let mut turns: Vec<Turn> = saved.messages.iter().map(|m| Turn { user: true, text: m.clone() }).collect();
                    turns.push(Turn { user: false, text: session::reply(&saved.response) });
                    let json = saved.response.to_json();
                    let edited = saved.overrides.slots();
                    view! {
                        <section class="workspace__chat" aria-label="Conversation">
                            <p class="shared__meta">{format!("Saved {} · planned as of {}", saved.created_at, saved.today)}</p>
                            <ChatLog turns=turns busy=false />
                        </section>
                        <section class="workspace__plan" aria-label="Plan" id="plan-panel">
                            <BriefSummary response=saved.response.clone() edited=edited />
                            <PlanBody response=saved.response json=json />
                        </section>
                    }
                    .into_any()
                }
            }}
        </main>
    }
}
