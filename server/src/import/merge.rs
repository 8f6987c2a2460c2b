//! The set-based half of an import, on the staging table (`stage.rs`) inside the importing transaction:
//! the cross-row checks, which mark rows rejected with a reason, then the merge of the rows left into
//! `campaigns`, `ad_sets` and `delivery`. The same SQL runs on both engines.
//!
//! Merging, per ad set of the file: the ad set and its campaign are found by external id (or created, with
//! ids above the current largest, numbered in order of first appearance in the file) and take the file's
//! attributes; its delivery from its first to its last day in the file becomes the file's (days stated
//! again unchanged are left alone, so an unchanged file writes no delivery); then its dates, its
//! campaign's dates, budget and country, and its rollup row are derived again from what the store holds.

use futures::TryStreamExt;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::RowError;
use crate::Error;
use crate::store::{self, Engine};

/// What must agree across the rows of one ad set: staging column, and the export column it came from.
const AD_SET_FIELDS: [(&str, &str); 13] = [
    ("campaign_id", "campaign_id"),
    ("ad_set_name", "ad_set_name"),
    ("objective", "objective"),
    ("asset_format", "format"),
    ("placement", "placement"),
    ("country", "country"),
    ("age_min", "age_range"),
    ("age_max", "age_range"),
    ("gender", "gender"),
    ("platform", "platform"),
    ("interest", "interest"),
    ("budget_micros", "budget"),
    ("currency", "currency"),
];

/// What must agree across the rows of one campaign.
const CAMPAIGN_FIELDS: [(&str, &str); 4] = [
    ("campaign_name", "campaign_name"),
    ("objective", "objective"),
    ("currency", "currency"),
    ("ad_category", "ad_category"),
];

/// The transaction's own scratch tables.
const TEMP_TABLES: [&str; 4] = ["import_ad_sets", "import_campaigns", "import_touched", "import_ids"];

/// What a merge changed.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Merged {
    /// Rows of the file now in the store.
    pub rows: u64,
    pub campaigns: u64,
    pub ad_sets: u64,
    pub replaced: u64,
}

/// Runs a statement; returns the rows it changed. Each statement's time is logged at debug level
/// (`MIXTAPE_LOG=server::import=debug`), which shows where an import's time goes.
async fn run(conn: &mut AnyConnection, sql: impl Into<String>) -> Result<u64, Error> {
    let sql = sql.into();
    let started = std::time::Instant::now();
    let rows = sqlx::query(AssertSqlSafe(sql.clone())).execute(&mut *conn).await?.rows_affected();
    tracing::debug!(elapsed = ?started.elapsed(), rows, "{}", sql.get(..80).unwrap_or(&sql));
    Ok(rows)
}

/// The one integer a query returns (logged like [`run`]).
async fn scalar(conn: &mut AnyConnection, sql: impl Into<String>) -> Result<i64, Error> {
    let sql = sql.into();
    let started = std::time::Instant::now();
    let value = sqlx::query(AssertSqlSafe(sql.clone())).fetch_one(&mut *conn).await?.try_get::<i64, _>(0)?;
    tracing::debug!(elapsed = ?started.elapsed(), value, "{}", sql.get(..80).unwrap_or(&sql));
    Ok(value)
}

fn temp_prefix(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "temp.",
        Engine::Postgres => "pg_temp.",
    }
}

/// Drops the transaction's scratch tables (a failed import rolls their creation back instead).
pub(crate) async fn drop_temp_tables(conn: &mut AnyConnection, engine: Engine) -> Result<(), Error> {
    for table in TEMP_TABLES {
        run(conn, format!("DROP TABLE IF EXISTS {}{table}", temp_prefix(engine))).await?;
    }
    Ok(())
}

/// Readies the loaded staging table for the checks and the merge: indexes on SQLite, statistics and
/// working memory on PostgreSQL.
pub(crate) async fn prepare(conn: &mut AnyConnection, engine: Engine, table: &str) -> Result<(), Error> {
    if engine == Engine::Postgres {
        // The checks and the merge hash-join and group the whole file: with more than the default 4 MB of
        // working memory (for this transaction only) they stay off disk. No index pays for its build here.
        run(conn, "SET LOCAL work_mem = '64MB'").await?;
        run(conn, format!("ANALYZE {table}")).await?;
        return Ok(());
    }
    run(conn, format!("CREATE INDEX {table}_by_ad_set ON {table} (ad_set_id, day)")).await?;
    run(conn, format!("CREATE INDEX {table}_by_campaign ON {table} (campaign_id)")).await?;
    Ok(())
}

/// Marks the rows that break a cross-row rule, each with the first rule it breaks: a repeated
/// (ad set, day); an ad-set attribute that differs from the ad set's first line; a campaign attribute
/// that differs from the campaign's first line; a campaign whose ad sets in the store, outside the file,
/// have another objective or currency. Only rows not already rejected take part.
pub(crate) async fn check(conn: &mut AnyConnection, table: &str) -> Result<(), Error> {
    // Duplicates are looked for among one number per row first (grouping a million of those is quick).
    let repeated = format!("SELECT day_fp FROM {table} WHERE error IS NULL GROUP BY day_fp HAVING COUNT(*) > 1");
    if scalar(conn, format!("SELECT COUNT(*) FROM ({repeated}) AS r")).await? > 0 {
        run(
            conn,
            format!(
                "UPDATE {table} AS s SET error = 'duplicate of line ' || CAST(f.first AS TEXT) || \
                     ' (same ad_set_id and date)' \
                 FROM (SELECT ad_set_id, day, MIN(line) AS first FROM {table} WHERE error IS NULL \
                       AND day_fp IN ({repeated}) GROUP BY ad_set_id, day HAVING COUNT(*) > 1) AS f \
                 WHERE s.ad_set_id = f.ad_set_id AND s.day = f.day AND s.line > f.first AND s.error IS NULL"
            ),
        )
        .await?;
    }
    agree(conn, table, "ad_set_id", "ad_set_fp", "ad set", &AD_SET_FIELDS).await?;
    agree(conn, table, "campaign_id", "campaign_fp", "campaign", &CAMPAIGN_FIELDS).await?;
    run(
        conn,
        format!(
            "UPDATE {table} SET error = 'campaign `' || campaign_id || '` has ad sets in the store that this \
                 file does not list, with another objective or currency' \
             WHERE error IS NULL AND campaign_id IN ( \
                 SELECT c.external_id FROM campaigns c \
                 JOIN (SELECT DISTINCT campaign_id, objective, currency FROM {table} WHERE error IS NULL) f \
                     ON f.campaign_id = c.external_id \
                 JOIN ad_sets a ON a.campaign_id = c.id \
                 WHERE (a.objective <> f.objective OR a.currency <> f.currency) \
                     AND NOT EXISTS (SELECT 1 FROM {table} x WHERE x.ad_set_id = a.external_id AND x.error IS NULL))"
        ),
    )
    .await?;
    Ok(())
}

/// Rejects the rows of a group (`key`) that differ from the group's first line in one of `fields`, naming
/// the first such field. The rows' fingerprints of those fields (`fingerprint`) tell first, cheaply, whether
/// any group has rows that differ at all.
async fn agree(
    conn: &mut AnyConnection,
    table: &str,
    key: &str,
    fingerprint: &str,
    what: &str,
    fields: &[(&str, &str)],
) -> Result<u64, Error> {
    let mixed = format!(
        "SELECT {key} FROM {table} WHERE error IS NULL GROUP BY {key} HAVING MIN({fingerprint}) <> MAX({fingerprint})"
    );
    if scalar(conn, format!("SELECT COUNT(*) FROM ({mixed}) AS m")).await? == 0 {
        return Ok(0);
    }
    let whens: Vec<String> = fields.iter().map(|(c, name)| format!("WHEN s.{c} <> f.{c} THEN '{name}'")).collect();
    let differs = format!("(CASE {} END)", whens.join(" "));
    run(
        conn,
        format!(
            "UPDATE {table} AS s SET error = '`' || {differs} || '` disagrees with line ' || CAST(f.line AS TEXT) \
                 || ', the first line of {what} `' || s.{key} || '`' \
             FROM (SELECT t.* FROM {table} t JOIN (SELECT {key} AS k, MIN(line) AS first FROM {table} \
                   WHERE error IS NULL GROUP BY {key}) m ON t.line = m.first) AS f \
             WHERE s.{key} = f.{key} AND s.line > f.line AND s.error IS NULL AND {differs} IS NOT NULL \
                 AND s.{key} IN ({mixed})"
        ),
    )
    .await
}

/// How many rows are rejected.
pub(crate) async fn rejected(conn: &mut AnyConnection, table: &str) -> Result<u64, Error> {
    let n = scalar(conn, format!("SELECT COUNT(*) FROM {table} WHERE error IS NOT NULL")).await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The first `limit` rejected rows, in line order.
pub(crate) async fn first_rejects(conn: &mut AnyConnection, table: &str, limit: usize) -> Result<Vec<RowError>, Error> {
    let sql = format!("SELECT line, error FROM {table} WHERE error IS NOT NULL ORDER BY line LIMIT {limit}");
    let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| Ok(RowError { line: u64::try_from(r.try_get::<i64, _>(0)?).unwrap_or(0), reason: r.try_get(1)? }))
        .collect()
}

/// Every rejected row's line and reason, in line order, to `each`.
pub(crate) async fn for_each_reject(
    conn: &mut AnyConnection,
    table: &str,
    mut each: impl FnMut(u64, &str) -> Result<(), Error>,
) -> Result<(), Error> {
    let sql = format!("SELECT line, error FROM {table} WHERE error IS NOT NULL ORDER BY line");
    let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(&mut *conn);
    while let Some(row) = rows.try_next().await? {
        let line = u64::try_from(row.try_get::<i64, _>(0)?).unwrap_or(0);
        let reason: String = row.try_get(1)?;
        each(line, &reason)?;
    }
    Ok(())
}

/// Merges the rows not rejected into the history (see the module docs).
pub(crate) async fn merge(conn: &mut AnyConnection, engine: Engine, table: &str) -> Result<Merged, Error> {
    drop_temp_tables(conn, engine).await?;
    let valid = format!("{table} WHERE error IS NULL");
    // Each ad set and campaign as its first line in the file says (the checks made the others agree).
    run(
        conn,
        format!(
            "CREATE TEMP TABLE import_ad_sets AS \
             SELECT s.ad_set_id, s.campaign_id, s.ad_set_name, s.objective, s.asset_format, s.placement, \
                 s.country, s.age_min, s.age_max, s.gender, s.platform, s.interest, s.budget_micros, s.currency, \
                 s.audience_size, m.first_line, m.first_day, m.last_day \
             FROM {table} s JOIN (SELECT ad_set_id, MIN(line) AS first_line, MIN(day) AS first_day, \
                 MAX(day) AS last_day FROM {valid} GROUP BY ad_set_id) m ON s.line = m.first_line"
        ),
    )
    .await?;
    run(
        conn,
        format!(
            "CREATE TEMP TABLE import_campaigns AS \
             SELECT s.campaign_id, s.campaign_name, s.ad_category, s.objective, s.currency, m.first_line \
             FROM {table} s JOIN (SELECT campaign_id, MIN(line) AS first_line FROM {valid} GROUP BY campaign_id) m \
                 ON s.line = m.first_line"
        ),
    )
    .await?;
    run(conn, "CREATE INDEX import_campaigns_by_id ON import_campaigns (campaign_id)").await?;
    run(conn, "CREATE UNIQUE INDEX import_ad_sets_by_id ON import_ad_sets (ad_set_id)").await?;
    // The campaigns an ad set of the file belongs to now, before it may move to another one.
    run(
        conn,
        "CREATE TEMP TABLE import_touched AS SELECT DISTINCT x.campaign_id AS id FROM ad_sets x \
         JOIN import_ad_sets a ON x.external_id = a.ad_set_id",
    )
    .await?;

    run(
        conn,
        "UPDATE campaigns SET name = c.campaign_name, ad_category = c.ad_category, objective = c.objective, \
             currency = c.currency \
         FROM import_campaigns c WHERE campaigns.external_id = c.campaign_id",
    )
    .await?;
    // Placeholder dates, budget and country, derived again below once the delivery is in.
    run(
        conn,
        "INSERT INTO campaigns (id, external_id, name, ad_category, objective, country, start_day, end_day, \
             budget_micros, currency) \
         SELECT (SELECT COALESCE(MAX(id), 0) FROM campaigns) + ROW_NUMBER() OVER (ORDER BY c.first_line), \
             c.campaign_id, c.campaign_name, c.ad_category, c.objective, a.country, a.first_day, a.last_day, \
             a.budget_micros, c.currency \
         FROM import_campaigns c JOIN (SELECT campaign_id, MIN(country) AS country, MIN(first_day) AS first_day, \
             MAX(last_day) AS last_day, CAST(SUM(budget_micros) AS BIGINT) AS budget_micros \
             FROM import_ad_sets GROUP BY campaign_id) a ON a.campaign_id = c.campaign_id \
         WHERE NOT EXISTS (SELECT 1 FROM campaigns x WHERE x.external_id = c.campaign_id)",
    )
    .await?;

    let largest_before = scalar(conn, "SELECT COALESCE(MAX(id), 0) FROM ad_sets").await?;
    // The file's days will replace those in its range and days outside it remain. An ad set's dates are
    // always its first and last day of delivery, so the new ones follow from the old ones and the file's.
    let existing = run(
        conn,
        "UPDATE ad_sets SET campaign_id = c.id, name = a.ad_set_name, country = a.country, \
             asset_format = a.asset_format, placement = a.placement, objective = a.objective, \
             age_min = a.age_min, age_max = a.age_max, gender = NULLIF(a.gender, ''), \
             platform = NULLIF(a.platform, ''), interest = NULLIF(a.interest, ''), \
             budget_micros = a.budget_micros, currency = a.currency, audience_size = a.audience_size, \
             start_day = CASE WHEN ad_sets.start_day < a.first_day THEN ad_sets.start_day ELSE a.first_day END, \
             end_day = CASE WHEN ad_sets.end_day > a.last_day THEN ad_sets.end_day ELSE a.last_day END \
         FROM import_ad_sets a JOIN campaigns c ON c.external_id = a.campaign_id \
         WHERE ad_sets.external_id = a.ad_set_id",
    )
    .await?;
    run(
        conn,
        "INSERT INTO ad_sets (id, external_id, campaign_id, name, country, asset_format, placement, objective, \
             age_min, age_max, gender, platform, interest, budget_micros, currency, start_day, end_day, \
             audience_size) \
         SELECT (SELECT COALESCE(MAX(id), 0) FROM ad_sets) + ROW_NUMBER() OVER (ORDER BY a.first_line), \
             a.ad_set_id, c.id, a.ad_set_name, a.country, a.asset_format, a.placement, a.objective, a.age_min, \
             a.age_max, NULLIF(a.gender, ''), NULLIF(a.platform, ''), NULLIF(a.interest, ''), a.budget_micros, \
             a.currency, a.first_day, a.last_day, a.audience_size \
         FROM import_ad_sets a JOIN campaigns c ON c.external_id = a.campaign_id \
         WHERE NOT EXISTS (SELECT 1 FROM ad_sets x WHERE x.external_id = a.ad_set_id)",
    )
    .await?;
    run(
        conn,
        format!(
            "CREATE TEMP TABLE import_ids AS \
             SELECT x.id, a.ad_set_id AS external_id, a.first_day, a.last_day, \
                 CASE WHEN x.id <= {largest_before} THEN 1 ELSE 0 END AS existed \
             FROM import_ad_sets a JOIN ad_sets x ON x.external_id = a.ad_set_id"
        ),
    )
    .await?;
    run(conn, "CREATE UNIQUE INDEX import_ids_by_id ON import_ids (id)").await?;
    run(conn, "CREATE UNIQUE INDEX import_ids_by_external_id ON import_ids (external_id)").await?;
    if engine == Engine::Postgres {
        // Autovacuum never analyzes temporary tables.
        run(conn, "ANALYZE import_ids").await?;
    }

    // Replacing: the days in the file's range that it does not state again, identically, go; the file's
    // days that are not in the store go in. Re-importing an unchanged file so writes nothing.
    let same = "s.day = delivery.day AND s.error IS NULL AND s.impressions = delivery.impressions \
                AND s.reach = delivery.reach AND s.clicks = delivery.clicks \
                AND s.spend_micros = delivery.spend_micros AND s.completes = delivery.completes \
                AND s.results = delivery.results";
    let replaced = match (existing, engine) {
        (0, _) => 0,
        (_, Engine::Sqlite) => {
            run(
                conn,
                format!(
                    "DELETE FROM delivery WHERE ad_set_id IN (SELECT id FROM import_ids WHERE existed = 1) \
                         AND day >= (SELECT m.first_day FROM import_ids m WHERE m.id = delivery.ad_set_id) \
                         AND day <= (SELECT m.last_day FROM import_ids m WHERE m.id = delivery.ad_set_id) \
                         AND NOT EXISTS (SELECT 1 FROM {table} s JOIN import_ids m ON s.ad_set_id = m.external_id \
                             WHERE m.id = delivery.ad_set_id AND {same})"
                ),
            )
            .await?
        }
        // The same, as the join PostgreSQL plans best (SQLite has no DELETE … USING).
        (_, Engine::Postgres) => {
            run(
                conn,
                format!(
                    "DELETE FROM delivery USING import_ids m WHERE delivery.ad_set_id = m.id AND m.existed = 1 \
                         AND delivery.day >= m.first_day AND delivery.day <= m.last_day \
                         AND NOT EXISTS (SELECT 1 FROM {table} s WHERE s.ad_set_id = m.external_id AND {same})"
                ),
            )
            .await?
        }
    };
    let months: Vec<String> =
        sqlx::query(AssertSqlSafe(format!("SELECT DISTINCT substr(day, 1, 7) FROM {valid} ORDER BY 1")))
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<_, _>>()?;
    store::ensure_partitions(conn, engine, &months).await?;
    // SQLite keeps `delivery` in key order: inserting in that order touches each page once.
    let order = if engine == Engine::Sqlite { " ORDER BY m.id, s.day" } else { "" };
    let insert = "INSERT INTO delivery (ad_set_id, day, impressions, reach, clicks, spend_micros, completes, \
                  results) SELECT m.id, s.day, s.impressions, s.reach, s.clicks, s.spend_micros, s.completes, \
                  s.results FROM import_ids m JOIN";
    run(
        conn,
        format!("{insert} {table} s ON s.ad_set_id = m.external_id WHERE s.error IS NULL AND m.existed = 0{order}"),
    )
    .await?;
    if existing > 0 {
        // The days of the range still in the store are the ones the file states again unchanged.
        run(
            conn,
            format!(
                "{insert} {table} s ON s.ad_set_id = m.external_id WHERE s.error IS NULL AND m.existed = 1 \
                 AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.ad_set_id = m.id AND d.day = s.day){order}"
            ),
        )
        .await?;
    }
    let rows = u64::try_from(scalar(conn, format!("SELECT COUNT(*) FROM {valid}")).await?).unwrap_or(0);

    run(
        conn,
        "UPDATE campaigns SET start_day = a.start_day, end_day = a.end_day, budget_micros = a.budget_micros, \
             country = a.country \
         FROM (SELECT campaign_id, MIN(start_day) AS start_day, MAX(end_day) AS end_day, \
                   CAST(SUM(budget_micros) AS BIGINT) AS budget_micros, MIN(country) AS country \
               FROM ad_sets WHERE campaign_id IN (SELECT id FROM import_touched \
                   UNION SELECT c.id FROM campaigns c JOIN import_campaigns i ON i.campaign_id = c.external_id) \
               GROUP BY campaign_id) AS a \
         WHERE campaigns.id = a.campaign_id",
    )
    .await?;
    // A campaign whose every ad set moved to another campaign in the corrected file.
    run(
        conn,
        "DELETE FROM campaigns WHERE id IN (SELECT id FROM import_touched) \
             AND NOT EXISTS (SELECT 1 FROM ad_sets a WHERE a.campaign_id = campaigns.id)",
    )
    .await?;
    store::refresh_rollup(conn, Some("SELECT id FROM import_ids")).await?;

    let campaigns = scalar(conn, "SELECT COUNT(*) FROM import_campaigns").await?;
    let ad_sets = scalar(conn, "SELECT COUNT(*) FROM import_ad_sets").await?;
    drop_temp_tables(conn, engine).await?;
    Ok(Merged {
        rows,
        campaigns: u64::try_from(campaigns).unwrap_or(0),
        ad_sets: u64::try_from(ad_sets).unwrap_or(0),
        replaced,
    })
}
