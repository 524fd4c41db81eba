//! Failed sign-in limits, per IP address and per account.
//!
//! Each key may fail `MAX_FAILURES` times in a sliding `WINDOW`; past that, sign-ins for it are
//! refused until the oldest failure leaves the window, so a lock-out never lasts longer than
//! the window after the last failure. A successful sign-in clears its account's failures.
//! The counts live in this process: with several processes each keeps its own.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const MAX_FAILURES: usize = 10;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Bounds memory under a flood of distinct keys.
const MAX_KEYS: usize = 100_000;

#[derive(Default)]
pub struct FailureLimiter {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl FailureLimiter {
    /// `Some(seconds)` to wait when any key is over its limit.
    pub fn retry_after(&self, keys: &[String]) -> Option<u64> {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        keys.iter()
            .filter_map(|key| {
                let times = failures.get_mut(key)?;
                prune(times, now);
                (times.len() >= MAX_FAILURES).then(|| {
                    let oldest = *times.front().expect("non-empty");
                    (WINDOW.saturating_sub(now - oldest)).as_secs().max(1)
                })
            })
            .max()
    }

    pub fn record_failure(&self, keys: &[String]) {
        let now = Instant::now();
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

fn prune(times: &mut VecDeque<Instant>, now: Instant) {
    while times.front().is_some_and(|t| now - *t >= WINDOW) {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_attempt_waits_and_success_clears_the_account() {
        let limiter = FailureLimiter::default();
        let keys = ["ip:1.2.3.4".to_owned(), "account:a@b.co".to_owned()];
        for _ in 0..MAX_FAILURES {
            assert_eq!(limiter.retry_after(&keys), None);
            limiter.record_failure(&keys);
        }
        let wait = limiter.retry_after(&keys).expect("locked");
        assert!(wait > 0 && wait <= WINDOW.as_secs());
        limiter.clear("account:a@b.co");
        assert!(limiter.retry_after(&keys[1..]).is_none(), "the account is free again");
        assert!(limiter.retry_after(&keys[..1]).is_some(), "the IP stays limited");
    }
}
