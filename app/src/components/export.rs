//! Getting a plan out: Ads API drafts (JSON), CSV, the raw planner answer, and a link that opens a frozen,
//! read-only copy at `/p/<id>`.

use leptos::prelude::*;
use leptos::task::spawn_local;
use planner::types::PlanResponse;
use wasm_bindgen::{JsCast, JsValue};

use crate::export;

/// Export buttons.
#[component]
pub fn ExportBar(
    /// The planner's answer.
    response: PlanResponse,
    /// The answer as `mixtape plan --json` prints it.
    json: String,
    /// Saves the plan and resolves to its share path (`/p/<id>`); without it there is no "copy link".
    #[prop(optional)]
    on_share: Option<Callback<(), ()>>,
    /// The link once saved.
    #[prop(optional, into)]
    shared: Option<Signal<Option<Result<String, String>>>>,
) -> impl IntoView {
    let name = campaign_name(&response);
    let drafts = export::drafts(&response, &name).map(|v| serde_json::to_string_pretty(&v).unwrap_or_default());
    let csv = response.plan.as_ref().map(export::csv);
    let file = slug(&name);
    view! {
        <section class="export" aria-labelledby="export-title">
            <h3 id="export-title" class="section-title">{if response.plan.is_some() { "Export" } else { "Planner answer" }}</h3>
            <div class="export__buttons">
                {drafts.map(|d| {
                    let file = format!("{file}-drafts.json");
                    view! {
                        <button type="button" class="button" id="export-json"
                            on:click=move |_| download(&file, "application/json", &d)>"Ads API drafts (JSON)"</button>
                    }
                })}
                {csv.map(|c| {
                    let file = format!("{file}.csv");
                    view! {
                        <button type="button" class="button" id="export-csv"
                            on:click=move |_| download(&file, "text/csv", &c)>"CSV"</button>
                    }
                })}
                {on_share.map(|share| view! {
                    <button type="button" class="button button--primary" id="share" on:click=move |_| share.run(())>
                        "Copy link"
                    </button>
                })}
            </div>
            {shared.map(|s| move || s.get().map(|r| match r {
                Ok(path) => {
                    let href = absolute(&path);
                    let text = href.clone();
                    view! {
                        <p class="export__link" role="status">
                            "Link copied: "<a id="share-link" href=href target="_blank" rel="noopener">{text}</a>
                        </p>
                    }.into_any()
                }
                Err(e) => view! { <p class="export__error" role="alert">{format!("Could not save the plan: {e}")}</p> }.into_any(),
            }))}
            <details class="export__raw">
                <summary>"Planner answer (the JSON of "<code>"mixtape plan --json"</code>" and "<code>"POST /api/plan"</code>")"</summary>
                <pre id="plan-json" tabindex="0">{json}</pre>
            </details>
        </section>
    }
}

/// "Reach · Brazil, Mexico · Apr 2026".
fn campaign_name(r: &PlanResponse) -> String {
    let mut countries: Vec<&str> = r.brief.targets.countries.iter().map(|c| c.as_str()).collect();
    countries.dedup();
    let month = r.brief.schedule.map(|s| s.start.format("%b %Y").to_string()).unwrap_or_default();
    format!("Mixtape · {} · {} · {month}", crate::format::words(r.brief.objective.as_str()), countries.join("+"))
}

fn slug(name: &str) -> String {
    let s: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    s.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-")
}

/// `/p/<id>` on this origin.
fn absolute(path: &str) -> String {
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    format!("{origin}{path}")
}

/// Copies text to the clipboard when the browser allows it (secure contexts); the link is shown either way.
pub fn copy_to_clipboard(text: &str) {
    let Some(window) = web_sys::window() else { return };
    let get = |target: &JsValue, key: &str| js_sys::Reflect::get(target, &JsValue::from_str(key)).ok();
    let Some(clipboard) = get(&window.navigator(), "clipboard") else { return };
    let Some(write) = get(&clipboard, "writeText").and_then(|w| w.dyn_into::<js_sys::Function>().ok()) else { return };
    if let Ok(Ok(promise)) = write.call1(&clipboard, &JsValue::from_str(text)).map(JsCast::dyn_into::<js_sys::Promise>)
    {
        // A refusal (no permission) is fine: the link is on screen.
        spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        });
    }
}

/// Offers `content` as a file download.
fn download(file: &str, mime: &str, content: &str) {
    let parts = js_sys::Array::of1(&JsValue::from_str(content));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    let anchor = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok());
    if let Some(a) = anchor {
        a.set_href(&url);
        a.set_download(file);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}
