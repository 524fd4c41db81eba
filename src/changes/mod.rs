//! What changed: every committed batch of events, and every change to a service, is announced
//! on one PostgreSQL channel, and the end of every session on another. Each server process
//! listens on both, drops the cached figures a change touches, fans it out to the live streams,
//! and ends the streams of an ended session. Several processes on one database all hear every
//! change.

pub mod cache;
mod listener;
pub mod slots;
pub mod stream;

use std::sync::Arc;

use diesel::QueryResult;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

use self::cache::FiguresCache;
use self::slots::Slots;

/// The channel each change is announced on, with its service id as the payload.
pub const CHANNEL: &str = "ragsites_events";
/// The channel each ended session (revoked, or deleted while live) is announced on, with its id
/// as the payload: a trigger on `sessions` sends it, whichever code ended the session.
pub const SESSIONS_CHANNEL: &str = "ragsites_sessions";

diesel::define_sql_function!(fn pg_notify(channel: diesel::sql_types::Text, payload: diesel::sql_types::Text));

/// Announces, when the transaction commits, that a service's figures changed.
pub async fn announce(mut conn: &AsyncPgConnection, service_id: Uuid) -> QueryResult<usize> {
    diesel::select(pg_notify(CHANNEL, service_id.to_string()))
        .execute(&mut conn)
        .await
}

/// The process's view of changes: the figures cache, the fan-out of changed service ids to live
/// streams, the open streams (ended with their session), and the signal that ends every stream
/// at shutdown.
#[derive(Clone)]
pub struct Changes {
    figures: Arc<FiguresCache>,
    services: broadcast::Sender<Uuid>,
    slots: Arc<Slots>,
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
            slots: Arc::default(),
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

    /// The live streams open in this process.
    pub fn slots(&self) -> &Arc<Slots> {
        &self.slots
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
