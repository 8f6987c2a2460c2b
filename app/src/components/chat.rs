//! The conversation: the log of turns (a polite live region, so screen readers hear each reply) and the
//! composer (Enter sends, Shift+Enter adds a line).

use leptos::prelude::*;

use crate::session::Turn;

/// The chat log.
#[component]
pub fn ChatLog(
    /// Every turn so far, oldest first.
    #[prop(into)]
    turns: Signal<Vec<Turn>>,
    /// Whether the assistant is working on a reply.
    #[prop(into)]
    busy: Signal<bool>,
    /// Resolvers waiting on the language model while the reply is computed.
    #[prop(optional, into)]
    waiting: Signal<Vec<&'static str>>,
) -> impl IntoView {
    view! {
        <ol class="chat-log" role="log" aria-live="polite" aria-label="Conversation" aria-busy=move || busy.get().to_string()>
            {move || {
                let turns = turns.get();
                if turns.is_empty() {
                    return view! {
                        <li class="chat-turn chat-turn--hint">
                            "Describe your campaign: goal, audience, markets, budget and dates. For example: "
                            <q>"Reach hip-hop fans 18-24 in Brazil next month for our energy drink, R$ 50.000"</q>
                        </li>
                    }
                    .into_any();
                }
                turns
                    .into_iter()
                    .map(|t| {
                        let (class, who) = if t.user {
                            ("chat-turn chat-turn--user", "You")
                        } else {
                            ("chat-turn chat-turn--assistant", "Mixtape")
                        };
                        view! {
                            <li class=class>
                                <span class="visually-hidden">{who}": "</span>
                                <p>{t.text}</p>
                            </li>
                        }
                    })
                    .collect_view()
                    .into_any()
            }}
            <Show when=move || busy.get()>
                <li class="chat-turn chat-turn--assistant chat-turn--busy">
                    {move || match waiting.get().as_slice() {
                        [] => "Planning…".to_owned(),
                        agents => format!("Planning… asking the model about the {}", crate::format::list(agents)),
                    }}
                </li>
            </Show>
        </ol>
    }
}

/// The message box.
#[component]
pub fn Composer(
    /// Called with the trimmed message when the user sends it.
    on_send: Callback<String>,
    /// Disables sending while a reply is being computed.
    #[prop(into)]
    busy: Signal<bool>,
) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let send = move || {
        let text = draft.get_untracked().trim().to_owned();
        if !text.is_empty() && !busy.get_untracked() {
            draft.set(String::new());
            on_send.run(text);
        }
    };
    view! {
        <form
            class="composer"
            on:submit=move |ev| {
                ev.prevent_default();
                send();
            }
        >
            <label for="composer-input" class="visually-hidden">"Message"</label>
            <textarea
                id="composer-input"
                class="composer__input"
                rows="2"
                maxlength=planner::MAX_MESSAGE_CHARS.to_string()
                placeholder="Describe your campaign, or answer the question…"
                aria-describedby="composer-help"
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
                on:keydown=move |ev| {
                    if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        send();
                    }
                }
            ></textarea>
            <button type="submit" class="button button--primary" disabled=move || busy.get()>"Send"</button>
            <p id="composer-help" class="composer__help">"Enter sends · Shift+Enter adds a line"</p>
        </form>
    }
}
