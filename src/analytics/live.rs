//! Live updates. Each server process holds one `LISTEN` connection that feeds a broadcast
//! channel; each SSE stream keeps the notifications for services its user may see and answers
//! them with fresh figures. Several processes on one database all hear every batch.

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::{Stream, StreamExt};
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

use super::cache::FiguresCache;
use super::{AnalyticsQuery, backend};
use crate::auth::guard::CurrentUser;
use crate::error::AppError;
use crate::ingest::backend::CHANNEL;
use crate::server::state::AppState;

/// Notifications are coalesced: a stream answers at most this often.
const COALESCE: Duration = Duration::from_millis(250);

/// The process-wide fan-out of committed batches (their service ids), and the shutdown signal
/// that ends every open stream so the server can stop.
#[derive(Clone)]
pub struct Live {
    batches: broadcast::Sender<Uuid>,
    shutdown: watch::Receiver<bool>,
    shutdown_tx: watch::Sender<bool>,
}

impl Default for Live {
    fn default() -> Self {
        let (shutdown_tx, shutdown) = watch::channel(false);
        Self {
            batches: broadcast::channel(1024).0,
            shutdown,
            shutdown_tx,
        }
    }
}

impl Live {
    /// Listens on `database_url` until shutdown, reconnecting after any failure; each batch
    /// also drops the cached figures of its service.
    pub fn spawn_listener(&self, database_url: String, figures: Arc<FiguresCache>) {
        let batches = self.batches.clone();
        let mut shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    result = listen(&database_url, &batches, &figures) => {
                        if let Err(error) = result {
                            tracing::warn!(%error, "live updates: listener lost, reconnecting");
                        }
                    }
                    _ = shutdown.changed() => return,
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    /// Ends every live stream (called when the server begins to shut down).
    pub fn shut_down(&self) {
        let _ = self.shutdown_tx.send(true);
    }
}

async fn listen(
    database_url: &str,
    batches: &broadcast::Sender<Uuid>,
    figures: &FiguresCache,
) -> diesel::QueryResult<()> {
    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .map_err(|e| diesel::result::Error::QueryBuilderError(Box::new(e)))?;
    diesel::sql_query(format!("LISTEN {CHANNEL}"))
        .execute(&mut conn)
        .await?;
    // Batches committed while no one was listening went unheard.
    figures.clear();
    let mut notifications = std::pin::pin!(conn.notifications_stream());
    while let Some(notification) = notifications.next().await {
        if let Ok(service_id) = notification?.payload.parse::<Uuid>() {
            figures.invalidate(service_id);
            // No receivers is fine: nobody is watching right now.
            let _ = batches.send(service_id);
        }
    }
    Ok(())
}

/// `GET /api/v1/live?range=…&service=…`: a `summary` event with the view's figures now and after
/// every batch that touches it.
pub async fn stream(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Query(query): Query<AnalyticsQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let mut conn = state.conn().await?;
    let window = backend::resolve(&mut conn, &auth, &query, chrono::Utc::now()).await?;
    drop(conn);
    let watched: HashSet<Uuid> = window.service_ids.iter().copied().collect();
    let mut batches = state.live.batches.subscribe();
    let mut shutdown = state.live.shutdown.clone();
    // A task feeds the stream through a small channel; it ends when the client goes away.
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        loop {
            let figures = async {
                let mut conn = state.conn().await?;
                let window = backend::resolve(&mut conn, &auth, &query, chrono::Utc::now()).await?;
                Ok::<_, AppError>(backend::summary(&mut conn, &window).await?)
            };
            let event = match figures.await {
                Ok(summary) => Event::default().event("summary").json_data(summary).unwrap_or_default(),
                Err(error) => Event::default().event("error").data(error.to_string()),
            };
            if tx.send(event).await.is_err() {
                return;
            }
            // Wait for a batch of a watched service, then let a burst settle.
            loop {
                tokio::select! {
                    received = batches.recv() => match received {
                        Ok(id) if watched.contains(&id) => break,
                        Ok(_) => continue,
                        Err(broadcast::error::RecvError::Lagged(_)) => break,
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                    _ = shutdown.changed() => return,
                }
            }
            tokio::time::sleep(COALESCE).await;
            while batches.try_recv().is_ok() {}
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)).map(Ok);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
