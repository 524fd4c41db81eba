//! The seed's REST API for accounts: `/api/auth/{register,login,logout,verify}`, password
//! reset by mail: `/api/auth/{forgot-password,reset-password}`, and address confirmation:
//! `/api/auth/{confirm-email,resend-confirmation}`.
//! The same backend operations as the pages; errors are the JSON of `AppError`.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request, State};
use axum::http::header::{CACHE_CONTROL, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, request::Parts};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::backend::{self, SignedIn};
use super::guard::{CurrentUser, client_info};
use super::{PendingAddress, RegisterForm, User, reset, token, verify};
use crate::error::{AppError, ErrorBody};
use crate::server::headers::NO_STORE;
use crate::server::openapi::{
    BadRequest, Conflict, Forbidden, Invalid, NotJson, RateLimited, TooLarge, Unauthorized, Unavailable,
};
use crate::server::routes::Routes;
use crate::server::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route(Method::POST, "/api/auth/register", register)
        .route(Method::POST, "/api/auth/login", login)
        .route(Method::POST, "/api/auth/login/2fa", login_second_factor)
        .route(Method::POST, "/api/auth/logout", logout)
        .route(Method::GET, "/api/auth/verify", verify)
        .route(Method::POST, "/api/auth/refresh", refresh)
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Ada Lovelace", "email": "ada@example.com", "password": "Str0ng!pass"}))]
struct RegisterBody {
    name: String,
    email: String,
    password: String,
    /// Optional for API clients; the form always sends it.
    confirm_password: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "demo@ragsites.com", "password": "Demo@123456"}))]
struct LoginBody {
    email: String,
    password: String,
}

/// A new session: its token (also set as the session cookie) and its user.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"user": {"id": "3f0c2b9e-5d4a-4c1b-9a7e-0e6d2f8b1c55", "email": "ada@example.com", "name": "Ada Lovelace",
    "role": "client", "email_verified": false}, "token": "eyJ0eXAiOiJzZXNzaW9uK2p3dCIsImFsZyI6IkhTMjU2In0.e30.c2ln", "expires_at": "2026-11-23T10:30:00Z"}))]
struct SessionAnswer {
    user: User,
    token: String,
    expires_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize, ToSchema)]
struct SignedOut {
    /// Always `true`: the session is revoked and the cookie cleared.
    signed_out: bool,
}

#[derive(Serialize, ToSchema)]
struct Valid {
    /// Always `true` (a dead session answers 401).
    valid: bool,
    user: User,
}

#[derive(Serialize, ToSchema)]
struct Message {
    message: String,
}

#[derive(Serialize, ToSchema)]
struct ResetDone {
    reset: bool,
    /// Every session of the account ended.
    sessions_ended: bool,
}

#[derive(Serialize, ToSchema)]
struct Queued {
    queued: bool,
}

fn session_response(state: &AppState, status: StatusCode, signed_in: SignedIn) -> Response {
    let (cookie, body) = session_answer(state, signed_in);
    (status, [(SET_COOKIE, cookie), (CACHE_CONTROL, NO_STORE)], Json(body)).into_response()
}

/// The session cookie and the answer that carries the same token.
fn session_answer(state: &AppState, signed_in: SignedIn) -> (HeaderValue, SessionAnswer) {
    let max_age = (signed_in.expires_at - state.clock.now()).num_seconds();
    let cookie = token::session_cookie(&state.config, &signed_in.token, max_age);
    let body = SessionAnswer {
        user: signed_in.user,
        token: signed_in.token,
        expires_at: signed_in.expires_at,
    };
    (cookie, body)
}

/// Creates an account and signs it in (a confirmation link is mailed to the address).
#[utoipa::path(post, path = "/api/auth/register", tag = "auth",
    request_body = RegisterBody,
    responses(
        (status = 201, description = "Registered and signed in; the session cookie is set", body = SessionAnswer),
        (status = 400, response = BadRequest),
        (status = 409, description = "The email is registered already", body = ErrorBody,
            example = json!({"error": {"code": "conflict", "message": "An account with this email already exists."}})),
        (status = 413, response = TooLarge),
        (status = 415, response = NotJson),
        (status = 422, description = "Invalid name, email or password: `fields` names each", body = ErrorBody,
            example = json!({"error": {"code": "validation_failed", "message": "Please correct the highlighted fields.",
                "fields": {"email": "Enter a valid email address.", "password": "Password needs a digit."}}})),
        (status = 429, response = RateLimited),
        (status = 503, response = Unavailable),
    ))]
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

/// The password was right and the account signs in with two factors: send the challenge and a
/// code to `POST /api/auth/login/2fa` within five minutes. No session exists yet.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"two_factor_required": true, "challenge": "eyJ0eXAiOiIyZmEtY2hhbGxlbmdlK2p3dCIsImFsZyI6IkhTMjU2In0.e30.c2ln"}))]
struct TwoFactorRequired {
    /// Always `true`.
    two_factor_required: bool,
    challenge: String,
}

/// What a right password answers: a session, or the two-factor step still to pass.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
enum LoginAnswer {
    Session(SessionAnswer),
    TwoFactor(TwoFactorRequired),
}

/// Signs in with an email and a password.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth",
    request_body = LoginBody,
    responses(
        (status = 200, description = "Signed in (the session cookie is set), or the account's second factor is asked for", body = LoginAnswer),
        (status = 400, response = BadRequest),
        (status = 401, description = "Wrong email or password (never says which)", body = ErrorBody,
            example = json!({"error": {"code": "invalid_credentials", "message": "Invalid email or password."}})),
        (status = 415, response = NotJson),
        (status = 422, response = Invalid),
        (status = 429, response = RateLimited),
        (status = 503, response = Unavailable),
    ))]
async fn login(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Response, AppError> {
    let outcome = backend::sign_in(&state, &body.email, &body.password, &client_info(&parts)).await?;
    let mut headers = HeaderMap::new();
    headers.insert(CACHE_CONTROL, NO_STORE);
    let answer = match outcome {
        backend::SignInOutcome::SignedIn(signed_in) => {
            let (cookie, session) = session_answer(&state, signed_in);
            headers.insert(SET_COOKIE, cookie);
            LoginAnswer::Session(session)
        }
        backend::SignInOutcome::TwoFactor { challenge } => LoginAnswer::TwoFactor(TwoFactorRequired {
            two_factor_required: true,
            challenge,
        }),
    };
    Ok((headers, Json(answer)).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"challenge": "eyJ0eXAiOiIyZmEtY2hhbGxlbmdlK2p3dCIsImFsZyI6IkhTMjU2In0.e30.c2ln", "code": "287082"}))]
struct SecondFactorBody {
    /// The challenge `POST /api/auth/login` answered.
    challenge: String,
    /// The 6-digit code of the authenticator app, or an unused recovery code.
    code: String,
}

/// Finishes a sign-in with two factors: a code from the app (each works once) or a recovery
/// code (used up). Wrong codes count against the same limits as wrong passwords.
#[utoipa::path(post, path = "/api/auth/login/2fa", tag = "auth",
    request_body = SecondFactorBody,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = SessionAnswer),
        (status = 400, response = BadRequest),
        (status = 415, response = NotJson),
        (status = 422, description = "A wrong or used code, or a challenge that expired (sign in again): `fields.code` says which", body = ErrorBody,
            example = json!({"error": {"code": "validation_failed", "message": super::two_factor::WRONG_CODE,
                "fields": {"code": super::two_factor::WRONG_CODE}}})),
        (status = 429, response = RateLimited),
        (status = 503, response = Unavailable),
    ))]
async fn login_second_factor(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(body): ApiJson<SecondFactorBody>,
) -> Result<Response, AppError> {
    let signed_in = backend::complete_two_factor(&state, &body.challenge, &body.code, &client_info(&parts)).await?;
    Ok(session_response(&state, StatusCode::OK, signed_in))
}

/// Ends the caller's session (every copy of its token stops working) and clears the cookie.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    responses(
        (status = 200, description = "Signed out", body = SignedOut, example = json!({"signed_out": true})),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn logout(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    parts: Parts,
) -> Result<Response, AppError> {
    backend::sign_out(&state, &auth, &client_info(&parts)).await?;
    let mut headers = HeaderMap::new();
    headers.insert(SET_COOKIE, token::clear_cookie(&state.config));
    Ok((headers, Json(SignedOut { signed_out: true })).into_response())
}

/// A fresh token for the caller's live session (the session then lives `JWT_EXPIRES_IN` from
/// now), also set as the cookie. A revoked or idle-expired session is 401; an API token, which
/// has no session, 403.
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth",
    responses(
        (status = 200, description = "The same session, a new token", body = SessionAnswer),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn refresh(State(state): State<AppState>, CurrentUser(auth): CurrentUser) -> Result<Response, AppError> {
    let signed_in = backend::refresh(&state, &auth).await?;
    Ok(session_response(&state, StatusCode::OK, signed_in))
}

/// Whether the caller's token is live, and whose it is.
#[utoipa::path(get, path = "/api/auth/verify", tag = "auth",
    responses(
        (status = 200, description = "The session is live", body = Valid),
        (status = 401, response = Unauthorized),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn verify(CurrentUser(auth): CurrentUser) -> Json<Valid> {
    Json(Valid {
        valid: true,
        user: auth.user,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "ada@example.com"}))]
struct ForgotBody {
    email: String,
}

/// Mails a password reset link (30 minutes, once) to the address if it has an account: 202
/// with the same message whether or not it has one.
#[utoipa::path(post, path = "/api/auth/forgot-password", tag = "auth",
    request_body = ForgotBody,
    responses(
        (status = 202, description = "Queued if the address has an account", body = Message,
            example = json!({"message": super::RESET_SENT})),
        (status = 400, response = BadRequest),
        (status = 415, response = NotJson),
        (status = 422, response = Invalid),
        (status = 429, response = RateLimited),
        (status = 503, response = Unavailable),
    ))]
async fn forgot_password(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(body): ApiJson<ForgotBody>,
) -> Result<Response, AppError> {
    reset::request(&state, &body.email, &client_info(&parts)).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Message {
            message: super::RESET_SENT.to_owned(),
        }),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "q9V2mX0b7kR1sT4uW6yZ8aC3dE5fG7hJ9kL1mN3pQ5r", "password": "N3w!password"}))]
struct ResetBody {
    token: String,
    password: String,
    /// Optional for API clients; the form always sends it.
    confirm_password: Option<String>,
}

/// Sets a new password with a mailed reset token; every session of the account ends.
#[utoipa::path(post, path = "/api/auth/reset-password", tag = "auth",
    request_body = ResetBody,
    responses(
        (status = 200, description = "The password is set", body = ResetDone, example = json!({"reset": true, "sessions_ended": true})),
        (status = 400, description = "The token is invalid, used or expired (or the body cannot be read)", body = ErrorBody,
            example = json!({"error": {"code": "bad_request", "message": "This reset link is invalid, used or expired: ask for a new one."}})),
        (status = 415, response = NotJson),
        (status = 422, response = Invalid),
        (status = 503, response = Unavailable),
    ))]
async fn reset_password(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(body): ApiJson<ResetBody>,
) -> Result<Json<ResetDone>, AppError> {
    let confirm = body.confirm_password.as_deref().unwrap_or(&body.password);
    reset::reset(&state, &body.token, &body.password, confirm, &client_info(&parts)).await?;
    Ok(Json(ResetDone {
        reset: true,
        sessions_ended: true,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "b4Xk9Qw2Ls7Np1Rt5Vy8Zc3Df6Gh0Jm4Kn7Pq2Sv5Wx"}))]
struct ConfirmBody {
    token: String,
}

/// Uses a mailed confirmation link: `{ "email", "change" }` of the address now confirmed.
#[utoipa::path(post, path = "/api/auth/confirm-email", tag = "auth",
    request_body = ConfirmBody,
    responses(
        (status = 200, description = "The address is confirmed (`change`: it replaced the account's)", body = PendingAddress,
            example = json!({"email": "ada@example.com", "change": false})),
        (status = 400, description = "The token is invalid, used or expired (or the body cannot be read)", body = ErrorBody),
        (status = 409, response = Conflict),
        (status = 415, response = NotJson),
        (status = 422, response = Invalid),
        (status = 503, response = Unavailable),
    ))]
async fn confirm_email(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(body): ApiJson<ConfirmBody>,
) -> Result<Json<PendingAddress>, AppError> {
    Ok(Json(verify::confirm(&state, &body.token, &client_info(&parts)).await?))
}

/// 202: a new link is queued for the signed-in user's unconfirmed address.
#[utoipa::path(post, path = "/api/auth/resend-confirmation", tag = "auth",
    responses(
        (status = 202, description = "A new link is queued; older ones end", body = Queued, example = json!({"queued": true})),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, description = "The address is confirmed already", body = ErrorBody),
        (status = 429, response = RateLimited),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn resend_confirmation(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
) -> Result<Response, AppError> {
    verify::resend(&state, &auth).await?;
    Ok((StatusCode::ACCEPTED, Json(Queued { queued: true })).into_response())
}
