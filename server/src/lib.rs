//! Mixtape's server side: the historical store the media planner is grounded in, and the synthetic market
//! that fills it.
//!
//! Where to start reading:
//! - [`store`]: [`store::Store`] opens the database (an embedded SQLite file by default, PostgreSQL when the
//!   URL says so), applies the migrations and answers the planner's
//!   [`PerformanceQuery`](planner::performance::PerformanceQuery).
//! - [`seed`]: [`seed::seed`] generates a deterministic synthetic history from a seed, calibrated to public
//!   benchmarks; [`seed::truth`] holds the market's true response model, which the planner never reads.
//!
//! Every fallible function of the crate returns the one [`Error`] type below.

use std::path::PathBuf;

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
}

impl Error {
    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}
