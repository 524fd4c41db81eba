//! The dashboard's figures, kept until a batch touches one of their services.
//!
//! A view's window is whole hours, so repeated views of the same page share one entry until
//! new events arrive. Batches stored by this process drop the entries they touch at once;
//! batches of other processes when their `NOTIFY` arrives (see `listener`), and every entry is
//! dropped after `MAX_AGE` in case a notification was lost.

use chrono::{DateTime, TimeDelta, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use uuid::Uuid;

use crate::analytics::window::Window;
use crate::analytics::{Breakdown, Series, Summary, TopEndUsers};

const MAX_AGE: TimeDelta = TimeDelta::seconds(60);
/// Entries beyond this are dropped oldest first.
const CAPACITY: usize = 2_000;

pub type FiguresCache = WindowCache<(Summary, Series, Breakdown, Option<TopEndUsers>)>;

/// Values computed for a window (generic only so the tests can store numbers).
pub struct WindowCache<V> {
    inner: Mutex<Inner<V>>,
}

struct Inner<V> {
    /// Counts invalidations: an entry computed across one is not stored.
    epoch: u64,
    /// The epoch of each service's last batch, and of the last time everything was dropped.
    touched: HashMap<Uuid, u64>,
    cleared: u64,
    entries: HashMap<Window, (DateTime<Utc>, V)>,
}

impl<V> Default for WindowCache<V> {
    fn default() -> Self {
        let inner = Inner {
            epoch: 0,
            touched: HashMap::new(),
            cleared: 0,
            entries: HashMap::new(),
        };
        Self {
            inner: Mutex::new(inner),
        }
    }
}

/// Where a computation started, to store its result only if nothing changed meanwhile.
#[derive(Clone, Copy)]
pub struct Ticket(u64);

impl<V: Clone> WindowCache<V> {
    pub fn get(&self, window: &Window, now: DateTime<Utc>) -> Result<V, Ticket> {
        let inner = self.lock();
        match inner.entries.get(window) {
            Some((at, figures)) if now - *at < MAX_AGE => Ok(figures.clone()),
            _ => Err(Ticket(inner.epoch)),
        }
    }

    /// Keeps `value` unless a batch of one of the window's services arrived after `ticket`.
    pub fn put(&self, ticket: Ticket, window: Window, value: V, now: DateTime<Utc>) {
        let mut inner = self.lock();
        let stale = inner.cleared > ticket.0
            || window
                .service_ids
                .iter()
                .any(|id| inner.touched.get(id).is_some_and(|&epoch| epoch > ticket.0));
        if stale {
            return;
        }
        if inner.entries.len() >= CAPACITY {
            let oldest = inner
                .entries
                .iter()
                .min_by_key(|(_, (at, _))| *at)
                .map(|(w, _)| w.clone());
            if let Some(oldest) = oldest {
                inner.entries.remove(&oldest);
            }
        }
        inner.entries.insert(window, (now, value));
    }

    /// A batch of `service_id` was committed.
    pub fn invalidate(&self, service_id: Uuid) {
        let mut inner = self.lock();
        inner.epoch += 1;
        let epoch = inner.epoch;
        inner.touched.insert(service_id, epoch);
        inner
            .entries
            .retain(|window, _| !window.service_ids.contains(&service_id));
    }

    /// Anything may have changed (notifications were missed).
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.epoch += 1;
        inner.cleared = inner.epoch;
        inner.touched.clear();
        inner.entries.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<V>> {
        // The data stays consistent whatever a panicking holder did: every change is one step.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::analytics::Bucket;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 16, 10, 30, 0).unwrap()
    }

    fn window(service_ids: Vec<Uuid>, day: u32) -> Window {
        Window {
            service_ids,
            from: Utc.with_ymd_and_hms(2026, 11, day, 0, 0, 0).unwrap(),
            to: Utc.with_ymd_and_hms(2026, 11, day + 1, 0, 0, 0).unwrap(),
            bucket: Bucket::Hour,
            tz: "UTC".into(),
        }
    }

    #[test]
    fn a_batch_drops_the_windows_of_its_service_only() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let cache = WindowCache::default();
        for (w, value) in [
            (window(vec![a], 1), 1),
            (window(vec![a, b], 1), 2),
            (window(vec![b], 1), 3),
        ] {
            let ticket = cache.get(&w, now()).unwrap_err();
            cache.put(ticket, w.clone(), value, now());
            assert_eq!(cache.get(&w, now()).ok(), Some(value));
        }
        assert!(
            cache.get(&window(vec![a], 2), now()).is_err(),
            "another period is another entry"
        );
        cache.invalidate(a);
        assert!(cache.get(&window(vec![a], 1), now()).is_err());
        assert!(cache.get(&window(vec![a, b], 1), now()).is_err());
        assert_eq!(cache.get(&window(vec![b], 1), now()).ok(), Some(3));
        cache.clear();
        assert!(cache.get(&window(vec![b], 1), now()).is_err());
    }

    #[test]
    fn a_value_computed_across_a_change_is_not_kept() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let cache = WindowCache::default();
        let ticket = cache.get(&window(vec![a], 1), now()).unwrap_err();
        cache.invalidate(a);
        cache.put(ticket, window(vec![a], 1), 1, now());
        assert!(
            cache.get(&window(vec![a], 1), now()).is_err(),
            "a batch of a arrived meanwhile"
        );

        let ticket = cache.get(&window(vec![b], 1), now()).unwrap_err();
        cache.invalidate(a);
        cache.put(ticket, window(vec![b], 1), 2, now());
        assert_eq!(
            cache.get(&window(vec![b], 1), now()).ok(),
            Some(2),
            "a's batch does not concern b"
        );

        let ticket = cache.get(&window(vec![b], 2), now()).unwrap_err();
        cache.clear();
        cache.put(ticket, window(vec![b], 2), 3, now());
        assert!(
            cache.get(&window(vec![b], 2), now()).is_err(),
            "everything changed meanwhile"
        );
    }

    #[test]
    fn an_entry_expires_after_its_age() {
        let cache = WindowCache::default();
        let w = window(vec![Uuid::from_u128(1)], 1);
        let ticket = cache.get(&w, now()).unwrap_err();
        cache.put(ticket, w.clone(), 7, now());
        assert_eq!(cache.get(&w, now() + MAX_AGE - TimeDelta::seconds(1)).ok(), Some(7));
        assert!(cache.get(&w, now() + MAX_AGE).is_err(), "kept no longer than MAX_AGE");
    }

    #[test]
    fn the_cap_holds_and_the_oldest_goes_first() {
        let cache = WindowCache::default();
        let service = |n: usize| Uuid::from_u128(n as u128 + 1);
        for n in 0..=CAPACITY {
            let w = window(vec![service(n)], 1);
            let at = now() + TimeDelta::milliseconds(n as i64);
            let ticket = cache.get(&w, at).unwrap_err();
            cache.put(ticket, w, n, at);
        }
        assert_eq!(cache.lock().entries.len(), CAPACITY);
        let at = now() + TimeDelta::seconds(5);
        assert!(
            cache.get(&window(vec![service(0)], 1), at).is_err(),
            "the oldest was dropped"
        );
        assert_eq!(cache.get(&window(vec![service(1)], 1), at).ok(), Some(1));
        assert_eq!(cache.get(&window(vec![service(CAPACITY)], 1), at).ok(), Some(CAPACITY));
    }
}
