//! The plan quota at ingestion. Each client's requests this billing period are read from the
//! database at most once per `REFRESH` per process and counted on locally in between, so a
//! batch costs no query of its own. The database holds the shared count: another process's
//! batches are seen at the next read, so all processes together may overshoot a quota by what
//! they accept in `REFRESH`, and a batch that crosses it is accepted whole.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use crate::billing::backend::{QuotaUsage, quota_usage};
use crate::error::AppError;
use crate::server::state::AppState;

const REFRESH: TimeDelta = TimeDelta::seconds(10);
const MAX_CLIENTS: usize = 100_000;

#[derive(Default)]
pub struct Quotas {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// The client each service belongs to (it never changes).
    owners: HashMap<Uuid, Uuid>,
    usage: HashMap<Uuid, Usage>,
}

#[derive(Clone, Copy)]
struct Usage {
    quota: Option<i64>,
    used: i64,
    period_end: DateTime<Utc>,
    read_at: DateTime<Utc>,
}

impl Quotas {
    /// `QuotaExceeded` when the client of `service_id` has used its plan's quota this period;
    /// a client without a plan has none.
    pub async fn check(&self, state: &AppState, service_id: Uuid) -> Result<(), AppError> {
        let now = state.clock.now();
        let usage = match self.fresh(service_id, now) {
            Some(usage) => usage,
            None => {
                let read = quota_usage(&mut *state.conn().await?, service_id, now).await?;
                self.keep(service_id, read, now)
            }
        };
        match usage.quota {
            Some(quota) if usage.used >= quota => Err(AppError::QuotaExceeded {
                quota,
                retry_after: (usage.period_end - now).num_seconds().max(1) as u64,
            }),
            _ => Ok(()),
        }
    }

    /// `accepted` new events of `service_id` were committed.
    pub fn record(&self, service_id: Uuid, accepted: usize) {
        let mut inner = self.lock();
        if let Some(owner) = inner.owners.get(&service_id).copied()
            && let Some(usage) = inner.usage.get_mut(&owner)
        {
            usage.used += accepted as i64;
        }
    }

    fn fresh(&self, service_id: Uuid, now: DateTime<Utc>) -> Option<Usage> {
        let inner = self.lock();
        let usage = inner.usage.get(inner.owners.get(&service_id)?)?;
        (now - usage.read_at < REFRESH && now < usage.period_end).then_some(*usage)
    }

    fn keep(&self, service_id: Uuid, read: QuotaUsage, now: DateTime<Utc>) -> Usage {
        let usage = Usage {
            quota: read.quota,
            used: read.used,
            period_end: read.period_end,
            read_at: now,
        };
        let mut inner = self.lock();
        if inner.owners.len() >= MAX_CLIENTS || inner.usage.len() >= MAX_CLIENTS {
            inner.owners.clear();
            inner.usage.clear();
        }
        inner.owners.insert(service_id, read.user_id);
        inner.usage.insert(read.user_id, usage);
        usage
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every change is one step under the lock: a panicking holder leaves it consistent.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
