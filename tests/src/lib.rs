//! Harness for the end-to-end tests in `tests/tests/`: the real server (`server::http::app`) on port 0 over
//! a fresh SQLite store, serving the built app from `dist/`, and Debian's Chromium driven headless through
//! chromedriver with fantoccini.
//!
//! Start with [`Stack::start`]. Without a built app or a chromedriver the tests are skipped with a message
//! locally and fail under `CI=true` (scripts/test builds the app and installs the browser first).

use std::net::{SocketAddr, TcpListener as StdListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use server::seed::{self, SeedOptions};
use server::store::{self, Store};
use tempfile::TempDir;

/// How long any one thing may take to appear before a test fails.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Where tests leave artifacts (screenshots, figures): `target/e2e`.
pub fn artifacts() -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
        .join("e2e");
    std::fs::create_dir_all(&dir).expect("artifact directory");
    dir
}

/// Skips (returns `None`) when something the browser tests need is missing; fails under `CI=true`.
fn require<T>(what: Option<T>, why: &str) -> Option<T> {
    if what.is_none() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("skipped: {why}");
    }
    what
}

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(program)).find(|p| p.is_file())
}

/// The server, the browser and the scratch directories of one test.
pub struct Stack {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The WebDriver session.
    pub browser: Client,
    /// Where the browser saves downloads.
    pub downloads: TempDir,
    driver: Child,
    _home: TempDir,
    _profile: TempDir,
}

impl Stack {
    /// Starts the server on a fresh seeded store and a headless Chromium; `None` when the app is not built
    /// or chromedriver is missing (outside CI).
    pub async fn start() -> Option<Stack> {
        Stack::start_with(None).await
    }

    /// [`Stack::start`], with the server's language-model proxy configured.
    pub async fn start_with(llm: Option<server::llm::Config>) -> Option<Stack> {
        let dist = workspace_root().join("dist");
        let dist = require(
            dist.join("index.html").is_file().then_some(dist),
            "the web app is not built (dist/index.html is missing): scripts/test builds it with Trunk",
        )?;
        let chromedriver =
            require(on_path("chromedriver"), "chromedriver is not installed: scripts/test installs chromium-driver")?;

        let home = tempfile::tempdir().expect("temp dir");
        let store = Store::connect(&store::sqlite_url(&home.path().join("e2e.sqlite"))).await.expect("store");
        seed::seed(&store, &SeedOptions { campaigns: 2_000, ..SeedOptions::default() }).await.expect("seeded");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port");
        let addr = listener.local_addr().expect("address");
        let mut state = server::http::AppState::new(store, Some(dist));
        if let Some(config) = llm {
            state = state.with_llm(std::sync::Arc::new(server::llm::Proxy::new(config).expect("a proxy")));
        }
        tokio::spawn(server::http::serve(listener, state));

        let port = StdListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        // Its own process group, so that a failed test can stop Chromium with it (see `Drop`).
        let driver = Command::new(chromedriver)
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let started = Instant::now();
        while TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port))).is_err() {
            assert!(started.elapsed() < PATIENCE, "chromedriver did not listen on {port}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().expect("temp dir");
        let downloads = tempfile::tempdir().expect("temp dir");
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": on_path("chromium").unwrap_or_else(|| PathBuf::from("/usr/bin/chromium")),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
                    "--disable-extensions", "--disable-sync", "--no-first-run", "--no-default-browser-check",
                    "--metrics-recording-only", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                "prefs": {
                    "download.default_directory": downloads.path(),
                    "download.prompt_for_download": false,
                },
            },
        });
        let Value::Object(capabilities) = capabilities else { unreachable!("an object literal") };
        // A chromedriver that has just bound its port may still reset the first request on a busy machine:
        // try again until it answers.
        let browser = loop {
            let attempt = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await;
            match attempt {
                Ok(browser) => break browser,
                Err(e) if started.elapsed() < PATIENCE => {
                    eprintln!("WebDriver session not yet available ({e}); retrying");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => panic!("a WebDriver session: {e}"),
            }
        };
        Some(Stack { base: format!("http://{addr}"), browser, downloads, driver, _home: home, _profile: profile })
    }

    /// Opens a path of the app and waits until it has mounted; answers how long that took (ms since
    /// navigation started, as the app measured it).
    pub async fn open(&self, path: &str) -> f64 {
        self.browser.goto(&format!("{}{path}", self.base)).await.expect("page loads");
        self.wait_for("body[data-ready]").await;
        let ready = self.js("return document.body.dataset.ready", vec![]).await;
        ready.as_str().and_then(|s| s.parse().ok()).expect("a load time")
    }

    /// Waits for an element.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.browser
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("`{css}` did not appear: {e}"))
    }

    /// Waits until a script returns `true`.
    pub async fn wait_until(&self, what: &str, script: &str) {
        let started = Instant::now();
        while self.js(script, vec![]).await != Value::Bool(true) {
            assert!(started.elapsed() < PATIENCE, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Runs a script in the page.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.browser.execute(script, args).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// The server's answer to the same conversation, from `POST /api/plan`, as it sent it.
    pub async fn api_plan(&self, today: &str, messages: &[Value]) -> String {
        let body = json!({"today": today, "messages": messages});
        let response = reqwest::Client::new().post(format!("{}/api/plan", self.base)).json(&body).send().await;
        response.expect("the API answers").text().await.expect("a body")
    }

    /// Waits until the planner's answer on the page contains `text`.
    pub async fn wait_for_answer_with(&self, text: &str) {
        let started = Instant::now();
        while !self.plan_json().await.contains(text) {
            assert!(started.elapsed() < PATIENCE, "the answer never contained {text}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The number of elements matching a selector.
    pub async fn count(&self, css: &str) -> usize {
        let n = self.js("return document.querySelectorAll(arguments[0]).length", vec![json!(css)]).await;
        n.as_u64().unwrap_or(0) as usize
    }

    /// The planner's answer the page shows, as `mixtape plan --json` prints it.
    pub async fn plan_json(&self) -> String {
        let text =
            self.js("const e = document.getElementById('plan-json'); return e ? e.textContent : null", vec![]).await;
        text.as_str().map(str::to_owned).expect("the page shows a planner answer")
    }

    /// Ends the browser session; dropping the stack then stops chromedriver.
    pub async fn close(self) {
        let _ = self.browser.clone().close().await;
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        // After a panic the session was never closed: stop chromedriver's whole group, browser included.
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The thought signature the fake model puts on its tool calls.
pub const SIGNATURE: &str = "c2lnbmF0dXJl+/opaque==";

/// A fake Gemini API on loopback that answers every resolver's prompt from `answers` (matched on a phrase
/// of the prompt, e.g. "the GOAL"), `{}` otherwise. For the goal it first calls `search_ad_categories`
/// with a thought signature, and answers only when the next request brings that signature back unchanged
/// (else it answers `{}`). Returns the config that points the proxy at it.
pub async fn fake_model(answers: &'static [(&'static str, &'static str)]) -> server::llm::Config {
    use axum::Json;
    let reply = move |Json(request): Json<Value>| async move {
        let system = request["systemInstruction"]["parts"][0]["text"].as_str().unwrap_or_default().to_owned();
        let contents = request["contents"].as_array().cloned().unwrap_or_default();
        let answer = answers.iter().find(|(phrase, _)| system.contains(phrase)).map_or("{}", |(_, a)| a);
        let parts = if system.contains("the GOAL") && contents.len() == 1 {
            json!([{"functionCall": {"name": "search_ad_categories", "args": {"query": "iced tea"}}, "thoughtSignature": SIGNATURE}])
        } else if system.contains("the GOAL") && contents[1]["parts"][0]["thoughtSignature"] != SIGNATURE {
            json!([{"text": "{}"}])
        } else {
            json!([{"text": answer}])
        };
        Json(json!({
            "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1},
            "modelVersion": "fake-model",
        }))
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let app = axum::Router::new().fallback(axum::routing::post(reply));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let vars = [
        ("MIXTAPE_LLM_PROVIDER", "gemini".to_owned()),
        ("MIXTAPE_LLM_MODEL", "fake-model".to_owned()),
        ("GEMINI_API_KEY", "e2e-fake-key".to_owned()),
        ("MIXTAPE_LLM_BASE_URL", base),
    ];
    let var = |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
    server::llm::Config::from_vars(var).expect("a valid config").expect("a provider")
}

/// The planner's answer, byte for byte, with every trace duration replaced by 0: durations are the one part
/// of the answer that may differ between surfaces (SPEC §3).
pub fn without_durations(json: &str) -> String {
    const KEY: &str = "\"elapsed_us\": ";
    let mut out = String::with_capacity(json.len());
    let mut rest = json;
    while let Some(at) = rest.find(KEY) {
        out.push_str(&rest[..at + KEY.len()]);
        out.push('0');
        rest = rest[at + KEY.len()..].trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_durations_are_zeroed() {
        let json = "{\n  \"elapsed_us\": 41,\n  \"micro_amount\": 7,\n  \"elapsed_us\": 0\n}";
        assert_eq!(
            super::without_durations(json),
            "{\n  \"elapsed_us\": 0,\n  \"micro_amount\": 7,\n  \"elapsed_us\": 0\n}"
        );
    }
}
