//! Failed sign-in limits, per IP address and per account.
//!
//! Each key may fail `MAX_FAILURES` times in a sliding `WINDOW`; past that, sign-ins for it are
//! refused until the oldest failure leaves the window, so a lock-out never lasts longer than
//! the window after the last failure. A successful sign-in clears its account's failures.
//! The counts live in this process: with several processes each keeps its own.

use chrono::{DateTime, TimeDelta, Utc};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

pub const MAX_FAILURES: usize = 10;
pub const WINDOW: TimeDelta = TimeDelta::minutes(15);
/// Bounds memory under a flood of distinct keys.
const MAX_KEYS: usize = 100_000;

#[derive(Default)]
pub struct FailureLimiter {
    failures: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
}

impl FailureLimiter {
    /// `Some(seconds)` to wait when any key is over its limit.
    pub fn retry_after(&self, keys: &[String], now: DateTime<Utc>) -> Option<u64> {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        keys.iter()
            .filter_map(|key| {
                let times = failures.get_mut(key)?;
                prune(times, now);
                (times.len() >= MAX_FAILURES).then(|| {
                    let oldest = *times.front().expect("non-empty");
                    (WINDOW - (now - oldest)).num_seconds().max(1) as u64
                })
            })
            .max()
    }

    pub fn record_failure(&self, keys: &[String], now: DateTime<Utc>) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() >= MAX_KEYS {
            failures.retain(|_, times| {
                prune(times, now);
                !times.is_empty()
            });
        }
        for key in keys {
            let times = failures.entry(key.clone()).or_default();
            prune(times, now);
            if times.len() < MAX_FAILURES {
                times.push_back(now);
            }
        }
    }

    pub fn clear(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }
}

fn prune(times: &mut VecDeque<DateTime<Utc>>, now: DateTime<Utc>) {
    while times.front().is_some_and(|t| now - *t >= WINDOW) {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_attempt_waits_until_the_window_ends_and_success_clears_the_account() {
        let limiter = FailureLimiter::default();
        let keys = ["ip:1.2.3.4".to_owned(), "account:a@b.co".to_owned()];
        let start = DateTime::parse_from_rfc3339("2026-11-16T10:30:00Z")
            .expect("a date")
            .to_utc();
        for n in 0..MAX_FAILURES {
            let at = start + TimeDelta::seconds(n as i64);
            assert_eq!(limiter.retry_after(&keys, at), None);
            limiter.record_failure(&keys, at);
        }
        let last = start + TimeDelta::seconds(MAX_FAILURES as i64 - 1);
        assert_eq!(limiter.retry_after(&keys, last), Some(WINDOW.num_seconds() as u64 - 9));
        // The oldest failure leaves the window: one more attempt is allowed.
        assert_eq!(
            limiter.retry_after(&keys, start + WINDOW - TimeDelta::seconds(1)),
            Some(1)
        );
        assert_eq!(limiter.retry_after(&keys, start + WINDOW), None);

        limiter.record_failure(&keys, start + WINDOW);
        assert!(limiter.retry_after(&keys, start + WINDOW).is_some());
        limiter.clear("account:a@b.co");
        assert_eq!(
            limiter.retry_after(&keys[1..], start + WINDOW),
            None,
            "the account is free again"
        );
        assert!(
            limiter.retry_after(&keys[..1], start + WINDOW).is_some(),
            "the IP stays limited"
        );
    }
}
