//! The HTTP server behind `mixtape serve`: the JSON API the browser app calls, and the built app itself.
//!
//! Where to start reading: [`app`] builds the whole router from the table in `routes` (the endpoints,
//! which [`endpoints`] lists and `openapi.json` documents), the JSON 404/405 answers, the static files
//! (`assets.rs`) and the layers; [`serve`] runs it until Ctrl-C or SIGTERM. The handlers are in `api.rs`,
//! the model proxy's (`/api/llm/*`) in `llm.rs`; `error.rs` holds [`ApiError`], the one error type, whose
//! JSON body every error answers with: `{"error": {"code": "...", "message": "..."}}`.
//!
//! Layers, outermost first: request logs through `tracing` (method, path, status, latency), a
//! [`REQUEST_TIMEOUT`] per request, and a [`MAX_BODY_BYTES`] limit on request bodies (enforced by the JSON
//! extractor, so that its 413 has the JSON error shape too). The model routes take up to
//! [`LLM_MAX_BODY_BYTES`] and [`LLM_REQUEST_TIMEOUT`] instead: a model call with retries may take longer
//! than a plan, and a conversation with tool results is larger than a brief.

mod api;
mod assets;
mod error;
mod llm;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, get, post};
use tokio::net::TcpListener;
use tower_http::LatencyUnit;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use api::{MAX_MESSAGES, MAX_QUERY_COUNTRIES, MAX_QUERY_OBJECTIVES, OPENAPI_JSON};
pub use error::ApiError;
pub use llm::{MAX_BODY_BYTES as LLM_MAX_BODY_BYTES, REQUEST_TIMEOUT as LLM_REQUEST_TIMEOUT};

use crate::Error;
use crate::llm::Proxy;
use crate::store::Store;

/// The largest request body accepted (a conversation of a few long messages fits many times over).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long one request may take before it is answered with 503 `timeout`.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What every handler shares. Cheap to clone: the store is a shared pool, the proxy shared too.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The historical store; also holds the saved plans.
    pub store: Store,
    /// The directory of the built web app (`index.html` and its assets), if any.
    pub dist: Option<PathBuf>,
    /// The language-model proxy, when a provider is configured; `None` means rules only, and the model
    /// routes answer 503 `llm_unavailable`.
    pub llm: Option<Arc<Proxy>>,
}

impl AppState {
    /// State over a store, serving the web app from `dist`, with no language model.
    pub fn new(store: Store, dist: Option<PathBuf>) -> Self {
        AppState { store, dist, llm: None }
    }

    /// The same state, with the model routes forwarding to `proxy`.
    pub fn with_llm(self, proxy: Arc<Proxy>) -> Self {
        AppState { llm: Some(proxy), ..self }
    }
}

/// The endpoints, each with the one method it answers: the router is built from this table, and the
/// OpenAPI test checks `openapi.json` against it.
fn routes() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        (Method::GET, "/healthz", get(api::healthz)),
        (Method::GET, "/api/openapi.json", get(api::openapi)),
        (Method::POST, "/api/performance", post(api::performance)),
        (Method::POST, "/api/cache/refresh", post(api::refresh_cache)),
        (Method::POST, "/api/plan", post(api::plan)),
        (Method::POST, "/api/plans", post(api::save_plan)),
        (Method::GET, "/api/plans/{id}", get(api::load_plan)),
        (Method::POST, "/api/tools/{name}", post(api::tool)),
        (Method::POST, "/api/llm/generate", post(llm::generate).layer(DefaultBodyLimit::max(LLM_MAX_BODY_BYTES))),
        (Method::POST, "/api/llm/stream", post(llm::stream).layer(DefaultBodyLimit::max(LLM_MAX_BODY_BYTES))),
        (Method::GET, "/api/llm/status", get(llm::status)),
    ]
}

/// Every endpoint the server answers, as (method, path template like `/api/plans/{id}`).
pub fn endpoints() -> Vec<(Method, &'static str)> {
    routes().into_iter().map(|(method, path, _)| (method, path)).collect()
}

/// The whole application: the API, the built web app from `state.dist`, and the layers.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new();
    for (_, path, handler) in routes() {
        router = router.route(path, handler);
    }
    router
        // Unknown API paths are API errors, not the web app's index page.
        .route("/api", any(api::not_found))
        .route("/api/{*rest}", any(api::not_found))
        .method_not_allowed_fallback(api::method_not_allowed)
        .fallback(assets::serve)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(time_limit))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(LatencyUnit::Micros)),
        )
        .with_state(state)
}

/// Serves [`app`] on `listener` until Ctrl-C or SIGTERM, then lets the requests in flight finish. Each
/// request carries its peer address (the model routes' rate limit is per client).
pub async fn serve(listener: TcpListener, state: AppState) -> Result<(), Error> {
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(Error::Serve)
}

/// Answers 503 `timeout` when a request takes longer than [`REQUEST_TIMEOUT`] ([`LLM_REQUEST_TIMEOUT`]
/// on the model routes). (tower-http's `TimeoutLayer` would answer with an empty body, not the JSON
/// error shape.)
async fn time_limit(request: Request, next: Next) -> Response {
    let limit = if request.uri().path().starts_with("/api/llm/") { LLM_REQUEST_TIMEOUT } else { REQUEST_TIMEOUT };
    within(limit, request, next).await
}

async fn within(limit: Duration, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout.into_response(),
    }
}

/// Resolves on Ctrl-C, or on SIGTERM (what service managers and `kill` send) where there are signals.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No way to listen for it: wait for the other signal instead.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing the requests in flight");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_slow_request_is_answered_with_the_json_timeout_error() {
        let slow = Router::new()
            .route("/slow", get(|| async { tokio::time::sleep(Duration::from_secs(5)).await }))
            .layer(middleware::from_fn(|request, next| within(Duration::from_millis(50), request, next)));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, slow).await });
        let response = reqwest::get(format!("http://{addr}/slow")).await.expect("request");
        assert_eq!(response.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
        let body: serde_json::Value = response.json().await.expect("JSON");
        assert_eq!(body["error"]["code"], "timeout");
    }
}
