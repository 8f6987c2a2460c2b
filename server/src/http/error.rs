//! The one error type of the HTTP layer, and the JSON body every error answers with:
//! `{"error": {"code": "<snake_case>", "message": "<human sentence>"}}`.
//!
//! Callers' mistakes get a typed 4xx whose message says what to fix. Server faults are 500 `internal`:
//! the cause goes to the log (`tracing::error!`) and never into the response. Axum's own rejections
//! (bad JSON, wrong content type, a body over the limit) are mapped here too, through the [`Json`]
//! extractor, so no error leaves the server in another shape.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::{MAX_BODY_BYTES, REQUEST_TIMEOUT};
use crate::llm::LlmError;

/// Why a request was not answered.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON, or not JSON of the expected shape (serde says where): 400 `invalid_json`.
    #[error("{0}")]
    InvalidJson(String),
    /// The request is well-formed but asks for something the API refuses: 400 `invalid_request`.
    #[error("{0}")]
    InvalidRequest(String),
    /// The UI's edits of the brief cannot be applied: 422 `invalid_overrides`.
    #[error("{0}")]
    InvalidOverrides(String),
    /// The body is not declared as JSON: 415 `unsupported_media_type`.
    #[error("the request body must be JSON, sent with `Content-Type: application/json`")]
    UnsupportedMediaType,
    /// The body is over [`MAX_BODY_BYTES`]: 413 `too_large`.
    #[error("the request body is larger than the limit of {} KiB", MAX_BODY_BYTES / 1024)]
    TooLarge,
    /// Nothing here by that name: 404 `not_found`.
    #[error("{0}")]
    NotFound(String),
    /// The path exists but not for this method: 405 `method_not_allowed`.
    #[error("this endpoint does not answer that method; see /api/openapi.json")]
    MethodNotAllowed,
    /// The request took longer than [`REQUEST_TIMEOUT`]: 503 `timeout`.
    #[error("the request took longer than {} seconds; try again", REQUEST_TIMEOUT.as_secs())]
    Timeout,
    /// The database cannot be reached: 503 `unavailable`.
    #[error("the database is unreachable")]
    Unavailable,
    /// The body is over the limit of its route (the model routes take more): 413 `too_large`.
    #[error("the request body is larger than the limit of {} KiB", .0 / 1024)]
    TooLargeFor(usize),
    /// No language model is configured: 503 `llm_unavailable`.
    #[error("no language model is configured on this server (MIXTAPE_LLM_PROVIDER is unset): it plans with rules only")]
    LlmUnavailable,
    /// This client sent more model requests than its rate allows: 429 `rate_limited`, with `Retry-After`.
    #[error("too many model requests from this client; try again in {0} s")]
    RateLimited(u64),
    /// A model call failed: 504 `llm_timeout`, else 502 with the code of [`LlmError::code`]. The proxy
    /// has logged it; the message says which provider and why, never a credential.
    #[error(transparent)]
    Llm(LlmError),
    /// A fault on the server's side: 500 `internal`. The text is logged, never sent.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// The status and the stable, machine-readable code of this error.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::InvalidJson(_) => (StatusCode::BAD_REQUEST, "invalid_json"),
            ApiError::InvalidRequest(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
            ApiError::InvalidOverrides(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_overrides"),
            ApiError::UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            ApiError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::Timeout => (StatusCode::SERVICE_UNAVAILABLE, "timeout"),
            ApiError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::TooLargeFor(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::LlmUnavailable => (StatusCode::SERVICE_UNAVAILABLE, "llm_unavailable"),
            ApiError::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Llm(LlmError::Timeout(_)) => (StatusCode::GATEWAY_TIMEOUT, "llm_timeout"),
            ApiError::Llm(e) => (StatusCode::BAD_GATEWAY, e.code()),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// The JSON body this error answers with, `{"error": {"code", "message"}}` (also the data of the
    /// model stream's `error` event). An internal cause is logged here and replaced by a generic message.
    pub(crate) fn body(&self) -> serde_json::Value {
        let (_, code) = self.status_and_code();
        let message = match self {
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                "something went wrong on the server; the cause has been logged".to_owned()
            }
            other => other.to_string(),
        };
        serde_json::json!({ "error": { "code": code, "message": message } })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, _) = self.status_and_code();
        let mut response = (status, axum::Json(self.body())).into_response();
        if let ApiError::RateLimited(seconds) = self {
            response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<LlmError> for ApiError {
    fn from(e: LlmError) -> Self {
        ApiError::Llm(e)
    }
}

impl From<crate::Error> for ApiError {
    fn from(e: crate::Error) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<planner::PlanError> for ApiError {
    fn from(e: planner::PlanError) -> Self {
        use planner::PlanError;
        match e {
            PlanError::Empty | PlanError::MessageTooLong { .. } => ApiError::InvalidRequest(e.to_string()),
            PlanError::InvalidOverrides(_) => ApiError::InvalidOverrides(e.to_string()),
            PlanError::Source(_) => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            // Both carry serde's message, which says what is wrong and where ("missing field `today` at
            // line 1 column 2"); axum's prefix before it is dropped.
            JsonRejection::JsonSyntaxError(e) => ApiError::InvalidJson(serde_message(&e.body_text())),
            JsonRejection::JsonDataError(e) => ApiError::InvalidJson(serde_message(&e.body_text())),
            JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge,
            other if other.status().is_client_error() => ApiError::InvalidRequest(other.body_text()),
            other => ApiError::Internal(other.body_text()),
        }
    }
}

/// serde's part of axum's rejection text (`"Failed to parse the request body as JSON: <serde>"`).
fn serde_message(text: &str) -> String {
    let message = text.split_once(": ").map_or(text, |(_, serde)| serde);
    format!("the request body is not valid JSON for this endpoint: {message}")
}

/// `axum::Json`, answering its rejections with [`ApiError`]'s JSON body instead of axum's plain text.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<T>::from_request(request, state).await?;
        Ok(Json(value))
    }
}
