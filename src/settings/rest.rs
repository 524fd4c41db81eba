//! The seed's user API: `GET/PUT /api/user/profile` and `GET/PUT /api/user/preferences`, with a
//! Bearer token or the session cookie. A PUT changes the fields it sends and keeps the rest
//! (an empty text clears an optional field); the rules are the settings pages'.

use axum::Json;
use axum::extract::State;
use axum::http::Method;
use axum::http::request::Parts;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Preferences, Profile, backend};
use crate::auth::guard::{CurrentUser, client_info};
use crate::auth::rest::ApiJson;
use crate::error::AppError;
use crate::server::openapi::{
    BadRequest, Forbidden, Invalid, NotJson, RateLimited, TooLarge, Unauthorized, Unavailable,
};
use crate::server::routes::Routes;
use crate::server::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route(Method::GET, "/api/user/profile", get_profile)
        .route(Method::PUT, "/api/user/profile", put_profile)
        .route(Method::GET, "/api/user/preferences", get_preferences)
        .route(Method::PUT, "/api/user/preferences", put_preferences)
}

/// The fields to change; an empty text clears `company`, `bio` or `avatar_url`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Ada Lovelace", "company": "Analytical Engines Ltd", "bio": ""}))]
struct ProfileBody {
    name: Option<String>,
    email: Option<String>,
    company: Option<String>,
    bio: Option<String>,
    avatar_url: Option<String>,
    /// Needed to change the email.
    current_password: Option<String>,
}

/// The preferences to change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"timezone": "Europe/Paris", "alert_p95_latency_ms": 1500}))]
struct PreferencesBody {
    email_notifications: Option<bool>,
    weekly_report: Option<bool>,
    /// 0.1 to 100.
    alert_error_rate_pct: Option<f64>,
    /// 1 to 600,000.
    alert_p95_latency_ms: Option<i32>,
    /// A time zone PostgreSQL knows (`Europe/Paris`).
    timezone: Option<String>,
}

/// The signed-in user's profile.
#[utoipa::path(get, path = "/api/user/profile", tag = "user",
    responses(
        (status = 200, description = "The profile", body = Profile),
        (status = 401, response = Unauthorized),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn get_profile(State(state): State<AppState>, CurrentUser(auth): CurrentUser) -> Result<Json<Profile>, AppError> {
    Ok(Json(
        backend::profile(&mut *state.conn().await?, auth.user.id, state.clock.now()).await?,
    ))
}

/// Changes the fields sent, nothing when one is refused. A new email needs `current_password`
/// and is used only once its mailed link confirms it (`pending_email` meanwhile).
#[utoipa::path(put, path = "/api/user/profile", tag = "user",
    request_body = ProfileBody,
    responses(
        (status = 200, description = "The saved profile", body = Profile),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = TooLarge),
        (status = 415, response = NotJson),
        (status = 422, response = Invalid),
        (status = 429, response = RateLimited),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn put_profile(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    parts: Parts,
    ApiJson(body): ApiJson<ProfileBody>,
) -> Result<Json<Profile>, AppError> {
    let old = backend::profile(&mut *state.conn().await?, auth.user.id, state.clock.now()).await?;
    let new = Profile {
        name: body.name.unwrap_or(old.name),
        email: body.email.unwrap_or(old.email),
        company: body.company.or(old.company),
        bio: body.bio.or(old.bio),
        avatar_url: body.avatar_url.or(old.avatar_url),
        pending_email: None,
    };
    let saved = backend::update_profile(
        &state,
        &auth,
        new,
        body.current_password.as_deref(),
        &client_info(&parts),
    )
    .await?;
    Ok(Json(saved))
}

/// The signed-in user's notifications, alert thresholds and time zone.
#[utoipa::path(get, path = "/api/user/preferences", tag = "user",
    responses(
        (status = 200, description = "The preferences", body = Preferences),
        (status = 401, response = Unauthorized),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn get_preferences(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
) -> Result<Json<Preferences>, AppError> {
    Ok(Json(
        backend::preferences(&mut *state.conn().await?, auth.user.id).await?,
    ))
}

/// Changes the preferences sent, nothing when one is refused.
#[utoipa::path(put, path = "/api/user/preferences", tag = "user",
    request_body = PreferencesBody,
    responses(
        (status = 200, description = "The saved preferences", body = Preferences),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = TooLarge),
        (status = 415, response = NotJson),
        (status = 422, response = Invalid),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn put_preferences(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    parts: Parts,
    ApiJson(body): ApiJson<PreferencesBody>,
) -> Result<Json<Preferences>, AppError> {
    let mut conn = state.conn().await?;
    let old = backend::preferences(&mut conn, auth.user.id).await?;
    let new = Preferences {
        email_notifications: body.email_notifications.unwrap_or(old.email_notifications),
        weekly_report: body.weekly_report.unwrap_or(old.weekly_report),
        alert_error_rate_pct: body.alert_error_rate_pct.unwrap_or(old.alert_error_rate_pct),
        alert_p95_latency_ms: body.alert_p95_latency_ms.unwrap_or(old.alert_p95_latency_ms),
        timezone: body.timezone.unwrap_or(old.timezone),
    };
    let saved = backend::update_preferences(&mut conn, &auth, new, &client_info(&parts), state.clock.now()).await?;
    Ok(Json(saved))
}
