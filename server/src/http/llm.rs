//! The model proxy's routes, for callers that cannot hold a key (the browser app):
//! - `POST /api/llm/generate`: a [`ModelRequest`] → the [`ModelResponse`](planner::llm::ModelResponse);
//! - `POST /api/llm/stream`: the same request → `text/event-stream` with `event: part` (a `Part` as JSON:
//!   each text delta, each function call once complete), then `event: done` (the whole response) or
//!   `event: error` (`{"error": {"code", "message"}}`);
//! - `GET /api/llm/status`: provider, model and counters (`llm::Status`), never a credential.
//!
//! In order, a request is refused with 503 `llm_unavailable` when no provider is configured, 429
//! `rate_limited` (with `Retry-After`) past its client's rate, 413/400/415 when the body is too large
//! ([`MAX_BODY_BYTES`]), not a request, or asks too much (`llm::check_request`). The client is the peer
//! address of the connection (`serve` records it); a router served without connection info (tests that
//! build [`super::app`] themselves) puts every caller in one bucket. Behind a reverse proxy every client
//! has the proxy's address: give the proxy its own limit.
//!
//! A stream answers with its status only once the first event is ready, so an error before any part
//! (an unreachable provider, a 400 from it, a timeout) is still a plain JSON error with its status;
//! after that, errors arrive as `event: error`.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use planner::llm::{ModelRequest, ModelResponse};

use super::AppState;
use super::error::ApiError;
use crate::llm::{self, Proxy, Status, StreamEvent};

/// The largest body the model routes accept: a conversation with tool results is larger than a brief.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The model routes' own time limit in place of the API's 10 s. The proxy's deadline (at most
/// [`llm::MAX_TIMEOUT`]) ends a call before this; it is only a backstop.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(llm::MAX_TIMEOUT.as_secs() + 30);

/// The peer address, when the server was started with connection info.
type Client = Option<Extension<ConnectInfo<SocketAddr>>>;
/// The body, with its rejection kept to answer in the API's error shape.
type Body = Result<axum::Json<ModelRequest>, JsonRejection>;

/// `POST /api/llm/generate`.
pub(crate) async fn generate(
    State(state): State<AppState>,
    client: Client,
    body: Body,
) -> Result<axum::Json<ModelResponse>, ApiError> {
    let (proxy, request) = admit(&state, client, body)?;
    Ok(axum::Json(proxy.generate(&request).await?))
}

/// `POST /api/llm/stream`.
pub(crate) async fn stream(State(state): State<AppState>, client: Client, body: Body) -> Result<Response, ApiError> {
    let (proxy, request) = admit(&state, client, body)?;
    let mut events = proxy.stream(request);
    let first =
        events.recv().await.ok_or_else(|| ApiError::Internal("the model stream ended without an event".into()))?;
    if let StreamEvent::Error(error) = first {
        return Err(error.into());
    }
    let rest = futures::stream::unfold(events, |mut events| async move { events.recv().await.map(|e| (e, events)) });
    let events = futures::stream::once(async { first }).chain(rest).map(|e| Ok::<_, Infallible>(sse_event(e)));
    // `X-Accel-Buffering: no` keeps nginx from holding the events back until the answer is complete.
    Ok(([("x-accel-buffering", "no")], Sse::new(events).keep_alive(KeepAlive::default())).into_response())
}

/// `GET /api/llm/status`.
pub(crate) async fn status(State(state): State<AppState>) -> axum::Json<Status> {
    axum::Json(state.llm.as_ref().map_or_else(Status::unconfigured, |proxy| proxy.status()))
}

/// The proxy and the checked request, or why this request is refused.
fn admit(state: &AppState, client: Client, body: Body) -> Result<(Arc<Proxy>, ModelRequest), ApiError> {
    let proxy = state.llm.clone().ok_or(ApiError::LlmUnavailable)?;
    let ip = client.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |Extension(ConnectInfo(addr))| addr.ip());
    proxy
        .admit(ip)
        .map_err(|wait| ApiError::RateLimited((wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)))?;
    let axum::Json(request) = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLargeFor(MAX_BODY_BYTES),
        _ => ApiError::from(rejection),
    })?;
    llm::check_request(&request).map_err(ApiError::InvalidRequest)?;
    Ok((proxy, request))
}

fn sse_event(event: StreamEvent) -> Event {
    let (name, data) = match event {
        StreamEvent::Part(part) => ("part", serde_json::to_string(&part)),
        StreamEvent::Done(response) => ("done", serde_json::to_string(&response)),
        StreamEvent::Error(error) => ("error", Ok(ApiError::Llm(error).body().to_string())),
    };
    match data {
        Ok(data) => Event::default().event(name).data(data),
        Err(e) => Event::default().event("error").data(ApiError::Internal(e.to_string()).body().to_string()),
    }
}
