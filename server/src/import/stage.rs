//! Staging: every row of the file lands in one scratch table, as it is read — valid rows with their
//! converted values, rejected rows with their line and reason only — so the cross-row checks and the merge
//! (`merge.rs`) run as set-based SQL and memory does not grow with the file.
//!
//! On SQLite the table is a TEMP table of the import's own transaction, filled by multi-row inserts with
//! positional `?` parameters (see `Engine::placeholders` for why not `$N`). On PostgreSQL the `Any` driver has
//! no `COPY`, and binding values one by one through it is the slow part of an insert, so the rows are
//! streamed with `COPY … FROM STDIN` over a typed connection of their own into an UNLOGGED table named after
//! the import (a TEMP table would be invisible to the importing transaction's connection). The importer
//! drops it when it is done, and any left over by a killed import before it starts.

use std::io::Write as _;

use sqlx::any::AnyArguments;
use sqlx::postgres::PgCopyIn;
use sqlx::{AnyConnection, Arguments, AssertSqlSafe, PgConnection};

use super::row::Row;
use crate::Error;
use crate::store::Engine;

/// The staging table's columns, in the order rows are sent.
const COLUMNS: [&str; 29] = [
    "line",
    "error",
    "day",
    "campaign_id",
    "campaign_name",
    "ad_set_id",
    "ad_set_name",
    "objective",
    "asset_format",
    "placement",
    "country",
    "age_min",
    "age_max",
    "gender",
    "platform",
    "interest",
    "ad_category",
    "budget_micros",
    "currency",
    "audience_size",
    "spend_micros",
    "impressions",
    "reach",
    "clicks",
    "completes",
    "results",
    "ad_set_fp",
    "campaign_fp",
    "day_fp",
];

/// Which columns hold integers (the others hold text).
fn is_integer(column: &str) -> bool {
    matches!(
        column,
        "line"
            | "age_min"
            | "age_max"
            | "budget_micros"
            | "audience_size"
            | "spend_micros"
            | "impressions"
            | "reach"
            | "clicks"
            | "completes"
            | "results"
            | "ad_set_fp"
            | "campaign_fp"
            | "day_fp"
    )
}

/// Rows per SQLite insert: under its 32,766 parameters.
const SQLITE_BATCH_ROWS: usize = 32_000 / COLUMNS.len();

/// `COPY` data buffered before it is sent.
const COPY_CHUNK: usize = 1 << 20;

/// The staging table's name on an engine, for import `id`. PostgreSQL's is unique to this run: an import
/// that rolled back leaves its id to the next one while it may still be dropping its table.
pub(crate) fn table_name(engine: Engine, id: i64) -> String {
    match engine {
        Engine::Sqlite => "import_staging".to_owned(),
        Engine::Postgres => {
            let nanos =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
            format!("import_staging_{id}_{}_{nanos}", std::process::id())
        }
    }
}

/// `CREATE TABLE` for the staging table. Empty gender, platform, interest and ad category mean none, so
/// that rows compare with `=`; only rejected rows have NULLs. PostgreSQL compares `day` bytewise like
/// `delivery.day`.
pub(crate) fn create_table_sql(engine: Engine, table: &str) -> String {
    let columns: Vec<String> = COLUMNS
        .iter()
        .map(|c| match (engine, *c) {
            (Engine::Sqlite, "line") => "line INTEGER PRIMARY KEY".to_owned(),
            (Engine::Postgres, "line") => "line BIGINT NOT NULL".to_owned(),
            (Engine::Postgres, "day") => "day TEXT COLLATE \"C\"".to_owned(),
            (Engine::Sqlite, c) if is_integer(c) => format!("{c} INTEGER"),
            (Engine::Postgres, c) if is_integer(c) => format!("{c} BIGINT"),
            (_, c) => format!("{c} TEXT"),
        })
        .collect();
    match engine {
        Engine::Sqlite => format!("CREATE TEMP TABLE {table} ({})", columns.join(", ")),
        Engine::Postgres => format!("CREATE UNLOGGED TABLE {table} ({})", columns.join(", ")),
    }
}

/// Where staged rows go.
pub(crate) enum Stager<'c> {
    /// Batched inserts on the importing transaction.
    Sqlite { conn: &'c mut AnyConnection, table: String, insert: String, args: AnyArguments, rows: usize },
    /// A `COPY` on a connection of its own.
    Postgres { copy: PgCopyIn<&'c mut PgConnection>, buffer: Vec<u8> },
}

impl<'c> Stager<'c> {
    /// Stages into a TEMP table of `conn`'s transaction.
    pub fn sqlite(conn: &'c mut AnyConnection, table: &str) -> Stager<'c> {
        Stager::Sqlite {
            conn,
            table: table.to_owned(),
            insert: insert_sql(table, SQLITE_BATCH_ROWS),
            args: AnyArguments::default(),
            rows: 0,
        }
    }

    /// Stages through `COPY` into `table`, on `conn`.
    pub async fn postgres(conn: &'c mut PgConnection, table: &str) -> Result<Stager<'c>, Error> {
        let copy = conn.copy_in_raw(&format!("COPY {table} ({}) FROM STDIN", COLUMNS.join(", "))).await?;
        Ok(Stager::Postgres { copy, buffer: Vec::with_capacity(COPY_CHUNK + 4096) })
    }

    /// Stages a valid row.
    pub async fn row(&mut self, line: u64, row: &Row<'_>, audience_size: i64) -> Result<(), Error> {
        let line = i64::try_from(line).unwrap_or(i64::MAX);
        match self {
            Stager::Sqlite { args, .. } => {
                let texts = [
                    row.day,
                    row.campaign_id,
                    row.campaign_name,
                    row.ad_set_id,
                    row.ad_set_name,
                    row.objective.as_str(),
                    row.format.as_str(),
                    row.placement.as_str(),
                    row.country.as_str(),
                ];
                add(args, line)?;
                add(args, None::<String>)?;
                for text in texts {
                    add(args, text.to_owned())?;
                }
                add(args, i64::from(row.age.min))?;
                add(args, i64::from(row.age.max))?;
                add(args, row.gender.map_or("", |g| g.as_str()).to_owned())?;
                add(args, row.platform.map_or("", |p| p.as_str()).to_owned())?;
                add(args, row.interest.unwrap_or("").to_owned())?;
                add(args, row.ad_category.to_owned())?;
                add(args, row.budget_micros)?;
                add(args, row.currency.as_str().to_owned())?;
                add(args, audience_size)?;
                for count in [row.spend_micros, row.impressions, row.reach, row.clicks, row.completes, row.results] {
                    add(args, count)?;
                }
                add(args, row.ad_set_fingerprint())?;
                add(args, row.campaign_fingerprint())?;
                add(args, row.day_fingerprint())?;
            }
            Stager::Postgres { buffer, .. } => {
                let _ = write!(buffer, "{line}\t\\N\t");
                for text in [row.day, row.campaign_id, row.campaign_name, row.ad_set_id, row.ad_set_name] {
                    copy_text(buffer, text);
                    buffer.push(b'\t');
                }
                let _ = write!(
                    buffer,
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t",
                    row.objective.as_str(),
                    row.format.as_str(),
                    row.placement.as_str(),
                    row.country.as_str(),
                    row.age.min,
                    row.age.max,
                    row.gender.map_or("", |g| g.as_str()),
                    row.platform.map_or("", |p| p.as_str()),
                    row.interest.unwrap_or(""),
                );
                copy_text(buffer, row.ad_category);
                let _ = writeln!(
                    buffer,
                    "\t{}\t{}\t{audience_size}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    row.budget_micros,
                    row.currency.as_str(),
                    row.spend_micros,
                    row.impressions,
                    row.reach,
                    row.clicks,
                    row.completes,
                    row.results,
                    row.ad_set_fingerprint(),
                    row.campaign_fingerprint(),
                    row.day_fingerprint(),
                );
            }
        }
        self.row_done().await
    }

    /// Stages a rejected row: its line and why.
    pub async fn reject(&mut self, line: u64, reason: &str) -> Result<(), Error> {
        let line = i64::try_from(line).unwrap_or(i64::MAX);
        match self {
            Stager::Sqlite { args, .. } => {
                add(args, line)?;
                add(args, reason.to_owned())?;
                for column in &COLUMNS[2..] {
                    if is_integer(column) { add(args, None::<i64>)? } else { add(args, None::<String>)? }
                }
            }
            Stager::Postgres { buffer, .. } => {
                let _ = write!(buffer, "{line}\t");
                copy_text(buffer, reason);
                buffer.extend_from_slice("\t\\N".repeat(COLUMNS.len() - 2).as_bytes());
                buffer.push(b'\n');
            }
        }
        self.row_done().await
    }

    /// Sends what is buffered; the table is complete once this returns.
    pub async fn finish(self) -> Result<(), Error> {
        match self {
            Stager::Sqlite { conn, table, args, rows, .. } => {
                if rows > 0 {
                    sqlx::query_with(AssertSqlSafe(insert_sql(&table, rows)), args).execute(&mut *conn).await?;
                }
                Ok(())
            }
            Stager::Postgres { mut copy, buffer } => {
                if !buffer.is_empty() {
                    copy.send(buffer).await?;
                }
                copy.finish().await?;
                Ok(())
            }
        }
    }

    /// Gives up: the `COPY` is cancelled, so its connection can drop the table (SQLite's inserts go with
    /// the transaction's rollback).
    pub async fn abort(self) {
        if let Stager::Postgres { copy, .. } = self {
            let _ = copy.abort("the import was refused").await;
        }
    }

    async fn row_done(&mut self) -> Result<(), Error> {
        match self {
            Stager::Sqlite { conn, insert, args, rows, .. } => {
                *rows += 1;
                if *rows == SQLITE_BATCH_ROWS {
                    let full = std::mem::take(args);
                    *rows = 0;
                    sqlx::query_with(AssertSqlSafe(insert.clone()), full).execute(&mut **conn).await?;
                }
            }
            Stager::Postgres { copy, buffer } => {
                if buffer.len() >= COPY_CHUNK {
                    copy.send(buffer.as_slice()).await?;
                    buffer.clear();
                }
            }
        }
        Ok(())
    }
}

fn insert_sql(table: &str, rows: usize) -> String {
    let tuple = format!("({})", Engine::Sqlite.placeholders(1, COLUMNS.len()));
    format!("INSERT INTO {table} ({}) VALUES {}", COLUMNS.join(", "), vec![tuple; rows].join(", "))
}

fn add<'q, T>(args: &mut AnyArguments, value: T) -> Result<(), Error>
where
    T: sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    args.add(value).map_err(|e| Error::Database(sqlx::Error::Encode(e)))
}

/// Text in `COPY`'s text format: backslash, tab and line ends escaped.
fn copy_text(buffer: &mut Vec<u8>, text: &str) {
    if !text.bytes().any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r')) {
        buffer.extend_from_slice(text.as_bytes());
        return;
    }
    for b in text.bytes() {
        match b {
            b'\\' => buffer.extend_from_slice(b"\\\\"),
            b'\t' => buffer.extend_from_slice(b"\\t"),
            b'\n' => buffer.extend_from_slice(b"\\n"),
            b'\r' => buffer.extend_from_slice(b"\\r"),
            b => buffer.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_copy_reads_specially() {
        let mut buffer = Vec::new();
        copy_text(&mut buffer, "a\tb\\c\nd\re");
        assert_eq!(buffer, b"a\\tb\\\\c\\nd\\re");
    }

    #[test]
    fn the_tables_have_every_column() {
        let sql = create_table_sql(Engine::Postgres, "import_staging_7");
        assert!(sql.starts_with("CREATE UNLOGGED TABLE import_staging_7 (line BIGINT NOT NULL, error TEXT, day TEXT"));
        assert!(sql.ends_with("results BIGINT, ad_set_fp BIGINT, campaign_fp BIGINT, day_fp BIGINT)"));
        assert_eq!(insert_sql("t", 2).matches('?').count(), 2 * COLUMNS.len());
    }
}
