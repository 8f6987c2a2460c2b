//! Store benchmarks: the planner's history queries against a SQLite store of over 1,000,000 delivery rows
//! (target: under 20 ms per plan), and seeding the default 5,000 campaigns into an empty store.
//!
//! Run with `cargo bench -p server --bench store`. The large store is seeded once into a temporary file
//! at start (about ten seconds); its size is printed.

use std::hint::black_box;
use std::time::Instant;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use planner::performance::PerformanceQuery;
use planner::types::{Country, Objective};
use server::seed::{SeedOptions, seed};
use server::store::{Store, sqlite_url};
use tempfile::TempDir;
use tokio::runtime::Runtime;

/// Enough campaigns for just over a million delivery rows (about 47 rows per campaign).
const LARGE_HISTORY_CAMPAIGNS: u32 = 22_000;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime")
}

async fn empty_store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Store::connect(&sqlite_url(&dir.path().join("mixtape.sqlite"))).await.expect("open store");
    (dir, store)
}

fn plan_queries(c: &mut Criterion) {
    let rt = runtime();
    let (_dir, store) = rt.block_on(async {
        let (dir, store) = empty_store().await;
        let started = Instant::now();
        let options = SeedOptions { seed: 1, campaigns: LARGE_HISTORY_CAMPAIGNS, truth_path: None };
        seed(&store, &options).await.expect("seed");
        let counts = store.counts().await.expect("counts");
        println!(
            "store: {} campaigns, {} ad sets, {} delivery rows (seeded in {:.1?})",
            counts.campaigns,
            counts.ad_sets,
            counts.delivery_rows,
            started.elapsed()
        );
        assert!(counts.delivery_rows >= 1_000_000, "the benchmark needs a million delivery rows");
        (dir, store)
    });

    // What the planner asks for one plan: the brief's objective and EVEN_IMPRESSION_DELIVERY, in the
    // brief's countries.
    let queries = [
        ("BR reach", vec![Country::Br], vec![Objective::Reach, Objective::EvenImpressionDelivery]),
        (
            "DE FR GB US clicks",
            vec![Country::Us, Country::Gb, Country::Fr, Country::De],
            vec![Objective::Clicks, Objective::EvenImpressionDelivery],
        ),
    ];
    let mut group = c.benchmark_group("plan history query");
    for (name, mut countries, mut objectives) in queries {
        countries.sort();
        objectives.sort();
        let query = PerformanceQuery { countries, objectives };
        let rows = rt.block_on(store.performance(&query)).expect("query").ad_sets.len();
        println!("{name}: {rows} historical ad sets");
        group.bench_function(name, |b| b.iter(|| rt.block_on(store.performance(black_box(&query))).expect("query")));
    }
    group.finish();
}

fn seeding(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("seed");
    group.sample_size(10);
    group.bench_function("5000 campaigns into SQLite", |b| {
        b.iter_batched(
            || rt.block_on(empty_store()),
            |(dir, store)| {
                rt.block_on(seed(&store, &SeedOptions::default())).expect("seed");
                (dir, store)
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, plan_queries, seeding);
criterion_main!(benches);
