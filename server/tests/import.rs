//! `mixtape import`, on both engines (the harness is in `common/mod.rs`): the sample export imports and
//! the planner plans with it; imports are idempotent and a corrected file replaces what it covers; every
//! kind of bad input is refused with its exact reason and line, leaving the store exactly as it was; with
//! `--rejects` the good rows go in and exactly the bad ones go to the rejects file.

#[macro_use]
mod common;

use std::path::{Path, PathBuf};

use common::{Harness, mixtape};
use planner::performance::{PerformanceAnswer, PerformanceQuery};
use planner::types::{Country, Currency, Objective, Overrides};
use server::Error;
use server::import::{Failure, ImportErrors, ImportOptions, ImportReport, import_csv};
use server::seed::{SeedOptions, export_csv, seed};
use server::store::{Counts, Store};
use sqlx::Row;

const HEADER: &str = "date,campaign_id,campaign_name,ad_set_id,ad_set_name,objective,format,placement,country,\
                      age_range,gender,platform,budget,currency,spend,impressions,reach,frequency,clicks,\
                      completes,results,ad_category,interest";

/// A valid row: campaign `c-1`, ad set `as-1`, 2025-03-01.
const GOOD: &str = "2025-03-01,c-1,Spring launch,as-1,SE audio 18-34,REACH,AUDIO,MUSIC,SE,18-34,ALL,ALL,5000.00,\
                    SEK,1250.50,100000,40000,2.50,120,90000,40000,ADV_23_217,pop";

/// [`GOOD`] with some columns changed (values are written as they are: quote them if they need it).
fn row(changes: &[(&str, &str)]) -> String {
    let mut fields: Vec<String> = GOOD.split(',').map(str::to_owned).collect();
    for (column, value) in changes {
        let i = HEADER.split(',').position(|c| c == *column).expect("a column of the format");
        fields[i] = (*value).to_owned();
    }
    fields.join(",")
}

/// A file of [`HEADER`] and `rows`, each ended by a line end.
fn file(rows: &[String]) -> String {
    let mut text = format!("{HEADER}\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    text
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ads-manager-export.csv")
}

/// A temporary directory that keeps the test's files.
struct Files(tempfile::TempDir);

impl Files {
    fn new() -> Files {
        Files(tempfile::tempdir().expect("tempdir"))
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, contents).expect("write");
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
}

async fn import(store: &Store, path: &Path) -> ImportReport {
    import_csv(store, path, &ImportOptions::default()).await.expect("imports")
}

/// The import's errors; it must have failed with [`Error::Import`].
async fn refused(store: &Store, path: &Path) -> ImportErrors {
    match import_csv(store, path, &ImportOptions::default()).await {
        Err(Error::Import(errors)) => errors,
        other => panic!("expected the import to be refused, got {other:?}"),
    }
}

fn lines(errors: &ImportErrors) -> Vec<(u64, &str)> {
    errors.errors.iter().map(|e| (e.line, e.reason.as_str())).collect()
}

fn everything() -> PerformanceQuery {
    PerformanceQuery { countries: Country::ALL.to_vec(), objectives: Objective::ALL.to_vec() }
}

/// What a half-written import would change: the counts, the import log, the delivery, the planner's answer.
#[derive(Debug, PartialEq)]
struct Snapshot {
    counts: Counts,
    imports: i64,
    delivery: (i64, i64),
    answer: String,
}

async fn snapshot(store: &Store) -> Snapshot {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM imports), (SELECT COUNT(*) FROM delivery), \
         (SELECT CAST(COALESCE(SUM(spend_micros), 0) AS BIGINT) FROM delivery)",
    )
    .fetch_one(store.pool())
    .await
    .expect("snapshot");
    let answer: PerformanceAnswer = store.read_performance(&everything()).await.expect("answer");
    Snapshot {
        counts: store.counts().await.expect("counts"),
        imports: row.get(0),
        delivery: (row.get(1), row.get(2)),
        answer: serde_json::to_string(&answer).expect("json"),
    }
}

/// A store holding the sample, and its snapshot: bad imports must leave both as they are.
async fn with_sample(h: &Harness) -> (Store, Snapshot) {
    let store = h.store().await;
    import(&store, &sample()).await;
    let before = snapshot(&store).await;
    (store, before)
}

/// Each day's spend of an external ad set, in micros.
async fn spend_by_day(store: &Store, ad_set: &str) -> Vec<(String, i64)> {
    sqlx::query(
        "SELECT d.day, d.spend_micros FROM delivery d JOIN ad_sets a ON a.id = d.ad_set_id \
         WHERE a.external_id = $1 ORDER BY d.day",
    )
    .bind(ad_set)
    .fetch_all(store.pool())
    .await
    .expect("delivery")
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

/// Exact micro-units of a decimal amount as the sample writes them.
fn micros(amount: &str) -> i64 {
    let (units, fraction) = amount.split_once('.').unwrap_or((amount, ""));
    units.parse::<i64>().expect("units") * 1_000_000 + format!("{fraction:0<6}").parse::<i64>().expect("fraction")
}

// ---------------------------------------------------------------------------------------------------------
// Test bodies.

async fn the_sample_imports_and_the_planner_plans_with_it(h: &Harness) {
    let store = h.store().await;
    let report = import(&store, &sample()).await;

    // What the sample holds, read independently of the importer.
    let mut reader = csv::Reader::from_path(sample()).expect("sample");
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("record")).collect();
    let distinct =
        |column: usize| records.iter().map(|r| r[column].to_owned()).collect::<std::collections::BTreeSet<_>>();
    let (campaigns, ad_sets) = (distinct(1), distinct(3));
    assert_eq!(
        (report.rows, report.imported, report.rejected, report.campaigns, report.ad_sets, report.delivery_replaced),
        (records.len() as u64, records.len() as u64, 0, campaigns.len() as u64, ad_sets.len() as u64, 0)
    );
    let counts = store.counts().await.expect("counts");
    assert_eq!(
        (counts.campaigns, counts.ad_sets, counts.delivery_rows),
        (campaigns.len() as u64, ad_sets.len() as u64, records.len() as u64)
    );
    assert!(campaigns.len() >= 8 && distinct(8).len() >= 6 && distinct(5).len() >= 5, "a varied sample");

    // The planner's history: every ad set, its spend summed exactly, its budget and currency as in the file.
    let answer = store.read_performance(&everything()).await.expect("answer");
    assert_eq!(answer.ad_sets.len(), ad_sets.len());
    for ad_set in &ad_sets {
        let rows: Vec<_> = records.iter().filter(|r| &r[3] == ad_set).collect();
        let spend: i64 = rows.iter().map(|r| micros(&r[14])).sum();
        let impressions: u64 = rows.iter().map(|r| r[15].parse::<u64>().expect("impressions")).sum();
        let (country, currency, booked) = (&rows[0][8], &rows[0][13], micros(&rows[0][12]));
        let found = answer
            .ad_sets
            .iter()
            .filter(|a| a.spend_micros == spend && a.impressions == impressions && a.booked_micros == booked)
            .collect::<Vec<_>>();
        assert_eq!(found.len(), 1, "{ad_set}");
        assert_eq!((found[0].country.as_str(), found[0].currency.as_str()), (country, currency));
        assert_eq!(found[0].duration_days as usize, rows.len(), "one row per day");
        assert!(found[0].audience_size > 0, "the planner skips history without an audience");
    }

    // The planner grounds a plan in it.
    let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
    let messages = vec!["Reach people in the US next month, $20,000".to_owned()];
    let response =
        server::plan_conversation(today, &messages, &Overrides::default(), &store, None).await.expect("plans");
    let plan = response.plan.expect("a plan");
    assert_eq!(plan.ad_sets[0].budget.currency, Currency::Usd);
    assert!(plan.ad_sets.iter().any(|a| a.evidence.comparable_campaigns > 0), "grounded in the sample");
}

async fn importing_twice_changes_nothing(h: &Harness) {
    let (store, before) = with_sample(h).await;
    let tables = |store: Store| async move {
        let sql = "SELECT (SELECT string_agg(concat_ws('|', id, external_id, name, ad_category, objective, country, \
                       start_day, end_day, budget_micros, currency), ';' ORDER BY id) FROM campaigns), \
                   (SELECT string_agg(concat_ws('|', id, external_id, campaign_id, name, budget_micros, start_day, \
                       end_day, audience_size, gender, platform, interest), ';' ORDER BY id) FROM ad_sets)";
        let row = sqlx::query(sql).fetch_one(store.pool()).await.expect("tables");
        (row.get::<String, _>(0), row.get::<String, _>(1))
    };
    let first = tables(store.clone()).await;
    let again = import(&store, &sample()).await;
    assert_eq!((again.imported, again.delivery_replaced), (again.rows, 0), "nothing to replace");
    let after = snapshot(&store).await;
    assert_eq!(after, Snapshot { imports: before.imports + 1, ..before }, "only the log grows");
    assert_eq!(tables(store.clone()).await, first);
}

async fn a_corrected_file_replaces_what_it_covers(h: &Harness) {
    let store = h.store().await;
    let files = Files::new();
    let day = |ad_set: &str, d: u32, spend: &str| {
        row(&[("ad_set_id", ad_set), ("date", &format!("2025-03-0{d}")), ("spend", spend)])
    };
    let first: Vec<String> =
        (1..=5).map(|d| day("as-1", d, "100")).chain((1..=3).map(|d| day("as-2", d, "7"))).collect();
    import(&store, &files.write("first.csv", file(&first))).await;
    assert_eq!(spend_by_day(&store, "as-1").await.len(), 5);

    // Day 3 re-stated, day 4 dropped, a new budget and name; as-2 is not in the file and stays.
    let corrected: Vec<String> = [(1, "100"), (2, "100"), (3, "250.25"), (5, "100")]
        .iter()
        .map(|(d, spend)| {
            row(&[
                ("date", &format!("2025-03-0{d}")),
                ("spend", spend),
                ("budget", "6000"),
                ("ad_set_name", "SE audio 18-34 v2"),
            ])
        })
        .collect();
    let report = import(&store, &files.write("corrected.csv", file(&corrected))).await;
    // Replaced: day 3 (another spend) and day 4 (left out); days 1, 2 and 5 are stated again unchanged.
    assert_eq!((report.imported, report.delivery_replaced, report.ad_sets, report.campaigns), (4, 2, 1, 1));
    let expected = |days: &[(u32, i64)]| -> Vec<(String, i64)> {
        days.iter().map(|(d, m)| (format!("2025-03-0{d}"), *m)).collect()
    };
    assert_eq!(
        spend_by_day(&store, "as-1").await,
        expected(&[(1, 100_000_000), (2, 100_000_000), (3, 250_250_000), (5, 100_000_000)])
    );
    assert_eq!(spend_by_day(&store, "as-2").await, expected(&[(1, 7_000_000), (2, 7_000_000), (3, 7_000_000)]));
    let ad_set = sqlx::query("SELECT name, budget_micros, start_day, end_day FROM ad_sets WHERE external_id = 'as-1'")
        .fetch_one(store.pool())
        .await
        .expect("ad set");
    assert_eq!(ad_set.get::<String, _>(0), "SE audio 18-34 v2");
    assert_eq!(ad_set.get::<i64, _>(1), 6_000_000_000);
    let campaign = sqlx::query("SELECT budget_micros, start_day, end_day FROM campaigns WHERE external_id = 'c-1'")
        .fetch_one(store.pool())
        .await
        .expect("campaign");
    assert_eq!(campaign.get::<i64, _>(0), 11_000_000_000, "the sum of its ad sets' budgets");
    assert_eq!(
        (campaign.get::<String, _>(1), campaign.get::<String, _>(2)),
        ("2025-03-01".into(), "2025-03-05".into())
    );

    // A file covering days 2-3 only leaves days 1 and 5, and the ad set's flight, alone.
    let middle = vec![row(&[("date", "2025-03-02"), ("spend", "1")]), row(&[("date", "2025-03-03"), ("spend", "2")])];
    let report = import(&store, &files.write("middle.csv", file(&middle))).await;
    assert_eq!(report.delivery_replaced, 2);
    assert_eq!(
        spend_by_day(&store, "as-1").await,
        expected(&[(1, 100_000_000), (2, 1_000_000), (3, 2_000_000), (5, 100_000_000)])
    );
    let sweden = PerformanceQuery { countries: vec![Country::Se], objectives: vec![Objective::Reach] };
    let rolled = store.read_performance(&sweden).await.expect("answer").ad_sets;
    let as_1 =
        rolled.iter().find(|a| a.duration_days == 5 && a.booked_micros == 5_000_000_000).expect("as-1 rolled up");
    assert_eq!(as_1.spend_micros, 203_000_000, "the rollup follows");
}

async fn ad_sets_move_between_campaigns_and_campaigns_keep_one_currency(h: &Harness) {
    let store = h.store().await;
    let files = Files::new();
    let first = [row(&[]), row(&[("ad_set_id", "as-2"), ("budget", "1000")])];
    import(&store, &files.write("first.csv", file(&first))).await;

    // Both ad sets move to c-2: c-1 is left empty and goes; c-2 sums their budgets.
    let moved = [
        row(&[("campaign_id", "c-2"), ("campaign_name", "Merged")]),
        row(&[("campaign_id", "c-2"), ("campaign_name", "Merged"), ("ad_set_id", "as-2"), ("budget", "1000")]),
    ];
    let report = import(&store, &files.write("moved.csv", file(&moved))).await;
    assert_eq!((report.campaigns, report.ad_sets, report.delivery_replaced), (1, 2, 0));
    let campaigns: Vec<(String, String, i64)> =
        sqlx::query("SELECT external_id, name, budget_micros FROM campaigns ORDER BY id")
            .fetch_all(store.pool())
            .await
            .expect("campaigns")
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
    assert_eq!(campaigns, [("c-2".to_owned(), "Merged".to_owned(), 6_000_000_000)]);

    // An ad set that would give c-2 a second currency, while as-1 and as-2 stay in SEK, is refused.
    let before = snapshot(&store).await;
    let euro =
        [row(&[("campaign_id", "c-2"), ("campaign_name", "Merged"), ("ad_set_id", "as-3"), ("currency", "EUR")])];
    let errors = refused(&store, &files.write("euro.csv", file(&euro))).await;
    assert_eq!(
        lines(&errors),
        [(
            2,
            "campaign `c-2` has ad sets in the store that this file does not list, with another objective or currency"
        )]
    );
    assert_eq!(snapshot(&store).await, before);
}

async fn wrong_columns_are_refused(h: &Harness) {
    let (store, before) = with_sample(h).await;
    let files = Files::new();
    let without_spend = HEADER.replace(",spend,", ",");
    let cases = [
        (format!("{without_spend}\n"), vec![(1, "missing column `spend`")]),
        (format!("{HEADER},cpm\n{GOOD},4.5\n"), vec![(1, "unknown column `cpm`")]),
        (format!("{HEADER},date\n{GOOD},2025-03-01\n"), vec![(1, "repeated column `date`")]),
        (
            format!("{},ctr,date\n", HEADER.replace(",reach,", ",")),
            vec![(1, "unknown column `ctr`"), (1, "repeated column `date`"), (1, "missing column `reach`")],
        ),
        (String::new(), vec![(1, "the file is empty: a header row is required")]),
        (
            format!("{GOOD}\n"),
            vec![(
                1,
                "no header row: the first row must name the columns (date, campaign_id, campaign_name, ad_set_id, …; see docs/import.md)",
            )],
        ),
    ];
    for (i, (text, expected)) in cases.iter().enumerate() {
        let path = files.write(&format!("columns-{i}.csv"), text);
        let errors = refused(&store, &path).await;
        assert_eq!((errors.failure, lines(&errors)), (Failure::Header, expected.clone()), "{text}");
    }
    let errors = refused(&store, &files.path("columns-0.csv")).await;
    assert_eq!(
        errors.to_string(),
        format!(
            "nothing was imported from {}: its header row is wrong\nline 1: missing column `spend`",
            files.path("columns-0.csv").display()
        )
    );
    assert_eq!(snapshot(&store).await, before);

    // Order is free and the optional columns may be left out.
    let columns: Vec<&str> = HEADER.split(',').collect();
    let values: Vec<&str> = GOOD.split(',').collect();
    let order: Vec<usize> = (0..21).rev().collect();
    let text = format!(
        "{}\n{}\n",
        order.iter().map(|&i| columns[i]).collect::<Vec<_>>().join(","),
        order.iter().map(|&i| values[i]).collect::<Vec<_>>().join(",")
    );
    let report = import(&store, &files.write("reordered.csv", text)).await;
    assert_eq!(report.imported, 1);
    let stored = sqlx::query(
        "SELECT interest, c.ad_category FROM ad_sets a JOIN campaigns c ON c.id = a.campaign_id \
                              WHERE a.external_id = 'as-1'",
    )
    .fetch_one(store.pool())
    .await
    .expect("ad set");
    assert_eq!((stored.get::<Option<String>, _>(0), stored.get::<String, _>(1)), (None, String::new()));
}

async fn bad_numbers_are_refused(h: &Harness) {
    let (store, before) = with_sample(h).await;
    let files = Files::new();
    let cases = [
        (row(&[("impressions", "12.5")]), "`impressions` must be a whole number ≥ 0, not `12.5`"),
        (row(&[("clicks", "-1")]), "`clicks` must be a whole number ≥ 0, not `-1`"),
        (row(&[("results", "")]), "`results` must be a whole number ≥ 0, not ``"),
        (row(&[("completes", "99999999999999999999")]), "`completes` is too large: `99999999999999999999`"),
        (row(&[("budget", "\"1,250.50\"")]), "`budget` must be an amount like 1250.50, not `1,250.50`"),
        (row(&[("budget", "1e3")]), "`budget` must be an amount like 1250.50, not `1e3`"),
        (row(&[("budget", "0.00")]), "`budget` must be more than 0"),
        (row(&[("budget", "-5")]), "`budget` must be more than 0, not `-5`"),
        (row(&[("budget", "99999999999999")]), "`budget` is too large: `99999999999999`"),
        (row(&[("spend", "1.0000001")]), "`spend` has more than 6 decimal places: `1.0000001`"),
        (row(&[("reach", "200000")]), "`reach` (200000) exceeds `impressions` (100000)"),
        (row(&[("clicks", "100001")]), "`clicks` (100001) exceeds `impressions` (100000)"),
        (row(&[("frequency", "high")]), "`frequency` must be a decimal number ≥ 0, not `high`"),
        (row(&[("date", "2025-02-30")]), "`date` must be a calendar date like 2025-03-01, not `2025-02-30`"),
        (row(&[("date", "01/03/2025")]), "`date` must be a calendar date like 2025-03-01, not `01/03/2025`"),
        (row(&[("age_range", "12-17")]), "`age_range` `12-17` must lie within 13-99"),
        (row(&[("age_range", "35-18")]), "`age_range` `35-18` ends before it starts"),
        (row(&[("age_range", "adults")]), "`age_range` must look like 18-24 or 65+, not `adults`"),
    ];
    let rows: Vec<String> = cases.iter().map(|(r, _)| r.clone()).collect();
    let errors = refused(&store, &files.write("numbers.csv", file(&rows))).await;
    let expected: Vec<(u64, &str)> = cases.iter().enumerate().map(|(i, (_, reason))| (i as u64 + 2, *reason)).collect();
    assert_eq!((errors.failure, errors.total, lines(&errors)), (Failure::Rows, cases.len() as u64, expected));
    assert_eq!(snapshot(&store).await, before);
}

async fn bad_text_is_refused(h: &Harness) {
    let (store, before) = with_sample(h).await;
    let files = Files::new();
    let mut text = file(&[
        row(&[("campaign_id", "")]),
        row(&[("ad_set_name", &"n".repeat(513))]),
        row(&[("ad_set_id", &"i".repeat(129))]),
        row(&[("campaign_name", "12\" vinyl")]),
        "2025-03-01,c-1,Spring launch".to_owned(),
    ])
    .into_bytes();
    text.extend_from_slice(b"2025-03-01,c-1,Spring \xff launch");
    text.extend_from_slice(&row(&[("campaign_name", "")]).into_bytes()[15..]);
    text.push(b'\n');
    let errors = refused(&store, &files.write("text.csv", text)).await;
    assert_eq!(
        lines(&errors),
        [
            (2, "`campaign_id` is empty"),
            (3, "`ad_set_name` is longer than 512 characters"),
            (4, "`ad_set_id` is longer than 128 characters"),
            (5, "a stray quote (\"): a field holding one must be quoted, with the quote doubled"),
            (6, "3 fields, but the header has 23"),
            (7, "`campaign_name` is not valid UTF-8"),
        ]
    );
    assert_eq!(snapshot(&store).await, before);
}

async fn unknown_enum_values_are_refused(h: &Harness) {
    let (store, before) = with_sample(h).await;
    let files = Files::new();
    let countries: Vec<&str> = Country::ALL.iter().map(|c| c.as_str()).collect();
    let uk = format!("unknown country `UK` (expected one of {})", countries.join(", "));
    let cases = [
        (
            row(&[("objective", "AWARENESS")]),
            "unknown objective `AWARENESS` (expected one of REACH, EVEN_IMPRESSION_DELIVERY, CLICKS, \
             WEBSITE_VISITS, VIDEO_VIEWS, APP_INSTALLS, PODCAST_STREAMS, LEAD_GEN)",
        ),
        (row(&[("format", "GIF")]), "unknown format `GIF` (expected one of AUDIO, VIDEO, IMAGE)"),
        (row(&[("placement", "RADIO")]), "unknown placement `RADIO` (expected one of MUSIC, PODCAST)"),
        (row(&[("country", "UK")]), uk.as_str()),
        (
            row(&[("gender", "OTHER")]),
            "unknown gender `OTHER` (expected one of MALE, FEMALE, NON_BINARY, or ALL or empty for everyone)",
        ),
        (
            row(&[("platform", "WEB")]),
            "unknown platform `WEB` (expected one of ANDROID, IOS, DESKTOP, or ALL or empty for everyone)",
        ),
        (
            row(&[("currency", "BTC")]),
            "unknown currency `BTC` (expected one of USD, EUR, GBP, SEK, NOK, DKK, CHF, PLN, BRL, MXN, CAD, AUD, \
             NZD, JPY, INR, ZAR)",
        ),
        (
            row(&[("ad_category", "ADV_99_99")]),
            "unknown ad_category `ADV_99_99` (an ADV_<n>_<m> id of the Ads API's list)",
        ),
        (
            row(&[("interest", "vinyl")]),
            "unknown interest `vinyl` (expected an interest or genre slug, see docs/import.md)",
        ),
        (
            row(&[("objective", "EVEN_IMPRESSION_DELIVERY"), ("format", "IMAGE"), ("placement", "PODCAST")]),
            "IMAGE never runs on PODCAST",
        ),
        (row(&[("objective", "LEAD_GEN"), ("format", "VIDEO")]), "LEAD_GEN takes only AUDIO creatives, not VIDEO"),
        (
            row(&[("objective", "APP_INSTALLS"), ("platform", "DESKTOP")]),
            "APP_INSTALLS targets exactly one of IOS and ANDROID, not DESKTOP",
        ),
    ];
    let rows: Vec<String> = cases.iter().map(|(r, _)| r.clone()).collect();
    let errors = refused(&store, &files.write("enums.csv", file(&rows))).await;
    let expected: Vec<(u64, &str)> = cases.iter().enumerate().map(|(i, (_, reason))| (i as u64 + 2, *reason)).collect();
    assert_eq!(lines(&errors), expected);
    assert_eq!(snapshot(&store).await, before);

    // Any case is read, and stored as the vocabulary spells it.
    let lower = row(&[("objective", "reach"), ("country", "se"), ("gender", "female"), ("currency", "sek")]);
    import(&store, &files.write("lower.csv", file(&[lower]))).await;
    let stored = sqlx::query("SELECT objective, country, gender, currency FROM ad_sets WHERE external_id = 'as-1'")
        .fetch_one(store.pool())
        .await
        .expect("ad set");
    let values: Vec<String> = (0..4).map(|i| stored.get(i)).collect();
    assert_eq!(values, ["REACH", "SE", "FEMALE", "SEK"]);
}

async fn negative_spend_is_refused(h: &Harness) {
    let (store, before) = with_sample(h).await;
    let files = Files::new();
    let path = files.write("negative.csv", file(&[row(&[]), row(&[("date", "2025-03-02"), ("spend", "-3.50")])]));
    let errors = refused(&store, &path).await;
    assert_eq!(
        errors.to_string(),
        format!("nothing was imported from {}: 1 bad row\nline 3: negative spend `-3.50`", path.display())
    );
    assert_eq!(snapshot(&store).await, before);
}

async fn totals_beyond_64_bits_are_refused(h: &Harness) {
    let (store, before) = with_sample(h).await;
    let files = Files::new();
    let big = "9000000000000000000";
    let days = [row(&[("impressions", big)]), row(&[("date", "2025-03-02"), ("impressions", big)])];
    let budgets = [row(&[("budget", "9000000000000")]), row(&[("ad_set_id", "as-2"), ("budget", "9000000000000")])];
    for (name, rows) in [("impressions.csv", &days), ("budgets.csv", &budgets)] {
        let path = files.write(name, file(rows));
        let errors = refused(&store, &path).await;
        assert_eq!(errors.failure, Failure::TooLarge, "{name}");
        assert!(errors.to_string().contains("add up to more than"), "{errors}");
    }
    assert_eq!(snapshot(&store).await, before);
}

async fn duplicate_and_disagreeing_rows_are_refused(h: &Harness) {
    let (store, before) = with_sample(h).await;
    let files = Files::new();
    let rows = [
        row(&[]),
        row(&[("date", "2025-03-02")]),
        row(&[("spend", "99")]),
        row(&[("date", "2025-03-03"), ("budget", "6000")]),
        row(&[("date", "2025-03-04"), ("age_range", "18-24")]),
        row(&[("ad_set_id", "as-2"), ("campaign_name", "Summer launch")]),
        row(&[("ad_set_id", "as-3"), ("currency", "EUR")]),
        row(&[("ad_set_id", "as-4"), ("campaign_id", "c-2"), ("objective", "CLICKS")]),
        row(&[("ad_set_id", "as-4"), ("campaign_id", "c-2"), ("date", "2025-03-02")]),
    ];
    let errors = refused(&store, &files.write("duplicates.csv", file(&rows))).await;
    assert_eq!(
        lines(&errors),
        [
            (4, "duplicate of line 2 (same ad_set_id and date)"),
            (5, "`budget` disagrees with line 2, the first line of ad set `as-1`"),
            (6, "`age_range` disagrees with line 2, the first line of ad set `as-1`"),
            (7, "`campaign_name` disagrees with line 2, the first line of campaign `c-1`"),
            (8, "`currency` disagrees with line 2, the first line of campaign `c-1`"),
            (10, "`objective` disagrees with line 9, the first line of ad set `as-4`"),
        ]
    );
    assert_eq!(snapshot(&store).await, before);
}

async fn a_file_cut_off_mid_row_is_refused(h: &Harness) {
    let (store, before) = with_sample(h).await;
    let files = Files::new();
    // The sample, cut in the middle of a line.
    let text = std::fs::read_to_string(sample()).expect("sample");
    let cut = text.len() - 150;
    let last_line = text[..cut].lines().count() as u64;
    let fields = text[..cut].lines().last().expect("a line").split(',').count();
    let path = files.write("cut.csv", &text[..cut]);
    let errors = refused(&store, &path).await;
    assert_eq!(errors.failure, Failure::Unreadable { line: last_line });
    assert_eq!(
        errors.to_string(),
        format!(
            "nothing was imported from {}: it cannot be read past line {last_line}\n\
             line {last_line}: the file ends mid-row ({fields} of 23 fields): it was cut off",
            path.display()
        )
    );
    // Cut inside a quoted field.
    let quoted = format!("{}2025-03-02,c-1,\"Spring lau", file(&[row(&[])]));
    let errors = refused(&store, &files.write("quoted.csv", quoted)).await;
    assert_eq!(
        lines(&errors),
        [(3, "the file ends inside a quoted field: a quote is never closed, or the file was cut off")]
    );
    assert_eq!(snapshot(&store).await, before);
    // A last row without a line end is whole when all its fields are there.
    let whole = file(&[row(&[])]);
    let report = import(&store, &files.write("whole.csv", whole.trim_end())).await;
    assert_eq!(report.imported, 1);
}

async fn a_file_too_large_to_hold_in_memory_is_refused(h: &Harness) {
    let (store, before) = with_sample(h).await;
    let files = Files::new();
    // 10 MB on one line: refused once 64 KiB of it are read, not after buffering it.
    let mut text = file(&[row(&[])]).into_bytes();
    text.extend(std::iter::repeat_n(b'x', 10 << 20));
    let path = files.write("huge.csv", &text);
    let errors = refused(&store, &path).await;
    assert_eq!(errors.failure, Failure::Unreadable { line: 3 });
    assert_eq!(
        errors.to_string(),
        format!(
            "nothing was imported from {}: it cannot be read past line 3\n\
             line 3: a record longer than 64 KiB (65,536 bytes): no export row is that long",
            path.display()
        )
    );
    // A quote never closed swallows the rest of the file: the same limit stops it.
    let mut text = file(&[row(&[]), row(&[("date", "2025-03-02")])]).into_bytes();
    text.extend_from_slice(b"2025-03-03,c-1,\"Spring");
    for _ in 0..200_000 {
        text.extend_from_slice(b"\n2025-03-04,c-1,Spring launch,as-1");
    }
    let errors = refused(&store, &files.write("unclosed.csv", &text)).await;
    assert_eq!(lines(&errors), [(4, "a record longer than 64 KiB (65,536 bytes): no export row is that long")]);
    assert_eq!(snapshot(&store).await, before);
}

async fn rejects_hold_exactly_the_bad_rows(h: &Harness) {
    let (store, before) = with_sample(h).await;
    let files = Files::new();
    let rows = [
        row(&[]),
        row(&[("date", "2025-03-02"), ("spend", "-1.00")]),
        row(&[("date", "2025-03-03")]),
        row(&[("spend", "12")]),
        row(&[("ad_set_id", "as-2"), ("campaign_name", "\"Spring, again\"")]),
        row(&[("ad_set_id", "as-3"), ("budget", "10")]),
        row(&[("ad_set_id", "as-3"), ("budget", "20"), ("date", "2025-03-02")]),
        "2025-03-01,c-9,Short".to_owned(),
    ];
    let path = files.write("mixed.csv", file(&rows));
    let rejects = files.path("rejects.csv");
    let options = ImportOptions { rejects: Some(rejects.clone()) };
    let report = import_csv(&store, &path, &options).await.expect("imports the good rows");
    assert_eq!((report.rows, report.imported, report.rejected), (8, 3, 5));
    assert_eq!((report.ad_sets, report.campaigns), (2, 1));
    assert_eq!(spend_by_day(&store, "as-1").await.len(), 2);
    assert_eq!(spend_by_day(&store, "as-3").await.len(), 1);
    let written = std::fs::read_to_string(&rejects).expect("rejects written");
    let padding = ",".repeat(20);
    assert_eq!(
        written,
        format!(
            "{HEADER},line,error\n\
             {},3,negative spend `-1.00`\n\
             {},5,duplicate of line 2 (same ad_set_id and date)\n\
             {},6,\"`campaign_name` disagrees with line 2, the first line of campaign `c-1`\"\n\
             {},8,\"`budget` disagrees with line 7, the first line of ad set `as-3`\"\n\
             2025-03-01,c-9,Short{padding},9,\"3 fields, but the header has 23\"\n",
            rows[1], rows[3], rows[4], rows[6]
        )
    );
    assert!(!files.path("rejects.csv.partial").exists());
    let after = snapshot(&store).await;
    assert_eq!(after.counts.delivery_rows, before.counts.delivery_rows + 3);

    // Nothing rejected: the rejects file holds the header only.
    let clean = files.write("clean.csv", file(&[row(&[("ad_set_id", "as-9")])]));
    let report = import_csv(&store, &clean, &options).await.expect("imports");
    assert_eq!(report.rejected, 0);
    assert_eq!(std::fs::read_to_string(&rejects).expect("rejects"), format!("{HEADER},line,error\n"));
}

async fn concurrent_imports_run_one_after_the_other(h: &Harness) {
    let store = h.store().await;
    let (path, options) = (sample(), ImportOptions::default());
    let (a, b) = tokio::join!(import_csv(&store, &path, &options), import_csv(&store, &path, &options));
    let (a, b) = (a.expect("first"), b.expect("second"));
    assert_eq!((a.delivery_replaced, b.delivery_replaced), (0, 0));
    let twice = snapshot(&store).await;
    let once = h.store().await;
    import(&once, &sample()).await;
    assert_eq!(twice, Snapshot { imports: 2, ..snapshot(&once).await });
}

async fn an_exported_history_imports_as_the_seeded_one(h: &Harness) {
    let files = Files::new();
    let options = SeedOptions { seed: 5, campaigns: 120, truth_path: None };
    let path = files.path("history.csv");
    let exported = export_csv(&options, &path).expect("exports");
    let (seeded, imported) = (h.store().await, h.store().await);
    let written = seed(&seeded, &options).await.expect("seeds");
    let report = import(&imported, &path).await;
    assert_eq!((report.imported, report.ad_sets), (written.delivery_rows, written.ad_sets));
    assert_eq!((exported.delivery_rows, exported.ad_sets), (written.delivery_rows, written.ad_sets));
    let answer = |store: Store| async move {
        serde_json::to_string(&store.read_performance(&everything()).await.expect("answer")).expect("json")
    };
    assert_eq!(answer(seeded).await, answer(imported).await, "the same history, the same planner answer");
}

on_both_engines!(
    the_sample_imports_and_the_planner_plans_with_it,
    importing_twice_changes_nothing,
    a_corrected_file_replaces_what_it_covers,
    ad_sets_move_between_campaigns_and_campaigns_keep_one_currency,
    wrong_columns_are_refused,
    bad_numbers_are_refused,
    bad_text_is_refused,
    unknown_enum_values_are_refused,
    negative_spend_is_refused,
    duplicate_and_disagreeing_rows_are_refused,
    totals_beyond_64_bits_are_refused,
    a_file_cut_off_mid_row_is_refused,
    a_file_too_large_to_hold_in_memory_is_refused,
    rejects_hold_exactly_the_bad_rows,
    concurrent_imports_run_one_after_the_other,
    an_exported_history_imports_as_the_seeded_one,
);

// ---------------------------------------------------------------------------------------------------------
// The sample and the command line.

/// The committed sample is what `docs/import.md` says generates it: campaigns 271-280 of
/// `mixtape seed --campaigns 280 --csv`.
#[test]
fn the_sample_is_the_documented_slice_of_the_synthetic_history() {
    let files = Files::new();
    let path = files.path("all.csv");
    export_csv(&SeedOptions { seed: 42, campaigns: 280, truth_path: None }, &path).expect("exports");
    let all = std::fs::read_to_string(&path).expect("export");
    let expected: String = all
        .lines()
        .enumerate()
        .filter(|(i, line)| *i == 0 || line.split(',').nth(1).is_some_and(|id| id >= "c-000271"))
        .map(|(_, line)| format!("{line}\n"))
        .collect();
    assert_eq!(std::fs::read_to_string(sample()).expect("sample"), expected);
}

#[test]
fn the_command_imports_or_says_why_not() {
    let files = Files::new();
    let bad = files.write("bad.csv", file(&[row(&[("spend", "-3.50")])]));
    let out = mixtape(files.0.path(), &["import", bad.to_str().expect("path")]);
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("error: nothing was imported from {}: 1 bad row\nline 2: negative spend `-3.50`\n", bad.display())
    );

    let sample = sample();
    let out = mixtape(files.0.path(), &["import", sample.to_str().expect("path")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("Imported 392 of 392 rows (10 campaigns, 20 ad sets; 0 delivery rows replaced)"),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with("rows/s)."), "{stdout}");

    let rejects = files.path("rejects.csv");
    let args = ["import", bad.to_str().expect("path"), "--rejects", rejects.to_str().expect("path")];
    let out = mixtape(files.0.path(), &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("1 row rejected, written to {}.", rejects.display()))
    );
    assert!(std::fs::read_to_string(&rejects).expect("rejects").contains("negative spend"));

    let csv = files.path("history.csv");
    let out = mixtape(files.0.path(), &["seed", "--campaigns", "3", "--csv", csv.to_str().expect("path")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Wrote 3 campaigns"));
    assert!(std::fs::read_to_string(&csv).expect("csv").starts_with(HEADER));
}
