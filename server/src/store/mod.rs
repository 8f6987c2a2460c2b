//! The historical store: campaigns, ad sets and their daily delivery, in an embedded SQLite file or in
//! PostgreSQL, and the per-ad-set rollup that the media planner reads.
//!
//! Where to start reading: [`Store::connect`] opens a database (creating and migrating it on first use),
//! [`Store::performance`] answers the planner's [`PerformanceQuery`] from the per-ad-set rollup (the most
//! recent ad sets of each market, objective, format and placement, in one packed row, see `read.rs`) through
//! an in-process cache (`cache.rs`), and [`HistoryWriter`] (in `write.rs`) writes history in one
//! transaction and rebuilds the rollup. [`default_database_url`] says where the embedded database lives.
//!
//! One code path serves both engines: every query goes through sqlx's `Any` driver, and the schema keeps
//! to what both share (64-bit integers and text; dates are ISO `YYYY-MM-DD` text). Fixed statements use
//! `$N` placeholders, which both engines accept. Generated statements with thousands of parameters (the
//! batched inserts) use [`Engine::placeholders`]: plain `?` on SQLite, because there `$N` is a *named*
//! parameter and binding names costs a linear lookup each, which made a 30,000-parameter insert quadratic
//! (98% of seeding time). Only the migrations differ per engine
//! (`server/migrations/sqlite`, `server/migrations/postgres`); they define the same tables and columns.

mod cache;
mod plans;
mod read;
mod write;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use planner::performance::{PerformanceAnswer, PerformanceQuery, PerformanceSource, SourceError};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::MigrateDatabase;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyPool, AssertSqlSafe, Connection, Row};

use crate::Error;
use cache::Cache;

pub use cache::DEFAULT_MAX_AGE as DEFAULT_CACHE_MAX_AGE;
pub use plans::{PLAN_ID_LEN, SavedPlan, is_plan_id};
pub use read::RECENT_AD_SETS;
pub use write::{AdSetRecord, CampaignRecord, DeliveryDay, HistoryWriter};
pub(crate) use write::{ensure_partitions, refresh_rollup};

/// File name of the embedded database inside the data directory.
const DATABASE_FILE: &str = "mixtape.sqlite";

/// How long a writer waits for another process's write lock (a concurrent first-use seed takes seconds).
const SQLITE_BUSY_TIMEOUT_MS: u32 = 30_000;

/// Which database engine a [`Store`] runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The embedded default: one file, created on first use.
    Sqlite,
    /// A PostgreSQL server named by a `postgres://` URL.
    Postgres,
}

impl Engine {
    /// The engine a database URL names: PostgreSQL for `postgres://` and `postgresql://`, SQLite for
    /// `sqlite:`.
    pub fn of_url(url: &str) -> Result<Engine, Error> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else {
            // Only the scheme is echoed: the rest of a URL may hold a password.
            let scheme = url.split_once(':').map_or("(none)", |(s, _)| s);
            Err(Error::InvalidUrl(format!(
                "unsupported scheme `{scheme}`: use sqlite://PATH or postgres://USER@HOST/DATABASE"
            )))
        }
    }

    /// `count` comma-separated placeholders for the parameters `first..first + count` of a statement:
    /// `$1, $2, …` on PostgreSQL, positional `?, ?, …` on SQLite (see the module docs for why).
    pub fn placeholders(self, first: usize, count: usize) -> String {
        match self {
            Engine::Sqlite => vec!["?"; count].join(", "),
            Engine::Postgres => (first..first + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", "),
        }
    }
}

/// How many rows the store holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Campaigns.
    pub campaigns: u64,
    /// Ad sets.
    pub ad_sets: u64,
    /// Daily delivery rows.
    pub delivery_rows: u64,
}

/// The historical store, over a connection pool. Cheap to clone (the pool and the cache are shared).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
    /// The URL it was opened with, for connections outside the pool (it may hold a password: never shown).
    url: Arc<str>,
    cache: Arc<Cache>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("engine", &self.engine).finish_non_exhaustive()
    }
}

/// Where the embedded database lives when neither `--db` nor `DATABASE_URL` says otherwise:
/// `$MIXTAPE_HOME/mixtape.sqlite`, else `$XDG_DATA_HOME/mixtape/mixtape.sqlite`, else
/// `$HOME/.local/share/mixtape/mixtape.sqlite` (else `./mixtape.sqlite`), as a `sqlite://` URL that
/// creates the file on first use.
pub fn default_database_url() -> String {
    default_url_from(|name| std::env::var_os(name))
}

/// [`default_database_url`] over any source of environment variables (tests cannot safely set real ones).
fn default_url_from(env: impl Fn(&str) -> Option<OsString>) -> String {
    let var = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let path = if let Some(home) = var("MIXTAPE_HOME") {
        home.join(DATABASE_FILE)
    } else if let Some(data) = var("XDG_DATA_HOME") {
        data.join("mixtape").join(DATABASE_FILE)
    } else if let Some(home) = var("HOME") {
        home.join(".local/share/mixtape").join(DATABASE_FILE)
    } else {
        PathBuf::from(DATABASE_FILE)
    };
    sqlite_url(&path)
}

/// A `sqlite://` URL for a file path, creating the file on first use.
pub fn sqlite_url(path: &Path) -> String {
    // sqlx percent-decodes the path, so the characters that would end it early (or start an escape)
    // are encoded.
    let mut encoded = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => encoded.push_str("%25"),
            '?' => encoded.push_str("%3F"),
            '#' => encoded.push_str("%23"),
            c => encoded.push(c),
        }
    }
    format!("sqlite://{encoded}?mode=rwc")
}

impl Store {
    /// Opens the database a URL names, creating it on first use (SQLite: the file and its directory), and
    /// brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Store, Error> {
        sqlx::any::install_default_drivers();
        let engine = Engine::of_url(url)?;
        let pool = match engine {
            Engine::Sqlite => open_sqlite(url).await?,
            Engine::Postgres => {
                // Like the SQLite file, the database is created on first use (the server must allow it).
                // Another process may create it at the same moment; then it exists and all is well.
                if !sqlx::Postgres::database_exists(url).await?
                    && let Err(e) = sqlx::Postgres::create_database(url).await
                    && !sqlx::Postgres::database_exists(url).await?
                {
                    return Err(e.into());
                }
                AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(10))
                    .idle_timeout(Duration::from_secs(60))
                    .connect(url)
                    .await?
            }
        };
        migrate(&pool, engine).await?;
        let cache = Arc::new(Cache::new(DEFAULT_CACHE_MAX_AGE));
        Ok(Store { pool, engine, url: url.into(), cache })
    }

    /// The same store with history answers cached for at most `max_age` (default
    /// [`DEFAULT_CACHE_MAX_AGE`]; zero turns the cache off). Clones share one cache.
    pub fn with_cache_max_age(mut self, max_age: Duration) -> Store {
        self.cache = Arc::new(Cache::new(max_age));
        self
    }

    /// Forgets every cached history answer, so the next plans read the database again (after another
    /// process or replica wrote history). Returns how many answers were held.
    pub fn refresh_cache(&self) -> usize {
        self.cache.clear()
    }

    /// A new typed PostgreSQL connection to the same database (for `COPY`, which the `Any` driver lacks);
    /// an error on SQLite.
    pub async fn pg_connection(&self) -> Result<sqlx::PgConnection, Error> {
        if self.engine != Engine::Postgres {
            return Err(Error::Corrupt("a PostgreSQL connection was asked of a SQLite store".into()));
        }
        Ok(sqlx::PgConnection::connect(&self.url).await?)
    }

    /// The engine behind this store.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The connection pool, for statements this module does not offer (imports, maintenance).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes every connection; waits for those in use.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Whether the store holds no campaign at all.
    pub async fn is_empty(&self) -> Result<bool, Error> {
        let row =
            sqlx::query("SELECT COUNT(*) FROM (SELECT 1 FROM campaigns LIMIT 1) AS t").fetch_one(&self.pool).await?;
        Ok(row.try_get::<i64, _>(0)? == 0)
    }

    /// How many campaigns, ad sets and delivery rows the store holds.
    pub async fn counts(&self) -> Result<Counts, Error> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM campaigns), (SELECT COUNT(*) FROM ad_sets), \
             (SELECT COUNT(*) FROM delivery)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Counts {
            campaigns: non_negative(&row, 0)?,
            ad_sets: non_negative(&row, 1)?,
            delivery_rows: non_negative(&row, 2)?,
        })
    }

    /// The historical ad sets run in one of the query's countries with one of its objectives, each with its
    /// delivery summed over its flight, ordered by ad-set id: per market, objective, format and placement,
    /// the [`RECENT_AD_SETS`] that started last. Empty lists match nothing. Served from the in-process
    /// cache when it holds the answer.
    pub async fn performance(&self, query: &PerformanceQuery) -> Result<PerformanceAnswer, Error> {
        if let Some(answer) = self.cache.get(query) {
            return Ok(PerformanceAnswer::clone(&answer));
        }
        let answer = self.read_performance(query).await?;
        self.cache.put(query.clone(), Arc::new(answer.clone()));
        Ok(answer)
    }

    /// [`Store::performance`] from the database, bypassing the cache.
    pub async fn read_performance(&self, query: &PerformanceQuery) -> Result<PerformanceAnswer, Error> {
        if query.countries.is_empty() || query.objectives.is_empty() {
            return Ok(PerformanceAnswer::default());
        }
        let (sql, parameters) = read::packed_query(self.engine, query);
        let statement = parameters.into_iter().fold(sqlx::query(AssertSqlSafe(sql)), |q, p| q.bind(p));
        let packed: Option<String> = statement.fetch_one(&self.pool).await?.try_get(0)?;
        let ad_sets = packed.as_deref().map(read::parse).transpose()?.unwrap_or_default();
        Ok(PerformanceAnswer { ad_sets })
    }

    /// Starts writing history: one transaction that [`HistoryWriter::commit`] ends by rebuilding the rollup
    /// (and emptying this store's cache).
    pub async fn writer(&self) -> Result<HistoryWriter, Error> {
        HistoryWriter::begin(&self.pool, self.engine, Arc::clone(&self.cache)).await
    }

    /// Rebuilds the whole per-ad-set rollup from the delivery rows (writers do this on commit).
    pub async fn refresh_rollup(&self) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        write::refresh_rollup(&mut tx, None).await?;
        tx.commit().await?;
        self.cache.clear();
        Ok(())
    }
}

impl PerformanceSource for Store {
    async fn fetch(&self, query: &PerformanceQuery) -> Result<PerformanceAnswer, SourceError> {
        self.performance(query).await.map_err(|e| SourceError(e.to_string()))
    }
}

/// Opens (creating if needed) a SQLite database with write-ahead logging, so readers never wait for the
/// writer, and a generous busy timeout, so concurrent writers queue instead of failing.
async fn open_sqlite(url: &str) -> Result<AnyPool, Error> {
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    let url = if in_memory || url.contains("mode=") { url.to_owned() } else { with_param(url, "mode=rwc") };
    if !in_memory {
        let options = SqliteConnectOptions::from_str(&url)?;
        if let Some(dir) = options.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
    }
    let options = AnyPoolOptions::new().after_connect(|conn, _| {
        Box::pin(async move {
            let pragmas = format!(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                 PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};"
            );
            sqlx::raw_sql(AssertSqlSafe(pragmas)).execute(conn).await?;
            Ok(())
        })
    });
    // Every connection to `:memory:` would be a database of its own, so an in-memory store keeps exactly one
    // connection for its whole life.
    let options = if in_memory {
        options.max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None)
    } else {
        options.max_connections(4).idle_timeout(Duration::from_secs(60))
    };
    Ok(options.acquire_timeout(Duration::from_secs(30)).connect(&url).await?)
}

/// Brings the schema up to date. PostgreSQL serialises concurrent migrators with an advisory lock; SQLite
/// has none, so two processes opening a fresh file at once can both try the first migration, and the
/// loser fails. Its second attempt finds the migration applied.
async fn migrate(pool: &AnyPool, engine: Engine) -> Result<(), Error> {
    let migrator = match engine {
        Engine::Sqlite => sqlx::migrate!("migrations/sqlite"),
        Engine::Postgres => sqlx::migrate!("migrations/postgres"),
    };
    match migrator.run(pool).await {
        Err(_) if engine == Engine::Sqlite => {
            tokio::time::sleep(Duration::from_millis(200)).await;
            Ok(migrator.run(pool).await?)
        }
        outcome => Ok(outcome?),
    }
}

fn with_param(url: &str, param: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{param}")
}

fn non_negative(row: &AnyRow, column: usize) -> Result<u64, Error> {
    let value: i64 = row.try_get(column)?;
    u64::try_from(value).map_err(|_| Error::Corrupt(format!("a negative count ({value})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| OsString::from(v))
    }

    #[test]
    fn the_default_location_follows_mixtape_home_then_xdg_then_home() {
        let all = [("MIXTAPE_HOME", "/m"), ("XDG_DATA_HOME", "/x"), ("HOME", "/h")];
        assert_eq!(default_url_from(env(&all)), "sqlite:///m/mixtape.sqlite?mode=rwc");
        assert_eq!(default_url_from(env(&all[1..])), "sqlite:///x/mixtape/mixtape.sqlite?mode=rwc");
        assert_eq!(default_url_from(env(&all[2..])), "sqlite:///h/.local/share/mixtape/mixtape.sqlite?mode=rwc");
        // An empty variable counts as unset.
        assert_eq!(default_url_from(env(&[("MIXTAPE_HOME", ""), ("HOME", "/h")])), default_url_from(env(&all[2..])));
    }

    #[test]
    fn paths_with_url_characters_survive() {
        let url = sqlite_url(Path::new("/tmp/a?b#c%d/x.sqlite"));
        assert_eq!(url, "sqlite:///tmp/a%3Fb%23c%25d/x.sqlite?mode=rwc");
        let options = SqliteConnectOptions::from_str(&url).expect("parses");
        assert_eq!(options.get_filename(), Path::new("/tmp/a?b#c%d/x.sqlite"));
    }

    #[test]
    fn engines_are_told_apart_by_scheme() {
        assert_eq!(Engine::of_url("postgres://u@h/db").ok(), Some(Engine::Postgres));
        assert_eq!(Engine::of_url("postgresql://u@h/db").ok(), Some(Engine::Postgres));
        assert_eq!(Engine::of_url("sqlite::memory:").ok(), Some(Engine::Sqlite));
        let error = Engine::of_url("mysql://root:secret@h/db").expect_err("unsupported").to_string();
        assert!(error.contains("mysql") && !error.contains("secret"), "{error}");
        assert_eq!(Engine::Postgres.placeholders(3, 2), "$3, $4");
        assert_eq!(Engine::Sqlite.placeholders(3, 2), "?, ?");
    }

    #[tokio::test]
    async fn an_in_memory_store_keeps_its_data() {
        let store = Store::connect("sqlite::memory:").await.expect("connect");
        assert!(store.is_empty().await.expect("is_empty"));
        sqlx::query("INSERT INTO seed_info (id, seed, campaigns) VALUES (1, '1', 0)")
            .execute(store.pool())
            .await
            .expect("insert");
        let row = sqlx::query("SELECT COUNT(*) FROM seed_info").fetch_one(store.pool()).await.expect("count");
        assert_eq!(row.try_get::<i64, _>(0).expect("count"), 1);
    }
}
