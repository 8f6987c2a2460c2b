//! The JSON API's handlers, one per endpoint of [`super::routes`]; `openapi.json` beside this file
//! documents them for callers.
//!
//! `/api/plan` and `/api/plans` run the same planner as `mixtape plan` (`crate::plan_conversation`, over the
//! store, timed by a [`crate::WallClock`]), so a saved plan is always real planner output, never JSON a client
//! sent. `/api/performance` is the planner's `PerformanceSource` for the browser app.

use std::time::Duration;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use planner::performance::{PerformanceAnswer, PerformanceQuery};
use planner::types::{Overrides, PlanResponse};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, Json};
use crate::store::{Engine, PLAN_ID_LEN, SavedPlan, is_plan_id};
use crate::{plan_conversation, plan_json};

/// The OpenAPI 3.1 document served at `/api/openapi.json`.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

/// At most this many messages in one conversation.
pub const MAX_MESSAGES: usize = 50;
/// At most this many countries in one performance query (there are 29 markets; duplicates are refused
/// past this rather than sent to the database).
pub const MAX_QUERY_COUNTRIES: usize = 60;
/// At most this many objectives in one performance query.
pub const MAX_QUERY_OBJECTIVES: usize = 30;

/// How long the health check waits for the database.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(3);

/// The body of `POST /api/plan` and `POST /api/plans`: one conversation, as `mixtape plan` takes it, plus
/// the UI's structured edits of the brief.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Conversation {
    today: NaiveDate,
    messages: Vec<String>,
    /// Absent and `null` both mean no edits.
    #[serde(default)]
    overrides: Option<Overrides>,
}

impl Conversation {
    fn overrides(&self) -> Overrides {
        self.overrides.clone().unwrap_or_default()
    }
}

/// `GET /healthz`: whether the database answers.
pub(crate) async fn healthz(State(state): State<AppState>) -> Result<Response, ApiError> {
    let ping = sqlx::query("SELECT 1").fetch_one(state.store.pool());
    match tokio::time::timeout(HEALTH_TIMEOUT, ping).await {
        Ok(Ok(_)) => {
            let engine = match state.store.engine() {
                Engine::Sqlite => "sqlite",
                Engine::Postgres => "postgres",
            };
            Ok(axum::Json(serde_json::json!({ "status": "ok", "engine": engine })).into_response())
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: the database failed");
            Err(ApiError::Unavailable)
        }
        Err(_) => {
            tracing::warn!("health check: the database did not answer within {HEALTH_TIMEOUT:?}");
            Err(ApiError::Unavailable)
        }
    }
}

/// `GET /api/openapi.json`.
pub(crate) async fn openapi() -> Response {
    ([(CONTENT_TYPE, "application/json")], OPENAPI_JSON).into_response()
}

/// `POST /api/performance`: the history the planner reads for a query.
pub(crate) async fn performance(
    State(state): State<AppState>,
    Json(query): Json<PerformanceQuery>,
) -> Result<axum::Json<PerformanceAnswer>, ApiError> {
    if query.countries.len() > MAX_QUERY_COUNTRIES || query.objectives.len() > MAX_QUERY_OBJECTIVES {
        return Err(ApiError::InvalidRequest(format!(
            "a query names at most {MAX_QUERY_COUNTRIES} countries and {MAX_QUERY_OBJECTIVES} objectives \
             (got {} and {})",
            query.countries.len(),
            query.objectives.len()
        )));
    }
    Ok(axum::Json(state.store.performance(&query).await?))
}

/// What `POST /api/cache/refresh` answers.
#[derive(Debug, Serialize)]
pub(crate) struct CacheRefreshed {
    /// History answers this server held and has forgotten.
    cleared: usize,
}

/// `POST /api/cache/refresh`: forget the cached history answers, so the next plans read the database (after
/// an import by another process or replica). Cheap and harmless, hence open like the rest of the API.
pub(crate) async fn refresh_cache(State(state): State<AppState>) -> axum::Json<CacheRefreshed> {
    axum::Json(CacheRefreshed { cleared: state.store.refresh_cache() })
}

/// `POST /api/plan`: the answer to a conversation, byte for byte what `mixtape plan --json` prints.
pub(crate) async fn plan(
    State(state): State<AppState>,
    Json(conversation): Json<Conversation>,
) -> Result<Response, ApiError> {
    let response = answer(&state, &conversation).await?;
    Ok(([(CONTENT_TYPE, "application/json")], plan_json(&response)).into_response())
}

/// The body of `201 Created` from `POST /api/plans`.
#[derive(Serialize)]
struct Created {
    id: String,
    url: String,
}

/// `POST /api/plans`: plans the conversation and saves the answer as a frozen snapshot.
pub(crate) async fn save_plan(
    State(state): State<AppState>,
    Json(conversation): Json<Conversation>,
) -> Result<Response, ApiError> {
    let response = answer(&state, &conversation).await?;
    let saved =
        state.store.save_plan(conversation.today, &conversation.messages, &conversation.overrides(), &response).await?;
    let location = format!("/api/plans/{}", saved.id);
    let created = Created { url: format!("/p/{}", saved.id), id: saved.id };
    Ok((StatusCode::CREATED, [(LOCATION, location)], axum::Json(created)).into_response())
}

/// `GET /api/plans/{id}`: a saved snapshot.
pub(crate) async fn load_plan(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<axum::Json<SavedPlan>, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::InvalidRequest(e.body_text()))?;
    if !is_plan_id(&id) {
        return Err(ApiError::InvalidRequest(format!(
            "`{id}` is not a plan id: ids are {PLAN_ID_LEN} letters, digits, `-` or `_`"
        )));
    }
    match state.store.load_plan(&id).await? {
        Some(saved) => Ok(axum::Json(saved)),
        None => Err(ApiError::NotFound(format!("there is no saved plan `{id}`"))),
    }
}

/// Any other `/api/…` path.
pub(crate) async fn not_found() -> ApiError {
    ApiError::NotFound("there is no such API endpoint; see /api/openapi.json".to_owned())
}

/// A known path asked with a method it does not answer.
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// Checks a conversation and runs the planner on it.
///
/// The planner's future is awaited right here, on the runtime's worker: it is `Send` (the compiler sees
/// through `Store`'s `PerformanceSource::fetch` to the sqlx future behind it, which is `Send`) and a plan
/// takes milliseconds of CPU, short enough not to need `spawn_blocking`.
async fn answer(state: &AppState, conversation: &Conversation) -> Result<PlanResponse, ApiError> {
    let messages = &conversation.messages;
    if messages.len() > MAX_MESSAGES {
        return Err(ApiError::InvalidRequest(format!(
            "a conversation has at most {MAX_MESSAGES} messages (got {})",
            messages.len()
        )));
    }
    // Refuse oversized or empty input before any I/O, with the same message as the CLI.
    planner::check_messages(messages)?;
    let edits = conversation.overrides();
    Ok(plan_conversation(conversation.today, messages, &edits, &state.store, state.llm.as_deref()).await?)
}

/// `POST /api/tools/{name}`: one of the tools that ground the model's answers (`planner::llm::tools`),
/// for resolvers that run in the browser. The body is the call's arguments.
pub(crate) async fn tool(
    name: Result<Path<String>, PathRejection>,
    Json(args): Json<serde_json::Value>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let Path(name) = name.map_err(|e| ApiError::InvalidRequest(e.body_text()))?;
    if !planner::llm::tools::NAMES.contains(&name.as_str()) {
        return Err(ApiError::NotFound(format!("there is no tool `{name}`")));
    }
    planner::llm::tools::call(&name, &args).map(axum::Json).map_err(ApiError::InvalidRequest)
}
