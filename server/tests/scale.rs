//! A store that keeps up as history grows, on both engines: the planner reads only each group's most recent
//! ad sets, repeated plans are answered from the in-process cache until it is refreshed or history is
//! written, PostgreSQL files delivery by month, and `mixtape bench` (small here; the full runs are
//! benchmarks, see `docs/scaling.md`) imports and times the planner's queries.

#[macro_use]
mod common;

use chrono::{Days, NaiveDate};
use common::Harness;
use planner::performance::PerformanceQuery;
use planner::types::{AssetFormat, Country, Currency, Objective, Placement};
use server::bench::{self, BenchOptions};
use server::seed::{SeedOptions, seed};
use server::store::{AdSetRecord, CampaignRecord, DeliveryDay, Engine, RECENT_AD_SETS, Store};
use sqlx::Row;

async fn each_group_contributes_its_most_recent_ad_sets(h: &Harness) {
    let store = h.store().await;
    let first = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
    // More ad sets than the planner reads in one group (SE, CLICKS, AUDIO on MUSIC), one starting each day,
    // and a few in another group, which are all read.
    let crowded = RECENT_AD_SETS + 30;
    let mut writer = store.writer().await.expect("writer");
    for i in 0..crowded {
        writer.push(campaign(i as i64 + 1, first + Days::new(i as u64), Placement::Music)).await.expect("push");
    }
    for i in 0..5 {
        writer.push(campaign(10_000 + i, first, Placement::Podcast)).await.expect("push");
    }
    writer.commit().await.expect("commit");

    let answer = store.performance(&query(&[Country::Se], &[Objective::Clicks])).await.expect("query");
    let music: Vec<_> = answer.ad_sets.iter().filter(|a| a.placement == Placement::Music).collect();
    assert_eq!(music.len(), RECENT_AD_SETS, "the crowded group is cut to its most recent ad sets");
    let oldest_kept = first + Days::new((crowded - RECENT_AD_SETS) as u64);
    assert_eq!(music.iter().map(|a| a.start).min(), Some(oldest_kept));
    assert_eq!(answer.ad_sets.iter().filter(|a| a.placement == Placement::Podcast).count(), 5);
}

async fn repeated_plans_are_answered_from_the_cache_until_it_is_refreshed(h: &Harness) {
    let (store, url) = h.open().await;
    let q = query(&[Country::Se], &[Objective::Clicks]);
    let day = NaiveDate::from_ymd_opt(2025, 3, 1).expect("date");
    let mut writer = store.writer().await.expect("writer");
    writer.push(campaign(1, day, Placement::Music)).await.expect("push");
    writer.commit().await.expect("commit");
    let cached = store.performance(&q).await.expect("query");
    assert_eq!(cached.ad_sets.len(), 1);

    // Another process (or replica) writes history behind this one's back: the cache still answers.
    let other = Store::connect(&url).await.expect("second process");
    let mut writer = other.writer().await.expect("writer");
    writer.push(campaign(2, day, Placement::Music)).await.expect("push");
    writer.commit().await.expect("commit");
    assert_eq!(store.performance(&q).await.expect("query"), cached, "served from memory");
    assert_eq!(store.read_performance(&q).await.expect("query").ad_sets.len(), 2, "the database moved on");

    // An explicit refresh forgets it; with the pool closed, only the cache can answer.
    assert_eq!(store.refresh_cache(), 1);
    let fresh = store.performance(&q).await.expect("query");
    assert_eq!(fresh.ad_sets.len(), 2);
    store.close().await;
    assert_eq!(store.performance(&q).await.expect("no database needed"), fresh);
    assert!(store.read_performance(&q).await.is_err(), "the database is closed");

    // A write through this process empties its cache at once.
    let mut writer = other.writer().await.expect("writer");
    writer.push(campaign(3, day, Placement::Music)).await.expect("push");
    writer.commit().await.expect("commit");
    assert_eq!(other.performance(&q).await.expect("query").ad_sets.len(), 3);
}

async fn delivery_is_filed_by_month(h: &Harness) {
    let store = h.store().await;
    seed(&store, &SeedOptions { seed: 5, campaigns: 300, truth_path: None }).await.expect("seed");
    if h.engine != Engine::Postgres {
        return;
    }
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM delivery_default), \
                (SELECT COUNT(DISTINCT substr(day, 1, 7)) FROM delivery), \
                (SELECT COUNT(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent \
                 WHERE p.relname = 'delivery')",
    )
    .fetch_one(store.pool())
    .await
    .expect("partition counts");
    let (stray, months, partitions): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    assert_eq!(stray, 0, "every row lands in its month's partition");
    assert!(months > 1);
    assert_eq!(partitions, months + 1, "one partition per month, and the default");
}

async fn the_benchmark_imports_and_times_the_plan_queries(h: &Harness) {
    let store = h.store().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let options = BenchOptions { rows: 20_000, queries: 40, dir: dir.path().to_owned() };
    let report = bench::run(&store, &options).await.expect("bench");
    assert!(report.rows >= 20_000 && report.rows < 24_000, "{} rows", report.rows);
    assert_eq!(store.counts().await.expect("counts").delivery_rows, report.rows);
    assert!(report.import_rows_per_second > 0.0 && report.csv_bytes > 0);
    for latency in [&report.one_market, &report.four_markets, &report.cached] {
        assert_eq!(latency.queries, 40);
        assert!(latency.p50_ms <= latency.p95_ms && latency.p95_ms <= latency.max_ms);
        assert!(latency.mean_ad_sets > 0.0);
    }
    assert!(report.four_markets.mean_ad_sets > report.one_market.mean_ad_sets);
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0, "the export is removed");
    // It refuses a store that holds history.
    assert!(matches!(bench::run(&store, &options).await, Err(server::Error::NotEmpty)));
}

on_both_engines!(
    each_group_contributes_its_most_recent_ad_sets,
    repeated_plans_are_answered_from_the_cache_until_it_is_refreshed,
    delivery_is_filed_by_month,
    the_benchmark_imports_and_times_the_plan_queries,
);

fn query(countries: &[Country], objectives: &[Objective]) -> PerformanceQuery {
    PerformanceQuery { countries: countries.to_vec(), objectives: objectives.to_vec() }
}

/// A one-ad-set SE clicks campaign of audio on `placement`, two days from `start`; `id` names both.
fn campaign(id: i64, start: NaiveDate, placement: Placement) -> CampaignRecord {
    let end = start + Days::new(1);
    let delivery = |day| DeliveryDay {
        day,
        impressions: 1_500,
        reach: 1_200,
        clicks: 4,
        spend_micros: 22_500_000,
        completes: 1_300,
        results: 4,
    };
    CampaignRecord {
        id,
        name: format!("Campaign {id}"),
        ad_category: "ADV_23_217".to_owned(),
        objective: Objective::Clicks,
        country: Country::Se,
        start,
        end,
        budget_micros: 50_000_000,
        currency: Currency::Sek,
        ad_sets: vec![AdSetRecord {
            id,
            name: format!("Ad set {id}"),
            asset_format: AssetFormat::Audio,
            placement,
            age_min: 18,
            age_max: 34,
            gender: None,
            platform: None,
            interest: None,
            budget_micros: 50_000_000,
            start,
            end,
            audience_size: 100_000,
            delivery: vec![delivery(start), delivery(end)],
        }],
    }
}
