//! `/api/v1/services`: the same operations as the pages, as JSON for automation.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ApiKeyInfo, CreatedKey, NewService, Service, ServiceChange, backend};
use crate::auth::guard::{CurrentUser, client_info};
use crate::auth::rest::ApiJson;
use crate::error::{AppError, ErrorBody};
use crate::server::headers::NO_STORE;
use crate::server::openapi::{
    BadRequest, Conflict, Forbidden, Invalid, NotFound, NotJson, TooLarge, Unauthorized, Unavailable,
};
use crate::server::routes::Routes;
use crate::server::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route(Method::GET, "/api/v1/services", list)
        .route(Method::POST, "/api/v1/services", create)
        .route(Method::GET, "/api/v1/services/{id}", show)
        .route(Method::PATCH, "/api/v1/services/{id}", update)
        .route(Method::GET, "/api/v1/services/{id}/keys", list_keys)
        .route(Method::POST, "/api/v1/services/{id}/keys", create_key)
        .route(Method::DELETE, "/api/v1/services/{id}/keys/{key_id}", revoke_key)
}

/// A path id that is not a UUID is simply not found.
fn parse_id(text: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(text).map_err(|_| AppError::NotFound)
}

/// The services the caller may see (their own; every one for an admin), oldest first.
#[utoipa::path(get, path = "/api/v1/services", tag = "services",
    responses(
        (status = 200, description = "The services", body = Vec<Service>),
        (status = 401, response = Unauthorized),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn list(State(state): State<AppState>, CurrentUser(auth): CurrentUser) -> Result<Json<Vec<Service>>, AppError> {
    Ok(Json(backend::list(&mut *state.conn().await?, &auth).await?))
}

/// Creates a service owned by the caller (at most 200 an account).
#[utoipa::path(post, path = "/api/v1/services", tag = "services",
    request_body(content = NewService, example = json!({"name": "Sales Agent", "kind": "agent", "config": {"model": "gpt-4o-mini"}})),
    responses(
        (status = 201, description = "The new service", body = Service),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = 415, response = NotJson),
        (status = 422, description = "Invalid name or config (a name the caller uses already included)", body = ErrorBody,
            example = json!({"error": {"code": "validation_failed", "message": "Endpoint URL must be an https:// address.",
                "fields": {"endpoint_url": "Endpoint URL must be an https:// address."}}})),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn create(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    parts: Parts,
    ApiJson(new): ApiJson<NewService>,
) -> Result<(StatusCode, Json<Service>), AppError> {
    let service = backend::create(&mut *state.conn().await?, auth.user.id, &new, &client_info(&parts)).await?;
    Ok((StatusCode::CREATED, Json(service)))
}

/// One service.
#[utoipa::path(get, path = "/api/v1/services/{id}", tag = "services",
    params(("id" = Uuid, Path, description = "The service")),
    responses(
        (status = 200, description = "The service", body = Service),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn show(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Service>, AppError> {
    Ok(Json(
        backend::find(&mut *state.conn().await?, &auth, parse_id(&id)?).await?,
    ))
}

/// Renames, pauses, archives or reconfigures a service: only the fields sent change (`config`
/// is replaced whole).
#[utoipa::path(patch, path = "/api/v1/services/{id}", tag = "services",
    params(("id" = Uuid, Path, description = "The service")),
    request_body(content = ServiceChange, example = json!({"status": "paused", "config": {"model": "gpt-4o", "description": "Qualifies leads"}})),
    responses(
        (status = 200, description = "The service as changed", body = Service),
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
    parts: Parts,
    ApiJson(change): ApiJson<ServiceChange>,
) -> Result<Json<Service>, AppError> {
    let id = parse_id(&id)?;
    Ok(Json(
        backend::update(
            &mut *state.conn().await?,
            &auth,
            id,
            &change,
            &client_info(&parts),
            &state.changes,
            state.clock.now(),
        )
        .await?,
    ))
}

/// A service's ingestion keys, newest first, revoked ones included (never their secrets).
#[utoipa::path(get, path = "/api/v1/services/{id}/keys", tag = "services",
    params(("id" = Uuid, Path, description = "The service")),
    responses(
        (status = 200, description = "The keys", body = Vec<ApiKeyInfo>),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn list_keys(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<ApiKeyInfo>>, AppError> {
    Ok(Json(
        backend::list_keys(&mut *state.conn().await?, &auth, parse_id(&id)?).await?,
    ))
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "production"}))]
struct NewKey {
    /// At most 100 characters; default none.
    #[serde(default)]
    name: String,
}

/// A new ingestion key for the service (at most 20 live ones): the answer is the only time its
/// secret `key` is shown.
#[utoipa::path(post, path = "/api/v1/services/{id}/keys", tag = "services",
    params(("id" = Uuid, Path, description = "The service")),
    request_body(content = Option<NewKey>, description = "Optional: `{\"name\"}`, `{}` or no body"),
    responses(
        (status = 201, description = "The key, with its secret", body = CreatedKey),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, description = "The service has 20 live keys already", body = ErrorBody),
        (status = 413, response = TooLarge),
        (status = 422, response = Invalid),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn create_key(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Path(id): Path<String>,
    parts: Parts,
    body: axum::body::Bytes,
) -> Result<impl IntoResponse + use<>, AppError> {
    let id = parse_id(&id)?;
    // The body is optional: `{}`, `{"name": "…"}` or nothing.
    let name = if body.is_empty() {
        String::new()
    } else {
        serde_json::from_slice::<NewKey>(&body)
            .map_err(|e| AppError::BadRequest(format!("Malformed JSON: {e}")))?
            .name
    };
    let key = backend::create_key(&mut *state.conn().await?, &auth, id, &name, &client_info(&parts), None).await?;
    Ok((StatusCode::CREATED, [(header::CACHE_CONTROL, NO_STORE)], Json(key)))
}

/// Revokes a key of the service at once.
#[utoipa::path(delete, path = "/api/v1/services/{id}/keys/{key_id}", tag = "services",
    params(("id" = Uuid, Path, description = "The service"), ("key_id" = Uuid, Path, description = "The key")),
    responses(
        (status = 200, description = "The key, revoked", body = ApiKeyInfo),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn revoke_key(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Path((id, key_id)): Path<(String, String)>,
    parts: Parts,
) -> Result<Json<ApiKeyInfo>, AppError> {
    let (id, key_id) = (parse_id(&id)?, parse_id(&key_id)?);
    Ok(Json(
        backend::revoke_key(
            &mut *state.conn().await?,
            &auth,
            id,
            key_id,
            &client_info(&parts),
            state.clock.now(),
        )
        .await?,
    ))
}
