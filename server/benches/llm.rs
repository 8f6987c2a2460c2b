//! The model proxy's added latency per call: the same Gemini call sent straight to a fake provider on
//! loopback that answers at once, and sent through `POST /api/llm/generate` (the real router, served as
//! `mixtape serve` serves it, with the proxy's client, body mapping, retry loop, counters and rate
//! limit). The difference is what the proxy costs; the fake's own time is in both.
//!
//! `cargo bench -p server --bench llm` prints p50/p99 of both paths and of the per-call difference
//! (from alternating, paired calls), then runs criterion's estimates of the means.

#[path = "../tests/fakes/mod.rs"]
mod fakes;

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use fakes::{Fake, Reply, gemini_answer};
use serde_json::{Value, json};
use server::http::AppState;
use server::llm::{Config, Proxy};
use server::store::{Store, sqlite_url};

/// Paired calls measured for the percentiles.
const SAMPLES: usize = 2000;
const WARM_UP: usize = 200;

struct Setup {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    direct_url: String,
    proxy_url: String,
    _dir: tempfile::TempDir,
}

fn request() -> Value {
    json!({
        "system": "Pick the ad category.",
        "messages": [{"role": "user", "parts": [{"type": "text", "text": "our new energy drink"}]}],
        "temperature": 0.1
    })
}

fn setup() -> Setup {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let (fake_base, proxy_base) = runtime.block_on(async {
        let fake =
            Fake::start(vec![Reply::ok(gemini_answer(json!([{"text": "{\"ad_category\": \"ADV_15_141\"}"}])))]).await;
        let vars = [
            ("MIXTAPE_LLM_PROVIDER", "gemini"),
            ("GEMINI_API_KEY", "bench-key-not-secret"),
            ("MIXTAPE_LLM_BASE_URL", fake.base.as_str()),
            ("MIXTAPE_LLM_RATE_PER_MINUTE", "1000000"),
            ("MIXTAPE_LLM_RATE_BURST", "100000"),
        ];
        let config = Config::from_vars(|name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned()))
            .expect("valid")
            .expect("a provider");
        let proxy = Arc::new(Proxy::new(config).expect("proxy"));
        let store = Store::connect(&sqlite_url(&dir.path().join("mixtape.sqlite"))).await.expect("store");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(server::http::serve(listener, AppState::new(store, None).with_llm(proxy)));
        // The fake serves on its own task for as long as the runtime runs.
        (fake.base.clone(), base)
    });
    Setup {
        runtime,
        client: reqwest::Client::new(),
        direct_url: format!("{fake_base}/v1beta/models/gemini-2.5-flash:generateContent"),
        proxy_url: format!("{proxy_base}/api/llm/generate"),
        _dir: dir,
    }
}

impl Setup {
    /// One call straight to the fake, with the body Gemini would get.
    async fn direct(&self, body: &Value) -> Duration {
        let started = Instant::now();
        let response = self.client.post(&self.direct_url).json(body).send().await.expect("direct");
        assert!(response.status().is_success());
        response.bytes().await.expect("body");
        started.elapsed()
    }

    /// The same call through the proxy.
    async fn proxied(&self, body: &Value) -> Duration {
        let started = Instant::now();
        let response = self.client.post(&self.proxy_url).json(body).send().await.expect("proxied");
        assert!(response.status().is_success(), "{}", response.status());
        response.bytes().await.expect("body");
        started.elapsed()
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn report(setup: &Setup) {
    let gemini_body = json!({
        "contents": [{"role": "user", "parts": [{"text": "our new energy drink"}]}],
        "systemInstruction": {"parts": [{"text": "Pick the ad category."}]},
        "generationConfig": {"temperature": 0.1}
    });
    let proxy_body = request();
    let (mut direct, mut proxied, mut added) = (Vec::new(), Vec::new(), Vec::new());
    setup.runtime.block_on(async {
        for _ in 0..WARM_UP {
            setup.direct(&gemini_body).await;
            setup.proxied(&proxy_body).await;
        }
        for _ in 0..SAMPLES {
            let d = setup.direct(&gemini_body).await;
            let p = setup.proxied(&proxy_body).await;
            direct.push(d);
            proxied.push(p);
            added.push(micros(p) - micros(d));
        }
    });
    direct.sort();
    proxied.sort();
    added.sort_by(f64::total_cmp);
    let pick = |p: f64| added[(((added.len() - 1) as f64) * p).round() as usize];
    println!("model proxy latency over {SAMPLES} paired calls to a fake provider that answers at once:");
    for (name, sorted) in [("direct to the fake", &direct), ("through the proxy", &proxied)] {
        println!(
            "  {name:<20} p50 {:>7.0} µs   p99 {:>7.0} µs",
            micros(percentile(sorted, 0.50)),
            micros(percentile(sorted, 0.99))
        );
    }
    println!(
        "  {:<20} p50 {:>7.0} µs   p99 {:>7.0} µs   (per-call difference)",
        "added by the proxy",
        pick(0.50),
        pick(0.99)
    );
}

fn bench(c: &mut Criterion) {
    let setup = setup();
    report(&setup);
    let gemini_body = json!({"contents": [{"role": "user", "parts": [{"text": "our new energy drink"}]}]});
    let proxy_body = request();
    let mut group = c.benchmark_group("llm");
    group.bench_function("direct to the fake", |b| b.iter(|| setup.runtime.block_on(setup.direct(&gemini_body))));
    group.bench_function("through the proxy", |b| b.iter(|| setup.runtime.block_on(setup.proxied(&proxy_body))));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
