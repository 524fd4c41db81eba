//! The ingestion limits a server process keeps in memory: a token bucket per key prefix for
//! requests, one per client address for refused keys (checked before the database is asked),
//! and each client's quota usage (`quota`). Why per process is enough for each: the README's
//! "Limits" section.

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;

use super::quota::Quotas;

/// Sustained requests per second per key, and the burst allowed on top.
pub const RATE_PER_SECOND: f64 = 200.0;
pub const BURST: f64 = 400.0;
/// Requests with a refused key (missing, unknown, revoked, of an archived service) an address
/// may send a minute, all at once at most; beyond, its every request is refused unread.
pub const REFUSED_KEYS_PER_MINUTE: f64 = 20.0;
const MAX_BUCKETS: usize = 100_000;

pub struct Throttle {
    keys: Buckets,
    refused_keys: Buckets,
    pub quotas: Quotas,
}

impl Default for Throttle {
    fn default() -> Self {
        Self {
            keys: Buckets::new(RATE_PER_SECOND, BURST),
            refused_keys: Buckets::new(REFUSED_KEYS_PER_MINUTE / 60.0, REFUSED_KEYS_PER_MINUTE),
            quotas: Quotas::default(),
        }
    }
}

impl Throttle {
    /// Takes one request's token for `key`; `Err(seconds)` to wait when there is none.
    pub fn take(&self, key: &str, now: DateTime<Utc>) -> Result<(), u64> {
        self.keys.take(key, now)
    }

    /// `Err(seconds)` while `address` has used up its refused keys.
    pub fn check_address(&self, address: &str, now: DateTime<Utc>) -> Result<(), u64> {
        self.refused_keys.check(address, now)
    }

    /// A request from `address` had its key refused.
    pub fn key_refused(&self, address: &str, now: DateTime<Utc>) {
        let _ = self.refused_keys.take(address, now);
    }
}

/// Token buckets by name: `burst` tokens at most, refilled at `rate` a second.
struct Buckets {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, DateTime<Utc>)>>,
}

impl Buckets {
    fn new(rate: f64, burst: f64) -> Self {
        Self {
            rate,
            burst,
            buckets: Mutex::default(),
        }
    }

    fn take(&self, name: &str, now: DateTime<Utc>) -> Result<(), u64> {
        self.with_tokens(name, now, |tokens| {
            if *tokens >= 1.0 {
                *tokens -= 1.0;
            }
        })
    }

    fn check(&self, name: &str, now: DateTime<Utc>) -> Result<(), u64> {
        self.with_tokens(name, now, |_| {})
    }

    /// Refills `name`'s bucket to `now`; `Err(seconds)` until a token when it had none, else
    /// `Ok` after `use_tokens`.
    fn with_tokens(&self, name: &str, now: DateTime<Utc>, use_tokens: impl FnOnce(&mut f64)) -> Result<(), u64> {
        let seconds = |since: DateTime<Utc>| (now - since).as_seconds_f64().max(0.0);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_BUCKETS {
            // A bucket full again is the same as none.
            buckets.retain(|_, (tokens, at)| *tokens + seconds(*at) * self.rate < self.burst);
        }
        let (tokens, at) = buckets.entry(name.to_owned()).or_insert((self.burst, now));
        *tokens = (*tokens + seconds(*at) * self.rate).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            use_tokens(tokens);
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.rate).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-16T10:30:00Z")
            .expect("a date")
            .to_utc()
    }

    #[test]
    fn a_burst_then_tokens_at_the_sustained_rate() {
        let throttle = Throttle::default();
        let start = start();
        for _ in 0..BURST as usize {
            assert!(throttle.take("k", start).is_ok());
        }
        assert_eq!(throttle.take("k", start), Err(1));
        assert!(throttle.take("other", start).is_ok(), "keys are limited separately");
        // 50 ms at 200 per second earn 10 tokens, and no more.
        let later = start + chrono::TimeDelta::milliseconds(50);
        for _ in 0..10 {
            assert!(throttle.take("k", later).is_ok());
        }
        assert_eq!(throttle.take("k", later), Err(1));
    }

    #[test]
    fn an_address_with_too_many_refused_keys_waits() {
        let throttle = Throttle::default();
        let start = start();
        for _ in 0..REFUSED_KEYS_PER_MINUTE as usize {
            assert!(throttle.check_address("192.0.2.1", start).is_ok());
            throttle.key_refused("192.0.2.1", start);
        }
        assert_eq!(
            throttle.check_address("192.0.2.1", start),
            Err(3),
            "one refusal every 3 s"
        );
        assert!(throttle.check_address("192.0.2.2", start).is_ok(), "addresses apart");
        let later = start + chrono::TimeDelta::seconds(3);
        assert!(throttle.check_address("192.0.2.1", later).is_ok());
        throttle.key_refused("192.0.2.1", later);
        assert!(throttle.check_address("192.0.2.1", later).is_err());
    }
}
