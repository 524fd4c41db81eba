//! `/api/v1/services`: the same operations as the pages, as JSON for automation.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use uuid::Uuid;

use super::{ApiKeyInfo, NewService, Service, ServiceChange, backend};
use crate::auth::guard::{CurrentUser, client_info};
use crate::auth::rest::ApiJson;
use crate::error::AppError;
use crate::server::headers::NO_STORE;
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

async fn list(State(state): State<AppState>, CurrentUser(auth): CurrentUser) -> Result<Json<Vec<Service>>, AppError> {
    Ok(Json(backend::list(&mut *state.conn().await?, &auth).await?))
}

async fn create(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    parts: Parts,
    ApiJson(new): ApiJson<NewService>,
) -> Result<(StatusCode, Json<Service>), AppError> {
    let service = backend::create(&mut *state.conn().await?, auth.user.id, &new, &client_info(&parts)).await?;
    Ok((StatusCode::CREATED, Json(service)))
}

async fn show(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Service>, AppError> {
    Ok(Json(
        backend::find(&mut *state.conn().await?, &auth, parse_id(&id)?).await?,
    ))
}

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

async fn list_keys(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<ApiKeyInfo>>, AppError> {
    Ok(Json(
        backend::list_keys(&mut *state.conn().await?, &auth, parse_id(&id)?).await?,
    ))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NewKey {
    #[serde(default)]
    name: String,
}

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
    let key = backend::create_key(&mut *state.conn().await?, &auth, id, &name, &client_info(&parts)).await?;
    Ok((StatusCode::CREATED, [(header::CACHE_CONTROL, NO_STORE)], Json(key)))
}

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
