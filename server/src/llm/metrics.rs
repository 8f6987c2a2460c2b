//! What the proxy counts since start, and the body of `GET /api/llm/status` that shows it (with the
//! provider and model, never a credential).

use std::sync::atomic::{AtomicU64, Ordering};

use planner::llm::Usage;
use serde::Serialize;

/// The proxy's counters. Relaxed atomics: each is an independent tally, read for display only.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    calls: AtomicU64,
    errors: AtomicU64,
    retries: AtomicU64,
    input_tokens: AtomicU64,
    output_tokens: AtomicU64,
    rate_limited: AtomicU64,
}

impl Metrics {
    /// A call finished: `attempts` made, with this outcome.
    pub(crate) fn record(&self, attempts: u32, outcome: Result<Usage, ()>) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.retries.fetch_add(u64::from(attempts.saturating_sub(1)), Ordering::Relaxed);
        match outcome {
            Ok(usage) => {
                self.input_tokens.fetch_add(usage.input_tokens, Ordering::Relaxed);
                self.output_tokens.fetch_add(usage.output_tokens, Ordering::Relaxed);
            }
            Err(()) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// A request was turned away by the rate limit.
    pub(crate) fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self, token_fetches: u64) -> Counters {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        Counters {
            calls: get(&self.calls),
            errors: get(&self.errors),
            retries: get(&self.retries),
            input_tokens: get(&self.input_tokens),
            output_tokens: get(&self.output_tokens),
            rate_limited: get(&self.rate_limited),
            token_fetches,
        }
    }
}

/// The counters as `/api/llm/status` shows them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Model calls finished (generate and stream), successful or not.
    pub calls: u64,
    /// Calls that ended in an error.
    pub errors: u64,
    /// Attempts beyond the first.
    pub retries: u64,
    /// Prompt tokens the provider counted.
    pub input_tokens: u64,
    /// Answer tokens the provider counted (Gemini's thinking tokens included).
    pub output_tokens: u64,
    /// Requests answered 429 by the per-client rate limit.
    pub rate_limited: u64,
    /// OAuth2 access tokens fetched (Vertex AI).
    pub token_fetches: u64,
}

/// The body of `GET /api/llm/status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Status {
    /// Whether a provider is configured; `false` means the server plans with rules only.
    pub configured: bool,
    /// `gemini`, `vertex` or `openai`, when configured.
    pub provider: Option<&'static str>,
    /// The model every call goes to, when configured.
    pub model: Option<String>,
    /// Requests per minute one client may send to the model routes.
    pub rate_per_minute: Option<u32>,
    /// Counts since the server started.
    pub counters: Counters,
}

impl Status {
    /// The status of a server without a provider.
    pub fn unconfigured() -> Self {
        Status { configured: false, provider: None, model: None, rate_per_minute: None, counters: Counters::default() }
    }
}
