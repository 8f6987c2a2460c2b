//! The language-model proxy: the one place where the server talks to a model provider, so that keys stay
//! on the server and every caller (the browser app through `/api/llm/*`, the planner natively) gets the
//! same provider-neutral `ModelRequest` → `ModelResponse` exchange (the wire types of [`planner::llm`]).
//!
//! Where to start reading:
//! - [`Config::from_env`] (`config.rs`): which provider, model, endpoint and credentials; `None` means
//!   rules only. Credentials live in [`Secret`]s, which never print.
//! - [`Proxy`] (`proxy.rs`): one call with a deadline, retries (exponential backoff with full jitter, or
//!   the provider's own delay), usage logging and counters; [`Proxy::stream`] for server-sent events.
//!   It implements [`planner::llm::Model`].
//! - `upstream.rs`: the only code that knows which provider it speaks to — URL, auth header, body, and
//!   how answers and errors read. The mappings themselves are `gemini.rs` (the Gemini API and Vertex AI
//!   share one body), `openai.rs` and, for Vertex's endpoint and OAuth2 tokens, `vertex.rs` and `auth.rs`.
//! - `sse.rs` splits a provider's event stream; `retry.rs` decides how long to wait; `rate.rs` is the
//!   per-client token bucket of the HTTP routes; `metrics.rs` the counters `/api/llm/status` shows.
//!
//! The HTTP routes themselves are in `crate::http` (`llm.rs`). `docs/llm.md` documents configuration,
//! routes and the event format for operators.

mod auth;
mod config;
mod gemini;
mod metrics;
mod openai;
mod proxy;
mod rate;
mod retry;
mod secret;
mod sse;
mod upstream;
mod vertex;

use std::time::Duration;

pub use config::{
    Config, ConfigError, Credentials, DEFAULT_RATE_BURST, DEFAULT_RATE_PER_MINUTE, DEFAULT_TIMEOUT,
    DEFAULT_VERTEX_LOCATION, GOOGLE_TOKEN_URL, JsonMode, MAX_TIMEOUT, METADATA_TOKEN_URL, Provider, ProviderKind,
    RateLimit, RetryPolicy,
};
pub use metrics::{Counters, Status};
pub use proxy::{Proxy, StreamEvent};
pub use rate::RateLimiter;
pub use secret::Secret;

use planner::llm::ModelRequest;

/// At most this many messages in one model request.
pub const MAX_MESSAGES: usize = 50;
/// At most this many tools in one model request.
pub const MAX_TOOLS: usize = 10;
/// The highest sampling temperature accepted (every provider takes 0–2).
pub const MAX_TEMPERATURE: f32 = 2.0;

/// Why a model call failed. Messages are short, say which provider, and never hold a credential: a
/// provider's own words are cut to a few hundred characters and scrubbed of every configured secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    /// The call (retries included) took longer than the configured timeout.
    #[error("the model provider did not answer within {} seconds", .0.as_secs_f64().ceil())]
    Timeout(Duration),
    /// The provider could not be reached, or the connection broke.
    #[error("could not reach the model provider ({provider}): {message}")]
    Unreachable {
        /// Which provider.
        provider: &'static str,
        /// What the transport said.
        message: String,
    },
    /// The provider answered with an error status.
    #[error("the model provider ({provider}) answered {status}: {message}")]
    Status {
        /// Which provider.
        provider: &'static str,
        /// The HTTP status it answered.
        status: u16,
        /// Its error message, shortened.
        message: String,
        /// How long it asked to wait before trying again (`Retry-After`, Gemini's `RetryInfo`).
        retry_after: Option<Duration>,
    },
    /// The provider answered 2xx with something that is not its protocol.
    #[error("the model provider ({provider}) sent an answer that could not be read: {message}")]
    BadResponse {
        /// Which provider.
        provider: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The model answered without content (a safety block, a prompt refused).
    #[error("the model ({provider}) gave no answer: {reason}")]
    Refused {
        /// Which provider.
        provider: &'static str,
        /// The provider's reason (`SAFETY`, `PROHIBITED_CONTENT`…).
        reason: String,
    },
    /// No access token could be had for Vertex AI.
    #[error("could not get an access token for the model provider ({provider}): {message}")]
    Auth {
        /// Which provider.
        provider: &'static str,
        /// What the token endpoint said.
        message: String,
    },
}

impl LlmError {
    /// The stable, machine-readable code of this error (`error.code` in JSON answers and SSE events).
    pub fn code(&self) -> &'static str {
        match self {
            LlmError::Timeout(_) => "llm_timeout",
            LlmError::Unreachable { .. } => "llm_unreachable",
            LlmError::Status { .. } => "llm_provider_error",
            LlmError::BadResponse { .. } => "llm_bad_response",
            LlmError::Refused { .. } => "llm_refused",
            LlmError::Auth { .. } => "llm_auth_failed",
        }
    }

    /// Whether another attempt may succeed: connection failures, and 408, 429 and 5xx answers.
    pub fn is_retryable(&self) -> bool {
        match self {
            LlmError::Unreachable { .. } => true,
            LlmError::Status { status, .. } => retry::is_retryable_status(*status),
            _ => false,
        }
    }

    /// The wait the provider asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            LlmError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

impl From<LlmError> for planner::llm::ModelError {
    fn from(e: LlmError) -> Self {
        planner::llm::ModelError(e.to_string())
    }
}

/// Checks what a caller may ask: at least one and at most [`MAX_MESSAGES`] messages, at most
/// [`MAX_TOOLS`] tools with names, a temperature within 0–[`MAX_TEMPERATURE`]. The error says what to
/// fix.
pub fn check_request(request: &ModelRequest) -> Result<(), String> {
    if request.messages.is_empty() {
        return Err("a model request needs at least one message".to_owned());
    }
    if request.messages.len() > MAX_MESSAGES {
        return Err(format!("a model request has at most {MAX_MESSAGES} messages (got {})", request.messages.len()));
    }
    if request.tools.len() > MAX_TOOLS {
        return Err(format!("a model request declares at most {MAX_TOOLS} tools (got {})", request.tools.len()));
    }
    if let Some(tool) = request.tools.iter().find(|t| !is_tool_name(&t.name)) {
        return Err(format!("`{}` is not a tool name: use 1 to 64 letters, digits or `_`", tool.name));
    }
    if let Some(t) = request.temperature
        && !(0.0..=MAX_TEMPERATURE).contains(&t)
    {
        return Err(format!("the temperature must be between 0 and {MAX_TEMPERATURE} (got {t})"));
    }
    Ok(())
}

fn is_tool_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The system-instruction sentence that asks for JSON following `schema`, for requests whose schema the
/// provider cannot enforce (Gemini with tools, OpenAI-compatible servers without `json_schema`).
fn schema_instruction(schema: &serde_json::Value) -> String {
    format!("Answer with one JSON object, and nothing else, that follows this JSON Schema:\n{schema}")
}

/// Adds `part` to an answer's parts, joining text to text before it: streamed text arrives in pieces, the
/// whole answer carries it in one part.
fn append_part(parts: &mut Vec<planner::llm::Part>, part: planner::llm::Part) {
    use planner::llm::Part;
    match (parts.last_mut(), part) {
        (Some(Part::Text { text }), Part::Text { text: more }) => text.push_str(&more),
        (_, part) => parts.push(part),
    }
}

/// The temperature as JSON carries it: `0.2`, not `0.20000000298023224` (its `f32` widened).
fn temperature(t: f32) -> f64 {
    (f64::from(t) * 1e6).round() / 1e6
}

/// `text` cut to at most `max` characters (on a character boundary), with `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use planner::llm::{ModelMessage, Part, Role, ToolDecl};
    use serde_json::json;

    use super::*;

    fn request() -> ModelRequest {
        ModelRequest {
            messages: vec![ModelMessage { role: Role::User, parts: vec![Part::Text { text: "hi".into() }] }],
            ..ModelRequest::default()
        }
    }

    #[test]
    fn requests_are_checked() {
        assert!(check_request(&request()).is_ok());
        assert!(check_request(&ModelRequest::default()).is_err());
        let mut r = request();
        r.temperature = Some(2.5);
        assert!(check_request(&r).expect_err("too hot").contains("temperature"));
        r.temperature = Some(f32::NAN);
        assert!(check_request(&r).is_err());
        let mut r = request();
        r.messages = vec![r.messages[0].clone(); MAX_MESSAGES + 1];
        assert!(check_request(&r).expect_err("too many").contains("messages"));
        let mut r = request();
        let tool = ToolDecl { name: "search".into(), description: String::new(), parameters: json!({}) };
        r.tools = vec![tool.clone(); MAX_TOOLS + 1];
        assert!(check_request(&r).expect_err("too many").contains("tools"));
        r.tools = vec![ToolDecl { name: "bad name".into(), ..tool }];
        assert!(check_request(&r).is_err());
    }

    #[test]
    fn shorten_cuts_on_characters() {
        assert_eq!(shorten("  abc  ", 5), "abc");
        assert_eq!(shorten("ééééé", 3), "ééé…");
    }
}
