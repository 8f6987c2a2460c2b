//! Mixtape in the browser: a chat planner that runs the `planner` crate itself, compiled to WASM.
//!
//! Where to start reading: [`pages::planner`] holds the page's state and re-plans on every message, chip
//! edit and slider move by calling [`session::plan`]; [`api`] is the only code that talks HTTP (history
//! from `/api/performance`, cached, and shared plans); [`components`] are the building blocks, each
//! rendered with fixtures at `/gallery`; [`export`] turns a plan into Ads API drafts and CSV.

pub mod api;
pub mod components;
pub mod export;
pub mod format;
pub mod pages;
pub mod session;

use leptos::prelude::*;

/// Mounts the page the URL names and marks the body `data-ready` with the time it took (for load tests).
pub fn mount() {
    console_error_panic_hook::set_once();
    let path = window().location().pathname().unwrap_or_default();
    if path.trim_end_matches('/') == "/gallery" {
        leptos::mount::mount_to_body(pages::gallery::GalleryPage);
    } else if let Some(id) = path.strip_prefix("/p/").filter(|id| !id.is_empty()) {
        let id = id.trim_end_matches('/').to_owned();
        leptos::mount::mount_to_body(move || view! { <pages::shared::SharedPage id=id.clone() /> });
    } else {
        leptos::mount::mount_to_body(pages::planner::PlannerPage);
    }
    if let Some(body) = document().body() {
        let _ = body.dataset().set("ready", &format!("{:.1}", session::now_ms()));
    }
}
