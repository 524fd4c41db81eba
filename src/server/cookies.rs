//! The portal's own cookies (the session, a refused form's flash): one rule for their names and
//! attributes.

use axum::http::{HeaderMap, HeaderValue, header};
use axum_extra::extract::cookie::{Cookie, SameSite};

use crate::server::config::Config;

const HOST_PREFIX: &str = "__Host-";

/// A cookie's name. With `COOKIE_SECURE` it carries the `__Host-` prefix, which makes browsers
/// refuse the cookie unless it is `Secure`, `Path=/` and has no `Domain`: neither a plain-http
/// page nor a sibling subdomain can set or shadow it.
pub struct CookieName(&'static str);

impl CookieName {
    /// `prefixed` is the `__Host-` form (checked when compiled); the plain form is the rest.
    pub const fn new(prefixed: &'static str) -> Self {
        let (name, prefix) = (prefixed.as_bytes(), HOST_PREFIX.as_bytes());
        assert!(name.len() > prefix.len(), "a cookie name after its __Host- prefix");
        let mut i = 0;
        while i < prefix.len() {
            assert!(name[i] == prefix[i], "a cookie name starting with __Host-");
            i += 1;
        }
        Self(prefixed)
    }

    /// The name under `config`.
    pub fn get(&self, config: &Config) -> &'static str {
        if config.cookie_secure {
            self.0
        } else {
            &self.0[HOST_PREFIX.len()..]
        }
    }
}

/// `Set-Cookie` for `name=value`: HttpOnly, SameSite=Lax, Path=/, no Domain, Secure when
/// configured, kept `max_age`.
pub fn set_cookie(config: &Config, name: &CookieName, value: String, max_age: time::Duration) -> HeaderValue {
    encode(&cookie(config, name, value, max_age))
}

/// `Set-Cookie` that removes the cookie: empty, Max-Age=0 and an Expires in the past.
pub fn clear_cookie(config: &Config, name: &CookieName) -> HeaderValue {
    let mut removal = cookie(config, name, String::new(), time::Duration::ZERO);
    removal.make_removal();
    encode(&removal)
}

/// Whether a response's `headers` already set (or remove) the cookie `name`.
pub fn is_set_by(headers: &HeaderMap, name: &str) -> bool {
    headers.get_all(header::SET_COOKIE).iter().any(|value| {
        value
            .as_bytes()
            .strip_prefix(name.as_bytes())
            .is_some_and(|rest| rest.starts_with(b"="))
    })
}

fn cookie(config: &Config, name: &CookieName, value: String, max_age: time::Duration) -> Cookie<'static> {
    Cookie::build((name.get(config), value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.cookie_secure)
        .max_age(max_age)
        .build()
}

fn encode(cookie: &Cookie<'_>) -> HeaderValue {
    HeaderValue::from_str(&cookie.encoded().to_string()).expect("an encoded cookie is a valid header value")
}
