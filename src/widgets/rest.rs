//! `/api/v1/dashboard/layout` and `/api/v1/services/{id}/layout`: a view's layout as JSON, read,
//! replaced whole (validated as the forms' edits are) or reset to its default.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use uuid::Uuid;

use super::Layout;
use super::backend;
use crate::auth::guard::CurrentUser;
use crate::auth::rest::ApiJson;
use crate::error::AppError;
use crate::server::openapi::{BadRequest, Forbidden, Invalid, NotFound, NotJson, TooLarge, Unauthorized, Unavailable};
use crate::server::routes::Routes;
use crate::server::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route(Method::GET, "/api/v1/dashboard/layout", show_dashboard)
        .route(Method::PUT, "/api/v1/dashboard/layout", replace_dashboard)
        .route(Method::DELETE, "/api/v1/dashboard/layout", reset_dashboard)
        .route(Method::GET, "/api/v1/services/{id}/layout", show_service)
        .route(Method::PUT, "/api/v1/services/{id}/layout", replace_service)
        .route(Method::DELETE, "/api/v1/services/{id}/layout", reset_service)
}

/// A service id that is not one is simply not found.
fn service(id: &str) -> Result<Option<Uuid>, AppError> {
    id.parse().map(Some).map_err(|_| AppError::NotFound)
}

async fn show(
    state: &AppState,
    auth: &crate::auth::Authenticated,
    service: Option<Uuid>,
) -> Result<Json<Layout>, AppError> {
    Ok(Json(backend::current(&mut *state.conn().await?, auth, service).await?))
}

async fn replace(
    state: &AppState,
    auth: &crate::auth::Authenticated,
    service: Option<Uuid>,
    layout: Layout,
) -> Result<Json<Layout>, AppError> {
    let now = state.clock.now();
    Ok(Json(
        backend::replace(&mut *state.conn().await?, auth, service, layout, now).await?,
    ))
}

async fn reset(
    state: &AppState,
    auth: &crate::auth::Authenticated,
    service: Option<Uuid>,
) -> Result<StatusCode, AppError> {
    backend::reset(&mut *state.conn().await?, auth, service).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The dashboard's layout: the caller's, or the default until they change it.
#[utoipa::path(get, path = "/api/v1/dashboard/layout", tag = "layouts",
    responses(
        (status = 200, description = "The dashboard's widgets", body = Layout),
        (status = 401, response = Unauthorized),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn show_dashboard(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
) -> Result<Json<Layout>, AppError> {
    show(&state, &auth, None).await
}

/// Replaces the dashboard's layout. Refused with what is wrong: another version, an unknown
/// widget type, a size outside 1–4, a title empty or over 60 characters, more than 24 widgets,
/// a service that is not the caller's, a figure that cannot be split by service or drawn over
/// time, a table that belongs on a service's page.
#[utoipa::path(put, path = "/api/v1/dashboard/layout", tag = "layouts",
    request_body(content = Layout, example = json!({"version": 1, "widgets": [
        {"type": "metric", "title": "Spend", "size": 2, "figure": "cost", "services": [], "display": "line"},
        {"type": "chart", "title": "Requests", "size": 2, "chart": "requests"},
        {"type": "breakdown", "title": "Usage by service", "size": 4, "by": "services"},
        {"type": "alerts", "title": "Alerts", "size": 4}]})),
    responses(
        (status = 200, description = "The layout as saved", body = Layout),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = TooLarge),
        (status = 415, response = NotJson),
        (status = 422, response = Invalid),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn replace_dashboard(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    ApiJson(layout): ApiJson<serde_json::Value>,
) -> Result<Json<Layout>, AppError> {
    replace(&state, &auth, None, Layout::from_json(layout)?).await
}

/// Brings the dashboard back to its default layout.
#[utoipa::path(delete, path = "/api/v1/dashboard/layout", tag = "layouts",
    responses(
        (status = 204, description = "Reset"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn reset_dashboard(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
) -> Result<StatusCode, AppError> {
    reset(&state, &auth, None).await
}

/// A service page's layout: the caller's, or its kind's default.
#[utoipa::path(get, path = "/api/v1/services/{id}/layout", tag = "layouts",
    params(("id" = Uuid, Path, description = "The service")),
    responses(
        (status = 200, description = "The service page's widgets", body = Layout),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn show_service(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Layout>, AppError> {
    show(&state, &auth, service(&id)?).await
}

/// Replaces a service page's layout, refused as the dashboard's is; a metric there shows that
/// service only.
#[utoipa::path(put, path = "/api/v1/services/{id}/layout", tag = "layouts",
    params(("id" = Uuid, Path, description = "The service")),
    request_body(content = Layout),
    responses(
        (status = 200, description = "The layout as saved", body = Layout),
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
async fn replace_service(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Path(id): Path<String>,
    ApiJson(layout): ApiJson<serde_json::Value>,
) -> Result<Json<Layout>, AppError> {
    replace(&state, &auth, service(&id)?, Layout::from_json(layout)?).await
}

/// Brings a service page back to its kind's default layout.
#[utoipa::path(delete, path = "/api/v1/services/{id}/layout", tag = "layouts",
    params(("id" = Uuid, Path, description = "The service")),
    responses(
        (status = 204, description = "Reset"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn reset_service(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    reset(&state, &auth, service(&id)?).await
}
