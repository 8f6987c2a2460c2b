//! Resolve + plan end to end with in-memory history (target: under 1 ms median natively): the default
//! synthetic history is seeded into a temporary store once, read into memory, and each conversation is then
//! routed, resolved, merged and planned by `planner::run` with no database in the loop.
//!
//! Run with `cargo bench -p server --bench plan`.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use planner::performance::{InMemory, PerformanceQuery};
use planner::types::{Country, Objective};
use server::seed::{SeedOptions, seed};
use server::store::{Store, sqlite_url};

const CONVERSATIONS: &[(&str, &[&str])] = &[
    ("one market, reach", &["Reach hip-hop fans 18-24 in Brazil next month for our new energy drink, $5k"]),
    (
        "four markets, clicks",
        &["Drive traffic to our store in the US, UK, France and Germany, 80k EUR, women 25-44, April 6 to May 3"],
    ),
    (
        "three turns, installs",
        &["Get installs for our Android game", "teens in Brazil and Mexico", "R$ 30.000 for 3 weeks from next Monday"],
    ),
];

fn end_to_end(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let history = rt.block_on(async {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = Store::connect(&sqlite_url(&dir.path().join("mixtape.sqlite"))).await.expect("store");
        seed(&store, &SeedOptions::default()).await.expect("seed");
        let everything = PerformanceQuery { countries: Country::ALL.to_vec(), objectives: Objective::ALL.to_vec() };
        InMemory(store.performance(&everything).await.expect("history").ad_sets)
    });
    println!("{} historical ad sets in memory", history.0.len());
    let today = NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
    let mut group = c.benchmark_group("resolve + plan");
    for (name, turns) in CONVERSATIONS {
        let messages: Vec<String> = turns.iter().map(|s| (*s).to_owned()).collect();
        let answer = futures::executor::block_on(planner::run(today, &messages, &history, &planner::NoClock));
        assert!(answer.is_ok_and(|r| r.plan.is_some()), "{name} plans");
        group.bench_function(*name, |b| {
            b.iter(|| {
                futures::executor::block_on(planner::run(today, black_box(&messages), &history, &planner::NoClock))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, end_to_end);
criterion_main!(benches);
