//! `/api/v1/services/{id}/events…`: the explorer as JSON, with the same filters and cursor.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use uuid::Uuid;

use super::{Conversation, EventDetail, EventFilters, EventList, backend};
use crate::auth::guard::CurrentUser;
use crate::error::AppError;
use crate::server::openapi::{BadRequest, Invalid, NotFound, Unauthorized, Unavailable};
use crate::server::routes::Routes;
use crate::server::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route(Method::GET, "/api/v1/services/{id}/events", list)
        .route(Method::GET, "/api/v1/services/{id}/events/{event_id}", show)
        .route(
            Method::GET,
            "/api/v1/services/{id}/conversations/{conversation_id}",
            conversation,
        )
}

/// A path id that is not a UUID is simply not found.
fn parse_id(text: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(text).map_err(|_| AppError::NotFound)
}

/// A page of a service's raw events, newest first, filtered; `next_cursor` continues it (keyset:
/// never OFFSET). Another client's service is 404.
#[utoipa::path(get, path = "/api/v1/services/{id}/events", tag = "events",
    params(("id" = Uuid, Path, description = "The service"), EventFilters),
    responses(
        (status = 200, description = "A page of events, newest first, and the cursor of the next", body = EventList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = Invalid),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn list(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Path(id): Path<String>,
    query: Result<Query<EventFilters>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<EventList>, AppError> {
    let Query(filters) = query.map_err(|e| AppError::BadRequest(format!("Bad query string: {}", e.body_text())))?;
    let id = parse_id(&id)?;
    let now = state.clock.now();
    Ok(Json(
        backend::list(&mut *state.conn().await?, &auth, id, &filters, now)
            .await?
            .data,
    ))
}

/// One event of a service, whole. An id sent twice with two times is the earliest.
#[utoipa::path(get, path = "/api/v1/services/{id}/events/{event_id}", tag = "events",
    params(("id" = Uuid, Path, description = "The service"), ("event_id" = String, Path, description = "The id the event was sent with")),
    responses(
        (status = 200, description = "The event whole, with its rating's comment", body = EventDetail),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = Invalid),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn show(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Path((id, event_id)): Path<(String, String)>,
) -> Result<Json<EventDetail>, AppError> {
    let id = parse_id(&id)?;
    Ok(Json(
        backend::find(&mut *state.conn().await?, &auth, id, &event_id)
            .await?
            .data,
    ))
}

/// One conversation of a service: its events oldest first, with latency, tokens, cost and rating,
/// and its totals.
#[utoipa::path(get, path = "/api/v1/services/{id}/conversations/{conversation_id}", tag = "events",
    params(("id" = Uuid, Path, description = "The service"), ("conversation_id" = String, Path, description = "The conversation_id its events carry")),
    responses(
        (status = 200, description = "The conversation's events in order, and their totals", body = Conversation),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = Invalid),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn conversation(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Path((id, conversation_id)): Path<(String, String)>,
) -> Result<Json<Conversation>, AppError> {
    let id = parse_id(&id)?;
    Ok(Json(
        backend::conversation(&mut *state.conn().await?, &auth, id, &conversation_id)
            .await?
            .data,
    ))
}
