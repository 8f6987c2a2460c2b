//! `mixtape serve` as the browser app and other callers see it: real HTTP on a free local port, a real
//! SQLite store seeded with a small synthetic history, and a small built app in a temporary `dist`.
//!
//! Each test starts its own server ([`TestServer::start`]). `the_serve_command_…` runs the `mixtape serve`
//! binary itself; `on_postgres_…` runs the API over PostgreSQL (at `TEST_PG_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`), and like the store's tests, says it was skipped when
//! PostgreSQL is not reachable, except under `CI=true`, where it fails.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use planner::types::PlanResponse;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use serde_json::{Value, json};
use server::http::{AppState, app, endpoints};
use server::seed::{SeedOptions, seed};
use server::store::{Store, sqlite_url};
use sqlx::Connection;
use tempfile::TempDir;

const TODAY: &str = "2026-03-02";
const BRIEF: &str = "Reach hip-hop fans 18-24 in Brazil next month for our new energy drink, $5k";

const INDEX_HTML: &str = "<!doctype html><title>Mixtape</title><script type=module src=/app-0123456789abcdef.js>";
const HASHED_JS: &str = "/app-0123456789abcdef.js";
const JS: &str = "console.log('the app');";
/// Stands in for the brotli twin: the server sends the file as is, so any bytes do.
const JS_BR: &[u8] = b"\x1b\x16\x00brotli stand-in";

/// A server on `127.0.0.1:0` over a fresh seeded SQLite file, with its own temporary directory.
struct TestServer {
    base: String,
    client: reqwest::Client,
    store: Store,
    db_url: String,
    dir: TempDir,
}

impl TestServer {
    /// With a built app in `dist`.
    async fn start() -> TestServer {
        TestServer::start_with(true).await
    }

    async fn start_with(built_app: bool) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_url = sqlite_url(&dir.path().join("mixtape.sqlite"));
        let store = Store::connect(&db_url).await.expect("store");
        seed(&store, &SeedOptions { campaigns: 600, ..SeedOptions::default() }).await.expect("seed");
        TestServer::serve(store, db_url, dir, built_app).await
    }

    async fn serve(store: Store, db_url: String, dir: TempDir, built_app: bool) -> TestServer {
        let dist = dir.path().join("dist");
        if built_app {
            write_dist(&dist);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let router = app(AppState::new(store.clone(), Some(dist)));
        tokio::spawn(async move { axum::serve(listener, router).await });
        TestServer { base: format!("http://{addr}"), client: reqwest::Client::new(), store, db_url, dir }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client.post(self.url(path)).json(body).send().await.expect("POST")
    }

    /// `mixtape plan --json` on the same store.
    fn cli_plan(&self, messages: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_mixtape"))
            .args(["--db", &self.db_url, "plan", "--today", TODAY, "--json"])
            .args(messages)
            .env("MIXTAPE_HOME", self.dir.path())
            .output()
            .expect("mixtape runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8")
    }
}

fn write_dist(dist: &Path) {
    std::fs::create_dir_all(dist).expect("dist");
    std::fs::write(dist.join("index.html"), INDEX_HTML).expect("index.html");
    std::fs::write(dist.join(&HASHED_JS[1..]), JS).expect("js");
    std::fs::write(dist.join(format!("{}.br", &HASHED_JS[1..])), JS_BR).expect("js.br");
    std::fs::write(dist.join("robots.txt"), "User-agent: *\n").expect("robots.txt");
}

fn conversation(messages: &[&str]) -> Value {
    json!({ "today": TODAY, "messages": messages })
}

/// The answer with every trace duration zeroed: what "the same decision" compares (SPEC §3).
fn without_durations(mut response: PlanResponse) -> PlanResponse {
    for entry in &mut response.trace {
        entry.elapsed_us = 0;
    }
    response
}

/// Asserts the JSON error shape and returns the code.
async fn error_code(response: reqwest::Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status);
    let content_type = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(content_type.as_deref(), Some("application/json"));
    let body: Value = response.json().await.expect("a JSON error body");
    let message = body["error"]["message"].as_str().expect("a message");
    assert!(!message.is_empty(), "{body}");
    assert_eq!(body.as_object().map(|o| o.len()), Some(1), "only `error`: {body}");
    body["error"]["code"].as_str().expect("a code").to_owned()
}

fn ad_set_budgets(response: &Value) -> i64 {
    let ad_sets = response["plan"]["ad_sets"].as_array().expect("a plan");
    assert!(!ad_sets.is_empty());
    ad_sets.iter().map(|a| a["budget"]["micro_amount"].as_i64().expect("a budget")).sum()
}

#[tokio::test]
async fn plan_answers_exactly_like_the_cli() {
    let server = TestServer::start().await;
    let response = server.post("/api/plan", &conversation(&[BRIEF])).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    let body = response.text().await.expect("body");
    let api: PlanResponse = serde_json::from_str(&body).expect("a PlanResponse");
    // The same serializer as the CLI: pretty JSON and one trailing newline.
    assert_eq!(body, server::plan_json(&api));

    let cli = server.cli_plan(&[BRIEF]);
    let cli: PlanResponse = serde_json::from_str(&cli).expect("the CLI prints a PlanResponse");
    let (api, cli) = (without_durations(api), without_durations(cli));
    assert_eq!(server::plan_json(&api), server::plan_json(&cli));
    assert!(api.plan.is_some(), "a complete brief gets a plan");
}

#[tokio::test]
async fn a_brief_without_budget_gets_a_question_and_overrides_set_the_budget() {
    let server = TestServer::start().await;
    let messages = ["Grow our true crime podcast in the US next month"];
    let answer: Value = server.post("/api/plan", &conversation(&messages)).await.json().await.expect("JSON");
    assert_eq!(answer["missing"], json!(["budget"]));
    assert!(answer["question"].is_string(), "{answer}");
    assert!(answer["plan"].is_null());

    // The UI's budget slider: a structured edit, not a message.
    let budget = json!({"micro_amount": 8_000_000_000i64, "currency": "USD", "type": "LIFETIME"});
    let edited = json!({ "today": TODAY, "messages": messages, "overrides": { "budget": budget } });
    let response = server.post("/api/plan", &edited).await;
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(answer["brief"]["budget"], budget);
    assert_eq!(answer["missing"], json!([]));
    assert_eq!(ad_set_budgets(&answer), 8_000_000_000);

    // An edit the planner cannot apply is the caller's mistake, and says why.
    let bad = json!({ "today": TODAY, "messages": messages,
                      "overrides": { "budget": {"micro_amount": 0, "currency": "USD", "type": "LIFETIME"} } });
    assert_eq!(
        error_code(server.post("/api/plan", &bad).await, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_overrides"
    );
    let unknown = json!({ "today": TODAY, "messages": messages, "overrides": { "colour": "red" } });
    assert_eq!(error_code(server.post("/api/plan", &unknown).await, StatusCode::BAD_REQUEST).await, "invalid_json");
}

#[tokio::test]
async fn saved_plans_are_frozen_server_side_answers() {
    let server = TestServer::start().await;
    let budget = json!({"micro_amount": 7_000_000_000i64, "currency": "USD", "type": "LIFETIME"});
    let request = json!({ "today": TODAY, "messages": [BRIEF], "overrides": { "budget": budget } });
    let created = server.post("/api/plans", &request).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.expect("JSON");
    let id = created["id"].as_str().expect("an id");
    assert!(id.len() == 12 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{id}");
    assert_eq!(created["url"], format!("/p/{id}"));

    let loaded = server.get(&format!("/api/plans/{id}")).await;
    assert_eq!(loaded.status(), StatusCode::OK);
    let loaded: Value = loaded.json().await.expect("JSON");
    assert_eq!(loaded["id"], id);
    assert_eq!(loaded["today"], TODAY);
    assert_eq!(loaded["messages"], json!([BRIEF]));
    assert_eq!(loaded["overrides"], json!({ "budget": budget }));
    let created_at = loaded["created_at"].as_str().expect("created_at");
    assert!(chrono::DateTime::parse_from_rfc3339(created_at).is_ok() && created_at.ends_with('Z'), "{created_at}");

    // The snapshot is the planner's answer to that request, not something the client sent.
    let saved: PlanResponse = serde_json::from_value(loaded["response"].clone()).expect("a PlanResponse");
    let fresh: PlanResponse = server.post("/api/plan", &request).await.json().await.expect("JSON");
    assert_eq!(without_durations(saved.clone()), without_durations(fresh));
    assert_eq!(ad_set_budgets(&loaded["response"]), 7_000_000_000);
    // Loading again answers the very same snapshot, durations included.
    let again: Value = server.get(&format!("/api/plans/{id}")).await.json().await.expect("JSON");
    assert_eq!(again, loaded);

    // A well-formed id nobody saved, and ids that cannot be ids.
    assert_eq!(error_code(server.get("/api/plans/AAAAAAAAAAAA").await, StatusCode::NOT_FOUND).await, "not_found");
    assert_eq!(error_code(server.get("/api/plans/short").await, StatusCode::BAD_REQUEST).await, "invalid_request");
    assert_eq!(
        error_code(server.get("/api/plans/%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9").await, StatusCode::BAD_REQUEST).await,
        "invalid_request"
    );
}

#[tokio::test]
async fn callers_mistakes_get_typed_json_errors() {
    let server = TestServer::start().await;
    let post_raw = |body: &'static str, content_type: Option<&'static str>| {
        let mut request = server.client.post(server.url("/api/plan")).body(body);
        if let Some(content_type) = content_type {
            request = request.header(CONTENT_TYPE, content_type);
        }
        request.send()
    };
    let malformed =
        post_raw("{\"today\": \"2026-03-02\", \"messages\": [", Some("application/json")).await.expect("POST");
    assert_eq!(error_code(malformed, StatusCode::BAD_REQUEST).await, "invalid_json");
    let no_today = server.post("/api/plan", &json!({"messages": [BRIEF]})).await;
    assert_eq!(error_code(no_today, StatusCode::BAD_REQUEST).await, "invalid_json");
    let bad_date = server.post("/api/plan", &json!({"today": "2026-13-45", "messages": [BRIEF]})).await;
    assert_eq!(error_code(bad_date, StatusCode::BAD_REQUEST).await, "invalid_json");
    let not_json = post_raw("{}", Some("text/plain")).await.expect("POST");
    assert_eq!(error_code(not_json, StatusCode::UNSUPPORTED_MEDIA_TYPE).await, "unsupported_media_type");

    let empty = server.post("/api/plan", &conversation(&[])).await;
    assert_eq!(error_code(empty, StatusCode::BAD_REQUEST).await, "invalid_request");
    let many = server.post("/api/plan", &conversation(&["hello"; 51])).await;
    assert_eq!(error_code(many, StatusCode::BAD_REQUEST).await, "invalid_request");
    let long = "a".repeat(10_001);
    let response = server.post("/api/plans", &conversation(&[long.as_str()])).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("JSON");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("10001 characters") && message.contains("10000"), "{message}");

    // Over 64 KiB: refused by the body limit, in the same JSON shape.
    let huge = "a".repeat(70 * 1024);
    let response = server.post("/api/plan", &conversation(&[huge.as_str()])).await;
    assert_eq!(error_code(response, StatusCode::PAYLOAD_TOO_LARGE).await, "too_large");

    assert_eq!(error_code(server.get("/api/x").await, StatusCode::NOT_FOUND).await, "not_found");
    assert_eq!(error_code(server.get("/api/plans/abc/def").await, StatusCode::NOT_FOUND).await, "not_found");
    assert_eq!(error_code(server.get("/api").await, StatusCode::NOT_FOUND).await, "not_found");
    assert_eq!(error_code(server.get("/api/plan").await, StatusCode::METHOD_NOT_ALLOWED).await, "method_not_allowed");
}

#[tokio::test]
async fn performance_answers_the_planners_history_query() {
    let server = TestServer::start().await;
    let response = server.post("/api/performance", &json!({"countries": ["BR"], "objectives": ["REACH"]})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let answer: planner::performance::PerformanceAnswer = response.json().await.expect("a PerformanceAnswer");
    assert!(!answer.ad_sets.is_empty());
    assert!(answer.ad_sets.iter().all(|a| a.country.as_str() == "BR" && a.objective.as_str() == "REACH"));

    let too_many = json!({"countries": vec!["BR"; 61], "objectives": ["REACH"]});
    let response = server.post("/api/performance", &too_many).await;
    assert_eq!(error_code(response, StatusCode::BAD_REQUEST).await, "invalid_request");
    let unknown = json!({"countries": ["UK"], "objectives": ["REACH"]});
    let response = server.post("/api/performance", &unknown).await;
    assert_eq!(error_code(response, StatusCode::BAD_REQUEST).await, "invalid_json");
}

#[tokio::test]
async fn tools_answer_from_the_taxonomy_for_browser_resolvers() {
    let server = TestServer::start().await;
    let response = server.post("/api/tools/search_geo_targets", &json!({"query": "sao paulo"})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(answer["cities"][0]["country_code"], "BR", "{answer}");
    let response = server.post("/api/tools/search_taxonomy", &json!({"kind": "moods", "query": "calm"})).await;
    assert_eq!(error_code(response, StatusCode::BAD_REQUEST).await, "invalid_request");
    let response = server.post("/api/tools/delete_everything", &json!({"query": "x"})).await;
    assert_eq!(error_code(response, StatusCode::NOT_FOUND).await, "not_found");
}

#[tokio::test]
async fn the_built_app_is_served_with_cache_headers() {
    let server = TestServer::start().await;
    let cache_control =
        |r: &reqwest::Response| r.headers().get(CACHE_CONTROL).and_then(|v| v.to_str().ok()).map(str::to_owned);
    // The app's routes all get index.html, never cached stale.
    for path in ["/", "/p/abc", "/gallery", "/index.html", "/app-fedcba9876543210.js"] {
        let response = server.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(cache_control(&response).as_deref(), Some("no-cache"), "{path}");
        assert!(response.headers()[CONTENT_TYPE].to_str().unwrap_or_default().starts_with("text/html"), "{path}");
        assert_eq!(response.text().await.expect("body"), INDEX_HTML, "{path}");
    }
    let robots = server.get("/robots.txt").await;
    assert_eq!(cache_control(&robots).as_deref(), Some("no-cache"));

    // A hashed asset is immutable, and served as its brotli twin when the browser takes brotli.
    let plain = server.get(HASHED_JS).await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(cache_control(&plain).as_deref(), Some("public, max-age=31536000, immutable"));
    assert!(plain.headers().get(CONTENT_ENCODING).is_none());
    assert_eq!(plain.text().await.expect("body"), JS);
    let brotli =
        server.client.get(server.url(HASHED_JS)).header(ACCEPT_ENCODING, "gzip, br").send().await.expect("GET");
    assert_eq!(brotli.status(), StatusCode::OK);
    assert_eq!(brotli.headers()[CONTENT_ENCODING], "br");
    assert_eq!(brotli.headers()[VARY], "accept-encoding");
    assert_eq!(cache_control(&brotli).as_deref(), Some("public, max-age=31536000, immutable"));
    assert!(brotli.headers()[CONTENT_TYPE].to_str().unwrap_or_default().contains("javascript"));
    assert_eq!(brotli.bytes().await.expect("body").as_ref(), JS_BR);
}

#[tokio::test]
async fn without_a_built_app_the_page_says_how_to_build_it() {
    let server = TestServer::start_with(false).await;
    let response = server.get("/").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers()[CONTENT_TYPE].to_str().unwrap_or_default().starts_with("text/html"));
    let page = response.text().await.expect("body");
    assert!(page.contains("not built") && page.contains("scripts/start"), "{page}");
    // The API does not depend on the app.
    assert_eq!(server.get("/healthz").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn health_follows_the_database() {
    let server = TestServer::start().await;
    let response = server.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.expect("JSON"), json!({"status": "ok", "engine": "sqlite"}));
    server.store.close().await;
    assert_eq!(error_code(server.get("/healthz").await, StatusCode::SERVICE_UNAVAILABLE).await, "unavailable");
}

#[tokio::test]
async fn openapi_documents_every_route_served() {
    let server = TestServer::start().await;
    let response = server.get("/api/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    let doc: Value = response.json().await.expect("the document is JSON");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1.")), "{}", doc["openapi"]);

    let served: Vec<(String, String)> =
        endpoints().into_iter().map(|(method, path)| (method.as_str().to_lowercase(), path.to_owned())).collect();
    let paths = doc["paths"].as_object().expect("paths");
    let documented: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| item.as_object().into_iter().flatten().map(move |(m, _)| (m.clone(), path.clone())))
        .filter(|(method, _)| method != "parameters")
        .collect();
    for endpoint in &served {
        assert!(documented.contains(endpoint), "{endpoint:?} is served but not documented");
    }
    for endpoint in &documented {
        assert!(served.contains(endpoint), "{endpoint:?} is documented but not served");
    }
    for (method, path) in &documented {
        let operation = &doc["paths"][path][method];
        assert!(operation["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path}");
        // Served for real with that method: no route-level 404 or 405.
        let url = server.url(&path.replace("{id}", "AAAAAAAAAAAA"));
        let request = match method.as_str() {
            "get" => server.client.get(url),
            _ => server.client.post(url).json(&json!({})),
        };
        let response = request.send().await.expect("request");
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(!body.contains("no such API endpoint"), "{method} {path}: {body}");
    }

    // Every schema reference resolves.
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"").skip(1).filter_map(|rest| rest.split('"').next()) {
        let pointer = reference.strip_prefix('#').expect("a local reference");
        assert!(doc.pointer(pointer).is_some(), "{reference} does not resolve");
    }
}

/// `mixtape serve` itself: prints where it serves, answers, and stops cleanly on SIGTERM.
#[tokio::test]
async fn the_serve_command_prints_its_address_and_answers() {
    let server = TestServer::start().await;
    let dist: PathBuf = server.dir.path().join("dist");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mixtape"))
        .args(["--db", &server.db_url, "serve", "--addr", "127.0.0.1:0", "--dist"])
        .arg(&dist)
        .env("MIXTAPE_HOME", server.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("mixtape serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    });
    let line = tokio::time::timeout(Duration::from_secs(60), line).await;
    let line = match line {
        Ok(Ok(Ok(line))) => line,
        other => {
            let _ = child.kill();
            panic!("no address line: {other:?}");
        }
    };
    let url = line
        .strip_prefix("Mixtape is serving on ")
        .and_then(|rest| rest.strip_suffix("/ — open it in a browser.\n"))
        .unwrap_or_else(|| {
            let _ = child.kill();
            panic!("unexpected first line: {line:?}")
        })
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"), "{url}");
    let health = reqwest::get(format!("{url}/healthz")).await;
    let index = reqwest::get(format!("{url}/p/abc")).await;

    #[cfg(unix)]
    let stopped = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().is_ok_and(|s| s.success());
    #[cfg(not(unix))]
    let stopped = child.kill().is_ok();
    // Graceful shutdown finishes at once with nothing in flight; a server still up after 20 s is killed.
    let status = tokio::task::spawn_blocking(move || {
        for _ in 0..400 {
            if let Some(status) = child.try_wait().expect("wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        None
    })
    .await
    .expect("join");
    let health: Value = health.expect("GET /healthz").json().await.expect("JSON");
    assert_eq!(health["status"], "ok");
    assert_eq!(index.expect("GET /p/abc").text().await.expect("body"), INDEX_HTML);
    assert!(stopped);
    let status = status.expect("the server stops when asked");
    #[cfg(unix)]
    assert!(status.success(), "SIGTERM shuts the server down cleanly: {status}");
}

#[tokio::test]
async fn on_postgres_health_names_the_engine_and_plans_round_trip() {
    let admin_url =
        std::env::var("TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    sqlx::any::install_default_drivers();
    let reachable = tokio::time::timeout(Duration::from_secs(5), sqlx::AnyConnection::connect(&admin_url)).await;
    match reachable {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
        }
        outcome => {
            let why =
                outcome.map_or_else(|_| "timed out".to_owned(), |r| r.err().map(|e| e.to_string()).unwrap_or_default());
            assert!(!std::env::var("CI").is_ok_and(|v| v == "true"), "PostgreSQL not reachable at {admin_url} ({why})");
            eprintln!("skipped: PostgreSQL not reachable at {admin_url} ({why})");
            return;
        }
    }
    // A database of its own, created by the store on first use and dropped by the guard, even on failure.
    let database =
        DropDatabase { admin_url: admin_url.clone(), name: format!("mixtape_api_test_{}", std::process::id()) };
    let (scheme, rest) = admin_url.split_once("://").expect("a URL");
    let (authority, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let query = tail.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
    let url = format!("{scheme}://{authority}/{}{query}", database.name);
    let store = Store::connect(&url).await.expect("store");
    // No history: the plan answers with a question or with no ad sets, and is stored all the same.
    let server = TestServer::serve(store, url, tempfile::tempdir().expect("temp dir"), false).await;
    let health: Value = server.get("/healthz").await.json().await.expect("JSON");
    assert_eq!(health, json!({"status": "ok", "engine": "postgres"}));
    let created = server.post("/api/plans", &conversation(&[BRIEF])).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<Value>().await.expect("JSON")["id"].as_str().expect("an id").to_owned();
    let loaded = server.get(&format!("/api/plans/{id}")).await;
    assert_eq!(loaded.status(), StatusCode::OK);
    let loaded: Value = loaded.json().await.expect("JSON");
    assert_eq!((&loaded["id"], &loaded["messages"]), (&json!(id), &json!([BRIEF])));
    let saved = server.store.load_plan(&id).await.expect("load").expect("saved");
    assert_eq!(serde_json::to_value(&saved).expect("JSON"), loaded);
    server.store.close().await;
}

struct DropDatabase {
    admin_url: String,
    name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot block on async work: use a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let mut admin = sqlx::AnyConnection::connect(&admin_url).await?;
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.map(|_| ())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test database {}", self.name);
        }
    }
}
