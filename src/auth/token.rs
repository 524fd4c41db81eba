//! Session tokens: HS256 JWTs naming a `sessions` row, carried in a cookie or a Bearer header.

use axum::http::{HeaderMap, HeaderValue, header};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::server::config::Config;

pub const COOKIE_NAME: &str = "ragsites_session";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
}

pub fn issue(
    config: &Config,
    user_id: Uuid,
    session_id: Uuid,
    issued: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> String {
    let claims = Claims {
        sub: user_id,
        sid: session_id,
        iat: issued.timestamp(),
        exp: expires.timestamp(),
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(config.jwt_secret.as_bytes()),
    )
    .expect("HS256 encoding of plain claims cannot fail")
}

/// Checks the signature (HS256 only: `none` and every other algorithm are refused) and expiry.
pub fn decode(config: &Config, token: &str) -> Result<Claims, AppError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "sub", "iat"]);
    jsonwebtoken::decode::<Claims>(
        token,
        &DecodingKey::from_secret(config.jwt_secret.as_bytes()),
        &validation,
    )
    .map(|data| data.claims)
    .map_err(|_| AppError::Unauthorized)
}

/// The token of a request: the Bearer header first, else the session cookie.
pub fn from_headers(headers: &HeaderMap) -> Option<TokenSource> {
    if let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
        && let Some(token) = value.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty())
    {
        return Some(TokenSource::Bearer(token.to_owned()));
    }
    cookie(headers, COOKIE_NAME).map(TokenSource::Cookie)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    Bearer(String),
    Cookie(String),
}

impl TokenSource {
    pub fn token(&self) -> &str {
        match self {
            Self::Bearer(t) | Self::Cookie(t) => t,
        }
    }
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Lax, Secure when configured.
pub fn session_cookie(config: &Config, token: &str, max_age_seconds: i64) -> HeaderValue {
    let secure = if config.cookie_secure { "; Secure" } else { "" };
    let value = format!("{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}");
    HeaderValue::from_str(&value).expect("a JWT is a valid header value")
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(config: &Config) -> HeaderValue {
    let secure = if config.cookie_secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
    ))
    .expect("a static cookie is a valid header value")
}
