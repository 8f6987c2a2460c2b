//! Per-client admission to the model routes: a token bucket per client address, so one browser tab in a
//! loop cannot spend everyone's quota at the provider.
//!
//! Each client starts with `burst` tokens; a request takes one; tokens come back at `per_minute / 60`
//! a second, up to `burst`. A refused request learns how long until the next token (the `Retry-After`
//! of the 429). IPv6 clients are keyed by their /64 (one host can hold a whole /64), IPv4-mapped
//! addresses by their IPv4. Buckets that have filled up again are forgotten once there are many, so
//! memory stays bounded by the clients of the last minute or so.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::config::RateLimit;

/// Past this many tracked clients, full buckets are dropped.
const PRUNE_ABOVE: usize = 10_000;

/// The token buckets of every recent client.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// A limiter with this rate and burst.
    pub fn new(limit: RateLimit) -> Self {
        RateLimiter { limit, buckets: Mutex::new(HashMap::new()) }
    }

    /// The configured rate.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Takes a token for `client`, or says how long until one is available.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        self.check_at(client, Instant::now())
    }

    fn check_at(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let per_second = f64::from(self.limit.per_minute) / 60.0;
        let burst = f64::from(self.limit.burst);
        // A poisoned lock only means another request panicked mid-update; the counts are still usable.
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, b| b.tokens + now.duration_since(b.updated).as_secs_f64() * per_second < burst);
        }
        let bucket = buckets.entry(key(client)).or_insert(Bucket { tokens: burst, updated: now });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

fn key(client: IpAddr) -> IpAddr {
    match client {
        IpAddr::V4(_) => client,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_rate() {
        let limiter = RateLimiter::new(RateLimit { per_minute: 60, burst: 3 });
        let client: IpAddr = "10.0.0.1".parse().expect("IP");
        let other: IpAddr = "10.0.0.2".parse().expect("IP");
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at(client, t0).is_ok());
        }
        let wait = limiter.check_at(client, t0).expect_err("empty");
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1), "{wait:?}");
        // Others are not affected.
        assert!(limiter.check_at(other, t0).is_ok());
        // One token a second comes back.
        assert!(limiter.check_at(client, t0 + Duration::from_millis(1000)).is_ok());
        assert!(limiter.check_at(client, t0 + Duration::from_millis(1100)).is_err());
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        let limiter = RateLimiter::new(RateLimit { per_minute: 1, burst: 1 });
        let t0 = Instant::now();
        assert!(limiter.check_at("2001:db8::1".parse().expect("IP"), t0).is_ok());
        assert!(limiter.check_at("2001:db8::2".parse().expect("IP"), t0).is_err());
        assert!(limiter.check_at("2001:db8:0:1::1".parse().expect("IP"), t0).is_ok());
        assert!(limiter.check_at("::ffff:10.0.0.9".parse().expect("IP"), t0).is_ok());
        assert!(limiter.check_at("10.0.0.9".parse().expect("IP"), t0).is_err());
    }
}
