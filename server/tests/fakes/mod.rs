//! Fake model providers on loopback, for the proxy's tests (`tests/llm.rs`) and its benchmark
//! (`benches/llm.rs`).
//!
//! One [`Fake`] is a small axum server that answers:
//! - `POST /token` and `GET /metadata-token`: an OAuth2 token endpoint (service-account JWT grant,
//!   refresh-token grant, or the metadata server's GET with `Metadata-Flavor: Google`) that checks what
//!   it is sent — a JWT must be RS256-signed by the throwaway test key, for the audience `{base}/token` —
//!   and issues `token-1`, `token-2`… with a settable lifetime;
//! - any other path: the next [`Reply`] of its script (the last one repeats), after recording the
//!   request ([`Received`]) byte for byte. Replies are written the way each provider frames them: JSON
//!   bodies, SSE with `\r\n\r\n` (Gemini) or `\n\n` (OpenAI) between events, a stream that breaks off,
//!   a slow answer.

#![allow(dead_code)] // Each test binary uses a different part.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt;
use serde_json::{Value, json};

/// The throwaway RSA key the fake service account signs with (see `README.md` beside this file).
pub const TEST_PRIVATE_KEY: &str = include_str!("test-service-account-key.pem");
/// Its public half, with which the fake token endpoint checks the proxy's JWTs.
pub const TEST_PUBLIC_KEY: &str = include_str!("test-service-account-key.pub.pem");
/// The service account's e-mail in the fake credentials file.
pub const TEST_CLIENT_EMAIL: &str = "mixtape-test@fake-project.iam.gserviceaccount.com";

/// What the fake answers with.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A JSON body with this status and extra headers.
    Json { status: u16, body: Value, headers: Vec<(&'static str, String)> },
    /// Any body with this status and content type.
    Text { status: u16, content_type: &'static str, body: String },
    /// `text/event-stream`: each string is one event's data, written `data: …` + `separator`; with
    /// `break_after` the connection is cut after the last event instead of ending the body.
    Sse { events: Vec<String>, separator: &'static str, break_after: bool },
    /// Another reply, after a pause.
    Slow(Duration, Box<Reply>),
}

impl Reply {
    /// 200 with this JSON.
    pub fn ok(body: Value) -> Reply {
        Reply::Json { status: 200, body, headers: vec![] }
    }

    /// This status with this JSON.
    pub fn status(status: u16, body: Value) -> Reply {
        Reply::Json { status, body, headers: vec![] }
    }

    /// Gemini's SSE framing of these chunks.
    pub fn gemini_sse(chunks: &[Value]) -> Reply {
        Reply::Sse { events: chunks.iter().map(Value::to_string).collect(), separator: "\r\n\r\n", break_after: false }
    }

    /// OpenAI's SSE framing of these chunks, closed by `data: [DONE]`.
    pub fn openai_sse(chunks: &[Value]) -> Reply {
        let mut events: Vec<String> = chunks.iter().map(Value::to_string).collect();
        events.push("[DONE]".to_owned());
        Reply::Sse { events, separator: "\n\n", break_after: false }
    }
}

/// One request the fake provider received.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    /// Path and query, as sent.
    pub path: String,
    pub headers: HeaderMap,
    /// The body, byte for byte.
    pub body: Bytes,
    /// When it arrived.
    pub at: Instant,
}

impl Received {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the proxy sends JSON")
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }
}

/// One request the fake token endpoint received.
#[derive(Clone, Debug)]
pub struct TokenRequest {
    pub method: String,
    pub headers: HeaderMap,
    /// The form fields (empty for the metadata server's GET).
    pub form: HashMap<String, String>,
    /// The token it issued, if it issued one.
    pub issued: Option<String>,
}

#[derive(Default)]
struct Shared {
    base: String,
    replies: Mutex<VecDeque<Reply>>,
    received: Mutex<Vec<Received>>,
    tokens: Mutex<Vec<TokenRequest>>,
    token_lifetime: Mutex<u64>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A fake provider on `127.0.0.1:<free port>`, serving until the test's runtime stops.
pub struct Fake {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    shared: Arc<Shared>,
}

impl Fake {
    /// Starts a fake that answers with `replies` in order, the last one repeating.
    pub async fn start(replies: Vec<Reply>) -> Fake {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the fake");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let shared = Arc::new(Shared {
            base: base.clone(),
            replies: Mutex::new(replies.into()),
            token_lifetime: Mutex::new(3600),
            ..Shared::default()
        });
        let router = Router::new()
            .route("/token", post(token))
            .route("/metadata-token", get(token))
            .fallback(provider)
            .with_state(Arc::clone(&shared));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Fake { base, shared }
    }

    /// Every provider request so far, in order.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.shared.received).clone()
    }

    /// Every token request so far, in order.
    pub fn token_requests(&self) -> Vec<TokenRequest> {
        lock(&self.shared.tokens).clone()
    }

    /// The `expires_in` of the tokens issued from now on.
    pub fn set_token_lifetime(&self, seconds: u64) {
        *lock(&self.shared.token_lifetime) = seconds;
    }

    /// Replaces the script.
    pub fn script(&self, replies: Vec<Reply>) {
        *lock(&self.shared.replies) = replies.into();
    }
}

async fn provider(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let at = Instant::now();
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 64 * 1024 * 1024).await.expect("the body");
    let path = parts.uri.path_and_query().map(ToString::to_string).unwrap_or_default();
    lock(&shared.received).push(Received {
        method: parts.method.to_string(),
        path,
        headers: parts.headers.clone(),
        body,
        at,
    });
    let reply = {
        let mut replies = lock(&shared.replies);
        if replies.len() > 1 { replies.pop_front() } else { replies.front().cloned() }
    };
    match reply {
        Some(reply) => respond(reply).await,
        None => (StatusCode::INTERNAL_SERVER_ERROR, "the fake has no script").into_response(),
    }
}

async fn respond(reply: Reply) -> Response {
    let mut reply = reply;
    while let Reply::Slow(pause, inner) = reply {
        tokio::time::sleep(pause).await;
        reply = *inner;
    }
    match reply {
        Reply::Json { status, body, headers } => {
            let mut response = (status_code(status), axum::Json(body)).into_response();
            for (name, value) in headers {
                response.headers_mut().insert(name, value.parse().expect("a header value"));
            }
            response
        }
        Reply::Text { status, content_type, body } => {
            (status_code(status), [("content-type", content_type)], body).into_response()
        }
        Reply::Sse { events, separator, break_after } => {
            let frames: Vec<Result<Bytes, std::io::Error>> =
                events.into_iter().map(|data| Ok(Bytes::from(format!("data: {data}{separator}")))).collect();
            let end = futures::stream::once(async move {
                if break_after {
                    // Let the events reach the client first, then cut the connection mid-body.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    Err(std::io::Error::other("the fake cuts the stream"))
                } else {
                    Ok(Bytes::new())
                }
            });
            let body = Body::from_stream(futures::stream::iter(frames).chain(end));
            ([("content-type", "text/event-stream")], body).into_response()
        }
        Reply::Slow(..) => unreachable!("unwrapped above"),
    }
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).expect("a status code")
}

/// The fake OAuth2 endpoint.
async fn token(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1024 * 1024).await.expect("the body");
    let form = parse_form(&String::from_utf8_lossy(&body));
    let check = match (parts.method.as_str(), form.get("grant_type").map(String::as_str)) {
        ("GET", _) => match parts.headers.get("metadata-flavor").and_then(|v| v.to_str().ok()) {
            Some("Google") => Ok(()),
            _ => Err("missing Metadata-Flavor: Google".to_owned()),
        },
        ("POST", Some("urn:ietf:params:oauth:grant-type:jwt-bearer")) => {
            check_assertion(form.get("assertion").map_or("", String::as_str), &format!("{}/token", shared.base))
        }
        ("POST", Some("refresh_token")) => {
            if form.get("refresh_token").is_some_and(|t| !t.is_empty()) && form.contains_key("client_secret") {
                Ok(())
            } else {
                Err("refresh_token and client_secret are required".to_owned())
            }
        }
        _ => Err("unsupported grant".to_owned()),
    };
    let mut tokens = lock(&shared.tokens);
    let issued =
        check.as_ref().ok().map(|()| format!("token-{}", tokens.iter().filter(|t| t.issued.is_some()).count() + 1));
    tokens.push(TokenRequest {
        method: parts.method.to_string(),
        headers: parts.headers,
        form,
        issued: issued.clone(),
    });
    match (issued, check) {
        (Some(token), _) => {
            let expires_in = *lock(&shared.token_lifetime);
            axum::Json(json!({"access_token": token, "expires_in": expires_in, "token_type": "Bearer"})).into_response()
        }
        (None, Err(why)) => {
            (StatusCode::BAD_REQUEST, axum::Json(json!({"error": "invalid_grant", "error_description": why})))
                .into_response()
        }
        (None, Ok(())) => unreachable!("a token is issued whenever the check passes"),
    }
}

/// The JWT a service account sends: RS256 by the test key, for this audience, with the Vertex scope.
fn check_assertion(assertion: &str, audience: &str) -> Result<(), String> {
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(TEST_PUBLIC_KEY.as_bytes()).expect("the test public key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[TEST_CLIENT_EMAIL]);
    let claims = jsonwebtoken::decode::<Value>(assertion, &key, &validation).map_err(|e| e.to_string())?.claims;
    if claims["scope"] != "https://www.googleapis.com/auth/cloud-platform" {
        return Err(format!("wrong scope {}", claims["scope"]));
    }
    Ok(())
}

/// `application/x-www-form-urlencoded`, decoded.
fn parse_form(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A Gemini `generateContent` answer with these parts.
pub fn gemini_answer(parts: Value) -> Value {
    json!({
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 21, "candidatesTokenCount": 8, "totalTokenCount": 29},
        "modelVersion": "gemini-2.5-flash"
    })
}

/// An OpenAI chat completion with this message.
pub fn openai_answer(message: Value) -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1_767_225_600, "model": "fake-model",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 17, "completion_tokens": 5, "total_tokens": 22}
    })
}

/// A service-account key file for the fake: the test key, exchanged at `{base}/token`.
pub fn service_account_json(base: &str) -> String {
    json!({
        "type": "service_account",
        "project_id": "fake-project",
        "private_key_id": "test-key-1",
        "private_key": TEST_PRIVATE_KEY,
        "client_email": TEST_CLIENT_EMAIL,
        "client_id": "1",
        "token_uri": format!("{base}/token")
    })
    .to_string()
}
