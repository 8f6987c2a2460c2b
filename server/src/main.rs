//! `mixtape`: the command line. `plan` answers a conversation exactly as SPEC §3 describes, `seed` fills the
//! historical store with the synthetic market (or writes it as a CSV export), `import` brings an Ads Manager
//! export into the store ([`server::import`]), `serve` runs the JSON API and the web app
//! ([`server::http`]), `bench` measures a store ([`server::bench`]), `evaluate` measures plan quality in
//! the synthetic market ([`server::evaluate`]). Errors are one line on stderr and a non-zero exit.
//!
//! `plan` and `serve` read the language-model configuration (`MIXTAPE_LLM_*`, see `docs/llm.md`) the same
//! way, through [`language_model`]: an invalid one stops them before anything else; none means rules only.

mod table;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use server::bench;
use server::http::AppState;
use server::import::{self, ImportOptions};
use server::llm::{self, Proxy};
use server::seed::{self, SeedOptions};
use server::store::{self, Store};

/// Mixtape turns an advertiser's brief, in plain words, into an optimized media plan for audio-streaming
/// ads: ad sets by country, format and placement, each with budget, bid, schedule, targeting, a forecast
/// with ranges and the historical evidence behind it.
#[derive(Debug, Parser)]
#[command(name = "mixtape", version, after_help = EXAMPLES)]
struct Cli {
    /// Historical store to use: a `sqlite://` or `postgres://` URL. Defaults to $DATABASE_URL, else an
    /// embedded SQLite file at $MIXTAPE_HOME/mixtape.sqlite ($XDG_DATA_HOME/mixtape or ~/.local/share/mixtape).
    #[arg(long, global = true, value_name = "URL")]
    db: Option<String>,
    #[command(subcommand)]
    command: Command,
}

const EXAMPLES: &str = "Examples:
  mixtape plan \"Reach hip-hop fans 18-24 in Brazil next month, R$ 50.000\"
  mixtape plan --today 2026-03-02 --json \"Grow our podcast in the US\" \"15k, starting next Monday for six weeks\"
  mixtape seed --seed 7 --truth truth.json
  mixtape import examples/ads-manager-export.csv
  mixtape serve --addr 127.0.0.1:3000";

#[derive(Debug, Subcommand)]
enum Command {
    /// Plan a campaign from one conversation: each MESSAGE is one user turn, in order.
    ///
    /// While the budget, the dates or the countries are missing, the answer is a clarifying question
    /// instead of a plan. The store is seeded with synthetic history on first use.
    Plan {
        /// The reference date for "next month", "tomorrow"… (YYYY-MM-DD). Defaults to today.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        today: Option<NaiveDate>,
        /// Print the full answer as JSON (SPEC §3) instead of a table.
        #[arg(long)]
        json: bool,
        /// The conversation, one argument per message.
        #[arg(required = true, value_name = "MESSAGE")]
        messages: Vec<String>,
    },
    /// Fill an empty store with deterministic synthetic campaign history.
    Seed {
        /// Everything generated follows from this number.
        #[arg(long, default_value_t = seed::DEFAULT_SEED)]
        seed: u64,
        /// How many campaigns to generate (each with 1–4 ad sets and daily delivery).
        #[arg(long, default_value_t = seed::DEFAULT_CAMPAIGNS)]
        campaigns: u32,
        /// Also write the market's true parameters (never read by the planner) to this JSON file.
        #[arg(long, value_name = "PATH")]
        truth: Option<PathBuf>,
        /// Write the history to this file as an Ads Manager style CSV export (what `import` reads)
        /// instead of into the store.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
    },
    /// Import campaign history from an Ads Manager style CSV export (one row per ad set per day; the
    /// format is in docs/import.md).
    ///
    /// All or nothing: one bad row imports nothing and every problem is listed by line, unless
    /// --rejects is given. Importing a file again changes nothing; a corrected file replaces the days it
    /// covers.
    Import {
        /// The export to import.
        #[arg(value_name = "FILE.csv")]
        file: PathBuf,
        /// Import the good rows and write the rejected ones, with their line and reason, to this CSV file.
        #[arg(long, value_name = "FILE")]
        rejects: Option<PathBuf>,
    },
    /// Serve the web app and its JSON API (see /api/openapi.json) until Ctrl-C.
    ///
    /// The store is seeded with synthetic history on first use, as for `plan`.
    Serve {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:3000")]
        addr: String,
        /// Directory of the built web app. Defaults to $MIXTAPE_DIST, else `dist` in the current directory.
        #[arg(long, value_name = "DIR")]
        dist: Option<PathBuf>,
        /// Serve a cached history answer for at most this many seconds (0: no cache). Within it, repeated
        /// plans never touch the database; `POST /api/cache/refresh` empties the cache at once.
        #[arg(long, value_name = "SECONDS", default_value_t = store::DEFAULT_CACHE_MAX_AGE.as_secs())]
        cache_ttl: u64,
    },
    /// Measure this store: import a generated export of about ROWS delivery rows, then time the planner's
    /// history queries (from the database and from the cache).
    ///
    /// Needs an empty store: point --db at a scratch database. The export is written to the system's
    /// temporary directory (about 190 bytes a row) and removed afterwards.
    Bench {
        /// About how many delivery rows to import.
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
        /// How many timed queries of each kind.
        #[arg(long, default_value_t = 1_000)]
        queries: usize,
        /// Print the figures as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Measure plan quality in the synthetic market: Mixtape against an oracle that knows the market's
    /// truth and against Spotify's published rules, over a fixed, seeded set of briefs.
    ///
    /// Runs on its own temporary store seeded with the default synthetic market (--db is not read). The
    /// figures are defined in the `server::evaluate` module documentation.
    Evaluate {
        /// How many generated briefs.
        #[arg(long, default_value_t = 500)]
        briefs: usize,
        /// Seed of the briefs and of the simulator's random draws.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Seed of the synthetic market (its history and its truth), so the figures can be checked on
        /// another market than the one `mixtape seed` makes.
        #[arg(long, default_value_t = server::seed::DEFAULT_SEED)]
        market_seed: u64,
        /// Print the figures as one JSON object.
        #[arg(long)]
        json: bool,
    },
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("`{s}` is not a date like 2026-03-02"))
}

/// Why a command failed; printed as one line.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Store(#[from] server::Error),
    #[error(transparent)]
    Plan(#[from] planner::PlanError),
    #[error("language model configuration: {0}")]
    Llm(#[from] llm::ConfigError),
    #[error("could not listen on {addr}: {source}")]
    Listen { addr: String, source: std::io::Error },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A server logs its requests by default; the one-shot commands only warn.
    let default_filter = match cli.command {
        Command::Serve { .. } => "info,sqlx=error",
        _ => "warn,sqlx=error",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MIXTAPE_LOG").unwrap_or_else(|_| default_filter.into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    // The server answers requests on every core; a one-shot command needs one thread.
    let mut builder = match cli.command {
        Command::Serve { .. } => tokio::runtime::Builder::new_multi_thread(),
        _ => tokio::runtime::Builder::new_current_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let url = cli.db.or_else(|| std::env::var("DATABASE_URL").ok()).unwrap_or_else(store::default_database_url);
    match cli.command {
        Command::Plan { today, json, messages } => {
            let today = today.unwrap_or_else(|| chrono::Local::now().date_naive());
            // Refuse oversized input before touching the store.
            planner::check_messages(&messages)?;
            let llm = language_model()?;
            let store = open_seeded(&url).await?;
            let edits = planner::types::Overrides::default();
            let response = server::plan_conversation(today, &messages, &edits, &store, llm.as_deref()).await?;
            if json {
                print!("{}", server::plan_json(&response));
            } else {
                print!("{}", table::render(&response));
            }
            store.close().await;
        }
        Command::Seed { seed: seed_value, campaigns, truth, csv: Some(csv) } => {
            let options = SeedOptions { seed: seed_value, campaigns, truth_path: truth };
            let report = seed::export_csv(&options, &csv)?;
            println!(
                "Wrote {} campaigns, {} ad sets and {} delivery rows (seed {}) to {} in {:.1}s.",
                report.campaigns,
                report.ad_sets,
                report.delivery_rows,
                report.seed,
                csv.display(),
                report.elapsed.as_secs_f64()
            );
            if let Some(path) = report.truth_path {
                println!("The market's true parameters are in {}.", path.display());
            }
        }
        Command::Seed { seed: seed_value, campaigns, truth, csv: None } => {
            let store = Store::connect(&url).await?;
            let report = seed::seed(&store, &SeedOptions { seed: seed_value, campaigns, truth_path: truth }).await?;
            println!(
                "Seeded {} campaigns, {} ad sets and {} delivery rows (seed {}) in {:.1}s.",
                report.campaigns,
                report.ad_sets,
                report.delivery_rows,
                report.seed,
                report.elapsed.as_secs_f64()
            );
            if let Some(path) = report.truth_path {
                println!("The market's true parameters are in {}.", path.display());
            }
            store.close().await;
        }
        Command::Import { file, rejects } => {
            let store = Store::connect(&url).await?;
            let report = import::import_csv(&store, &file, &ImportOptions { rejects }).await?;
            println!(
                "Imported {} of {} rows ({} campaigns, {} ad sets; {} delivery rows replaced) from {} in {:.1}s \
                 ({:.0} rows/s).",
                report.imported,
                report.rows,
                report.campaigns,
                report.ad_sets,
                report.delivery_replaced,
                file.display(),
                report.elapsed.as_secs_f64(),
                report.rows_per_second()
            );
            if let Some(path) = &report.rejects {
                let rows = if report.rejected == 1 { "row" } else { "rows" };
                println!("{} {rows} rejected, written to {}.", report.rejected, path.display());
            }
            store.close().await;
        }
        Command::Bench { rows, queries, json } => {
            let store = Store::connect(&url).await?;
            let options = bench::BenchOptions { rows, queries, dir: std::env::temp_dir() };
            let report = bench::run(&store, &options).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report).map_err(server::Error::from)?);
            } else {
                print!("{}", report.to_table());
            }
            store.close().await;
        }
        Command::Evaluate { briefs, seed: brief_seed, market_seed, json } => {
            let options = server::evaluate::EvalOptions { briefs, seed: brief_seed, market_seed, ..Default::default() };
            let report = server::evaluate::run(&options).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report).map_err(server::Error::from)?);
            } else {
                print!("{}", report.to_table());
            }
        }
        Command::Serve { addr, dist, cache_ttl } => {
            let llm = language_model()?;
            let dist = dist
                .or_else(|| std::env::var_os("MIXTAPE_DIST").filter(|d| !d.is_empty()).map(PathBuf::from))
                .unwrap_or_else(|| PathBuf::from("dist"));
            let store = open_seeded(&url).await?.with_cache_max_age(std::time::Duration::from_secs(cache_ttl));
            let listener = tokio::net::TcpListener::bind(&addr)
                .await
                .map_err(|source| CliError::Listen { addr: addr.clone(), source })?;
            let bound = listener.local_addr().map_err(|source| CliError::Listen { addr, source })?;
            if !dist.join("index.html").is_file() {
                eprintln!(
                    "The web app is not built ({} has no index.html): the API works, the pages say how to build it.",
                    dist.display()
                );
            }
            let mut state = AppState::new(store.clone(), Some(dist));
            match llm {
                Some(proxy) => {
                    eprintln!("Language model: {}.", proxy.config().describe());
                    state = state.with_llm(proxy);
                }
                None => eprintln!(
                    "Language model: none, rules only (set MIXTAPE_LLM_PROVIDER to use one; see docs/llm.md)."
                ),
            }
            println!("Mixtape is serving on http://{bound}/ — open it in a browser.");
            server::http::serve(listener, state).await?;
            store.close().await;
        }
    }
    Ok(())
}

/// The language model the environment configures, or `None` for rules only.
fn language_model() -> Result<Option<Arc<Proxy>>, CliError> {
    match llm::Config::from_env()? {
        Some(config) => Ok(Some(Arc::new(Proxy::new(config)?))),
        None => Ok(None),
    }
}

/// Opens the store a URL names and seeds it on first use, saying so on stderr.
async fn open_seeded(url: &str) -> Result<Store, CliError> {
    let store = Store::connect(url).await?;
    if let Some(report) = seed::ensure_seeded(&store, &SeedOptions::default()).await? {
        eprintln!(
            "Seeded the empty store with {} synthetic campaigns in {:.1}s.",
            report.campaigns,
            report.elapsed.as_secs_f64()
        );
    }
    Ok(store)
}
