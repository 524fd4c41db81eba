//! What changed: every committed batch of events, and every change to a service, is announced
//! on one PostgreSQL channel. Each server process listens on it, drops the cached figures the
//! change touches, and fans it out to the live streams. Several processes on one database all
//! hear every change.

pub mod cache;
mod listener;
pub mod stream;

use std::sync::Arc;

use diesel::QueryResult;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

use self::cache::FiguresCache;

/// The channel each change is announced on, with its service id as the payload.
pub const CHANNEL: &str = "ragsites_events";

diesel::define_sql_function!(fn pg_notify(channel: diesel::sql_types::Text, payload: diesel::sql_types::Text));

/// Announces, when the transaction commits, that a service's figures changed.
pub async fn announce(mut conn: &AsyncPgConnection, service_id: Uuid) -> QueryResult<usize> {
    diesel::select(pg_notify(CHANNEL, service_id.to_string()))
        .execute(&mut conn)
        .await
}

/// The process's view of changes: the figures cache, the fan-out of changed service ids to live
/// streams, and the signal that ends every stream at shutdown.
#[derive(Clone)]
pub struct Changes {
    figures: Arc<FiguresCache>,
    services: broadcast::Sender<Uuid>,
    shutdown: watch::Receiver<bool>,
    shutdown_tx: watch::Sender<bool>,
    listening: watch::Sender<u64>,
}

impl Default for Changes {
    fn default() -> Self {
        let (shutdown_tx, shutdown) = watch::channel(false);
        Self {
            figures: Arc::default(),
            services: broadcast::channel(1024).0,
            shutdown,
            shutdown_tx,
            listening: watch::channel(0).0,
        }
    }
}

impl Changes {
    /// The dashboard's figures, kept until a change touches them.
    pub fn figures(&self) -> &FiguresCache {
        &self.figures
    }

    /// A change of `service_id` committed by this process: its cached figures go at once,
    /// before the notification comes back through the listener.
    pub fn committed(&self, service_id: Uuid) {
        self.figures.invalidate(service_id);
    }

    /// The ids of changed services, as the listener hears them.
    pub fn subscribe(&self) -> broadcast::Receiver<Uuid> {
        self.services.subscribe()
    }

    /// How many times the listener has begun to listen: the count goes up once `LISTEN` is in
    /// place and the cache cleared, and again after every reconnect. Zero until the first time.
    pub fn listening(&self) -> watch::Receiver<u64> {
        self.listening.subscribe()
    }

    /// Resolves when the server begins to shut down.
    pub fn shutdown(&self) -> watch::Receiver<bool> {
        self.shutdown.clone()
    }

    /// Ends every live stream (called when the server begins to shut down).
    pub fn shut_down(&self) {
        let _ = self.shutdown_tx.send(true);
    }
}
