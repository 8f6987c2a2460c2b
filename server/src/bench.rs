//! `mixtape bench`: what this store does on this machine, at the size of history an operator cares about.
//! It writes the synthetic market as an Ads Manager export of about `rows` delivery rows, imports it (the
//! path real history takes), then times the planner's history queries, read from the database and from the
//! in-process cache. `docs/scaling.md` reads its figures: they tell when one node is no longer enough.
//!
//! Where to start reading: [`run`]. The queries are what plans ask ([`plan_queries`]): one market or four,
//! each with an objective and `EVEN_IMPRESSION_DELIVERY`, across every market and objective.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use planner::performance::PerformanceQuery;
use planner::plan::with_neighbours;
use planner::types::{Country, Objective};
use serde::Serialize;

use crate::Error;
use crate::import::{ImportOptions, import_csv};
use crate::seed::{self, SeedOptions};
use crate::store::{Engine, Store};

/// Delivery rows per synthetic campaign, on average (1–4 ad sets of a few weeks each).
const ROWS_PER_CAMPAIGN: u64 = 46;

/// Distinct queries timed from the cache: fewer than it holds (`store::cache`), so each is a hit.
const CACHED_QUERIES: usize = 200;

/// What to measure.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// About how many delivery rows to import.
    pub rows: u64,
    /// How many timed history queries of each kind.
    pub queries: usize,
    /// Where the generated export is written (and removed afterwards).
    pub dir: PathBuf,
}

/// The figures, as `mixtape bench --json` prints them.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    /// `sqlite` or `postgres`.
    pub engine: &'static str,
    /// Delivery rows imported.
    pub rows: u64,
    /// Size of the generated export.
    pub csv_bytes: u64,
    /// Import wall time, seconds.
    pub import_seconds: f64,
    /// Delivery rows imported per second.
    pub import_rows_per_second: f64,
    /// Ad sets in the store afterwards.
    pub ad_sets: u64,
    /// One plan's history for one market, read from the database.
    pub one_market: Latency,
    /// One plan's history for four markets, read from the database.
    pub four_markets: Latency,
    /// Either, answered by the in-process cache.
    pub cached: Latency,
}

/// Latency percentiles of one kind of query, in milliseconds, and how many ad sets an answer held.
#[derive(Clone, Debug, Serialize)]
pub struct Latency {
    /// Timed queries.
    pub queries: usize,
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
    /// Mean ad sets per answer.
    pub mean_ad_sets: f64,
}

/// Generates, imports and times, on an empty store (it refuses one that holds history: point it at a
/// scratch database).
pub async fn run(store: &Store, options: &BenchOptions) -> Result<BenchReport, Error> {
    if !store.is_empty().await? {
        return Err(Error::NotEmpty);
    }
    let csv = options.dir.join(format!("mixtape-bench-{}.csv", std::process::id()));
    let campaigns = u32::try_from(options.rows.div_ceil(ROWS_PER_CAMPAIGN).max(1)).unwrap_or(u32::MAX);
    let seed_options = SeedOptions { seed: seed::DEFAULT_SEED, campaigns, truth_path: None };
    let outcome = async {
        seed::export_csv(&seed_options, &csv)?;
        let csv_bytes = std::fs::metadata(&csv).map_err(|e| Error::io(&csv, e))?.len();
        let started = Instant::now();
        let imported = import_csv(store, &csv, &ImportOptions::default()).await?;
        let import_seconds = started.elapsed().as_secs_f64();
        Ok::<_, Error>((csv_bytes, imported.imported, import_seconds))
    }
    .await;
    // The export is scratch whatever happened; a failure to remove it matters less than the outcome.
    let _ = std::fs::remove_file(&csv);
    let (csv_bytes, rows, import_seconds) = outcome?;

    let (one, four) = plan_queries();
    let one_market = time_queries(store, &one, options.queries, Read::Database).await?;
    let four_markets = time_queries(store, &four, options.queries, Read::Database).await?;
    // As many distinct queries as the cache holds at once, half of each kind.
    let held: Vec<PerformanceQuery> =
        one.into_iter().take(CACHED_QUERIES / 2).chain(four.into_iter().take(CACHED_QUERIES / 2)).collect();
    for query in &held {
        store.performance(query).await?;
    }
    let cached = time_queries(store, &held, options.queries, Read::Cache).await?;

    Ok(BenchReport {
        engine: match store.engine() {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        },
        rows,
        csv_bytes,
        import_seconds,
        import_rows_per_second: rows as f64 / import_seconds.max(f64::EPSILON),
        ad_sets: store.counts().await?.ad_sets,
        one_market,
        four_markets,
        cached,
    })
}

impl BenchReport {
    /// The figures as a small table, as `mixtape bench` prints them.
    pub fn to_table(&self) -> String {
        let mut out = format!(
            "{}: {} delivery rows, {} ad sets (export of {:.0} MB)\n\
             import: {:.1} s, {:.0} rows/s\n\
             {:<24}{:>9}{:>9}{:>9}{:>9}{:>10}\n",
            self.engine,
            self.rows,
            self.ad_sets,
            self.csv_bytes as f64 / 1e6,
            self.import_seconds,
            self.import_rows_per_second,
            "history query (ms)",
            "p50",
            "p95",
            "p99",
            "max",
            "ad sets",
        );
        for (name, l) in
            [("one market", &self.one_market), ("four markets", &self.four_markets), ("cached", &self.cached)]
        {
            out += &format!(
                "{name:<24}{:>9.2}{:>9.2}{:>9.2}{:>9.2}{:>10.0}\n",
                l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms, l.mean_ad_sets
            );
        }
        out
    }
}

/// What plans ask: each market with each objective (and `EVEN_IMPRESSION_DELIVERY`, which every plan
/// reads too), alone and with the next three markets — each with its neighbours, as plans read them.
pub fn plan_queries() -> (Vec<PerformanceQuery>, Vec<PerformanceQuery>) {
    let mut one = Vec::new();
    let mut four = Vec::new();
    for (i, country) in Country::ALL.iter().enumerate() {
        for objective in Objective::ALL {
            let mut objectives = vec![*objective, Objective::EvenImpressionDelivery];
            objectives.sort();
            objectives.dedup();
            one.push(PerformanceQuery { countries: with_neighbours(&[*country]), objectives: objectives.clone() });
            let countries: Vec<Country> = (0..4).map(|k| Country::ALL[(i + k) % Country::ALL.len()]).collect();
            four.push(PerformanceQuery { countries: with_neighbours(&countries), objectives });
        }
    }
    (one, four)
}

/// Where a timed query is answered from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Read {
    Database,
    Cache,
}

/// Runs `count` queries, cycling through `queries`, and summarises their latencies.
async fn time_queries(store: &Store, queries: &[PerformanceQuery], count: usize, read: Read) -> Result<Latency, Error> {
    let mut times = Vec::with_capacity(count);
    let mut ad_sets = 0usize;
    for query in queries.iter().cycle().take(count) {
        let started = Instant::now();
        let answer = match read {
            Read::Database => store.read_performance(query).await?,
            Read::Cache => store.performance(query).await?,
        };
        times.push(started.elapsed());
        ad_sets += answer.ad_sets.len();
    }
    times.sort();
    let at = |p: f64| -> f64 {
        let i = ((times.len() as f64 * p).ceil() as usize).clamp(1, times.len().max(1)) - 1;
        times.get(i).copied().unwrap_or(Duration::ZERO).as_secs_f64() * 1000.0
    };
    Ok(Latency {
        queries: times.len(),
        p50_ms: at(0.50),
        p95_ms: at(0.95),
        p99_ms: at(0.99),
        max_ms: at(1.0),
        mean_ad_sets: ad_sets as f64 / times.len().max(1) as f64,
    })
}
