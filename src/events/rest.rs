//! `/api/v1/services/{id}/events…`: the explorer as JSON, with the same filters and cursor.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use uuid::Uuid;

use super::{Conversation, EventDetail, EventFilters, EventList, backend};
use crate::auth::guard::CurrentUser;
use crate::error::AppError;
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
