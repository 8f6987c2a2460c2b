//! The one place that knows which provider the proxy speaks to: its URL, how it authenticates, the body
//! it takes, and how its answers, stream events and errors read. The proxy (`proxy.rs`) only sees
//! neutral requests, [`reqwest::Response`]s and [`LlmError`]s.
//!
//! Requests go only to the configured endpoint with the configured model (nothing in a caller's request
//! names either), redirects are not followed (a redirect would carry `x-goog-api-key` to another host),
//! and credential headers are marked sensitive so that no `Debug` of a request shows them.

use std::time::{Duration, SystemTime};

use planner::llm::{ModelRequest, ModelResponse, Part};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use serde_json::Value;

use super::auth::TokenSource;
use super::config::{Config, ConfigError, Provider, ProviderKind};
use super::{LlmError, gemini, openai, retry, shorten, vertex};

/// At most this much of a whole (non-streamed) answer is read.
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;
/// At most this much of an error answer is read.
const MAX_ERROR_BYTES: usize = 64 * 1024;
/// How long connecting to the provider may take; the call's own deadline bounds the rest.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The configured provider, ready to be called.
#[derive(Debug)]
pub(crate) struct Upstream {
    provider: Provider,
    model: String,
    base_url: String,
    http: reqwest::Client,
    tokens: Option<TokenSource>,
}

/// The state of one streamed answer, per protocol.
#[derive(Debug)]
pub(crate) enum Decoder {
    Gemini(gemini::Stream),
    OpenAi(openai::Stream),
}

impl Upstream {
    pub(crate) fn new(config: &Config) -> Result<Self, ConfigError> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("mixtape/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConfigError::Client(e.to_string()))?;
        let base_url = config.base_url.clone().unwrap_or_else(|| match &config.provider {
            Provider::Gemini { .. } => gemini::DEFAULT_BASE_URL.to_owned(),
            Provider::Vertex { location, .. } => vertex::default_base_url(location),
            Provider::OpenAi { .. } => openai::DEFAULT_BASE_URL.to_owned(),
        });
        let tokens = match &config.provider {
            Provider::Vertex { credentials, token_url, .. } => {
                Some(TokenSource::new(credentials.clone(), token_url.clone())?)
            }
            _ => None,
        };
        Ok(Upstream { provider: config.provider.clone(), model: config.model.clone(), base_url, http, tokens })
    }

    /// `gemini`, `vertex` or `openai`.
    pub(crate) fn name(&self) -> &'static str {
        self.provider.kind().name()
    }

    /// Access tokens fetched so far (Vertex AI only).
    pub(crate) fn token_fetches(&self) -> u64 {
        self.tokens.as_ref().map_or(0, TokenSource::fetches)
    }

    fn url(&self, stream: bool) -> String {
        match &self.provider {
            Provider::Gemini { .. } => gemini::url(&self.base_url, &self.model, stream),
            Provider::Vertex { project, location, .. } => {
                vertex::url(&self.base_url, project, location, &self.model, stream)
            }
            Provider::OpenAi { .. } => openai::url(&self.base_url),
        }
    }

    /// The provider's body for a neutral request.
    pub(crate) fn body(&self, request: &ModelRequest, stream: bool) -> Value {
        match &self.provider {
            Provider::Gemini { .. } | Provider::Vertex { .. } => gemini::body(request),
            Provider::OpenAi { json_mode, tools, .. } => openai::body(
                request,
                openai::Options { model: &self.model, json_mode: *json_mode, tools: *tools, stream },
            ),
        }
    }

    /// Sends one attempt and returns the response once its status says success; any other status is
    /// read into an [`LlmError::Status`] (with the provider's retry delay, if it gave one).
    pub(crate) async fn send(&self, body: &Value, stream: bool) -> Result<reqwest::Response, LlmError> {
        let mut request = self.http.post(self.url(stream)).json(body);
        if stream {
            request = request.header(ACCEPT, "text/event-stream");
        }
        match &self.provider {
            Provider::Gemini { api_key } => {
                request = request.header("x-goog-api-key", self.sensitive(api_key.expose())?)
            }
            Provider::Vertex { .. } => {
                if let Some(tokens) = &self.tokens {
                    let token = tokens.token(&self.http).await?;
                    request = request.header(AUTHORIZATION, self.sensitive(&format!("Bearer {}", token.expose()))?);
                }
            }
            Provider::OpenAi { api_key: Some(key), .. } => {
                request = request.header(AUTHORIZATION, self.sensitive(&format!("Bearer {}", key.expose()))?)
            }
            Provider::OpenAi { api_key: None, .. } => {}
        }
        let response = request.send().await.map_err(|e| self.transport(&e))?;
        if response.status().is_success() { Ok(response) } else { Err(self.status_error(response).await) }
    }

    /// Reads and parses a whole answer.
    pub(crate) async fn read(&self, response: reqwest::Response) -> Result<ModelResponse, LlmError> {
        let body = read_limited(response, MAX_ANSWER_BYTES).await.map_err(|e| self.transport(&e))?;
        let value: Value = serde_json::from_slice(&body).map_err(|_| LlmError::BadResponse {
            provider: self.name(),
            message: format!(
                "the answer is not JSON (it starts with {:?})",
                shorten(&String::from_utf8_lossy(&body), 60)
            ),
        })?;
        match self.provider.kind() {
            ProviderKind::Gemini | ProviderKind::Vertex => gemini::parse(self.name(), &value, &self.model),
            ProviderKind::OpenAi => openai::parse(self.name(), &value, &self.model),
        }
    }

    /// A fresh decoder for a streamed answer.
    pub(crate) fn decoder(&self) -> Decoder {
        match self.provider.kind() {
            ProviderKind::Gemini | ProviderKind::Vertex => Decoder::Gemini(gemini::Stream::default()),
            ProviderKind::OpenAi => Decoder::OpenAi(openai::Stream::default()),
        }
    }

    /// Called after a failed attempt: a 401 from Vertex AI means the cached token was revoked or expired
    /// early, so it is dropped and the attempt is worth repeating.
    pub(crate) async fn recover(&self, error: &LlmError) -> bool {
        match (&self.tokens, error) {
            (Some(tokens), LlmError::Status { status: 401, .. }) => {
                tokens.forget().await;
                true
            }
            _ => false,
        }
    }

    /// `error` with every configured secret scrubbed from its message.
    pub(crate) fn scrub(&self, error: LlmError) -> LlmError {
        let secrets = self.provider.secrets();
        let clean = |text: String| secrets.iter().fold(text, |text, secret| secret.scrub(&text));
        match error {
            LlmError::Unreachable { provider, message } => LlmError::Unreachable { provider, message: clean(message) },
            LlmError::Status { provider, status, message, retry_after } => {
                LlmError::Status { provider, status, message: clean(message), retry_after }
            }
            LlmError::BadResponse { provider, message } => LlmError::BadResponse { provider, message: clean(message) },
            LlmError::Refused { provider, reason } => LlmError::Refused { provider, reason: clean(reason) },
            LlmError::Auth { provider, message } => LlmError::Auth { provider, message: clean(message) },
            timeout @ LlmError::Timeout(_) => timeout,
        }
    }

    /// A credential header, marked sensitive so that no `Debug` of the request shows it. (Keys are
    /// checked at start; an access token from a token endpoint could still be unusable.)
    fn sensitive(&self, value: &str) -> Result<HeaderValue, LlmError> {
        let mut header = HeaderValue::from_str(value).map_err(|_| LlmError::Auth {
            provider: self.name(),
            message: "the credential holds characters that cannot go in an HTTP header".to_owned(),
        })?;
        header.set_sensitive(true);
        Ok(header)
    }

    /// A transport failure (connect, reset, broken body) as an [`LlmError::Unreachable`].
    pub(crate) fn transport(&self, error: &reqwest::Error) -> LlmError {
        LlmError::Unreachable { provider: self.name(), message: transport_message(error) }
    }

    async fn status_error(&self, response: reqwest::Response) -> LlmError {
        let status = response.status();
        let header_delay = retry::retry_after_header(response.headers(), SystemTime::now());
        let body = read_limited(response, MAX_ERROR_BYTES).await.unwrap_or_default();
        let json = serde_json::from_slice::<Value>(&body).ok().map(|v| match v {
            // Vertex AI wraps some errors in a one-element list.
            Value::Array(mut list) if !list.is_empty() => list.swap_remove(0),
            other => other,
        });
        let message = json
            .as_ref()
            .and_then(error_message)
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
        LlmError::Status {
            provider: self.name(),
            status: status.as_u16(),
            message: shorten(&message, 300),
            retry_after: header_delay.or_else(|| json.as_ref().and_then(retry::google_retry_delay)),
        }
    }
}

impl Decoder {
    /// One event's data; the parts it completes.
    pub(crate) fn push(&mut self, provider: &'static str, data: &str) -> Result<Vec<Part>, LlmError> {
        match self {
            Decoder::Gemini(stream) => stream.push(provider, data),
            Decoder::OpenAi(stream) => stream.push(provider, data),
        }
    }

    /// Whether the provider said it is done (OpenAI's `[DONE]`); Gemini's streams simply end.
    pub(crate) fn is_done(&self) -> bool {
        match self {
            Decoder::Gemini(_) => false,
            Decoder::OpenAi(stream) => stream.is_done(),
        }
    }

    /// The whole answer, or why the stream was incomplete.
    pub(crate) fn finish(self, provider: &'static str, model: &str) -> Result<ModelResponse, LlmError> {
        match self {
            Decoder::Gemini(stream) => stream.finish(provider, model),
            Decoder::OpenAi(stream) => stream.finish(provider, model),
        }
    }
}

/// The message of a provider's error body: Google's and OpenAI's `{"error": {"message"}}`, Ollama's
/// `{"error": "..."}`, or a bare `message`/`detail`.
fn error_message(body: &Value) -> Option<String> {
    let error = body.get("error");
    error
        .and_then(|e| e.get("message"))
        .or(error)
        .or_else(|| body.get("message"))
        .or_else(|| body.get("detail"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// A transport error with its causes ("error sending request: … connection refused"), without the URL.
pub(crate) fn transport_message(error: &reqwest::Error) -> String {
    let mut message = if error.is_timeout() { "timed out".to_owned() } else { String::new() };
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = source {
        let text = match e.downcast_ref::<reqwest::Error>() {
            Some(reqwest_error) => reqwest_error.to_string().split(" for url").next().unwrap_or_default().to_owned(),
            None => e.to_string(),
        };
        if !text.is_empty() && !message.contains(&text) {
            if !message.is_empty() {
                message.push_str(": ");
            }
            message.push_str(&text);
        }
        source = e.source();
    }
    shorten(&message, 300)
}

/// Reads a body up to `max` bytes; the rest is not read (and the connection not reused).
pub(crate) async fn read_limited(mut response: reqwest::Response, max: usize) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = max.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= max {
            break;
        }
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn error_messages_are_found_in_every_dialect() {
        assert_eq!(error_message(&json!({"error": {"code": 400, "message": "bad"}})).as_deref(), Some("bad"));
        assert_eq!(error_message(&json!({"error": "model not found"})).as_deref(), Some("model not found"));
        assert_eq!(error_message(&json!({"detail": "nope"})).as_deref(), Some("nope"));
        assert_eq!(error_message(&json!({"other": 1})), None);
    }
}
