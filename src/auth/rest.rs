//! The seed's REST API for accounts: `/api/auth/{register,login,logout,verify}`, password
//! reset by mail: `/api/auth/{forgot-password,reset-password}`, and address confirmation:
//! `/api/auth/{confirm-email,resend-confirmation}`.
//! The same backend operations as the pages; errors are the JSON of `AppError`.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request, State};
use axum::http::header::{CACHE_CONTROL, SET_COOKIE};
use axum::http::{HeaderMap, Method, StatusCode, request::Parts};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::backend::{self, SignedIn};
use super::guard::{CurrentUser, client_info};
use super::{PendingAddress, RegisterForm, User, reset, token, verify};
use crate::error::AppError;
use crate::server::headers::NO_STORE;
use crate::server::routes::Routes;
use crate::server::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route(Method::POST, "/api/auth/register", register)
        .route(Method::POST, "/api/auth/login", login)
        .route(Method::POST, "/api/auth/logout", logout)
        .route(Method::GET, "/api/auth/verify", verify)
        .route(Method::POST, "/api/auth/forgot-password", forgot_password)
        .route(Method::POST, "/api/auth/reset-password", reset_password)
        .route(Method::POST, "/api/auth/confirm-email", confirm_email)
        .route(Method::POST, "/api/auth/resend-confirmation", resend_confirmation)
}

/// `Json` whose rejections (malformed, wrong type, too large) answer in the API's error format.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(value) = Json::<T>::from_request(request, state)
            .await
            .map_err(|e: JsonRejection| AppError::from(e))?;
        Ok(Self(value))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterBody {
    name: String,
    email: String,
    password: String,
    /// Optional for API clients; the form always sends it.
    confirm_password: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    email: String,
    password: String,
}

#[derive(Serialize)]
struct SessionAnswer {
    user: User,
    token: String,
    expires_at: chrono::DateTime<chrono::Utc>,
}

fn session_response(state: &AppState, status: StatusCode, signed_in: SignedIn) -> Response {
    let max_age = (signed_in.expires_at - state.clock.now()).num_seconds();
    let cookie = token::session_cookie(&state.config, &signed_in.token, max_age);
    let body = SessionAnswer {
        user: signed_in.user,
        token: signed_in.token,
        expires_at: signed_in.expires_at,
    };
    (status, [(SET_COOKIE, cookie), (CACHE_CONTROL, NO_STORE)], Json(body)).into_response()
}

async fn register(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(body): ApiJson<RegisterBody>,
) -> Result<Response, AppError> {
    let form = RegisterForm {
        confirm_password: body.confirm_password.unwrap_or_else(|| body.password.clone()),
        name: body.name,
        email: body.email,
        password: body.password,
    };
    let signed_in = backend::register(&state, form, &client_info(&parts)).await?;
    Ok(session_response(&state, StatusCode::CREATED, signed_in))
}

async fn login(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Response, AppError> {
    let signed_in = backend::sign_in(&state, &body.email, &body.password, &client_info(&parts)).await?;
    Ok(session_response(&state, StatusCode::OK, signed_in))
}

async fn logout(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    parts: Parts,
) -> Result<Response, AppError> {
    backend::sign_out(&state, &auth, &client_info(&parts)).await?;
    let mut headers = HeaderMap::new();
    headers.insert(SET_COOKIE, token::clear_cookie(&state.config));
    Ok((headers, Json(serde_json::json!({ "signed_out": true }))).into_response())
}

async fn verify(CurrentUser(auth): CurrentUser) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "valid": true, "user": auth.user }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ForgotBody {
    email: String,
}

/// 202 with the same message whether or not the address has an account.
async fn forgot_password(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(body): ApiJson<ForgotBody>,
) -> Result<Response, AppError> {
    reset::request(&state, &body.email, &client_info(&parts)).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "message": super::RESET_SENT })),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    token: String,
    password: String,
    /// Optional for API clients; the form always sends it.
    confirm_password: Option<String>,
}

async fn reset_password(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(body): ApiJson<ResetBody>,
) -> Result<Json<serde_json::Value>, AppError> {
    let confirm = body.confirm_password.as_deref().unwrap_or(&body.password);
    reset::reset(&state, &body.token, &body.password, confirm, &client_info(&parts)).await?;
    Ok(Json(serde_json::json!({ "reset": true, "sessions_ended": true })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmBody {
    token: String,
}

/// Uses a mailed confirmation link: `{ "email", "change" }` of the address now confirmed.
async fn confirm_email(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(body): ApiJson<ConfirmBody>,
) -> Result<Json<PendingAddress>, AppError> {
    Ok(Json(verify::confirm(&state, &body.token, &client_info(&parts)).await?))
}

/// 202: a new link is queued for the signed-in user's unconfirmed address.
async fn resend_confirmation(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
) -> Result<Response, AppError> {
    verify::resend(&state, &auth).await?;
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({ "queued": true }))).into_response())
}
