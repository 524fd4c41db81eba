//! Per-key request rate limits for ingestion: a token bucket per key prefix.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Sustained requests per second per key, and the burst allowed on top.
pub const RATE_PER_SECOND: f64 = 200.0;
pub const BURST: f64 = 400.0;
const MAX_KEYS: usize = 100_000;

#[derive(Default)]
pub struct Throttle {
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl Throttle {
    /// Takes one request's token for `key`; `Err(seconds)` to wait when there is none.
    pub fn take(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_KEYS {
            buckets.retain(|_, (_, at)| now.duration_since(*at).as_secs_f64() < BURST / RATE_PER_SECOND);
        }
        let (tokens, at) = buckets.entry(key.to_owned()).or_insert((BURST, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * RATE_PER_SECOND).min(BURST);
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
    fn a_burst_then_waiting() {
        let throttle = Throttle::default();
        for _ in 0..BURST as usize {
            assert!(throttle.take("k").is_ok());
        }
        assert_eq!(throttle.take("k"), Err(1));
        assert!(throttle.take("other").is_ok(), "keys are limited separately");
    }
}
