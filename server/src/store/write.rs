//! Writing history: campaigns with their ad sets and daily delivery go in as batched multi-row inserts
//! inside one transaction, which ends by rebuilding the per-ad-set rollup. A crash or an error before
//! [`HistoryWriter::commit`] leaves the store exactly as it was.
//!
//! Every writer of history (this one, and the importer in `crate::import`) calls [`ensure_partitions`]
//! before it writes a month's delivery and [`refresh_rollup`] before it commits.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use planner::types::{AssetFormat, Country, Currency, Gender, Objective, Placement, Platform};
use sqlx::any::AnyArguments;
use sqlx::{Any, AnyConnection, AnyPool, AssertSqlSafe, Row, Transaction};

use super::cache::Cache;
use super::{Counts, Engine};
use crate::Error;

/// Bind parameters per statement: under SQLite's limit (32,766) and PostgreSQL's (65,535).
const MAX_BIND_PARAMETERS: usize = 32_000;

/// Delivery rows buffered before a flush: a few full statements' worth.
const FLUSH_DELIVERY_ROWS: usize = 16_000;

/// One campaign as stored: one market and one objective, with its ad sets.
#[derive(Clone, Debug, PartialEq)]
pub struct CampaignRecord {
    /// Unique id, chosen by the writer of the history.
    pub id: i64,
    /// Human-readable name.
    pub name: String,
    /// `ADV_<parent>_<n>` ad category.
    pub ad_category: String,
    /// Objective of the campaign and all its ad sets.
    pub objective: Objective,
    /// Market of the campaign and all its ad sets.
    pub country: Country,
    /// First day.
    pub start: NaiveDate,
    /// Last day (inclusive).
    pub end: NaiveDate,
    /// Booked budget (the sum of its ad sets'), micro-units.
    pub budget_micros: i64,
    /// Currency of every amount of the campaign.
    pub currency: Currency,
    /// Its ad sets.
    pub ad_sets: Vec<AdSetRecord>,
}

/// One ad set as stored, with its daily delivery. Country, objective and currency are its campaign's.
#[derive(Clone, Debug, PartialEq)]
pub struct AdSetRecord {
    /// Unique id, chosen by the writer of the history.
    pub id: i64,
    /// Human-readable name.
    pub name: String,
    /// Creative format.
    pub asset_format: AssetFormat,
    /// The one placement it ran on.
    pub placement: Placement,
    /// Youngest targeted age.
    pub age_min: u8,
    /// Oldest targeted age.
    pub age_max: u8,
    /// Gender restriction, if any.
    pub gender: Option<Gender>,
    /// Platform restriction, if any.
    pub platform: Option<Platform>,
    /// Interest or genre slug, if any.
    pub interest: Option<String>,
    /// Booked lifetime budget, micro-units.
    pub budget_micros: i64,
    /// First day.
    pub start: NaiveDate,
    /// Last day (inclusive).
    pub end: NaiveDate,
    /// Listeners its targeting could reach.
    pub audience_size: u64,
    /// One row per day of the flight.
    pub delivery: Vec<DeliveryDay>,
}

/// What an ad set delivered on one day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeliveryDay {
    /// The day.
    pub day: NaiveDate,
    /// Impressions.
    pub impressions: u64,
    /// Listeners reached for the first time in the flight on this day (so a flight's rows sum to its reach).
    pub reach: u64,
    /// Clicks.
    pub clicks: u64,
    /// Spend, micro-units of the campaign's currency.
    pub spend_micros: i64,
    /// Completed listens or views.
    pub completes: u64,
    /// The objective's results.
    pub results: u64,
}

/// An open transaction that writes history. Dropping it without [`commit`](Self::commit) rolls back.
pub struct HistoryWriter {
    tx: Transaction<'static, Any>,
    engine: Engine,
    pending: Vec<CampaignRecord>,
    pending_rows: usize,
    written: Counts,
    /// Months whose delivery partition this transaction has made sure of.
    months: BTreeSet<String>,
    /// The store's answers, stale once this commits.
    cache: Arc<Cache>,
}

type AnyQuery = sqlx::query::Query<'static, Any, AnyArguments>;

impl HistoryWriter {
    pub(super) async fn begin(pool: &AnyPool, engine: Engine, cache: Arc<Cache>) -> Result<HistoryWriter, Error> {
        let tx = pool.begin().await?;
        Ok(HistoryWriter {
            tx,
            engine,
            pending: Vec::new(),
            pending_rows: 0,
            written: Counts::default(),
            months: BTreeSet::new(),
            cache,
        })
    }

    /// Marks this transaction as the one seeding the store. Call it first: it takes the write lock at once,
    /// so a concurrent seeder waits here and then gets [`Error::AlreadySeeded`], as does any store that
    /// already holds history.
    pub async fn claim_seed(&mut self, seed: u64, campaigns: u32) -> Result<(), Error> {
        let claimed = sqlx::query("INSERT INTO seed_info (id, seed, campaigns) VALUES (1, $1, $2)")
            .bind(seed.to_string())
            .bind(i64::from(campaigns))
            .execute(&mut *self.tx)
            .await;
        match claimed {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(Error::AlreadySeeded),
            other => other?,
        };
        let row =
            sqlx::query("SELECT COUNT(*) FROM (SELECT 1 FROM campaigns LIMIT 1) AS t").fetch_one(&mut *self.tx).await?;
        if row.try_get::<i64, _>(0)? > 0 {
            return Err(Error::AlreadySeeded);
        }
        Ok(())
    }

    /// Queues a campaign, writing the queue out once it holds enough delivery rows for full statements.
    pub async fn push(&mut self, campaign: CampaignRecord) -> Result<(), Error> {
        self.pending_rows += campaign.ad_sets.iter().map(|a| a.delivery.len()).sum::<usize>();
        self.pending.push(campaign);
        if self.pending_rows >= FLUSH_DELIVERY_ROWS {
            self.flush().await?;
        }
        Ok(())
    }

    /// Writes what is queued, rebuilds the rollup and commits; returns how many rows were written.
    pub async fn commit(mut self) -> Result<Counts, Error> {
        self.flush().await?;
        refresh_rollup(&mut self.tx, None).await?;
        self.tx.commit().await?;
        self.cache.clear();
        Ok(self.written)
    }

    /// Inserts the queued campaigns, then their ad sets, then their delivery (the foreign keys' order).
    async fn flush(&mut self) -> Result<(), Error> {
        let campaigns = std::mem::take(&mut self.pending);
        self.pending_rows = 0;
        let ad_sets: Vec<(&CampaignRecord, &AdSetRecord)> =
            campaigns.iter().flat_map(|c| c.ad_sets.iter().map(move |a| (c, a))).collect();
        let delivery: Vec<(i64, &DeliveryDay)> =
            ad_sets.iter().flat_map(|(_, a)| a.delivery.iter().map(|d| (a.id, d))).collect();
        let engine = self.engine;
        let new_months: Vec<String> = delivery
            .iter()
            .map(|(_, d)| month_of(d.day))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter(|m| !self.months.contains(m))
            .collect();
        let conn: &mut AnyConnection = &mut self.tx;
        ensure_partitions(conn, engine, &new_months).await?;
        self.months.extend(new_months);

        insert(conn, engine, "campaigns", CAMPAIGN_COLUMNS, &campaigns, |q, c| {
            q.bind(c.id)
                .bind(c.name.clone())
                .bind(c.ad_category.clone())
                .bind(c.objective.as_str())
                .bind(c.country.as_str())
                .bind(c.start.to_string())
                .bind(c.end.to_string())
                .bind(c.budget_micros)
                .bind(c.currency.as_str())
        })
        .await?;
        insert(conn, engine, "ad_sets", AD_SET_COLUMNS, &ad_sets, |q, (c, a)| {
            q.bind(a.id)
                .bind(c.id)
                .bind(a.name.clone())
                .bind(c.country.as_str())
                .bind(a.asset_format.as_str())
                .bind(a.placement.as_str())
                .bind(c.objective.as_str())
                .bind(i64::from(a.age_min))
                .bind(i64::from(a.age_max))
                .bind(a.gender.map(|g| g.as_str()))
                .bind(a.platform.map(|p| p.as_str()))
                .bind(a.interest.clone())
                .bind(a.budget_micros)
                .bind(c.currency.as_str())
                .bind(a.start.to_string())
                .bind(a.end.to_string())
                .bind(int(a.audience_size))
        })
        .await?;
        insert(conn, engine, "delivery", DELIVERY_COLUMNS, &delivery, |q, (ad_set_id, d)| {
            q.bind(*ad_set_id)
                .bind(d.day.to_string())
                .bind(int(d.impressions))
                .bind(int(d.reach))
                .bind(int(d.clicks))
                .bind(d.spend_micros)
                .bind(int(d.completes))
                .bind(int(d.results))
        })
        .await?;

        self.written.campaigns += campaigns.len() as u64;
        self.written.ad_sets += ad_sets.len() as u64;
        self.written.delivery_rows += delivery.len() as u64;
        Ok(())
    }
}

const CAMPAIGN_COLUMNS: &[&str] =
    &["id", "name", "ad_category", "objective", "country", "start_day", "end_day", "budget_micros", "currency"];

const AD_SET_COLUMNS: &[&str] = &[
    "id",
    "campaign_id",
    "name",
    "country",
    "asset_format",
    "placement",
    "objective",
    "age_min",
    "age_max",
    "gender",
    "platform",
    "interest",
    "budget_micros",
    "currency",
    "start_day",
    "end_day",
    "audience_size",
];

const DELIVERY_COLUMNS: &[&str] =
    &["ad_set_id", "day", "impressions", "reach", "clicks", "spend_micros", "completes", "results"];

/// Counts are `u64` in the wire types and `BIGINT` in the schema; no real count comes near `i64::MAX`.
fn int(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// Inserts `rows` with as few multi-row statements as the bind-parameter limit allows.
async fn insert<R>(
    conn: &mut AnyConnection,
    engine: Engine,
    table: &str,
    columns: &[&str],
    rows: &[R],
    bind: impl Fn(AnyQuery, &R) -> AnyQuery,
) -> Result<(), Error> {
    let per_statement = MAX_BIND_PARAMETERS / columns.len();
    for chunk in rows.chunks(per_statement) {
        let tuples: Vec<String> = (0..chunk.len())
            .map(|i| format!("({})", engine.placeholders(1 + i * columns.len(), columns.len())))
            .collect();
        let sql = format!("INSERT INTO {table} ({}) VALUES {}", columns.join(", "), tuples.join(", "));
        let statement = chunk.iter().fold(sqlx::query(AssertSqlSafe(sql)), &bind);
        statement.execute(&mut *conn).await?;
    }
    Ok(())
}

/// `YYYY-MM`: the month a day's delivery is partitioned into.
fn month_of(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

/// Advisory-lock key that serialises the creation of delivery partitions across processes.
const PARTITION_LOCK: i64 = 0x6d69_7874_6170_6501;

/// Makes sure PostgreSQL's `delivery` has a partition for each `YYYY-MM` month (rows of a month without
/// one would land in `delivery_default`); a no-op on SQLite. Call it inside the writing transaction before
/// inserting a month's delivery: the partitions then appear, or not, with the history they hold.
///
/// Creating a partition locks `delivery` until commit. The planner never reads `delivery` (only the
/// rollup), so plans are not held up; concurrent writers of new months queue on an advisory lock, which
/// keeps two of them from creating the same partition at once.
pub(crate) async fn ensure_partitions(
    conn: &mut AnyConnection,
    engine: Engine,
    months: &[String],
) -> Result<(), Error> {
    if engine != Engine::Postgres || months.is_empty() {
        return Ok(());
    }
    let mut bounds = Vec::with_capacity(months.len());
    for month in months {
        // The bounds are spliced into DDL (which takes no parameters), so only a real month gets through.
        let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
            .ok()
            .filter(|d| month_of(*d) == *month)
            .ok_or_else(|| Error::Corrupt(format!("`{month}` is not a YYYY-MM month")))?;
        let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(NaiveDate::MAX);
        bounds.push((month.replace('-', "_"), first, next));
    }
    let existing: BTreeSet<String> = sqlx::query(
        "SELECT CAST(c.relname AS TEXT) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'delivery'",
    )
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| row.try_get::<String, _>(0))
    .collect::<Result<_, _>>()?;
    let missing: Vec<_> =
        bounds.into_iter().filter(|(suffix, ..)| !existing.contains(&format!("delivery_{suffix}"))).collect();
    if missing.is_empty() {
        return Ok(());
    }
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(PARTITION_LOCK).execute(&mut *conn).await?;
    for (suffix, first, next) in missing {
        let ddl = format!(
            "CREATE TABLE IF NOT EXISTS delivery_{suffix} PARTITION OF delivery FOR VALUES FROM ('{first}') TO ('{next}')"
        );
        sqlx::query(AssertSqlSafe(ddl)).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Rebuilds `ad_set_rollup` from `ad_sets` and `delivery`: all of it (`scope` = `None`, after a seed), or
/// only the ad sets whose ids the SQL subquery `scope` selects (after an import, which touches a few).
/// `CAST(SUM(..) AS BIGINT)` keeps the sums 64-bit integers on PostgreSQL, whose `SUM(BIGINT)` is `NUMERIC`.
/// Rows go in in key order, so that on PostgreSQL (whose tables are heaps, not clustered on their key as
/// SQLite's `WITHOUT ROWID` table is) one group's recent ad sets share a few pages instead of one each.
pub(crate) async fn refresh_rollup(conn: &mut AnyConnection, scope: Option<&str>) -> Result<(), Error> {
    let (rollup_filter, ad_set_filter, delivery_filter) = match scope {
        None => (String::new(), String::new(), String::new()),
        Some(ids) => (
            format!(" WHERE ad_set_id IN ({ids})"),
            format!(" WHERE s.id IN ({ids})"),
            format!(" WHERE ad_set_id IN ({ids})"),
        ),
    };
    sqlx::query(AssertSqlSafe(format!("DELETE FROM ad_set_rollup{rollup_filter}"))).execute(&mut *conn).await?;
    let insert = format!(
        "INSERT INTO ad_set_rollup (ad_set_id, country, asset_format, placement, objective, start_day, end_day, \
             currency, booked_micros, spend_micros, impressions, reach, clicks, completes, results, \
             audience_size, age_min, age_max, gender, platform, interest, packed) \
         SELECT r.*, {packed} FROM ( \
             SELECT s.id AS ad_set_id, s.country AS country, s.asset_format AS asset_format, \
                 s.placement AS placement, s.objective AS objective, s.start_day AS start_day, \
                 s.end_day AS end_day, s.currency AS currency, s.budget_micros AS booked_micros, \
                 COALESCE(d.spend_micros, 0) AS spend_micros, COALESCE(d.impressions, 0) AS impressions, \
                 COALESCE(d.reach, 0) AS reach, COALESCE(d.clicks, 0) AS clicks, \
                 COALESCE(d.completes, 0) AS completes, COALESCE(d.results, 0) AS results, \
                 s.audience_size AS audience_size, s.age_min AS age_min, s.age_max AS age_max, \
                 s.gender AS gender, s.platform AS platform, s.interest AS interest \
             FROM ad_sets s LEFT JOIN ( \
                 SELECT ad_set_id, CAST(SUM(spend_micros) AS BIGINT) AS spend_micros, \
                     CAST(SUM(impressions) AS BIGINT) AS impressions, CAST(SUM(reach) AS BIGINT) AS reach, \
                     CAST(SUM(clicks) AS BIGINT) AS clicks, CAST(SUM(completes) AS BIGINT) AS completes, \
                     CAST(SUM(results) AS BIGINT) AS results \
                 FROM delivery{delivery_filter} GROUP BY ad_set_id \
             ) d ON d.ad_set_id = s.id{ad_set_filter} \
         ) AS r \
         ORDER BY r.country, r.objective, r.asset_format, r.placement, r.start_day, r.ad_set_id",
        packed = super::read::packed_record(),
    );
    sqlx::query(AssertSqlSafe(insert)).execute(&mut *conn).await?;
    Ok(())
}
