//! [`Proxy`]: one model call with a deadline, retries, logging and counting, whole
//! ([`Proxy::generate`]) or streamed ([`Proxy::stream`]).
//!
//! A call has one deadline, the configured timeout, that covers every attempt and every wait between
//! them, so a caller (a resolver that falls back to rules) knows how long it can take. A failed attempt
//! is tried again, up to [`RetryPolicy::max_attempts`](super::RetryPolicy), when it failed on the
//! connection or with 408, 429 or 5xx, after the delay the provider asked for or else a backoff with
//! full jitter — unless that wait would run past the deadline. A stream is retried only while nothing
//! has been passed to the client: once a part has gone out, another attempt would repeat it.
//!
//! Every call ends with one `tracing::info!` line (provider, model, latency, tokens, attempts, outcome)
//! and updates the counters of [`Proxy::status`].

use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use planner::llm::{Model, ModelError, ModelRequest, ModelResponse, Part};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::Instrument;

use super::config::{Config, ConfigError, ProviderKind};
use super::metrics::{Metrics, Status};
use super::rate::RateLimiter;
use super::sse::SseDecoder;
use super::upstream::Upstream;
use super::{LlmError, retry};

/// How many stream events may wait for a slow client before the upstream reader waits too.
const STREAM_BUFFER: usize = 32;

/// The server's client of the configured model provider. Share it in an [`Arc`]: it holds the HTTP
/// connection pool, the cached access token, the counters and the rate limiter.
pub struct Proxy {
    config: Config,
    upstream: Upstream,
    metrics: Metrics,
    limiter: RateLimiter,
}

/// One event of a streamed call, in order: parts as they complete, then exactly one `Done` or `Error`.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamEvent {
    /// A text delta, or a whole function call.
    Part(Part),
    /// The whole answer: every part again (text joined), the model and the usage.
    Done(ModelResponse),
    /// The call failed; nothing follows.
    Error(LlmError),
}

/// Why a stream attempt stopped without an answer.
enum Stop {
    Failed(LlmError),
    /// The client went away: nothing to answer, nobody to retry for.
    ClientGone,
}

impl From<LlmError> for Stop {
    fn from(e: LlmError) -> Self {
        Stop::Failed(e)
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy").field("provider", &self.provider()).field("model", &self.config.model).finish()
    }
}

impl Proxy {
    /// A proxy for `config`. Fails only when the HTTP client cannot be set up or a service account's
    /// key does not parse — both worth stopping the server for at start.
    pub fn new(config: Config) -> Result<Proxy, ConfigError> {
        let upstream = Upstream::new(&config)?;
        let limiter = RateLimiter::new(config.rate);
        Ok(Proxy { config, upstream, metrics: Metrics::default(), limiter })
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Which provider it calls.
    pub fn provider(&self) -> ProviderKind {
        self.config.provider.kind()
    }

    /// Which model it calls.
    pub fn model(&self) -> &str {
        &self.config.model
    }

    /// Admits one request of `client` to the HTTP routes, or says how long it should wait.
    pub fn admit(&self, client: IpAddr) -> Result<(), Duration> {
        self.limiter.check(client).inspect_err(|_| self.metrics.rate_limited())
    }

    /// Provider, model and counters, for `/api/llm/status`.
    pub fn status(&self) -> Status {
        Status {
            configured: true,
            provider: Some(self.provider().name()),
            model: Some(self.config.model.clone()),
            rate_per_minute: Some(self.limiter.limit().per_minute),
            counters: self.metrics.snapshot(self.upstream.token_fetches()),
        }
    }

    /// One round trip: the provider's whole answer.
    pub async fn generate(&self, request: &ModelRequest) -> Result<ModelResponse, LlmError> {
        let started = Instant::now();
        let deadline = started + self.config.timeout;
        let body = self.upstream.body(request, false);
        let mut attempts = 0;
        let result = loop {
            attempts += 1;
            let attempt = async {
                let response = self.upstream.send(&body, false).await?;
                self.upstream.read(response).await
            };
            let error = match tokio::time::timeout_at(deadline, attempt).await {
                Ok(Ok(response)) => break Ok(response),
                Ok(Err(error)) => error,
                Err(_) => break Err(LlmError::Timeout(self.config.timeout)),
            };
            match self.retry_wait(&error, attempts, deadline).await {
                Some(wait) => tokio::time::sleep(wait).await,
                None => break Err(error),
            }
        };
        let result = result.map_err(|e| self.upstream.scrub(e));
        self.log("generate", started, attempts, &result);
        result
    }

    /// A streamed round trip: the events arrive on the returned channel as the provider sends them. The
    /// call runs on its own task and stops when the receiver is dropped (the client went away).
    pub fn stream(self: &Arc<Self>, request: ModelRequest) -> mpsc::Receiver<StreamEvent> {
        let (tx, rx) = mpsc::channel(STREAM_BUFFER);
        let proxy = Arc::clone(self);
        // In the caller's span, so that the call's log line names the request it served.
        tokio::spawn(async move { proxy.run_stream(request, tx).await }.instrument(tracing::Span::current()));
        rx
    }

    async fn run_stream(&self, request: ModelRequest, tx: mpsc::Sender<StreamEvent>) {
        let started = Instant::now();
        let deadline = started + self.config.timeout;
        let body = self.upstream.body(&request, true);
        let mut attempts = 0;
        let result = loop {
            attempts += 1;
            let mut sent_any = false;
            let error = match self.stream_attempt(&body, deadline, &tx, &mut sent_any).await {
                Ok(response) => break Ok(response),
                Err(Stop::ClientGone) => {
                    tracing::info!(provider = self.upstream.name(), model = %self.config.model, attempts,
                        latency_ms = elapsed_ms(started), outcome = "client_gone", "model stream cancelled");
                    return;
                }
                Err(Stop::Failed(error)) => error,
            };
            if sent_any {
                break Err(error);
            }
            match self.retry_wait(&error, attempts, deadline).await {
                Some(wait) => tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = tx.closed() => return,
                },
                None => break Err(error),
            }
        };
        let result = result.map_err(|e| self.upstream.scrub(e));
        self.log("stream", started, attempts, &result);
        let last = match result {
            Ok(response) => StreamEvent::Done(response),
            Err(error) => StreamEvent::Error(error),
        };
        // The client may have left meanwhile; then there is no one to tell.
        let _ = tx.send(last).await;
    }

    /// One streamed attempt: passes each completed part to `tx`, and returns the whole answer.
    async fn stream_attempt(
        &self,
        body: &Value,
        deadline: Instant,
        tx: &mpsc::Sender<StreamEvent>,
        sent_any: &mut bool,
    ) -> Result<ModelResponse, Stop> {
        let provider = self.upstream.name();
        let mut response = self.until(deadline, tx, self.upstream.send(body, true)).await??;
        let mut sse = SseDecoder::default();
        let mut decoder = self.upstream.decoder();
        loop {
            // Until the first part, the call's deadline; after it the answer is flowing, and only a stall
            // (no bytes for a whole timeout) ends it.
            let limit = if *sent_any { Instant::now() + self.config.timeout } else { deadline };
            let chunk = self.until(limit, tx, response.chunk()).await?.map_err(|e| self.upstream.transport(&e))?;
            let ended = chunk.is_none();
            let events = match chunk {
                Some(bytes) => sse.feed(&bytes).map_err(|message| LlmError::BadResponse { provider, message })?,
                None => sse.finish().into_iter().collect(),
            };
            for data in events {
                for part in decoder.push(provider, &data)? {
                    tx.send(StreamEvent::Part(part)).await.map_err(|_| Stop::ClientGone)?;
                    *sent_any = true;
                }
            }
            if ended || decoder.is_done() {
                break;
            }
        }
        Ok(decoder.finish(provider, &self.config.model)?)
    }

    /// `work` until `limit`, or until the client goes away.
    async fn until<T>(
        &self,
        limit: Instant,
        tx: &mpsc::Sender<StreamEvent>,
        work: impl Future<Output = T>,
    ) -> Result<T, Stop> {
        tokio::select! {
            biased;
            () = tx.closed() => Err(Stop::ClientGone),
            result = tokio::time::timeout_at(limit, work) => {
                result.map_err(|_| Stop::Failed(LlmError::Timeout(self.config.timeout)))
            }
        }
    }

    /// How long to wait before another attempt after `error`, or `None` when there should be none.
    async fn retry_wait(&self, error: &LlmError, attempts: u32, deadline: Instant) -> Option<Duration> {
        if attempts >= self.config.retry.max_attempts {
            return None;
        }
        // A refused access token is dropped and fetched again, once.
        let recovered = attempts == 1 && self.upstream.recover(error).await;
        if !error.is_retryable() && !recovered {
            return None;
        }
        let wait = error.retry_after().unwrap_or_else(|| retry::backoff(&self.config.retry, attempts + 1));
        // Waiting is pointless when the next attempt could not start before the deadline.
        (Instant::now() + wait < deadline).then_some(wait)
    }

    /// The one log line and the counters of a finished call.
    fn log(&self, kind: &'static str, started: Instant, attempts: u32, result: &Result<ModelResponse, LlmError>) {
        let provider = self.upstream.name();
        let model = &self.config.model;
        let latency_ms = elapsed_ms(started);
        match result {
            Ok(response) => {
                self.metrics.record(attempts, Ok(response.usage));
                tracing::info!(
                    provider, %model, kind, latency_ms, attempts,
                    input_tokens = response.usage.input_tokens, output_tokens = response.usage.output_tokens,
                    outcome = "ok", "model call"
                );
            }
            Err(error) => {
                self.metrics.record(attempts, Err(()));
                tracing::info!(
                    provider, %model, kind, latency_ms, attempts, input_tokens = 0, output_tokens = 0,
                    outcome = error.code(), %error, "model call failed"
                );
            }
        }
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The planner's resolvers reach the model through this when they run on the server (`mixtape plan`,
/// `/api/plan`): the same calls, retries and counters as the HTTP routes. The future is `Send`.
impl Model for Proxy {
    async fn generate(&self, request: &ModelRequest) -> Result<ModelResponse, ModelError> {
        Proxy::generate(self, request).await.map_err(ModelError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: T) {}

    #[test]
    fn the_model_future_is_send() {
        let config = Config::from_vars(|name| match name {
            "MIXTAPE_LLM_PROVIDER" => Some("openai".into()),
            "MIXTAPE_LLM_MODEL" => Some("m".into()),
            "MIXTAPE_LLM_BASE_URL" => Some("http://127.0.0.1:9".into()),
            _ => None,
        })
        .expect("valid")
        .expect("configured");
        let proxy = Proxy::new(config).expect("proxy");
        let request = ModelRequest::default();
        assert_send(<Proxy as Model>::generate(&proxy, &request));
        assert_send(proxy.generate(&request));
    }
}
