//! `mixtape import FILE.csv`: real campaign history — an Ads Manager style export, one row per ad set per
//! day, described in `docs/import.md` — into the store, all or nothing, idempotently, in constant memory.
//!
//! Where to start reading: [`import_csv`]. It reads the file once (`reader.rs`: CSV records into fixed
//! buffers; `row.rs`: each row checked and converted, money to exact micro-units), streaming every row
//! into a staging table (`stage.rs`: batched inserts on SQLite, `COPY` on PostgreSQL). Then `merge.rs`,
//! in SQL, rejects the rows that break a cross-row rule (a repeated day, an ad set or campaign whose rows
//! disagree) and merges the rest into the history: by external id, the file replacing what it covers.
//! All of it is one transaction, so an import that fails leaves the store as it was.
//!
//! Memory stays flat whatever the file's size: rows are never collected (the staging table holds them),
//! only the first [`MAX_SHOWN_ERRORS`] problems are kept for the error, and the rejects file (`--rejects`)
//! is written by streaming the rejected lines back out of the input.

mod merge;
mod reader;
mod row;
mod stage;

use std::fmt;
use std::fs::File;
use std::io::{BufWriter, Read, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sqlx::{AnyConnection, AssertSqlSafe, Connection, PgConnection, Row as _};

use crate::Error;
use crate::store::{Engine, Store};
use reader::{ReadError, RecordReader};
use row::{Header, Validator};
use stage::Stager;

pub use reader::MAX_RECORD_BYTES;
pub use row::{OPTIONAL_COLUMNS, REQUIRED_COLUMNS};

/// How many problems an [`ImportErrors`] spells out; the rest are counted.
pub const MAX_SHOWN_ERRORS: usize = 50;

/// Advisory-lock key that serialises imports on PostgreSQL (SQLite's write lock does it there).
const IMPORT_LOCK: i64 = 0x6d69_7874_6170_6502;

/// How an import treats bad rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// `None`: one bad row imports nothing. `Some(path)`: import the good rows and write the rejected ones
    /// there, as CSV with the input's columns plus `line` and `error`.
    pub rejects: Option<PathBuf>,
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    /// The file imported.
    pub file: PathBuf,
    /// Data rows read (the header apart).
    pub rows: u64,
    /// Rows written as delivery.
    pub imported: u64,
    /// Rows rejected (written to the rejects file).
    pub rejected: u64,
    /// Campaigns created or updated.
    pub campaigns: u64,
    /// Ad sets created or updated.
    pub ad_sets: u64,
    /// Delivery rows already in the store that the file replaced: days of its range it states differently
    /// or leaves out (days it states again unchanged are left as they are).
    pub delivery_replaced: u64,
    /// Where the rejected rows were written, when asked.
    pub rejects: Option<PathBuf>,
    /// Wall time, reading to commit.
    pub elapsed: Duration,
}

impl ImportReport {
    /// Rows read per second.
    pub fn rows_per_second(&self) -> f64 {
        self.rows as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// One problem, on one line of the file (1-based; line 1 is the header).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The line the row starts on.
    pub line: u64,
    /// Why it was refused.
    pub reason: String,
}

/// What stopped an import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The header row is missing or names the wrong columns.
    Header,
    /// Some rows are bad (and `--rejects` was not given).
    Rows,
    /// The file cannot be read past this line: a record over [`MAX_RECORD_BYTES`], or the file ends
    /// mid-row.
    Unreadable {
        /// Where reading stopped.
        line: u64,
    },
    /// Every row is valid, but an ad set's delivery or a campaign's budget adds up to more than a 64-bit
    /// integer holds (the database refused the sum).
    TooLarge,
}

/// Why an import wrote nothing: the first problems in line order and how many there are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportErrors {
    /// The file.
    pub file: PathBuf,
    /// What kind of problem stopped it.
    pub failure: Failure,
    /// The first [`MAX_SHOWN_ERRORS`] problems, in line order.
    pub errors: Vec<RowError>,
    /// How many problems in all (bad rows, or header problems).
    pub total: u64,
}

impl fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "nothing was imported from {}: ", self.file.display())?;
        match self.failure {
            Failure::Header => f.write_str("its header row is wrong")?,
            Failure::Rows => write!(f, "{} bad row{}", self.total, if self.total == 1 { "" } else { "s" })?,
            Failure::Unreadable { line } => write!(f, "it cannot be read past line {line}")?,
            Failure::TooLarge => f.write_str(
                "an ad set's delivery or a campaign's budgets add up to more than 9,223,372,036,854 \
                 currency units (or 9.2 quintillion impressions, clicks or results); check the amounts",
            )?,
        }
        for e in &self.errors {
            write!(f, "\nline {}: {}", e.line, e.reason)?;
        }
        let more = self.total.saturating_sub(self.errors.len() as u64);
        if more > 0 {
            write!(f, "\n… and {more} more")?;
        }
        Ok(())
    }
}

/// The first problems met while reading, kept for the error a fatal one ends with.
#[derive(Default)]
struct ErrorLog {
    errors: Vec<RowError>,
    total: u64,
}

impl ErrorLog {
    fn push(&mut self, line: u64, reason: &str) {
        self.total += 1;
        if self.errors.len() < MAX_SHOWN_ERRORS {
            self.errors.push(RowError { line, reason: reason.to_owned() });
        }
    }
}

/// Imports an export into the store in one transaction (see the module docs and `docs/import.md`).
///
/// Without [`ImportOptions::rejects`], any bad row makes it write nothing and return [`Error::Import`]
/// with the first [`MAX_SHOWN_ERRORS`] problems. A missing or wrong header, a record over
/// [`MAX_RECORD_BYTES`] and a file that ends mid-row always do. Concurrent imports into one store run one
/// after the other. The store's answer cache is emptied once the import is committed.
pub async fn import_csv(store: &Store, path: &Path, options: &ImportOptions) -> Result<ImportReport, Error> {
    let started = Instant::now();
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = RecordReader::new(file);
    let (header, names) = read_header(&mut reader, path)?;
    let engine = store.engine();

    let mut tx = store.pool().begin().await?;
    let id = claim(&mut tx, engine, path).await?;
    let table = stage::table_name(engine, id);
    let mut scratch = match engine {
        Engine::Postgres => Some(store.pg_connection().await?),
        Engine::Sqlite => None,
    };
    let job = Job { engine, table: &table, path, names: &names, options };
    let outcome = job.run(&mut tx, scratch.as_mut(), reader, header, id).await;
    let outcome = match outcome {
        Ok(report) => tx.commit().await.map(|()| report).map_err(Error::from),
        Err(e) => {
            // Explicitly, so the scratch table below is not waiting on the rollback's locks.
            let _ = tx.rollback().await;
            Err(if is_overflow(&e) {
                Error::Import(ImportErrors {
                    file: path.to_owned(),
                    failure: Failure::TooLarge,
                    errors: vec![],
                    total: 0,
                })
            } else {
                e
            })
        }
    };
    if let Some(mut conn) = scratch {
        // A committed import dropped its table in its transaction; a failed one drops it now.
        if outcome.is_err() {
            let _ = sqlx::query(AssertSqlSafe(format!("DROP TABLE IF EXISTS {table}"))).execute(&mut conn).await;
        }
        let _ = conn.close().await;
    }
    let partial = options.rejects.as_deref().map(partial_path);
    let mut report = match (outcome, &options.rejects, &partial) {
        (Ok(report), Some(rejects), Some(partial)) => {
            std::fs::rename(partial, rejects).map_err(|e| Error::io(rejects, e))?;
            report
        }
        (Ok(report), ..) => report,
        (Err(e), _, partial) => {
            if let Some(partial) = partial {
                let _ = std::fs::remove_file(partial);
            }
            return Err(e);
        }
    };
    store.refresh_cache();
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Whether the database refused a sum that overflows 64 bits: PostgreSQL's `numeric_value_out_of_range`, or
/// SQLite's `integer overflow` (which has no code of its own).
fn is_overflow(e: &Error) -> bool {
    let Error::Database(sqlx::Error::Database(db)) = e else { return false };
    db.code().as_deref() == Some("22003") || db.message().contains("integer overflow")
}

/// The header row's columns, and the names as written (for the rejects file).
fn read_header<R: Read>(reader: &mut RecordReader<R>, path: &Path) -> Result<(Header, Vec<Vec<u8>>), Error> {
    let header_error = |reasons: Vec<String>| {
        Error::Import(ImportErrors {
            file: path.to_owned(),
            failure: Failure::Header,
            total: reasons.len() as u64,
            errors: reasons.into_iter().map(|reason| RowError { line: 1, reason }).collect(),
        })
    };
    let record = match reader.next_record() {
        Ok(Some(record)) => record,
        Ok(None) => return Err(header_error(vec!["the file is empty: a header row is required".to_owned()])),
        Err(e) => return Err(read_error(e, path, ErrorLog::default())),
    };
    if !record.balanced_quotes {
        return Err(header_error(vec!["the header row has an unclosed quote".to_owned()]));
    }
    let names: Vec<Vec<u8>> = (0..record.fields).map(|i| reader.field(i).to_vec()).collect();
    let slices: Vec<&[u8]> = names.iter().map(Vec::as_slice).collect();
    let header = Header::read(&slices).map_err(header_error)?;
    Ok((header, names))
}

/// The error a failed read ends the import with.
fn read_error(e: ReadError, path: &Path, mut log: ErrorLog) -> Error {
    match e {
        ReadError::Io(e) => Error::io(path, e),
        ReadError::TooLong { line } => {
            log.push(line, "a record longer than 64 KiB (65,536 bytes): no export row is that long");
            unreadable(path, line, log)
        }
    }
}

fn unreadable(path: &Path, line: u64, log: ErrorLog) -> Error {
    Error::Import(ImportErrors {
        file: path.to_owned(),
        failure: Failure::Unreadable { line },
        errors: log.errors,
        total: log.total,
    })
}

/// Takes the store's import slot: on PostgreSQL an advisory lock held until the transaction ends; on SQLite
/// the `imports` row itself, written first, which takes the write lock at once (a concurrent importer
/// waits for it on the busy timeout). Returns the import's id.
async fn claim(conn: &mut AnyConnection, engine: Engine, path: &Path) -> Result<i64, Error> {
    if engine == Engine::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(IMPORT_LOCK).execute(&mut *conn).await?;
    }
    let file = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let row = sqlx::query(
        "INSERT INTO imports (id, file, imported_at, rows, rejected) \
         SELECT COALESCE(MAX(id), 0) + 1, $1, $2, 0, 0 FROM imports RETURNING id",
    )
    .bind(file.to_string_lossy().into_owned())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>(0)?)
}

/// Drops the PostgreSQL staging tables that killed imports left behind (the caller holds the import lock,
/// so no other import is using one).
async fn drop_leftovers(conn: &mut PgConnection) -> Result<(), Error> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() \
         AND tablename LIKE 'import\\_staging\\_%'",
    )
    .fetch_all(&mut *conn)
    .await?;
    for table in tables.iter().filter(|t| t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')) {
        sqlx::query(AssertSqlSafe(format!("DROP TABLE IF EXISTS {table}"))).execute(&mut *conn).await?;
    }
    Ok(())
}

/// `FILE.partial`, where the rejects are written until the import commits.
fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// One import's fixed facts.
struct Job<'a> {
    engine: Engine,
    table: &'a str,
    path: &'a Path,
    names: &'a [Vec<u8>],
    options: &'a ImportOptions,
}

impl Job<'_> {
    /// Everything between claiming the import and committing it.
    async fn run<R: Read>(
        &self,
        conn: &mut AnyConnection,
        scratch: Option<&mut PgConnection>,
        mut reader: RecordReader<R>,
        header: Header,
        id: i64,
    ) -> Result<ImportReport, Error> {
        let mut validator = Validator::new(header);
        let rows = match scratch {
            Some(pg) => {
                drop_leftovers(pg).await?;
                sqlx::query(AssertSqlSafe(stage::create_table_sql(Engine::Postgres, self.table)))
                    .execute(&mut *pg)
                    .await?;
                let stager = Stager::postgres(pg, self.table).await?;
                self.stage(&mut reader, &mut validator, stager).await?
            }
            None => {
                // A TEMP table lives in a temporary file (SQLite's default `temp_store`), so memory stays flat.
                sqlx::raw_sql(AssertSqlSafe(format!(
                    "DROP TABLE IF EXISTS temp.{0}; {1}",
                    self.table,
                    stage::create_table_sql(Engine::Sqlite, self.table)
                )))
                .execute(&mut *conn)
                .await?;
                self.stage(&mut reader, &mut validator, Stager::sqlite(conn, self.table)).await?
            }
        };
        drop(reader);
        tracing::debug!(rows, "staged");

        merge::prepare(conn, self.engine, self.table).await?;
        merge::check(conn, self.table).await?;
        let rejected = merge::rejected(conn, self.table).await?;
        match &self.options.rejects {
            None if rejected > 0 => {
                let errors = merge::first_rejects(conn, self.table, MAX_SHOWN_ERRORS).await?;
                return Err(Error::Import(ImportErrors {
                    file: self.path.to_owned(),
                    failure: Failure::Rows,
                    errors,
                    total: rejected,
                }));
            }
            None => {}
            Some(rejects) => self.write_rejects(conn, rejects, validator.header().width, rejected).await?,
        }
        let merged = merge::merge(conn, self.engine, self.table).await?;
        sqlx::query("UPDATE imports SET rows = $1, rejected = $2 WHERE id = $3")
            .bind(i64::try_from(merged.rows).unwrap_or(i64::MAX))
            .bind(i64::try_from(rejected).unwrap_or(i64::MAX))
            .bind(id)
            .execute(&mut *conn)
            .await?;
        // Dropped in the transaction, so the table goes (or stays) with the import.
        let drop = match self.engine {
            Engine::Sqlite => format!("DROP TABLE temp.{}", self.table),
            Engine::Postgres => format!("DROP TABLE {}", self.table),
        };
        sqlx::raw_sql(AssertSqlSafe(drop)).execute(&mut *conn).await?;
        Ok(ImportReport {
            file: self.path.to_owned(),
            rows,
            imported: merged.rows,
            rejected,
            campaigns: merged.campaigns,
            ad_sets: merged.ad_sets,
            delivery_replaced: merged.replaced,
            rejects: self.options.rejects.clone(),
            elapsed: Duration::ZERO,
        })
    }

    /// Reads every row after the header into the staging table; returns how many were read.
    async fn stage<R: Read>(
        &self,
        reader: &mut RecordReader<R>,
        validator: &mut Validator,
        mut stager: Stager<'_>,
    ) -> Result<u64, Error> {
        match self.stage_rows(reader, validator, &mut stager).await {
            Ok(rows) => {
                stager.finish().await?;
                Ok(rows)
            }
            Err(e) => {
                stager.abort().await;
                Err(e)
            }
        }
    }

    async fn stage_rows<R: Read>(
        &self,
        reader: &mut RecordReader<R>,
        validator: &mut Validator,
        stager: &mut Stager<'_>,
    ) -> Result<u64, Error> {
        let width = validator.header().width;
        let mut log = ErrorLog::default();
        let mut rows = 0;
        loop {
            let record = match reader.next_record() {
                Ok(Some(record)) => record,
                Ok(None) => return Ok(rows),
                Err(e) => return Err(read_error(e, self.path, log)),
            };
            rows += 1;
            let line = record.line;
            if !record.terminated && !record.balanced_quotes {
                log.push(line, "the file ends inside a quoted field: a quote is never closed, or the file was cut off");
                return Err(unreadable(self.path, line, log));
            }
            if !record.terminated && record.fields != width {
                log.push(line, &format!("the file ends mid-row ({} of {width} fields): it was cut off", record.fields));
                return Err(unreadable(self.path, line, log));
            }
            let checked = if record.balanced_quotes {
                validator.row(record.fields, |i| reader.field(i))
            } else {
                Err("a stray quote (\"): a field holding one must be quoted, with the quote doubled".to_owned())
            };
            match checked {
                Ok(row) => {
                    let audience = validator.audience(&row);
                    stager.row(line, &row, audience).await?;
                }
                Err(reason) => {
                    log.push(line, &reason);
                    stager.reject(line, &reason).await?;
                }
            }
        }
    }

    /// Writes the rejected rows, as they are in the input, with their line and reason, to `rejects`'
    /// partial file: the input is read again and the rejected lines picked out as the staging table lists
    /// them, in line order.
    async fn write_rejects(
        &self,
        conn: &mut AnyConnection,
        rejects: &Path,
        width: usize,
        rejected: u64,
    ) -> Result<(), Error> {
        let partial = partial_path(rejects);
        let io = |e: std::io::Error| Error::io(&partial, e);
        let csv_error = |e: csv::Error| Error::io(&partial, std::io::Error::other(e));
        let file = File::create(&partial).map_err(io)?;
        let mut out = csv::WriterBuilder::new().flexible(true).from_writer(BufWriter::new(file));
        let header = self.names.iter().map(Vec::as_slice).chain([b"line".as_slice(), b"error".as_slice()]);
        out.write_record(header).map_err(csv_error)?;
        if rejected > 0 {
            let input = File::open(self.path).map_err(|e| Error::io(self.path, e))?;
            let mut again = RecordReader::new(input);
            let mut fields = Vec::new();
            // The header first.
            seek(&mut again, 0, width, &mut fields).map_err(|e| self.reread_error(e))?;
            merge::for_each_reject(conn, self.table, |line, reason| {
                seek(&mut again, line, width, &mut fields).map_err(|e| self.reread_error(e))?;
                let line_text = line.to_string();
                let record = fields.iter().map(Vec::as_slice).chain([line_text.as_bytes(), reason.as_bytes()]);
                out.write_record(record).map_err(csv_error)
            })
            .await?;
        }
        let mut file = out.into_inner().map_err(|e| io(e.into_error()))?;
        file.flush().map_err(io)?;
        Ok(())
    }
}

impl Job<'_> {
    fn reread_error(&self, e: Option<ReadError>) -> Error {
        match e {
            Some(ReadError::Io(e)) => Error::io(self.path, e),
            _ => Error::Corrupt(format!("{} changed while it was being imported", self.path.display())),
        }
    }
}

/// Reads on to the record starting on `line` (the next record when `line` is 0) and copies its fields,
/// padded with empty ones to `width`. `Err(None)` when there is no such record.
fn seek<R: Read>(
    reader: &mut RecordReader<R>,
    line: u64,
    width: usize,
    fields: &mut Vec<Vec<u8>>,
) -> Result<(), Option<ReadError>> {
    loop {
        let record = reader.next_record().map_err(Some)?.ok_or(None)?;
        if record.line < line {
            continue;
        }
        if line != 0 && record.line > line {
            return Err(None);
        }
        fields.clear();
        fields.extend((0..record.fields.max(width)).map(|i| reader.field(i).to_vec()));
        return Ok(());
    }
}
