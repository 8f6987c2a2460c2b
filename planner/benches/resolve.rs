//! Resolving one message: the router and the four rule-based resolvers, without planning.

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use planner::agents::{Message, audience, budget, goal, schedule};
use std::hint::black_box;

const BRIEF: &str = "Reach hip-hop fans 18-24 in São Paulo and Rio next month for our new energy drink, R$ 50.000, \
                     audio and video, mobile only";

fn resolve_one_message(c: &mut Criterion) {
    let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
    c.bench_function("resolve one message (all four resolvers)", |b| {
        b.iter(|| {
            let m = Message::new(black_box(BRIEF), today);
            (goal::resolve(&m), audience::resolve(&m), budget::resolve(&m), schedule::resolve(&m))
        })
    });
}

criterion_group!(benches, resolve_one_message);
criterion_main!(benches);
