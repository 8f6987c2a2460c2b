//! The synthetic market: a deterministic history of campaigns, ad sets and daily delivery generated from
//! a seed, so that `mixtape plan` has evidence to plan with on a fresh clone.
//!
//! Where to start reading: [`seed`] (or [`ensure_seeded`], which the CLI calls before planning). What was
//! booked comes from `history.rs`; what it delivered comes from the market's true response model in
//! [`truth`], whose parameters can be written to a JSON file the planner never reads. [`rules`] holds the
//! Ads API's format/placement/objective rules that every generated ad set obeys.
//!
//! Seeding is one transaction: a store is either fully seeded or untouched, and a store that already
//! holds history is never seeded again.

mod export;
mod history;
pub mod rules;
mod sampling;
pub mod truth;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::Error;
use crate::store::Store;
pub use export::export_csv;
use history::Generator;
use truth::Truth;

/// The seed `mixtape plan` uses when it seeds a fresh store.
pub const DEFAULT_SEED: u64 = 42;

/// The number of campaigns `mixtape plan` seeds a fresh store with.
pub const DEFAULT_CAMPAIGNS: u32 = 5_000;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedOptions {
    /// Everything generated follows from this number.
    pub seed: u64,
    /// How many campaigns (each with 1–4 ad sets). The first 270 cover every market and valid
    /// format/placement/objective combination.
    pub campaigns: u32,
    /// Where to write the market's true parameters as JSON, if anywhere.
    pub truth_path: Option<PathBuf>,
}

impl Default for SeedOptions {
    fn default() -> Self {
        SeedOptions { seed: DEFAULT_SEED, campaigns: DEFAULT_CAMPAIGNS, truth_path: None }
    }
}

/// What a seed wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedReport {
    /// The seed used.
    pub seed: u64,
    /// Campaigns written.
    pub campaigns: u64,
    /// Ad sets written.
    pub ad_sets: u64,
    /// Daily delivery rows written.
    pub delivery_rows: u64,
    /// Where the truth was written, if asked.
    pub truth_path: Option<PathBuf>,
    /// Wall time, generation and writing together.
    pub elapsed: Duration,
}

/// Fills an empty store with synthetic history, in one transaction. Fails with [`Error::AlreadySeeded`]
/// (and changes nothing) when the store already holds history or another process seeded it meanwhile.
pub async fn seed(store: &Store, options: &SeedOptions) -> Result<SeedReport, Error> {
    let started = Instant::now();
    let mut writer = store.writer().await?;
    writer.claim_seed(options.seed, options.campaigns).await?;

    let truth = Truth::calibrated(options.seed);
    if let Some(path) = &options.truth_path {
        write_truth(&truth, path)?;
    }
    let mut generator = Generator::new(&truth, options.seed);
    for _ in 0..options.campaigns {
        writer.push(generator.next_campaign()).await?;
    }
    let written = writer.commit().await?;

    Ok(SeedReport {
        seed: options.seed,
        campaigns: written.campaigns,
        ad_sets: written.ad_sets,
        delivery_rows: written.delivery_rows,
        truth_path: options.truth_path.clone(),
        elapsed: started.elapsed(),
    })
}

/// Seeds the store if it holds no history; `None` when there was nothing to do, including when another
/// process seeded it first.
pub async fn ensure_seeded(store: &Store, options: &SeedOptions) -> Result<Option<SeedReport>, Error> {
    if !store.is_empty().await? {
        return Ok(None);
    }
    match seed(store, options).await {
        Err(Error::AlreadySeeded) => Ok(None),
        other => other.map(Some),
    }
}

/// Writes the truth as pretty JSON, through a temporary file so a reader never sees half of it.
fn write_truth(truth: &Truth, path: &Path) -> Result<(), Error> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let json = serde_json::to_vec_pretty(truth)?;
    let partial = path.with_extension("json.partial");
    std::fs::write(&partial, json).map_err(|e| Error::io(&partial, e))?;
    std::fs::rename(&partial, path).map_err(|e| Error::io(path, e))
}
