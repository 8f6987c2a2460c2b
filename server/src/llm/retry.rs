//! How long to wait before trying a failed attempt again: the provider's own delay when it names one
//! (`Retry-After` in seconds or as an HTTP date; Gemini's `google.rpc.RetryInfo` in the error body),
//! else exponential backoff with full jitter (a uniform draw from zero to the exponential bound, which
//! spreads clients that failed together).

use std::time::{Duration, SystemTime};

use rand::RngExt;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::Value;

use super::config::RetryPolicy;

/// 408 Request Timeout, 429 Too Many Requests and every 5xx are worth another attempt; other 4xx say
/// the request itself is wrong.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    status == 408 || status == 429 || (500..600).contains(&status)
}

/// The backoff before attempt `next` (2 for the first retry): a uniform draw from
/// `0..=min(max_delay, base_delay × 2^(next − 2))`.
pub(crate) fn backoff(policy: &RetryPolicy, next: u32) -> Duration {
    let doublings = next.saturating_sub(2).min(16);
    let bound = policy.base_delay.saturating_mul(1 << doublings).min(policy.max_delay);
    let millis = u64::try_from(bound.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(rand::rng().random_range(0..=millis))
}

/// `Retry-After` as seconds (`120`) or as an HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`), relative to
/// `now`. A date in the past means no wait.
pub(crate) fn retry_after_header(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(date.timestamp()).ok()?);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Gemini's and Vertex AI's retry delay: `error.details[]` holds a `type.googleapis.com/google.rpc.RetryInfo`
/// whose `retryDelay` is a protobuf duration such as `"37s"` or `"0.500s"`.
pub(crate) fn google_retry_delay(body: &Value) -> Option<Duration> {
    body.pointer("/error/details")?
        .as_array()?
        .iter()
        .filter(|d| d["@type"].as_str().is_some_and(|t| t.ends_with("google.rpc.RetryInfo")))
        .find_map(|d| d["retryDelay"].as_str().and_then(protobuf_duration))
}

fn protobuf_duration(text: &str) -> Option<Duration> {
    let seconds: f64 = text.strip_suffix('s')?.parse().ok()?;
    Duration::try_from_secs_f64(seconds).ok()
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;
    use serde_json::json;

    use super::*;

    #[test]
    fn retryable_statuses() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [400, 401, 403, 404, 413, 422] {
            assert!(!is_retryable_status(s), "{s}");
        }
    }

    #[test]
    fn backoff_is_bounded_and_grows() {
        let policy = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
        };
        for _ in 0..200 {
            assert!(backoff(&policy, 2) <= Duration::from_millis(100));
            assert!(backoff(&policy, 3) <= Duration::from_millis(200));
            assert!(backoff(&policy, 9) <= Duration::from_millis(300));
        }
        // Full jitter: the draws are spread, not all at the bound.
        let draws: Vec<Duration> = (0..50).map(|_| backoff(&policy, 4)).collect();
        assert!(draws.iter().any(|d| *d < Duration::from_millis(150)));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after_header(&headers, now), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after_header(&headers, now), Some(Duration::from_secs(7)));
        // 2023-11-14T22:13:20Z is 1_700_000_000; ten seconds later:
        headers.insert(RETRY_AFTER, HeaderValue::from_static("Tue, 14 Nov 2023 22:13:30 GMT"));
        assert_eq!(retry_after_header(&headers, now), Some(Duration::from_secs(10)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("Tue, 14 Nov 2023 22:00:00 GMT"));
        assert_eq!(retry_after_header(&headers, now), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after_header(&headers, now), None);
    }

    #[test]
    fn google_retry_info_is_read() {
        let body = json!({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "details": [
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure"},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1.500s"}
        ]}});
        assert_eq!(google_retry_delay(&body), Some(Duration::from_millis(1500)));
        assert_eq!(google_retry_delay(&json!({"error": {}})), None);
    }
}
