//! The one error type of the HTTP layer, and the JSON body every error answers with:
//! `{"error": {"code": "<snake_case>", "message": "<human sentence>"}}`.
//!
//! Callers' mistakes get a typed 4xx whose message says what to fix. Server faults are 500 `internal`:
//! the cause goes to the log (`tracing::error!`) and never into the response. Axum's own rejections
//! (bad JSON, wrong content type, a body over the limit) are mapped here too, through the [`Json`]
//! extractor, so no error leaves the server in another shape.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{MAX_BODY_BYTES, REQUEST_TIMEOUT};

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
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

/// The wire shape of every error.
#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                "something went wrong on the server; the cause has been logged".to_owned()
            }
            other => other.to_string(),
        };
        (status, axum::Json(ErrorBody { error: ErrorDetail { code, message } })).into_response()
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
