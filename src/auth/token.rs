//! Session tokens: HS256 JWTs naming a `sessions` row, carried in a cookie or a Bearer header.

use axum::http::{HeaderMap, HeaderValue, header};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::server::config::Config;
use crate::server::cookies::{self, CookieName};

const COOKIE: CookieName = CookieName::new("__Host-ragsites_session");

/// The session cookie's name: with `COOKIE_SECURE`, the `__Host-` one.
pub fn cookie_name(config: &Config) -> &'static str {
    COOKIE.get(config)
}

/// Who issues session tokens and whom they are for (RFC 8725 §3.9, §3.10): a token of another
/// system signed with the same key, or one that is not a session token, is refused.
pub const ISSUER: &str = "ragsites-portal";
pub const AUDIENCE: &str = "ragsites-portal";
/// The `typ` header of a session token (RFC 8725 §3.11: explicit typing).
pub const TOKEN_TYPE: &str = "session+jwt";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
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
        iss: ISSUER.to_owned(),
        aud: AUDIENCE.to_owned(),
        sub: user_id,
        sid: session_id,
        iat: issued.timestamp(),
        exp: expires.timestamp(),
    };
    sign(config, TOKEN_TYPE, &claims)
}

/// Checks the signature (HS256 only: `none` and every other algorithm are refused), the type,
/// issuer and audience, and expiry, the latter against the server's clock rather than the
/// system's.
pub fn decode(config: &Config, token: &str, now: DateTime<Utc>) -> Result<Claims, AppError> {
    verify::<Claims>(config, token, TOKEN_TYPE)
        .filter(|claims| claims.exp > now.timestamp())
        .ok_or(AppError::Unauthorized)
}

/// The `typ` of the token that stands for a sign-in whose password was right and whose
/// two-factor code is still to come: no session exists yet.
pub const CHALLENGE_TYPE: &str = "2fa-challenge+jwt";

#[derive(Debug, Serialize, Deserialize)]
struct ChallengeClaims {
    iss: String,
    aud: String,
    sub: Uuid,
    iat: i64,
    exp: i64,
}

/// A two-factor challenge for `user_id`, good until `expires`.
pub fn issue_challenge(config: &Config, user_id: Uuid, issued: DateTime<Utc>, expires: DateTime<Utc>) -> String {
    let claims = ChallengeClaims {
        iss: ISSUER.to_owned(),
        aud: AUDIENCE.to_owned(),
        sub: user_id,
        iat: issued.timestamp(),
        exp: expires.timestamp(),
    };
    sign(config, CHALLENGE_TYPE, &claims)
}

/// The user a live two-factor challenge is for (a session token is not a challenge).
pub fn decode_challenge(config: &Config, token: &str, now: DateTime<Utc>) -> Option<Uuid> {
    verify::<ChallengeClaims>(config, token, CHALLENGE_TYPE)
        .filter(|claims| claims.exp > now.timestamp())
        .map(|claims| claims.sub)
}

pub(super) fn sign(config: &Config, typ: &str, claims: &impl Serialize) -> String {
    let header = Header {
        typ: Some(typ.to_owned()),
        ..Header::new(Algorithm::HS256)
    };
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(config.jwt_secret.as_bytes()))
        .expect("HS256 encoding of plain claims cannot fail")
}

pub(super) fn verify<C: DeserializeOwned>(config: &Config, token: &str, typ: &str) -> Option<C> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["exp", "sub", "iat", "iss", "aud"]);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    jsonwebtoken::decode::<C>(
        token,
        &DecodingKey::from_secret(config.jwt_secret.as_bytes()),
        &validation,
    )
    .ok()
    .filter(|data| data.header.typ.as_deref() == Some(typ))
    .map(|data| data.claims)
}

/// The token of a request: the Bearer header first, else the session cookie (under the
/// configured name only).
pub fn from_headers(config: &Config, headers: &HeaderMap) -> Option<TokenSource> {
    if let Some(token) = bearer(headers) {
        return Some(TokenSource::Bearer(token.to_owned()));
    }
    CookieJar::from_headers(headers)
        .get(cookie_name(config))
        .map(Cookie::value)
        .filter(|value| !value.is_empty())
        .map(|value| TokenSource::Cookie(value.to_owned()))
}

/// The token of an `Authorization: Bearer <token>` header, trimmed; `None` when the header is
/// missing, not Bearer, or empty. Sessions and ingestion keys are both read with it.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|token| !token.is_empty())
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

/// `Set-Cookie` for a new session.
pub fn session_cookie(config: &Config, token: &str, max_age_seconds: i64) -> HeaderValue {
    cookies::set_cookie(
        config,
        &COOKIE,
        token.to_owned(),
        time::Duration::seconds(max_age_seconds),
    )
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(config: &Config) -> HeaderValue {
    cookies::clear_cookie(config, &COOKIE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn bearer_header_first_then_a_non_empty_cookie() {
        let config = crate::server::config::tests::config();
        let both = headers(&[
            (header::AUTHORIZATION, "Bearer  abc "),
            (header::COOKIE, "ragsites_session=xyz"),
        ]);
        assert_eq!(bearer(&both), Some("abc"));
        assert_eq!(from_headers(&config, &both), Some(TokenSource::Bearer("abc".into())));
        for value in ["Bearer ", "Bearer    ", "Basic abc", "Bearerabc"] {
            assert_eq!(bearer(&headers(&[(header::AUTHORIZATION, value)])), None, "{value:?}");
        }
        let cookies = headers(&[
            (header::AUTHORIZATION, "Bearer "),
            (header::COOKIE, "theme=dark"),
            (header::COOKIE, "a=1; ragsites_session=xyz; b=2"),
        ]);
        assert_eq!(from_headers(&config, &cookies), Some(TokenSource::Cookie("xyz".into())));
        let empty = headers(&[(header::COOKIE, "ragsites_session=; other=1")]);
        assert_eq!(from_headers(&config, &empty), None);
        assert_eq!(from_headers(&config, &HeaderMap::new()), None);
    }

    #[test]
    fn only_the_configured_cookie_name_is_read() {
        let mut config = crate::server::config::tests::config();
        let plain = headers(&[(header::COOKIE, "ragsites_session=plain")]);
        let host = headers(&[(header::COOKIE, "__Host-ragsites_session=host")]);
        config.cookie_secure = false;
        assert_eq!(from_headers(&config, &plain), Some(TokenSource::Cookie("plain".into())));
        assert_eq!(from_headers(&config, &host), None);
        config.cookie_secure = true;
        assert_eq!(from_headers(&config, &plain), None);
        assert_eq!(from_headers(&config, &host), Some(TokenSource::Cookie("host".into())));
    }

    #[test]
    fn set_cookie_carries_every_attribute() {
        let mut config = crate::server::config::tests::config();
        config.cookie_secure = false;
        let set = session_cookie(&config, "a.b.c", 3600);
        let set = set.to_str().unwrap();
        assert!(set.starts_with("ragsites_session=a.b.c;"), "{set}");
        for part in ["; Path=/", "; HttpOnly", "; SameSite=Lax", "; Max-Age=3600"] {
            assert!(set.contains(part), "{part} in {set}");
        }
        assert!(!set.contains("Secure"), "{set}");
        config.cookie_secure = true;
        for (value, start, max_age) in [
            (
                session_cookie(&config, "a.b.c", 3600),
                "__Host-ragsites_session=a.b.c;",
                "; Max-Age=3600",
            ),
            (clear_cookie(&config), "__Host-ragsites_session=;", "; Max-Age=0"),
        ] {
            let value = value.to_str().unwrap();
            assert!(value.starts_with(start), "{value}");
            for part in ["; Path=/", "; HttpOnly", "; SameSite=Lax", max_age, "; Secure"] {
                assert!(value.contains(part), "{part} in {value}");
            }
            assert!(!value.contains("Domain"), "{value}");
        }
    }
}
