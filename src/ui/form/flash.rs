//! A refused form's answer on its way back to the form: the error and what was typed, in a
//! cookie rather than in the URL (where it would land in logs and history, and where anyone
//! could write a message for the page to show under our logo). The cookie is signed with a key
//! derived from the server's secret, lives a minute, and is read once, by the page it names.

use axum::http::{HeaderMap, HeaderValue};
use axum_extra::extract::cookie::CookieJar;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::AppError;
use crate::server::config::Config;
use crate::server::cookies::{self, CookieName};

const COOKIE: CookieName = CookieName::new("__Host-ragsites_flash");
/// Long enough for the redirect to be followed, short enough not to linger.
const LIFETIME_SECONDS: i64 = 60;
/// Browsers keep a cookie of about 4 KB, name and attributes included.
const VALUE_MAX_BYTES: usize = 3_600;

type HmacSha256 = Hmac<Sha256>;

/// What a refused form post carries back to its page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flash {
    /// The path of the page it is for: any other page leaves it alone.
    page: String,
    /// Unix seconds after which it is stale.
    expires: i64,
    pub error: AppError,
    /// The fields worth typing again, by name (never a password).
    pub fields: Vec<(String, String)>,
}

impl Flash {
    /// The answer for the page at `page` (a path, its query ignored), stale a minute after `now`.
    pub fn new(page: &str, error: AppError, fields: &[(&str, &str)], now: DateTime<Utc>) -> Self {
        Self {
            page: path_of(page).to_owned(),
            expires: now.timestamp() + LIFETIME_SECONDS,
            error,
            fields: fields
                .iter()
                .filter(|(_, value)| !value.is_empty())
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
        }
    }
}

fn path_of(page: &str) -> &str {
    page.split(['?', '#']).next().unwrap_or(page)
}

/// `Set-Cookie` carrying `flash`. Kept fields are left out, the longest first, until the cookie
/// fits a browser; `None` when even the error alone would not (it never does: the messages are
/// ours and short).
pub fn set_cookie(config: &Config, mut flash: Flash) -> Option<HeaderValue> {
    loop {
        let value = seal(config, &flash);
        if value.len() <= VALUE_MAX_BYTES {
            return Some(cookies::set_cookie(
                config,
                &COOKIE,
                value,
                time::Duration::seconds(LIFETIME_SECONDS),
            ));
        }
        let longest = (0..flash.fields.len()).max_by_key(|&i| flash.fields[i].1.len())?;
        flash.fields.remove(longest);
    }
}

/// `Set-Cookie` that removes the flash cookie.
pub fn clear_cookie(config: &Config) -> HeaderValue {
    cookies::clear_cookie(config, &COOKIE)
}

/// Whether `headers` carry a flash cookie at all (valid or not).
pub fn is_present(config: &Config, headers: &HeaderMap) -> bool {
    CookieJar::from_headers(headers).get(COOKIE.get(config)).is_some()
}

/// Whether a response already removes the flash cookie (several parts of a page read it).
pub fn is_cleared_by(config: &Config, response_headers: &HeaderMap) -> bool {
    cookies::is_set_by(response_headers, COOKIE.get(config))
}

/// The flash in `headers` for the page at `path`, if it is genuine and fresh.
pub fn read(config: &Config, headers: &HeaderMap, path: &str, now: DateTime<Utc>) -> Option<Flash> {
    let jar = CookieJar::from_headers(headers);
    let (payload, signature) = jar.get(COOKIE.get(config))?.value().split_once('.')?;
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    mac(config, payload).verify_slice(&signature).ok()?;
    let flash: Flash = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    (flash.page == path && now.timestamp() < flash.expires).then_some(flash)
}

/// `payload.signature`, both base64url: a cookie value needs no further quoting.
fn seal(config: &Config, flash: &Flash) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(flash).expect("a flash serialises"));
    let signature = URL_SAFE_NO_PAD.encode(mac(config, &payload).finalize().into_bytes());
    format!("{payload}.{signature}")
}

/// The MAC over `payload`, keyed with a key of its own derived from the server's secret (so a
/// flash signature can never pass for a session token's, signed with the secret itself).
fn mac(config: &Config, payload: &str) -> HmacSha256 {
    let mut mac = config.jwt_secret.keyed_mac("ragsites-portal flash cookie v1");
    mac.update(payload.as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::config::tests::config;
    use axum::http::header;

    const COOKIE_NAME: &str = "ragsites_flash";

    fn request_with(set_cookie: &HeaderValue) -> HeaderMap {
        let pair = set_cookie.to_str().unwrap().split(';').next().unwrap().to_owned();
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, format!("theme=dark; {pair}").parse().unwrap());
        headers
    }

    fn field<'a>(flash: &'a Flash, name: &str) -> Option<&'a str> {
        flash.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-16T10:30:00Z").unwrap().to_utc()
    }

    #[test]
    fn a_flash_is_read_back_on_its_page_only_while_fresh() {
        let config = config();
        let error = AppError::field("email", "Enter a valid email address.");
        let flash = Flash::new("/settings/profile?x=1", error, &[("email", "ada@"), ("bio", "")], now());
        let set = set_cookie(&config, flash.clone()).unwrap();
        let text = set.to_str().unwrap();
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=60"] {
            assert!(text.contains(attribute), "{text}");
        }
        let headers = request_with(&set);
        let read = read(&config, &headers, "/settings/profile", now()).expect("read back");
        assert_eq!(read, flash);
        assert_eq!(field(&read, "email"), Some("ada@"));
        assert_eq!(field(&read, "bio"), None, "empty values are not carried");
        assert!(super::read(&config, &headers, "/settings/security", now()).is_none());
        let later = now() + chrono::Duration::seconds(LIFETIME_SECONDS);
        assert!(super::read(&config, &headers, "/settings/profile", later).is_none());
    }

    #[test]
    fn a_tampered_or_foreign_flash_is_ignored() {
        let config = config();
        let flash = Flash::new("/auth/signin", AppError::Unauthorized, &[], now());
        let set = set_cookie(&config, flash).unwrap();
        let value = set.to_str().unwrap().split(';').next().unwrap().to_owned();
        let (payload, signature) = value.split_once('.').unwrap();
        let forged = serde_json::json!({
            "page": "/auth/signin", "expires": i64::MAX,
            "error": {"Conflict": "Call +1 555 0100 to unlock your account"}, "fields": []
        });
        let forged_payload = URL_SAFE_NO_PAD.encode(forged.to_string());
        let other_key = Config {
            jwt_secret: crate::server::config::JwtSecret::new(b"another-secret-of-at-least-32-bytes!".to_vec()),
            ..config.clone()
        };
        for bad in [
            format!("{COOKIE_NAME}={forged_payload}.{signature}"),
            format!("{COOKIE_NAME}={payload}x.{signature}"),
            format!("{COOKIE_NAME}={payload}"),
            format!("{COOKIE_NAME}=%%%.%%%"),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(header::COOKIE, bad.parse().unwrap());
            assert!(read(&config, &headers, "/auth/signin", now()).is_none(), "{bad}");
        }
        let headers = request_with(&set);
        assert!(
            read(&other_key, &headers, "/auth/signin", now()).is_none(),
            "another server key"
        );
    }

    #[test]
    fn long_kept_values_are_left_out_until_the_cookie_fits() {
        let config = config();
        let bio = "é".repeat(1_500);
        let company = "c".repeat(100);
        let about = "a".repeat(2_000);
        let fields = [
            ("bio", bio.as_str()),
            ("company", company.as_str()),
            ("about", about.as_str()),
        ];
        let flash = Flash::new("/settings/profile", AppError::Unauthorized, &fields, now());
        let set = set_cookie(&config, flash).unwrap();
        assert!(set.len() < 4_000, "{}", set.len());
        let read = read(&config, &request_with(&set), "/settings/profile", now()).unwrap();
        assert_eq!(field(&read, "company"), Some(company.as_str()));
        assert_eq!(field(&read, "about"), Some(about.as_str()));
        assert_eq!(field(&read, "bio"), None, "the longest value is left out");
        assert!(clear_cookie(&config).to_str().unwrap().contains("Max-Age=0"));
    }
}
