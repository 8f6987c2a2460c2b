//! The model proxy as its callers see it: `mixtape serve`'s router on a free local port (served with
//! connection info, as `serve` does), forwarding to fake providers on loopback (`fakes/mod.rs`) that
//! speak each protocol — Gemini's and Vertex AI's JSON and SSE, OpenAI's chat completions and their SSE
//! deltas, OAuth2 token endpoints — and fail the ways real ones do: a 429 with a retry delay, a 503, a
//! malformed body, a stream cut midway, a token that expires, a key echoed in an error.

mod fakes;

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fakes::{Fake, Reply, gemini_answer, openai_answer, service_account_json};
use planner::llm::{Model, ModelMessage, ModelRequest, Part, Role};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use serde_json::{Value, json};
use server::http::AppState;
use server::llm::{Config, Proxy};
use server::store::{Store, sqlite_url};
use tempfile::TempDir;

/// A key no real provider issued, distinctive enough to search every byte for.
const KEY: &str = "AIzaSy-MIXTAPE-CANARY-0d6f3c2a9b81e4f7";
/// A thought signature with the characters JSON and base64 could trip on.
const SIGNATURE: &str = "CiQBVKhc7+/fake/Thought+Signature0123456789abcdef==";

/// `mixtape serve`'s router with the proxy configured by `vars`, on `127.0.0.1:0`.
struct Server {
    base: String,
    client: reqwest::Client,
    proxy: Option<Arc<Proxy>>,
    _dir: TempDir,
}

impl Server {
    /// With a provider; retries back off from 50 ms so that the tests stay quick.
    async fn start(vars: &[(&str, &str)]) -> Server {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let mut config = Config::from_vars(|name| map.get(name).cloned()).expect("valid").expect("a provider");
        config.retry.base_delay = Duration::from_millis(50);
        Server::with(Some(Arc::new(Proxy::new(config).expect("proxy")))).await
    }

    /// With no provider: rules only.
    async fn unconfigured() -> Server {
        Server::with(None).await
    }

    async fn with(proxy: Option<Arc<Proxy>>) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::connect(&sqlite_url(&dir.path().join("mixtape.sqlite"))).await.expect("store");
        let mut state = AppState::new(store, None);
        if let Some(proxy) = &proxy {
            state = state.with_llm(Arc::clone(proxy));
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(server::http::serve(listener, state));
        Server { base, client: reqwest::Client::new(), proxy, _dir: dir }
    }

    async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client.post(format!("{}{path}", self.base)).json(body).send().await.expect("POST")
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.base)).send().await.expect("GET")
    }

    async fn status(&self) -> Value {
        self.get("/api/llm/status").await.json().await.expect("JSON")
    }
}

fn gemini(fake: &Fake) -> Vec<(&'static str, String)> {
    vec![
        ("MIXTAPE_LLM_PROVIDER", "gemini".into()),
        ("GEMINI_API_KEY", KEY.into()),
        ("MIXTAPE_LLM_BASE_URL", fake.base.clone()),
    ]
}

fn openai(fake: &Fake) -> Vec<(&'static str, String)> {
    vec![
        ("MIXTAPE_LLM_PROVIDER", "openai".into()),
        ("MIXTAPE_LLM_MODEL", "fake-model".into()),
        ("OPENAI_API_KEY", KEY.into()),
        ("MIXTAPE_LLM_BASE_URL", fake.base.clone()),
    ]
}

fn borrowed<'a>(vars: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    vars.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn start(vars: &[(&'static str, String)]) -> Server {
    Server::start(&borrowed(vars)).await
}

/// A resolver's first request: a user message, a tool, a schema.
fn first_request() -> Value {
    json!({
        "system": "Pick the ad category.",
        "messages": [{"role": "user", "parts": [{"type": "text", "text": "our new energy drink"}]}],
        "tools": [{
            "name": "search_ad_categories",
            "description": "Search the ad categories.",
            "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}
        }],
        "response_schema": {"type": "object", "properties": {"ad_category": {"type": "string"}}},
        "temperature": 0.1
    })
}

/// The error code of a JSON error answer with this status.
async fn error(response: reqwest::Response, status: StatusCode) -> (String, String) {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    let body: Value = response.json().await.expect("JSON");
    (
        body["error"]["code"].as_str().expect("code").to_owned(),
        body["error"]["message"].as_str().expect("message").to_owned(),
    )
}

/// The events of an SSE answer, as (event name, data as JSON).
async fn events(response: reqwest::Response) -> Vec<(String, Value)> {
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "text/event-stream");
    let text = response.text().await.expect("the stream");
    text.split("\n\n")
        .filter_map(|block| {
            let mut name = None;
            let mut data = None;
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event: ") {
                    name = Some(v.to_owned());
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data = Some(serde_json::from_str(v).expect("each event's data is JSON"));
                }
            }
            Some((name?, data?))
        })
        .collect()
}

#[tokio::test]
async fn gemini_keeps_a_thought_signature_byte_for_byte_through_a_round_trip() {
    let call = json!({"functionCall": {"name": "search_ad_categories", "args": {"query": "energy drink"}},
                      "thoughtSignature": SIGNATURE});
    let fake = Fake::start(vec![
        Reply::ok(gemini_answer(json!([call]))),
        Reply::ok(gemini_answer(json!([{"text": "{\"ad_category\": \"ADV_15_141\"}"}]))),
    ])
    .await;
    let server = start(&gemini(&fake)).await;

    let response = server.post("/api/llm/generate", &first_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(
        answer["parts"],
        json!([{"type": "function_call", "name": "search_ad_categories", "args": {"query": "energy drink"},
                "thought_signature": SIGNATURE}])
    );
    assert_eq!(answer["usage"], json!({"input_tokens": 21, "output_tokens": 8}));
    assert_eq!(answer["model"], "gemini-2.5-flash");

    let sent = &fake.received()[0];
    assert_eq!(sent.path, "/v1beta/models/gemini-2.5-flash:generateContent");
    assert_eq!(sent.header("x-goog-api-key").as_deref(), Some(KEY));
    let body = sent.json();
    assert!(
        body["systemInstruction"]["parts"][0]["text"].as_str().expect("system").starts_with("Pick the ad category.")
    );
    assert_eq!(body["contents"][0], json!({"role": "user", "parts": [{"text": "our new energy drink"}]}));
    assert_eq!(body["tools"][0]["functionDeclarations"][0]["name"], "search_ad_categories");
    assert_eq!(body["generationConfig"]["temperature"], json!(0.1));

    // The browser sends the model's parts back as it got them, with the tool's answer.
    let mut second = first_request();
    let messages = second["messages"].as_array_mut().expect("messages");
    messages.push(json!({"role": "model", "parts": answer["parts"]}));
    messages.push(json!({"role": "tool", "parts": [{"type": "function_response", "name": "search_ad_categories",
                                                   "response": {"matches": ["ADV_15_141"]}}]}));
    let response = server.post("/api/llm/generate", &second).await;
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(answer["parts"][0]["text"], "{\"ad_category\": \"ADV_15_141\"}");

    let sent = &fake.received()[1];
    let raw = String::from_utf8(sent.body.to_vec()).expect("UTF-8");
    assert!(raw.contains(&format!("\"thoughtSignature\":\"{SIGNATURE}\"")), "{raw}");
    let body = sent.json();
    assert_eq!(body["contents"][1]["role"], "model");
    assert_eq!(body["contents"][1]["parts"][0], call);
    assert_eq!(
        body["contents"][2],
        json!({"role": "user", "parts": [{"functionResponse": {"name": "search_ad_categories",
                                                              "response": {"matches": ["ADV_15_141"]}}}]})
    );
}

#[tokio::test]
async fn gemini_streams_parts_as_they_come_then_the_whole_answer() {
    let fake = Fake::start(vec![Reply::gemini_sse(&[
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Hel"}]}, "index": 0}]}),
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "lo"}]}, "index": 0}]}),
        json!({"candidates": [{"content": {"role": "model", "parts": [
                {"functionCall": {"name": "search_ad_categories", "args": {"query": "drink"}}, "thoughtSignature": SIGNATURE}
              ]}, "finishReason": "STOP", "index": 0}],
               "usageMetadata": {"promptTokenCount": 30, "candidatesTokenCount": 6}, "modelVersion": "gemini-2.5-flash"}),
    ])])
    .await;
    let server = start(&gemini(&fake)).await;

    let events = events(server.post("/api/llm/stream", &first_request()).await).await;
    let call = json!({"type": "function_call", "name": "search_ad_categories", "args": {"query": "drink"},
                      "thought_signature": SIGNATURE});
    assert_eq!(
        events,
        vec![
            ("part".to_owned(), json!({"type": "text", "text": "Hel"})),
            ("part".to_owned(), json!({"type": "text", "text": "lo"})),
            ("part".to_owned(), call.clone()),
            (
                "done".to_owned(),
                json!({"parts": [{"type": "text", "text": "Hello"}, call], "model": "gemini-2.5-flash",
                       "usage": {"input_tokens": 30, "output_tokens": 6}})
            ),
        ]
    );
    assert_eq!(fake.received()[0].path, "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
}

#[tokio::test]
async fn openai_compatible_servers_get_chat_completions_with_tool_call_ids() {
    let fake = Fake::start(vec![
        Reply::ok(openai_answer(json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": "call_7", "type": "function", "function": {"name": "search_ad_categories", "arguments": "{\"query\":\"drink\"}"}}
        ]}))),
        Reply::ok(openai_answer(json!({"role": "assistant", "content": "{\"ad_category\":\"ADV_15_141\"}"}))),
    ])
    .await;
    let server = start(&openai(&fake)).await;

    let answer: Value = server.post("/api/llm/generate", &first_request()).await.json().await.expect("JSON");
    assert_eq!(
        answer["parts"],
        json!([{"type": "function_call", "id": "call_7", "name": "search_ad_categories", "args": {"query": "drink"}}])
    );
    assert_eq!(answer["usage"], json!({"input_tokens": 17, "output_tokens": 5}));
    let sent = &fake.received()[0];
    assert_eq!(sent.path, "/v1/chat/completions");
    assert_eq!(sent.header("authorization"), Some(format!("Bearer {KEY}")));
    let body = sent.json();
    assert_eq!(body["model"], "fake-model");
    assert_eq!(body["messages"][0], json!({"role": "system", "content": "Pick the ad category."}));
    assert_eq!(body["tools"][0]["type"], "function");
    assert_eq!(body["response_format"]["type"], "json_schema");

    let mut second = first_request();
    let messages = second["messages"].as_array_mut().expect("messages");
    messages.push(json!({"role": "model", "parts": answer["parts"]}));
    messages.push(json!({"role": "tool", "parts": [{"type": "function_response", "id": "call_7",
                                                   "name": "search_ad_categories", "response": {"matches": []}}]}));
    let answer: Value = server.post("/api/llm/generate", &second).await.json().await.expect("JSON");
    assert_eq!(answer["parts"][0]["text"], "{\"ad_category\":\"ADV_15_141\"}");
    let body = fake.received()[1].json();
    assert_eq!(body["messages"][2]["tool_calls"][0]["id"], "call_7");
    assert_eq!(body["messages"][3], json!({"role": "tool", "tool_call_id": "call_7", "content": "{\"matches\":[]}"}));
}

#[tokio::test]
async fn openai_streams_accumulate_tool_call_deltas() {
    let chunk = |delta: Value, finish: Value| {
        json!({"id": "c", "object": "chat.completion.chunk", "model": "fake-model",
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    };
    let fake = Fake::start(vec![Reply::openai_sse(&[
        chunk(json!({"role": "assistant", "content": "Looking"}), Value::Null),
        chunk(
            json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                     "function": {"name": "search_geo_targets", "arguments": ""}}]}),
            Value::Null,
        ),
        chunk(json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"query\": \"Sao"}}]}), Value::Null),
        chunk(json!({"tool_calls": [{"index": 0, "function": {"arguments": " Paulo\"}"}}]}), Value::Null),
        chunk(json!({}), json!("tool_calls")),
        json!({"id": "c", "object": "chat.completion.chunk", "choices": [],
               "usage": {"prompt_tokens": 40, "completion_tokens": 12}}),
    ])])
    .await;
    let server = start(&openai(&fake)).await;

    let events = events(server.post("/api/llm/stream", &first_request()).await).await;
    let call =
        json!({"type": "function_call", "id": "call_1", "name": "search_geo_targets", "args": {"query": "Sao Paulo"}});
    assert_eq!(
        events,
        vec![
            ("part".to_owned(), json!({"type": "text", "text": "Looking"})),
            ("part".to_owned(), call.clone()),
            (
                "done".to_owned(),
                json!({"parts": [{"type": "text", "text": "Looking"}, call], "model": "fake-model",
                       "usage": {"input_tokens": 40, "output_tokens": 12}})
            ),
        ]
    );
    let body = fake.received()[0].json();
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"], json!({"include_usage": true}));
}

#[tokio::test]
async fn a_429_with_gemini_retry_info_is_waited_out_then_retried() {
    let exhausted = json!({"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).",
        "status": "RESOURCE_EXHAUSTED",
        "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.800s"}]}});
    let fake =
        Fake::start(vec![Reply::status(429, exhausted), Reply::ok(gemini_answer(json!([{"text": "ok"}])))]).await;
    let server = start(&gemini(&fake)).await;

    let response = server.post("/api/llm/generate", &first_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let received = fake.received();
    assert_eq!(received.len(), 2);
    let waited = received[1].at - received[0].at;
    assert!(waited >= Duration::from_millis(800) && waited < Duration::from_millis(1800), "waited {waited:?}");
    assert_eq!(server.status().await["counters"]["retries"], 1);
}

#[tokio::test]
async fn a_retry_after_header_is_honoured() {
    let fake = Fake::start(vec![
        Reply::Json {
            status: 429,
            body: json!({"error": {"message": "Rate limit reached", "type": "requests"}}),
            headers: vec![("retry-after", "1".to_owned())],
        },
        Reply::ok(openai_answer(json!({"role": "assistant", "content": "ok"}))),
    ])
    .await;
    let server = start(&openai(&fake)).await;

    assert_eq!(server.post("/api/llm/generate", &first_request()).await.status(), StatusCode::OK);
    let received = fake.received();
    let waited = received[1].at - received[0].at;
    assert!(waited >= Duration::from_secs(1) && waited < Duration::from_millis(2000), "waited {waited:?}");
}

#[tokio::test]
async fn a_503_is_retried_and_counted() {
    let fake = Fake::start(vec![
        Reply::Text { status: 503, content_type: "text/html", body: "<html>overloaded</html>".into() },
        Reply::ok(gemini_answer(json!([{"text": "ok"}]))),
    ])
    .await;
    let server = start(&gemini(&fake)).await;

    assert_eq!(server.post("/api/llm/generate", &first_request()).await.status(), StatusCode::OK);
    assert_eq!(fake.received().len(), 2);
    let status = server.status().await;
    assert_eq!(status["configured"], true);
    assert_eq!(status["provider"], "gemini");
    assert_eq!(status["model"], "gemini-2.5-flash");
    assert_eq!(
        status["counters"],
        json!({"calls": 1, "errors": 0, "retries": 1, "input_tokens": 21, "output_tokens": 8,
               "rate_limited": 0, "token_fetches": 0})
    );
}

#[tokio::test]
async fn provider_failures_are_clear_json_errors() {
    // A malformed 200: not retried, 502 with what was wrong.
    let fake =
        Fake::start(vec![Reply::Text { status: 200, content_type: "text/html", body: "<html>oops".into() }]).await;
    let server = start(&gemini(&fake)).await;
    let (code, message) =
        error(server.post("/api/llm/generate", &first_request()).await, StatusCode::BAD_GATEWAY).await;
    assert_eq!(code, "llm_bad_response");
    assert!(message.contains("gemini") && message.contains("not JSON"), "{message}");
    assert_eq!(fake.received().len(), 1);

    // A 400: the caller's request is wrong for the provider; not retried, the provider's words passed on.
    fake.script(vec![Reply::status(
        400,
        json!({"error": {"code": 400, "message": "Invalid JSON payload received.", "status": "INVALID_ARGUMENT"}}),
    )]);
    let (code, message) =
        error(server.post("/api/llm/generate", &first_request()).await, StatusCode::BAD_GATEWAY).await;
    assert_eq!(code, "llm_provider_error");
    assert!(message.contains("400") && message.contains("Invalid JSON payload received."), "{message}");
    assert_eq!(fake.received().len(), 2);

    // The same before a stream's first byte is a plain JSON error too.
    let (code, _) = error(server.post("/api/llm/stream", &first_request()).await, StatusCode::BAD_GATEWAY).await;
    assert_eq!(code, "llm_provider_error");

    // A 503 every time: three attempts, then the error.
    fake.script(vec![Reply::status(503, json!({"error": {"code": 503, "message": "The model is overloaded."}}))]);
    let before = fake.received().len();
    let (code, message) =
        error(server.post("/api/llm/generate", &first_request()).await, StatusCode::BAD_GATEWAY).await;
    assert_eq!(code, "llm_provider_error");
    assert!(message.contains("503") && message.contains("overloaded"), "{message}");
    assert_eq!(fake.received().len() - before, 3);
}

#[tokio::test]
async fn an_unreachable_provider_and_a_slow_one_are_told_apart() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = closed.local_addr().expect("address").port();
    drop(closed);
    let base = format!("http://127.0.0.1:{port}");
    let server = Server::start(&[
        ("MIXTAPE_LLM_PROVIDER", "openai"),
        ("MIXTAPE_LLM_MODEL", "m"),
        ("MIXTAPE_LLM_BASE_URL", &base),
    ])
    .await;
    let (code, message) =
        error(server.post("/api/llm/generate", &first_request()).await, StatusCode::BAD_GATEWAY).await;
    assert_eq!(code, "llm_unreachable");
    assert!(message.contains("openai"), "{message}");

    let fake =
        Fake::start(vec![Reply::Slow(Duration::from_secs(5), Box::new(Reply::ok(gemini_answer(json!([])))))]).await;
    let mut vars = gemini(&fake);
    vars.push(("MIXTAPE_LLM_TIMEOUT_SECS", "1".into()));
    let server = start(&vars).await;
    let started = Instant::now();
    let (code, _) = error(server.post("/api/llm/generate", &first_request()).await, StatusCode::GATEWAY_TIMEOUT).await;
    assert_eq!(code, "llm_timeout");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_stream_cut_midway_ends_with_an_error_event_and_is_not_retried() {
    let fake = Fake::start(vec![Reply::Sse {
        events: vec![json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Hel"}]}}]}).to_string()],
        separator: "\r\n\r\n",
        break_after: true,
    }])
    .await;
    let server = start(&gemini(&fake)).await;

    let events = events(server.post("/api/llm/stream", &first_request()).await).await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0], ("part".to_owned(), json!({"type": "text", "text": "Hel"})));
    assert_eq!(events[1].0, "error");
    assert_eq!(events[1].1["error"]["code"], "llm_unreachable");
    assert_eq!(fake.received().len(), 1, "a stream is not retried once a part went out");
    assert_eq!(server.status().await["counters"]["errors"], 1);
}

#[tokio::test]
async fn vertex_signs_a_service_account_jwt_caches_the_token_and_refreshes_it_before_expiry() {
    let fake = Fake::start(vec![Reply::ok(gemini_answer(json!([{"text": "ok"}])))]).await;
    fake.set_token_lifetime(2);
    let dir = tempfile::tempdir().expect("temp dir");
    let credentials = dir.path().join("service-account.json");
    std::fs::write(&credentials, service_account_json(&fake.base)).expect("write");
    let server = Server::start(&[
        ("MIXTAPE_LLM_PROVIDER", "vertex"),
        ("GOOGLE_APPLICATION_CREDENTIALS", credentials.to_str().expect("UTF-8")),
        ("GOOGLE_CLOUD_LOCATION", "europe-west4"),
        ("MIXTAPE_LLM_BASE_URL", &fake.base),
    ])
    .await;

    for _ in 0..2 {
        assert_eq!(server.post("/api/llm/generate", &first_request()).await.status(), StatusCode::OK);
    }
    // A 2 s token is refreshed after 1 s (halfway, as it lives less than twice the 5 minutes' margin).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(server.post("/api/llm/generate", &first_request()).await.status(), StatusCode::OK);

    let tokens = fake.token_requests();
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    assert!(tokens.iter().all(|t| t.form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"));
    assert_eq!(tokens[1].issued.as_deref(), Some("token-2"), "the fake accepted the signed JWT");
    let received = fake.received();
    let bearers: Vec<String> = received.iter().map(|r| r.header("authorization").expect("a bearer")).collect();
    assert_eq!(bearers, ["Bearer token-1", "Bearer token-1", "Bearer token-2"]);
    assert_eq!(
        received[0].path,
        "/v1/projects/fake-project/locations/europe-west4/publishers/google/models/gemini-2.5-pro:generateContent"
    );
    assert_eq!(server.status().await["counters"]["token_fetches"], 2);
}

#[tokio::test]
async fn vertex_fetches_a_new_token_when_one_is_refused() {
    let fake = Fake::start(vec![
        Reply::status(
            401,
            json!({"error": {"code": 401, "message": "Request had invalid authentication credentials.",
                                            "status": "UNAUTHENTICATED"}}),
        ),
        Reply::ok(gemini_answer(json!([{"text": "ok"}]))),
    ])
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let credentials = dir.path().join("service-account.json");
    std::fs::write(&credentials, service_account_json(&fake.base)).expect("write");
    let server = Server::start(&[
        ("MIXTAPE_LLM_PROVIDER", "vertex"),
        ("GOOGLE_APPLICATION_CREDENTIALS", credentials.to_str().expect("UTF-8")),
        ("MIXTAPE_LLM_BASE_URL", &fake.base),
    ])
    .await;
    assert_eq!(server.post("/api/llm/generate", &first_request()).await.status(), StatusCode::OK);
    let bearers: Vec<String> = fake.received().iter().map(|r| r.header("authorization").expect("bearer")).collect();
    assert_eq!(bearers, ["Bearer token-1", "Bearer token-2"]);
}

#[tokio::test]
async fn vertex_takes_user_credentials_or_the_metadata_server() {
    let fake = Fake::start(vec![Reply::ok(gemini_answer(json!([{"text": "ok"}])))]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let adc = dir.path().join("application_default_credentials.json");
    std::fs::write(
        &adc,
        json!({"type": "authorized_user", "client_id": "cid", "client_secret": "csecret-123456",
               "refresh_token": "1//refresh-token-abcdef", "quota_project_id": "quota-project"})
        .to_string(),
    )
    .expect("write");
    let token_url = format!("{}/token", fake.base);
    let server = Server::start(&[
        ("MIXTAPE_LLM_PROVIDER", "vertex"),
        ("GOOGLE_APPLICATION_CREDENTIALS", adc.to_str().expect("UTF-8")),
        ("MIXTAPE_LLM_TOKEN_URL", &token_url),
        ("MIXTAPE_LLM_BASE_URL", &fake.base),
    ])
    .await;
    assert_eq!(server.post("/api/llm/generate", &first_request()).await.status(), StatusCode::OK);
    let token = &fake.token_requests()[0];
    assert_eq!(token.form["grant_type"], "refresh_token");
    assert_eq!(token.form["refresh_token"], "1//refresh-token-abcdef");
    assert!(fake.received()[0].path.starts_with("/v1/projects/quota-project/locations/us-central1/"));

    let metadata_url = format!("{}/metadata-token", fake.base);
    let server = Server::start(&[
        ("MIXTAPE_LLM_PROVIDER", "vertex"),
        ("GOOGLE_CLOUD_PROJECT", "gce-project"),
        ("MIXTAPE_LLM_TOKEN_URL", &metadata_url),
        ("MIXTAPE_LLM_BASE_URL", &fake.base),
    ])
    .await;
    assert_eq!(server.post("/api/llm/generate", &first_request()).await.status(), StatusCode::OK);
    let token = &fake.token_requests()[1];
    assert_eq!((token.method.as_str(), token.issued.as_deref()), ("GET", Some("token-2")));
    assert_eq!(fake.received()[1].header("authorization").as_deref(), Some("Bearer token-2"));
}

#[tokio::test]
async fn each_client_is_rate_limited_with_retry_after() {
    let fake = Fake::start(vec![Reply::ok(gemini_answer(json!([{"text": "ok"}])))]).await;
    let mut vars = gemini(&fake);
    vars.push(("MIXTAPE_LLM_RATE_PER_MINUTE", "6".into()));
    vars.push(("MIXTAPE_LLM_RATE_BURST", "2".into()));
    let server = start(&vars).await;

    for _ in 0..2 {
        assert_eq!(server.post("/api/llm/generate", &first_request()).await.status(), StatusCode::OK);
    }
    let response = server.post("/api/llm/stream", &first_request()).await;
    let retry_after: u64 = response.headers()[RETRY_AFTER].to_str().expect("text").parse().expect("seconds");
    assert!((9..=10).contains(&retry_after), "one request every 10 s: {retry_after}");
    let (code, _) = error(response, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(code, "rate_limited");
    assert_eq!(fake.received().len(), 2, "a refused request never reaches the provider");
    assert_eq!(server.status().await["counters"]["rate_limited"], 1);
}

#[tokio::test]
async fn without_a_provider_the_model_routes_say_so() {
    let server = Server::unconfigured().await;
    for path in ["/api/llm/generate", "/api/llm/stream"] {
        let (code, message) = error(server.post(path, &first_request()).await, StatusCode::SERVICE_UNAVAILABLE).await;
        assert_eq!(code, "llm_unavailable");
        assert!(message.contains("rules only"), "{message}");
    }
    assert_eq!(
        server.status().await,
        json!({"configured": false, "provider": null, "model": null, "rate_per_minute": null,
               "counters": {"calls": 0, "errors": 0, "retries": 0, "input_tokens": 0, "output_tokens": 0,
                            "rate_limited": 0, "token_fetches": 0}})
    );
}

#[tokio::test]
async fn requests_are_checked_before_they_reach_the_provider() {
    let fake = Fake::start(vec![Reply::ok(gemini_answer(json!([{"text": "ok"}])))]).await;
    let mut vars = gemini(&fake);
    vars.push(("MIXTAPE_LLM_RATE_BURST", "100".into()));
    let server = start(&vars).await;

    let message = json!({"role": "user", "parts": [{"type": "text", "text": "hi"}]});
    let cases = [
        (json!({"messages": vec![message.clone(); 51]}), "invalid_request", "50 messages"),
        (json!({"messages": [message.clone()], "temperature": 2.5}), "invalid_request", "temperature"),
        (json!({"messages": []}), "invalid_request", "at least one message"),
        (json!({"messages": [{"role": "robot", "parts": []}]}), "invalid_json", "robot"),
        (json!({"system": "no messages"}), "invalid_json", "messages"),
    ];
    for (body, expected_code, expected_text) in cases {
        let (code, message) = error(server.post("/api/llm/generate", &body).await, StatusCode::BAD_REQUEST).await;
        assert_eq!((code.as_str(), message.contains(expected_text)), (expected_code, true), "{body}: {message}");
    }
    // The model routes take more than the API's 64 KiB, up to 256 KiB.
    let long =
        |len: usize| json!({"messages": [{"role": "user", "parts": [{"type": "text", "text": "x".repeat(len)}]}]});
    assert_eq!(server.post("/api/llm/generate", &long(100 * 1024)).await.status(), StatusCode::OK);
    let (code, message) =
        error(server.post("/api/llm/generate", &long(300 * 1024)).await, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(code, "too_large");
    assert!(message.contains("256 KiB"), "{message}");
    let response =
        server.client.post(format!("{}/api/llm/generate", server.base)).body("{}").send().await.expect("POST");
    assert_eq!(error(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await.0, "unsupported_media_type");
    assert_eq!(fake.received().len(), 1, "only the valid request reached the provider");
}

#[tokio::test]
async fn the_proxy_is_the_planners_model_on_the_server() {
    let fake = Fake::start(vec![Reply::ok(gemini_answer(json!([{"text": "ok"}])))]).await;
    let vars = gemini(&fake);
    let map: HashMap<&str, &str> = borrowed(&vars).into_iter().collect();
    let config = Config::from_vars(|name| map.get(name).map(|v| (*v).to_owned())).expect("valid").expect("provider");
    let proxy = Proxy::new(config).expect("proxy");
    let request = ModelRequest {
        messages: vec![ModelMessage { role: Role::User, parts: vec![Part::Text { text: "hi".into() }] }],
        ..ModelRequest::default()
    };
    let response = Model::generate(&proxy, &request).await.expect("an answer");
    assert_eq!(response.text(), "ok");
    assert_eq!(proxy.status().counters.calls, 1);
}

/// Log lines, captured for one test (its runtime is single-threaded, so every task logs here).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn keys_never_leave_the_server() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let echo =
        json!({"error": {"code": 400, "message": format!("API key not valid: {KEY}. Please pass a valid API key.")}});
    let fake = Fake::start(vec![
        Reply::ok(gemini_answer(json!([{"text": "ok"}]))),
        Reply::status(400, echo.clone()),
        Reply::gemini_sse(&[gemini_answer(json!([{"text": "streamed"}]))]),
        Reply::status(400, echo),
        Reply::ok(gemini_answer(json!([{"text": "ok"}]))),
    ])
    .await;
    let mut vars = gemini(&fake);
    vars.push(("MIXTAPE_LLM_RATE_PER_MINUTE", "1".into()));
    vars.push(("MIXTAPE_LLM_RATE_BURST", "5".into()));
    let server = start(&vars).await;

    let mut seen = Vec::new();
    seen.push(keep("generate", server.post("/api/llm/generate", &first_request()).await).await);
    seen.push(keep("generate echoing the key", server.post("/api/llm/generate", &first_request()).await).await);
    seen.push(keep("stream", server.post("/api/llm/stream", &first_request()).await).await);
    seen.push(keep("stream echoing the key", server.post("/api/llm/stream", &first_request()).await).await);
    seen.push(keep("invalid", server.post("/api/llm/generate", &json!({"messages": []})).await).await);
    seen.push(keep("rate limited", server.post("/api/llm/generate", &first_request()).await).await);
    for path in ["/api/llm/status", "/healthz", "/api/openapi.json", "/api/nope", "/"] {
        seen.push(keep(path, server.get(path).await).await);
    }
    assert!(seen[1].2.contains("[redacted]"), "the echoed key is scrubbed: {}", seen[1].2);
    assert!(seen[5].0.contains("429"), "{:?}", seen[5]);
    for (what, headers, body) in &seen {
        assert!(!headers.contains(KEY) && !body.contains(KEY), "{what} leaks the key");
    }
    // The key did reach the provider, so the test is not vacuous.
    assert_eq!(fake.received()[0].header("x-goog-api-key").as_deref(), Some(KEY));

    let proxy = server.proxy.as_ref().expect("configured");
    assert!(!format!("{proxy:?} {:?} {}", proxy.config(), proxy.config().describe()).contains(KEY));
    let logs = String::from_utf8(logs.0.lock().expect("logs").clone()).expect("UTF-8");
    assert!(logs.contains("model call"), "each call is logged: {logs}");
    assert!(!logs.contains(KEY), "the logs leak the key");

    // The built app, if there is one, holds neither the test key nor a real one from this environment.
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist");
    let mut secrets = vec![KEY.to_owned()];
    for var in ["GEMINI_API_KEY", "OPENAI_API_KEY"] {
        secrets.extend(std::env::var(var).ok().filter(|k| k.trim().len() >= 8).map(|k| k.trim().to_owned()));
    }
    let mut files = 0;
    for file in walk(&dist) {
        let bytes = std::fs::read(&file).expect("read a built file");
        files += 1;
        for secret in &secrets {
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "{} holds a key", file.display());
        }
    }
    if files == 0 {
        println!("no built app in {}: only the responses and logs were checked", dist.display());
    }
}

/// (what, headers, body) of a response.
async fn keep(label: &str, response: reqwest::Response) -> (String, String, String) {
    let what = format!("{label} {}", response.status());
    let headers = format!("{:?}", response.headers());
    (what, headers, response.text().await.expect("body"))
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return vec![] };
    entries
        .filter_map(Result::ok)
        .flat_map(|entry| {
            let path = entry.path();
            if path.is_dir() { walk(&path) } else { vec![path] }
        })
        .collect()
}

#[tokio::test]
async fn one_turn_asks_its_resolvers_at_once_through_the_proxy() {
    // A provider that takes 800 ms per answer: queued calls would arrive 800 ms apart.
    let slow = Reply::Slow(
        Duration::from_millis(800),
        Box::new(Reply::ok(openai_answer(json!({"role": "assistant", "content": "{}"})))),
    );
    let fake = Fake::start(vec![slow]).await;
    let vars = openai(&fake);
    let map: HashMap<&str, &str> = borrowed(&vars).into_iter().collect();
    let config = Config::from_vars(|name| map.get(name).map(|v| (*v).to_owned())).expect("valid").expect("provider");
    let proxy = Proxy::new(config).expect("proxy");
    let messages =
        ["Promote our glimmerwick to yoga lovers and vinyl nerds in Berlin, 20k euros over the summer".to_owned()];
    let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("a date");
    let assist = Some(planner::Assist { model: &proxy, tools: &planner::llm::tools::Local });
    let history = planner::performance::InMemory::default();
    let edits = planner::types::Overrides::default();
    let started = Instant::now();
    let answer =
        planner::run_assisted(today, &messages, &edits, &history, &planner::NoClock, assist).await.expect("answers");
    let turn = started.elapsed();
    let received = fake.received();
    assert!(received.len() >= 3, "three resolvers left something unread ({})", received.len());
    let first = received.iter().map(|r| r.at).min().expect("requests");
    let last = received.iter().map(|r| r.at).max().expect("requests");
    assert!(last - first < Duration::from_millis(800), "the calls overlapped rather than queued ({:?})", last - first);
    let asked = answer.trace.iter().filter(|t| t.source == planner::types::Source::Llm).count();
    assert_eq!(asked, received.len(), "the trace names every slot the model was asked about");
    eprintln!("one turn with {} model-backed resolvers against an 800 ms provider: {turn:?}", received.len());
}
