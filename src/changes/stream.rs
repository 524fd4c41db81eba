//! `GET /api/v1/live?range=…&service=…`: a `summary` event with the view's figures now and after
//! every change that touches it, for as long as the session lives. When the session ends
//! (signed out, revoked elsewhere, expired) the stream sends an `end` event and closes.

use std::collections::HashSet;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use futures_util::{Stream, StreamExt};
use tokio::sync::{broadcast, mpsc};
use uuid::Uuid;

use super::slots::{Caps, Slot};
use crate::analytics::AnalyticsQuery;
use crate::analytics::params::Params;
use crate::analytics::{summary, window};
use crate::auth::Authenticated;
use crate::auth::guard::CurrentUser;
use crate::error::AppError;
use crate::schema::sessions;
use crate::server::clock::Clock;
use crate::server::state::AppState;

/// Notifications are coalesced: a stream answers at most this often.
const COALESCE: Duration = Duration::from_millis(250);
/// How often a stream compares the clock with its session's expiry (it ends within this).
const EXPIRY_CHECK: Duration = Duration::from_millis(500);
/// What a refused stream is told to wait (the browser's island retries on its own anyway).
pub const FULL_RETRY_AFTER: u64 = 30;

/// A server-sent event stream of the view: a `summary` event (the JSON of
/// `/api/v1/analytics/summary`) at once and after every change in the view.
#[utoipa::path(get, path = "/api/v1/live", tag = "analytics",
    params(crate::analytics::AnalyticsQuery),
    responses(
        (status = 200, description = "`event: summary` with a `Summary` as data; `event: error` with a message",
            content_type = "text/event-stream", body = String),
        (status = 400, response = crate::server::openapi::BadRequest),
        (status = 401, response = crate::server::openapi::Unauthorized),
        (status = 404, response = crate::server::openapi::NotFound),
        (status = 422, response = crate::server::openapi::Invalid),
        (status = 429, description = "Too many live streams open (the user's or the server's cap)",
            body = crate::error::ErrorBody),
        (status = 503, response = crate::server::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
pub async fn stream(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Params(query): Params,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let caps = Caps {
        per_user: state.config.live_streams_per_user,
        per_process: state.config.live_streams_max,
    };
    let slot = state
        .changes
        .slots()
        .open(auth.user.id, auth.session_id, caps)
        .map_err(|_| AppError::TooManyStreams {
            retry_after: FULL_RETRY_AFTER,
        })?;
    // Read after the slot is registered: a session ending from now on is heard by the listener.
    let expires_at: DateTime<Utc> = sessions::table
        .find(auth.session_id)
        .filter(sessions::revoked_at.is_null())
        .select(sessions::expires_at)
        .first(&mut *state.conn().await?)
        .await
        .optional()?
        .ok_or(AppError::Unauthorized)?;
    serve(state, auth, query, slot, Some(expires_at), "signed_out").await
}

/// The stream of `query` as `auth` sees it, held by `slot` (under its session, or its share
/// link) until `expires_at`, the slot's end (told as `ended`), the client's leaving or shutdown.
pub async fn serve(
    state: AppState,
    auth: Authenticated,
    query: AnalyticsQuery,
    slot: Slot,
    expires_at: Option<DateTime<Utc>>,
    ended: &'static str,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>> + use<>>, AppError> {
    let mut conn = state.conn().await?;
    let window = window::resolve(&mut conn, &auth, &query, state.clock.now()).await?;
    drop(conn);
    let watched: HashSet<Uuid> = window.service_ids.iter().copied().collect();
    let changes = state.changes.subscribe();
    let mut shutdown = state.changes.shutdown();
    let session_ended = slot.ended();
    // A task feeds the stream through a small channel; it ends when the client goes away, the
    // session ends or the server shuts down.
    let (tx, mut rx) = mpsc::channel(4);
    tokio::spawn(async move {
        let clock = state.clock.clone();
        let end = tokio::select! {
            () = feed(state, auth, query, watched, changes, &tx) => return,
            () = tx.closed() => return,
            _ = shutdown.changed() => return,
            () = session_ended => ended,
            () = expiry(&clock, expires_at) => "expired",
        };
        // The browser's island stops on it instead of reconnecting.
        let _ = tx.try_send(Event::default().event("end").data(end));
    });
    // The slot is freed with the response body: when the client goes away or the task ends.
    let stream = futures_util::stream::poll_fn(move |cx| {
        let _ = &slot;
        rx.poll_recv(cx)
    })
    .map(Ok);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// Sends the view's figures now and after every change of a watched service, until the
/// client goes away.
async fn feed(
    state: AppState,
    auth: Authenticated,
    query: AnalyticsQuery,
    watched: HashSet<Uuid>,
    mut changes: broadcast::Receiver<Uuid>,
    tx: &mpsc::Sender<Event>,
) {
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
            match changes.recv().await {
                Ok(id) if watched.contains(&id) => break,
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Lagged(_)) => break,
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
        tokio::time::sleep(COALESCE).await;
        while changes.try_recv().is_ok() {}
    }
}

/// Resolves once the clock has reached `expires_at`; never without one.
async fn expiry(clock: &Clock, expires_at: Option<DateTime<Utc>>) {
    let Some(expires_at) = expires_at else {
        return std::future::pending().await;
    };
    let mut check = tokio::time::interval(EXPIRY_CHECK);
    while clock.now() < expires_at {
        check.tick().await;
    }
}
