//! The agent trace: for each message, which agents ran, whether rules or a model resolved them, how sure
//! they were, what they could not read, and how long each took.

use leptos::prelude::*;
use planner::types::{Source, TraceEntry};

use crate::format;

/// The trace, grouped by message.
#[component]
pub fn AgentTrace(
    /// Every agent that ran, in order.
    trace: Vec<TraceEntry>,
    /// How long planning took in the page, when known (milliseconds).
    #[prop(optional)]
    elapsed_ms: Option<f64>,
) -> impl IntoView {
    let turns = trace.iter().map(|t| t.turn).max().map_or(0, |n| n + 1);
    view! {
        <details class="trace">
            <summary class="section-title">
                "How this was decided"
                {elapsed_ms.map(|ms| view! { <span class="trace__elapsed">{format!("planned in {ms:.1} ms")}</span> })}
            </summary>
            {(0..turns)
                .map(|turn| {
                    let rows: Vec<TraceEntry> = trace.iter().filter(|t| t.turn == turn).cloned().collect();
                    view! {
                        <table class="trace__turn">
                            <caption>{format!("Message {}", turn + 1)}</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Agent"</th>
                                    <th scope="col">"By"</th>
                                    <th scope="col">"Took"</th>
                                    <th scope="col">"Decision"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows
                                    .into_iter()
                                    .map(|t| {
                                        let by = match t.source {
                                            Source::Rules => "rules",
                                            Source::Llm => "model",
                                        };
                                        let unread = (!t.unparsed.is_empty())
                                            .then(|| format!(" · not understood: {}", t.unparsed.join(", ")));
                                        view! {
                                            <tr>
                                                <th scope="row">{format::words(&t.agent)}</th>
                                                <td><span class=format!("badge badge--{by}")>{by}</span></td>
                                                <td class="num">{format::duration(t.elapsed_us)}</td>
                                                <td>{t.note}{unread}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                })
                .collect_view()}
        </details>
    }
}
