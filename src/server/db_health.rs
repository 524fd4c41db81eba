//! Whether the database is reachable, as the pool last saw it.
//!
//! A failed connection attempt of the pool (its error sink) marks the database down: checkouts
//! then answer `Unavailable` at once instead of waiting out the pool's timeout, and a probe
//! connects every second until the database answers, which clears the mark. A connection that
//! merely failed its check-out test (it died while idle) does not count: the pool replaces it,
//! and after a restart of PostgreSQL every idle connection fails that way once.

use std::sync::Arc;
use std::time::Duration;

use diesel_async::pooled_connection::PoolError;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use tokio::sync::watch;

/// How often the probe tries while the database is down, and how long one try may take.
const PROBE_EVERY: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct DbHealth {
    down: Arc<watch::Sender<bool>>,
    /// Where the probe connects (holds a password: never log it).
    url: Arc<str>,
}

impl DbHealth {
    pub fn new(url: &str) -> Self {
        Self {
            down: Arc::new(watch::Sender::new(false)),
            url: url.into(),
        }
    }

    pub fn is_down(&self) -> bool {
        *self.down.borrow()
    }

    /// Follows the mark: a checkout waits on it beside the pool.
    pub fn watch(&self) -> watch::Receiver<bool> {
        self.down.subscribe()
    }

    /// Marks the database down and, on the transition, starts the probe that clears the mark.
    pub fn mark_down(&self) {
        let went_down = self.down.send_if_modified(|down| !std::mem::replace(down, true));
        if !went_down {
            return;
        }
        tracing::warn!("database unreachable: answering 503 until it is back");
        crate::server::metrics::database_down(true);
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let health = self.clone();
        runtime.spawn(async move {
            let mut every = tokio::time::interval(PROBE_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                if tokio::time::timeout(PROBE_EVERY, health.probe()).await == Ok(true) {
                    break;
                }
            }
            health.down.send_replace(false);
            crate::server::metrics::database_down(false);
            tracing::info!("database reachable again");
        });
    }

    async fn probe(&self) -> bool {
        match AsyncPgConnection::establish(&self.url).await {
            Ok(mut conn) => diesel::sql_query("SELECT 1").execute(&mut conn).await.is_ok(),
            Err(_) => false,
        }
    }

    /// The pool's error sink.
    pub(super) fn sink(&self) -> Sink {
        Sink(self.clone())
    }
}

#[derive(Clone)]
pub(super) struct Sink(DbHealth);

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbHealth sink")
    }
}

impl bb8::ErrorSink<PoolError> for Sink {
    fn sink(&self, error: PoolError) {
        if let PoolError::ConnectionError(error) = error {
            tracing::warn!(%error, "cannot connect to the database");
            self.0.mark_down();
        }
    }

    fn boxed_clone(&self) -> Box<dyn bb8::ErrorSink<PoolError>> {
        Box::new(self.clone())
    }
}
