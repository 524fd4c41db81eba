//! The server's "now". A running portal reads the system clock; the tests fix it (the
//! integration harness, and `FIXED_CLOCK` for the Playwright server) so that no figure depends
//! on the day or the hour a test happens to run in.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, Utc};

use super::config::Config;

#[derive(Clone, Debug, Default)]
pub struct Clock {
    fixed: Option<Arc<Mutex<DateTime<Utc>>>>,
}

impl Clock {
    /// The system clock, or the configured fixed instant (`FIXED_CLOCK`).
    pub fn from_config(config: &Config) -> Self {
        config.fixed_clock.map(Self::fixed).unwrap_or_default()
    }

    /// A clock that stands still at `at` until `advance` moves it.
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self {
            fixed: Some(Arc::new(Mutex::new(at))),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.fixed {
            Some(at) => *at.lock().unwrap_or_else(|e| e.into_inner()),
            None => Utc::now(),
        }
    }

    /// Moves a fixed clock on; the system clock cannot be moved.
    pub fn advance(&self, by: TimeDelta) {
        let at = self.fixed.as_ref().expect("only a fixed clock can be advanced");
        *at.lock().unwrap_or_else(|e| e.into_inner()) += by;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_moves_only_when_advanced() {
        let start = DateTime::parse_from_rfc3339("2026-11-16T10:30:00Z")
            .expect("a date")
            .to_utc();
        let clock = Clock::fixed(start);
        assert_eq!(clock.now(), start);
        clock.advance(TimeDelta::minutes(90));
        assert_eq!(clock.now(), start + TimeDelta::minutes(90));
        assert_eq!(clock.clone().now(), clock.now(), "clones share one clock");
    }
}
