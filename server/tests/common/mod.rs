//! What the test suites that run on both engines share: [`Harness`] hands out fresh, migrated, empty
//! stores — SQLite files in a temporary directory, or PostgreSQL databases of their own on the server
//! named by `TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`), dropped afterwards even
//! when the test fails — and [`on_both_engines!`] turns each test body into one test per engine.
//!
//! Without a reachable PostgreSQL the PostgreSQL tests print why and pass, except under `CI=true`, where
//! they fail.

// Each test crate uses a part of this module.
#![allow(dead_code, unused_macros)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use server::store::{Engine, Store, sqlite_url};
use sqlx::{AnyConnection, AssertSqlSafe, Connection};

/// One `#[tokio::test]` per body and engine: `sqlite::body` and `postgres::body`, each calling
/// `body(&Harness)`. The calling crate declares `#[macro_use] mod common;` and has `Harness` in scope at
/// its root.
macro_rules! on_both_engines {
    ($($body:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $body() {
                    super::$body(&super::Harness::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $body() {
                    if let Some(harness) = super::Harness::postgres().await {
                        super::$body(&harness).await;
                    }
                }
            )*
        }
    };
}

/// Hands out fresh stores of one engine and removes them when dropped (also when the test panics).
pub struct Harness {
    pub engine: Engine,
    /// SQLite: the directory holding the files.
    dir: tempfile::TempDir,
    /// PostgreSQL: the maintenance database's URL and the databases created so far.
    admin_url: String,
    databases: Mutex<Vec<String>>,
}

static NEXT_DATABASE: AtomicU32 = AtomicU32::new(0);

impl Harness {
    pub fn sqlite() -> Harness {
        Harness {
            engine: Engine::Sqlite,
            dir: tempfile::tempdir().expect("tempdir"),
            admin_url: String::new(),
            databases: Mutex::default(),
        }
    }

    /// `None` (after saying why) when PostgreSQL is not reachable and `CI` is not `true`.
    pub async fn postgres() -> Option<Harness> {
        let admin_url =
            std::env::var("TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        sqlx::any::install_default_drivers();
        let reachable = tokio::time::timeout(Duration::from_secs(5), AnyConnection::connect(&admin_url)).await;
        match reachable {
            Ok(Ok(conn)) => {
                let _ = conn.close().await;
            }
            outcome => {
                let why = match outcome {
                    Ok(Err(e)) => e.to_string(),
                    _ => "timed out".to_owned(),
                };
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("PostgreSQL not reachable at {admin_url} ({why}); CI=true requires it");
                }
                eprintln!("skipped: PostgreSQL not reachable at {admin_url} ({why})");
                return None;
            }
        }
        Some(Harness {
            engine: Engine::Postgres,
            dir: tempfile::tempdir().expect("tempdir"),
            admin_url,
            databases: Mutex::default(),
        })
    }

    /// A fresh, migrated, empty store.
    pub async fn store(&self) -> Store {
        self.open().await.0
    }

    /// A fresh, migrated, empty store and its URL.
    pub async fn open(&self) -> (Store, String) {
        let url = self.fresh_url().await;
        (Store::connect(&url).await.expect("connect"), url)
    }

    /// The URL of a database that does not exist yet (SQLite) or is empty (PostgreSQL).
    pub async fn fresh_url(&self) -> String {
        let n = NEXT_DATABASE.fetch_add(1, Ordering::Relaxed);
        match self.engine {
            Engine::Sqlite => sqlite_url(&self.dir.path().join(format!("history-{n}/mixtape.sqlite"))),
            Engine::Postgres => {
                let name = format!("mixtape_test_{}_{n}", std::process::id());
                let mut admin = AnyConnection::connect(&self.admin_url).await.expect("connect to PostgreSQL");
                sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .expect("create database");
                let url = with_database(&self.admin_url, &name);
                self.databases.lock().expect("lock").push(name);
                url
            }
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let databases = std::mem::take(&mut *self.databases.lock().unwrap_or_else(|e| e.into_inner()));
        if databases.is_empty() {
            return;
        }
        let admin_url = self.admin_url.clone();
        // Drop runs inside the test's runtime, which cannot block on async work: use a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let mut admin = AnyConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
                for name in databases {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    if let Err(e) = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut admin).await {
                        eprintln!("could not drop test database {name}: {e}");
                    }
                }
            });
        })
        .join();
        if dropped.is_err() {
            eprintln!("could not drop the test databases");
        }
    }
}

/// The URL with its database (the path) replaced.
pub fn with_database(url: &str, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("URL with a scheme");
    let (authority, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let query = tail.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
    format!("{scheme}://{authority}/{database}{query}")
}

/// Runs the `mixtape` binary as a user would on a fresh machine: its embedded store under `home`, no
/// `DATABASE_URL`.
pub fn mixtape(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mixtape"))
        .args(args)
        .env("MIXTAPE_HOME", home)
        .env_remove("DATABASE_URL")
        .output()
        .expect("mixtape runs")
}
