//! `GET /api/v1/live?range=…&service=…`: a `summary` event with the view's figures now and after
//! every change that touches it.

use std::collections::HashSet;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::analytics::params::Params;
use crate::analytics::{summary, window};
use crate::auth::guard::CurrentUser;
use crate::error::AppError;
use crate::server::state::AppState;

/// Notifications are coalesced: a stream answers at most this often.
const COALESCE: Duration = Duration::from_millis(250);

pub async fn stream(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Params(query): Params,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let mut conn = state.conn().await?;
    let window = window::resolve(&mut conn, &auth, &query, state.clock.now()).await?;
    drop(conn);
    let watched: HashSet<Uuid> = window.service_ids.iter().copied().collect();
    let mut changes = state.changes.subscribe();
    let mut shutdown = state.changes.shutdown();
    // A task feeds the stream through a small channel; it ends when the client goes away.
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        loop {
            let figures = async {
                let mut conn = state.conn().await?;
                let window = window::resolve(&mut conn, &auth, &query, state.clock.now()).await?;
                Ok::<_, AppError>(summary::summary(&mut conn, &window).await?)
            };
            let event = match figures.await {
                Ok(summary) => Event::default().event("summary").json_data(summary).unwrap_or_default(),
                Err(error) => Event::default().event("error").data(error.to_string()),
            };
            if tx.send(event).await.is_err() {
                return;
            }
            // Wait for a change of a watched service, then let a burst settle.
            loop {
                tokio::select! {
                    received = changes.recv() => match received {
                        Ok(id) if watched.contains(&id) => break,
                        Ok(_) => continue,
                        Err(broadcast::error::RecvError::Lagged(_)) => break,
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                    _ = shutdown.changed() => return,
                }
            }
            tokio::time::sleep(COALESCE).await;
            while changes.try_recv().is_ok() {}
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)).map(Ok);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
