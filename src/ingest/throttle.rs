//! Per-key request rate limits for ingestion: a token bucket per key prefix.

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;

/// Sustained requests per second per key, and the burst allowed on top.
pub const RATE_PER_SECOND: f64 = 200.0;
pub const BURST: f64 = 400.0;
const MAX_KEYS: usize = 100_000;

#[derive(Default)]
pub struct Throttle {
    buckets: Mutex<HashMap<String, (f64, DateTime<Utc>)>>,
}

impl Throttle {
    /// Takes one request's token for `key`; `Err(seconds)` to wait when there is none.
    pub fn take(&self, key: &str, now: DateTime<Utc>) -> Result<(), u64> {
        let seconds = |since: DateTime<Utc>| (now - since).as_seconds_f64().max(0.0);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_KEYS {
            buckets.retain(|_, (_, at)| seconds(*at) < BURST / RATE_PER_SECOND);
        }
        let (tokens, at) = buckets.entry(key.to_owned()).or_insert((BURST, now));
        *tokens = (*tokens + seconds(*at) * RATE_PER_SECOND).min(BURST);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / RATE_PER_SECOND).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_tokens_at_the_sustained_rate() {
        let throttle = Throttle::default();
        let start = DateTime::parse_from_rfc3339("2026-11-16T10:30:00Z")
            .expect("a date")
            .to_utc();
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
}
