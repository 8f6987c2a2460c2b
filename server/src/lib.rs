//! Mixtape's server side: the historical store the media planner is grounded in, the synthetic market
//! that fills it, and the HTTP server (`mixtape serve`) that answers the browser app.
//!
//! Where to start reading:
//! - [`store`]: [`store::Store`] opens the database (an embedded SQLite file by default, PostgreSQL when the
//!   URL says so), applies the migrations and answers the planner's
//!   [`PerformanceQuery`](planner::performance::PerformanceQuery).
//! - [`import`]: [`import::import_csv`] brings real campaign history (an Ads Manager style CSV export) into
//!   the store, all or nothing, idempotently and in constant memory.
//! - [`seed`]: [`seed::seed`] generates a deterministic synthetic history from a seed, calibrated to public
//!   benchmarks; [`seed::truth`] holds the market's true response model, which the planner never reads.
//! - [`http`]: [`http::app`] is the JSON API (`/api/plan`, `/api/plans`, `/api/performance`, `/healthz`,
//!   the model proxy's `/api/llm/*`) and the built web app; [`http::serve`] runs it until Ctrl-C or SIGTERM.
//! - [`llm`]: the language-model proxy — [`llm::Config::from_env`] reads which provider (none: rules
//!   only), [`llm::Proxy`] calls it (Gemini API, Vertex AI or an OpenAI-compatible server) with retries,
//!   and implements the planner's [`Model`](planner::llm::Model).
//! - [`plan_json`] and [`WallClock`] are shared by the CLI and the server, so `mixtape plan --json` and
//!   `/api/plan` answer the same conversation with the same bytes (trace durations apart).
//!
//! Every fallible function of the crate returns the one [`Error`] type below.

use std::path::PathBuf;
use std::time::Instant;

use planner::types::PlanResponse;

pub mod bench;
pub mod evaluate;
pub mod http;
pub mod import;
pub mod llm;
pub mod seed;
pub mod store;

/// Everything that can go wrong on the server side.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database refused or failed a statement, or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema migrations could not be applied.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A file or directory could not be created, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// JSON could not be written or read.
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
    /// A stored value does not fit the vocabulary or range the planner expects.
    #[error("unexpected value in the store: {0}")]
    Corrupt(String),
    /// A database URL the store cannot use.
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    /// Seeding was asked of a store that already holds history.
    #[error("the store already holds history; seeding only fills an empty store")]
    AlreadySeeded,
    /// `mixtape bench` was pointed at a store that holds history (it fills its own).
    #[error("the store already holds history; `mixtape bench` needs an empty scratch database")]
    NotEmpty,
    /// The language-model configuration cannot be used (`MIXTAPE_LLM_*`, keys, credentials files).
    #[error("language model configuration: {0}")]
    LlmConfig(#[from] llm::ConfigError),
    /// An import wrote nothing: its file has bad rows, a wrong header, or cannot be read to its end. Shown
    /// as one `line N: reason` per problem.
    #[error("{0}")]
    Import(import::ImportErrors),
    /// The HTTP server stopped on an I/O error.
    #[error("the HTTP server failed: {0}")]
    Serve(std::io::Error),
}

impl Error {
    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}

/// The answer to a conversation as `mixtape plan --json` prints it and `/api/plan` sends it: pretty JSON
/// with a trailing newline. Both call this, and it is the planner's own spelling
/// ([`PlanResponse::to_json`], which the browser app uses too), so no surface can drift from another
/// (SPEC §3).
pub fn plan_json(response: &PlanResponse) -> String {
    response.to_json()
}

/// Answers a conversation the way every native surface does (`mixtape plan`, `/api/plan`, saved plans):
/// rules first, the language model for what they leave unread when one is configured (tools answered
/// in-process), then the media planner over the store's history.
pub async fn plan_conversation(
    today: chrono::NaiveDate,
    messages: &[String],
    edits: &planner::types::Overrides,
    store: &store::Store,
    llm: Option<&llm::Proxy>,
) -> Result<planner::types::PlanResponse, planner::PlanError> {
    let assist = llm.map(|model| planner::Assist { model, tools: &planner::llm::tools::Local });
    planner::run_assisted(today, messages, edits, store, &WallClock::new(), assist).await
}

/// Trace durations from the process's monotonic clock, measured from when the clock was made.
#[derive(Clone, Copy, Debug)]
pub struct WallClock(Instant);

impl WallClock {
    /// A clock that starts now.
    pub fn new() -> Self {
        WallClock(Instant::now())
    }
}

impl Default for WallClock {
    fn default() -> Self {
        WallClock::new()
    }
}

impl planner::Clock for WallClock {
    fn now_us(&self) -> u64 {
        u64::try_from(self.0.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}
