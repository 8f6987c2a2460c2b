//! All of the app's HTTP, in one place: the history the planner reads (`/api/performance`, cached for the
//! session), the language model behind the server's proxy and the tools that ground it (`/api/llm/*`,
//! `/api/tools/*`), and saving and loading shared plans (`/api/plans`). Everything else runs in the browser.
//!
//! Errors from the server arrive as `{"error": {"code", "message"}}`; [`ApiError`] carries the message.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;
use gloo_net::http::{Request, Response};
use planner::llm::assist::Slot;
use planner::llm::tools::Tools;
use planner::llm::{Model, ModelError, ModelRequest, ModelResponse};
use planner::performance::{PerformanceAnswer, PerformanceQuery, PerformanceSource, SourceError};
use planner::types::{Overrides, PlanResponse};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Why a request failed, in words for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError(pub String);

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<gloo_net::Error> for ApiError {
    fn from(e: gloo_net::Error) -> Self {
        ApiError(format!("the server could not be reached ({e})"))
    }
}

thread_local! {
    /// History answers by query, for the page's lifetime: once a brief's markets and objectives have been
    /// fetched, re-planning (slider, chip edits) never leaves the browser.
    static HISTORY: RefCell<HashMap<String, PerformanceAnswer>> = RefCell::default();
}

/// The planner's [`PerformanceSource`] in the browser: `/api/performance`, cached per query.
#[derive(Clone, Copy, Debug, Default)]
pub struct History;

impl PerformanceSource for History {
    async fn fetch(&self, query: &PerformanceQuery) -> Result<PerformanceAnswer, SourceError> {
        let key = serde_json::to_string(query).map_err(|e| SourceError(e.to_string()))?;
        if let Some(answer) = HISTORY.with(|cache| cache.borrow().get(&key).cloned()) {
            return Ok(answer);
        }
        let answer: PerformanceAnswer =
            post("/api/performance", query).await.map_err(|ApiError(message)| SourceError(message))?;
        HISTORY.with(|cache| cache.borrow_mut().insert(key, answer.clone()));
        Ok(answer)
    }
}

/// What the server needs to plan a conversation (the body of `/api/plan` and `/api/plans`).
#[derive(Clone, Debug, Serialize)]
pub struct Conversation<'a> {
    /// The reference date.
    pub today: NaiveDate,
    /// The user's turns.
    pub messages: &'a [String],
    /// The UI's edits.
    pub overrides: &'a Overrides,
}

/// Where a saved plan can be opened.
#[derive(Clone, Debug, Deserialize)]
pub struct Saved {
    /// The plan's id.
    pub id: String,
    /// Its read-only page, `/p/<id>`.
    pub url: String,
}

/// A plan saved on the server: a frozen snapshot of the conversation and the planner's answer.
#[derive(Clone, Debug, Deserialize)]
pub struct SavedPlan {
    /// The plan's id.
    pub id: String,
    /// When it was saved (RFC 3339).
    pub created_at: String,
    /// The conversation's reference date.
    pub today: NaiveDate,
    /// The user's turns.
    pub messages: Vec<String>,
    /// The UI's edits.
    #[serde(default)]
    pub overrides: Overrides,
    /// The planner's answer at the time.
    pub response: PlanResponse,
}

/// Saves the conversation's plan on the server (which re-plans it, so a shared plan is real planner output).
pub async fn save_plan(conversation: &Conversation<'_>) -> Result<Saved, ApiError> {
    post("/api/plans", conversation).await
}

/// Loads a saved plan.
pub async fn load_plan(id: &str) -> Result<SavedPlan, ApiError> {
    let encoded = js_sys::encode_uri_component(id);
    read(Request::get(&format!("/api/plans/{encoded}")).send().await?).await
}

async fn post<B: Serialize, T: DeserializeOwned>(url: &str, body: &B) -> Result<T, ApiError> {
    let request = Request::post(url).json(body).map_err(|e| ApiError(format!("could not encode the request: {e}")))?;
    read(request.send().await?).await
}

/// The JSON body of a successful response, or the server's error message.
async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if response.ok() {
        return response.json().await.map_err(|e| ApiError(format!("the server's answer was not understood ({e})")));
    }
    #[derive(Deserialize)]
    struct Body {
        error: Detail,
    }
    #[derive(Deserialize)]
    struct Detail {
        message: String,
    }
    let status = response.status();
    Err(match response.json::<Body>().await {
        Ok(body) => ApiError(body.error.message),
        Err(_) => ApiError(format!("the server answered {status}")),
    })
}

/// The language model the server's proxy is configured with (never its key).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct LlmStatus {
    /// Whether a provider is configured.
    #[serde(default)]
    pub configured: bool,
    /// `gemini`, `vertex` or `openai`.
    #[serde(default)]
    pub provider: Option<String>,
    /// The model's name.
    #[serde(default)]
    pub model: Option<String>,
}

/// Which model the server offers; rules only when it offers none or cannot be asked.
pub async fn llm_status() -> LlmStatus {
    match Request::get("/api/llm/status").send().await {
        Ok(response) => read(response).await.unwrap_or_default(),
        Err(_) => LlmStatus::default(),
    }
}

/// The model behind the server's proxy. Calls `on_progress` with the resolvers waiting on it, as calls
/// start and finish, so the page can show what is in flight.
pub struct ProxyModel<F: Fn(Vec<&'static str>)> {
    waiting: RefCell<Vec<&'static str>>,
    on_progress: F,
}

impl<F: Fn(Vec<&'static str>)> ProxyModel<F> {
    /// A proxy model reporting progress to `on_progress`.
    pub fn new(on_progress: F) -> Self {
        ProxyModel { waiting: RefCell::default(), on_progress }
    }

    fn report(&self, change: impl FnOnce(&mut Vec<&'static str>)) {
        let now = {
            let mut waiting = self.waiting.borrow_mut();
            change(&mut waiting);
            waiting.clone()
        };
        (self.on_progress)(now);
    }
}

thread_local! {
    /// Model answers by request, for the page's lifetime: re-planning after a slider move or a chip edit
    /// asks the same questions, and must neither wait nor pay for them again (nor get a different answer).
    static ANSWERS: RefCell<HashMap<String, ModelResponse>> = RefCell::default();
}

impl<F: Fn(Vec<&'static str>)> Model for ProxyModel<F> {
    async fn generate(&self, request: &ModelRequest) -> Result<ModelResponse, ModelError> {
        let key = serde_json::to_string(request).map_err(|e| ModelError(e.to_string()))?;
        if let Some(answer) = ANSWERS.with(|cache| cache.borrow().get(&key).cloned()) {
            return Ok(answer);
        }
        let agent = Slot::for_prompt(&request.system).map_or("model", Slot::name);
        self.report(|w| w.push(agent));
        let answer: Result<ModelResponse, ModelError> =
            post("/api/llm/generate", request).await.map_err(|ApiError(message)| ModelError(message));
        if let Ok(answer) = &answer {
            ANSWERS.with(|cache| cache.borrow_mut().insert(key, answer.clone()));
        }
        self.report(|w| {
            if let Some(i) = w.iter().position(|a| *a == agent) {
                w.remove(i);
            }
        });
        answer
    }
}

/// The model's tools, served by the server (`/api/tools/{name}`).
#[derive(Clone, Copy, Debug, Default)]
pub struct ServerTools;

impl Tools for ServerTools {
    async fn call(&self, name: &str, args: &serde_json::Value) -> Result<serde_json::Value, ModelError> {
        let url = format!("/api/tools/{}", js_sys::encode_uri_component(name));
        post(&url, args).await.map_err(|ApiError(message)| ModelError(message))
    }
}
