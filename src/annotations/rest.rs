//! `/api/v1/annotations`: list, add, change and delete annotations as JSON. A deployment
//! pipeline adds them with the service's ingestion key (for that service only) or with its
//! owner's token.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};

use super::backend::{self, Content};
use super::{Annotation, AnnotationChange, AnnotationInput};
use crate::analytics::params::Params;
use crate::analytics::window;
use crate::auth::guard::{CurrentUser, status_of};
use crate::auth::rest::ApiJson;
use crate::auth::token::bearer;
use crate::error::AppError;
use crate::server::openapi::{BadRequest, Forbidden, Invalid, NotFound, NotJson, TooLarge, Unauthorized, Unavailable};
use crate::server::routes::Routes;
use crate::server::state::AppState;
use crate::services::backend::is_service_key;

pub fn routes() -> Routes {
    Routes::new()
        .route(Method::GET, "/api/v1/annotations", list)
        .route(Method::POST, "/api/v1/annotations", create)
        .route(Method::PATCH, "/api/v1/annotations/{id}", update)
        .route(Method::DELETE, "/api/v1/annotations/{id}", delete)
}

/// A path id that is not a number is simply not found.
fn parse_id(text: &str) -> Result<i64, AppError> {
    text.parse().map_err(|_| AppError::NotFound)
}

/// The annotations of a window (as the analytics take it): the services' in view and the
/// caller's own without a service, oldest first, at most 200.
#[utoipa::path(get, path = "/api/v1/annotations", tag = "annotations",
    params(crate::analytics::AnalyticsQuery),
    responses(
        (status = 200, description = "The window's annotations", body = Vec<Annotation>),
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
    Params(query): Params,
) -> Result<Json<Vec<Annotation>>, AppError> {
    let mut conn = state.conn().await?;
    let window = window::resolve(&mut conn, &auth, &query, state.clock.now()).await?;
    Ok(Json(backend::in_window(&mut conn, auth.user.id, &window).await?))
}

/// Adds an annotation. With a service's ingestion key it belongs to that service (and its
/// owner); with a session or a `write` API token to the caller, on one of their services or on
/// none.
#[utoipa::path(post, path = "/api/v1/annotations", tag = "annotations",
    request_body(content = AnnotationInput, example = json!({"text": "Prompt v42 deployed", "at": "2026-11-16T10:00:00Z"})),
    responses(
        (status = 201, description = "The new annotation", body = Annotation),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, description = "The caller keeps 5,000 annotations already", body = crate::error::ErrorBody),
        (status = 413, response = TooLarge),
        (status = 415, response = NotJson),
        (status = 422, response = Invalid),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = []), ("ingestion_key" = [])))]
async fn create(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(input): ApiJson<AnnotationInput>,
) -> Result<(StatusCode, Json<Annotation>), AppError> {
    let now = state.clock.now();
    let (owner, service_id) = match status_of(&parts) {
        Ok(auth) => (auth.user.id, input.service_id),
        Err(AppError::Unauthorized) if bearer(&parts.headers).is_some_and(is_service_key) => {
            let key_service = crate::ingest::rest::authorize(&state, &parts).await?;
            if input.service_id.is_some_and(|id| id != key_service) {
                return Err(AppError::field(
                    "service_id",
                    "A service's key annotates its own service only.",
                ));
            }
            let owner = backend::service_owner(&mut *state.conn().await?, key_service).await?;
            (owner, Some(key_service))
        }
        Err(other) => return Err(other),
    };
    let content = Content {
        at: input.at.unwrap_or(now),
        text: input.text,
        service_id,
    };
    let mut conn = state.conn().await?;
    let id = backend::create(&mut conn, owner, content, now).await?;
    let tz = window::user_timezone(&mut conn, owner).await?;
    Ok((
        StatusCode::CREATED,
        Json(backend::find(&mut conn, owner, id, &tz).await?),
    ))
}

/// Changes the time, text or service of one of the caller's annotations: what is left out stays
/// as it is (`"service_id": null` makes it one for every view).
#[utoipa::path(patch, path = "/api/v1/annotations/{id}", tag = "annotations",
    params(("id" = i64, Path, description = "The annotation")),
    request_body(content = AnnotationChange, example = json!({"text": "Prompt v42 deployed (rolled back)"})),
    responses(
        (status = 200, description = "The annotation as changed", body = Annotation),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = TooLarge),
        (status = 415, response = NotJson),
        (status = 422, response = Invalid),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn update(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Path(id): Path<String>,
    ApiJson(change): ApiJson<AnnotationChange>,
) -> Result<Json<Annotation>, AppError> {
    let id = parse_id(&id)?;
    let now = state.clock.now();
    let mut conn = state.conn().await?;
    let current = backend::find(&mut conn, auth.user.id, id, "UTC").await?;
    let content = Content {
        at: change.at.unwrap_or(current.at),
        text: change.text.unwrap_or(current.text),
        service_id: change.service_id.unwrap_or(current.service_id),
    };
    backend::update(&mut conn, auth.user.id, id, content, now).await?;
    let tz = window::user_timezone(&mut conn, auth.user.id).await?;
    Ok(Json(backend::find(&mut conn, auth.user.id, id, &tz).await?))
}

/// Deletes one of the caller's annotations.
#[utoipa::path(delete, path = "/api/v1/annotations/{id}", tag = "annotations",
    params(("id" = i64, Path, description = "The annotation")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn delete(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    backend::delete(&mut *state.conn().await?, auth.user.id, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
