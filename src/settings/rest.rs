//! The seed's user API: `GET/PUT /api/user/profile` and `GET/PUT /api/user/preferences`, with a
//! Bearer token or the session cookie. A PUT changes the fields it sends and keeps the rest
//! (an empty text clears an optional field); the rules are the settings pages'.

use axum::Json;
use axum::extract::State;
use axum::http::Method;
use axum::http::request::Parts;
use serde::Deserialize;

use super::{Preferences, Profile, backend};
use crate::auth::guard::{CurrentUser, client_info};
use crate::auth::rest::ApiJson;
use crate::error::AppError;
use crate::server::routes::Routes;
use crate::server::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route(Method::GET, "/api/user/profile", get_profile)
        .route(Method::PUT, "/api/user/profile", put_profile)
        .route(Method::GET, "/api/user/preferences", get_preferences)
        .route(Method::PUT, "/api/user/preferences", put_preferences)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileBody {
    name: Option<String>,
    email: Option<String>,
    company: Option<String>,
    bio: Option<String>,
    avatar_url: Option<String>,
    /// Needed to change the email.
    current_password: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PreferencesBody {
    email_notifications: Option<bool>,
    weekly_report: Option<bool>,
    alert_error_rate_pct: Option<f64>,
    alert_p95_latency_ms: Option<i32>,
    timezone: Option<String>,
}

async fn get_profile(State(state): State<AppState>, CurrentUser(auth): CurrentUser) -> Result<Json<Profile>, AppError> {
    Ok(Json(
        backend::profile(&mut *state.conn().await?, auth.user.id, state.clock.now()).await?,
    ))
}

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

async fn get_preferences(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
) -> Result<Json<Preferences>, AppError> {
    Ok(Json(
        backend::preferences(&mut *state.conn().await?, auth.user.id).await?,
    ))
}

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
