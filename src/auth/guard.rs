//! Who is asking, for every request: one middleware authenticates the token once, guards the
//! protected pages and checks the origin of state-changing requests; server functions and REST
//! handlers read its answer.

mod forwarded;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};

use super::Authenticated;
use super::api_tokens::Scope;
use super::api_tokens::backend as api_tokens;
use super::backend::authenticate;
use super::token::{self, TokenSource};
use super::{Role, User};
use crate::audit::ClientInfo;
use crate::error::AppError;
use crate::server::cookies;
use crate::server::state::AppState;
pub use forwarded::Client;

/// What the middleware learned about the request's token.
#[derive(Debug, Clone)]
pub enum AuthStatus {
    SignedIn(Authenticated),
    Anonymous,
    /// The database could not be asked: neither signed in nor out.
    Unavailable,
}

/// Pages that need a signed-in user; server rendering redirects to sign-in before any HTML.
const PROTECTED: [&str; 4] = ["/dashboard", "/settings", "/services", "/admin"];
/// Pages for signed-out visitors only.
const GUEST_ONLY: [&str; 4] = ["/auth/signin", "/auth/register", "/auth/2fa", "/auth/link"];
/// The REST API an API token opens: not the pages, not their server functions, not the
/// session routes (sign-out, refresh).
const API_TOKEN_PATHS: [&str; 5] = [
    "/api/v1",
    "/api/user",
    "/api/analytics",
    "/api/services",
    "/api/auth/verify",
];
/// Where an admin goes first when the portal requires two-factor sign-in of admins and theirs
/// is not set up.
const ENROL_PAGE: &str = "/settings/security";
/// The REST API's data, refused to such an admin until then (the session routes stay open).
const REST_DATA: [&str; 4] = ["/api/v1", "/api/user", "/api/analytics", "/api/services"];
/// Posted by mail clients from anywhere (RFC 8058 one-click unsubscribe): the token in the path
/// is its only authority, so the origin check does not apply.
const ANY_ORIGIN: [&str; 1] = ["/unsubscribe"];

fn under(path: &str, prefixes: &[&str]) -> bool {
    prefixes
        .iter()
        .any(|p| path == *p || path.strip_prefix(p).is_some_and(|rest| rest.starts_with('/')))
}

pub async fn middleware(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with("/pkg/") {
        return next.run(request).await;
    }
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| forwarded::client(peer.ip(), request.headers(), &state.config.trusted_proxies));
    let source = token::from_headers(&state.config, request.headers());
    let scheme = client.and_then(|c| c.scheme);
    if !under(&path, &ANY_ORIGIN)
        && let Err(error) = check_origin(request.method(), request.headers(), scheme, source.as_ref())
    {
        return error.into_response();
    }
    let status = match &source {
        None => AuthStatus::Anonymous,
        Some(TokenSource::Bearer(token)) if api_tokens::is_api_token(token) => {
            match api_token_status(&state, token, request.method(), &path).await {
                Ok(status) => status,
                Err(refused) => return refused.into_response(),
            }
        }
        Some(source) => match authenticate(&state, source.token()).await {
            Ok(auth) => AuthStatus::SignedIn(auth),
            Err(AppError::Unauthorized) => AuthStatus::Anonymous,
            Err(_) => AuthStatus::Unavailable,
        },
    };
    let page_request = request.method() == Method::GET;
    match &status {
        AuthStatus::Anonymous if page_request && under(&path, &PROTECTED) => {
            let target = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or(&path);
            let query = serde_urlencoded::to_string([("next", target)]).unwrap_or_default();
            return with_dead_cookie_cleared(&state, source.as_ref(), Redirect::to(&format!("/auth/signin?{query}")));
        }
        AuthStatus::SignedIn(_) if page_request && under(&path, &GUEST_ONLY) => {
            return Redirect::to("/dashboard").into_response();
        }
        AuthStatus::SignedIn(auth)
            if page_request
                && under(&path, &PROTECTED)
                && !under(&path, &[ENROL_PAGE])
                && super::two_factor::backend::must_enrol(&state, auth)
                    .await
                    .unwrap_or(false) =>
        {
            return Redirect::to(&format!("{ENROL_PAGE}?form=two-factor")).into_response();
        }
        AuthStatus::SignedIn(auth)
            if under(&path, &REST_DATA)
                && super::two_factor::backend::must_enrol(&state, auth)
                    .await
                    .unwrap_or(false) =>
        {
            return AppError::TwoFactorRequired.into_response();
        }
        _ => {}
    }
    let dead_cookie = matches!(status, AuthStatus::Anonymous) && matches!(source, Some(TokenSource::Cookie(_)));
    request.extensions_mut().insert(status);
    request.extensions_mut().insert(Arrived(state.clock.now()));
    if let Some(client) = client {
        request.extensions_mut().insert(client);
    }
    let response = next.run(request).await;
    if dead_cookie {
        clear_cookie_on(&state, response)
    } else {
        response
    }
}

/// What an API token makes of a request: its user on the REST API within its scope (a read
/// token changing anything is refused), no one on pages, server functions and session routes.
async fn api_token_status(state: &AppState, token: &str, method: &Method, path: &str) -> Result<AuthStatus, AppError> {
    if !under(path, &API_TOKEN_PATHS) {
        return Ok(AuthStatus::Anonymous);
    }
    match api_tokens::authenticate(state, token).await {
        Ok((_, Scope::Read)) if !matches!(*method, Method::GET | Method::HEAD) => Err(AppError::Forbidden),
        Ok((auth, _)) => Ok(AuthStatus::SignedIn(auth)),
        Err(AppError::Unauthorized) => Ok(AuthStatus::Anonymous),
        Err(_) => Ok(AuthStatus::Unavailable),
    }
}

fn with_dead_cookie_cleared(state: &AppState, source: Option<&TokenSource>, redirect: Redirect) -> Response {
    let response = redirect.into_response();
    if matches!(source, Some(TokenSource::Cookie(_))) {
        clear_cookie_on(state, response)
    } else {
        response
    }
}

/// Removes the dead session cookie, unless the response sets a new one itself.
fn clear_cookie_on(state: &AppState, mut response: Response) -> Response {
    if !cookies::is_set_by(response.headers(), token::cookie_name(&state.config)) {
        response
            .headers_mut()
            .append(header::SET_COOKIE, token::clear_cookie(&state.config));
    }
    response
}

/// A state-changing request must come from this site when it carries the session cookie
/// (SameSite=Lax alone still lets sibling sites and old browsers through). A Bearer token
/// cannot be sent by another site, so it needs no check; a foreign `Origin` is refused always.
/// The scheme is compared too when a trusted proxy names it (`http://` is another origin than
/// `https://`); without one it is unknown, and only the host is compared.
fn check_origin(
    method: &Method,
    headers: &HeaderMap,
    scheme: Option<&str>,
    source: Option<&TokenSource>,
) -> Result<(), AppError> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let same_site = |url: &str| {
        url.split_once("://").is_some_and(|(url_scheme, rest)| {
            Some(rest.split('/').next().unwrap_or("")) == host
                && scheme.is_none_or(|scheme| scheme.eq_ignore_ascii_case(url_scheme))
        })
    };
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| *o != "null");
    let referer = headers.get(header::REFERER).and_then(|v| v.to_str().ok());
    match (origin, referer) {
        (Some(origin), _) if !same_site(origin) => Err(AppError::Forbidden),
        (Some(_), _) => Ok(()),
        (None, Some(referer)) if same_site(referer) => Ok(()),
        _ if matches!(source, Some(TokenSource::Cookie(_))) => Err(AppError::Forbidden),
        _ => Ok(()),
    }
}

/// Where the request came from: the client's address (`ip`, behind `TRUSTED_PROXIES` the
/// forwarded client, see [`forwarded::client`]), its user agent cut to what the database keeps,
/// and when it arrived. Everything that needs "the client address" (sessions, activity, limits,
/// throttles) reads it here.
pub fn client_info(parts: &Parts) -> ClientInfo {
    // Every request but static files passes the middleware, which sets `Client`.
    let ip = parts.extensions.get::<Client>().map(|client| client.ip.to_string());
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(512).collect());
    // Every request but static files passes the middleware, which sets `Arrived`.
    let at = parts
        .extensions
        .get::<Arrived>()
        .map_or_else(Utc::now, |Arrived(at)| *at);
    ClientInfo { ip, user_agent, at }
}

/// When the request arrived, on the server's clock.
#[derive(Clone, Copy)]
struct Arrived(DateTime<Utc>);

/// The signed-in user the middleware found for a request, or why there is none.
pub fn status_of(parts: &Parts) -> Result<Authenticated, AppError> {
    match parts.extensions.get::<AuthStatus>() {
        Some(AuthStatus::SignedIn(auth)) => Ok(auth.clone()),
        Some(AuthStatus::Unavailable) => Err(AppError::Unavailable),
        Some(AuthStatus::Anonymous) | None => Err(AppError::Unauthorized),
    }
}

pub async fn request_parts() -> Result<Parts, AppError> {
    leptos::prelude::use_context::<Parts>().ok_or_else(|| AppError::internal("context", "request parts are missing"))
}

/// What a server function acts with: who is asking, the state, and where the request came from.
pub struct Caller {
    pub auth: Authenticated,
    pub state: AppState,
    pub client: ClientInfo,
}

/// First line of every server function that needs a user.
pub async fn require_user() -> Result<Caller, AppError> {
    let parts = request_parts().await?;
    let auth = status_of(&parts)?;
    let (state, client) = request_context().await?;
    Ok(Caller { auth, state, client })
}

/// The state and where the request came from, for server functions open to everyone.
pub async fn request_context() -> Result<(AppState, ClientInfo), AppError> {
    let parts = request_parts().await?;
    Ok((crate::server::state::app_state()?, client_info(&parts)))
}

/// First line of every admin-only server function: clients get 403.
pub async fn require_admin() -> Result<Caller, AppError> {
    let caller = require_user().await?;
    if caller.auth.user.role == Role::Admin {
        Ok(caller)
    } else {
        Err(AppError::Forbidden)
    }
}

/// The signed-in user, if any (for pages that show either).
pub async fn optional_user() -> Result<Option<User>, AppError> {
    match status_of(&request_parts().await?) {
        Ok(auth) => Ok(Some(auth.user)),
        Err(AppError::Unauthorized) => Ok(None),
        Err(other) => Err(other),
    }
}

/// REST handlers take this to require a live session (cookie or Bearer token).
pub struct CurrentUser(pub Authenticated);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        status_of(parts).map(CurrentUser)
    }
}

/// REST handlers take this to require an admin.
pub struct AdminUser(pub Authenticated);

impl<S: Send + Sync> FromRequestParts<S> for AdminUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let auth = status_of(parts)?;
        if auth.user.role == Role::Admin {
            Ok(AdminUser(auth))
        } else {
            Err(AppError::Forbidden)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn origin_rules() {
        let cookie = Some(TokenSource::Cookie("t".into()));
        let bearer = Some(TokenSource::Bearer("t".into()));
        let site = ("host", "portal.test");
        let post = &Method::POST;
        let check = |pairs: &[(&'static str, &str)], scheme, source: &Option<TokenSource>| {
            check_origin(post, &headers(pairs), scheme, source.as_ref()).is_ok()
        };
        assert!(check(&[site, ("origin", "https://portal.test")], None, &cookie));
        assert!(!check(&[site, ("origin", "https://evil.test")], None, &cookie));
        assert!(!check(&[site, ("origin", "https://evil.test")], None, &None));
        assert!(check(&[site, ("referer", "https://portal.test/x")], None, &cookie));
        assert!(!check(&[site], None, &cookie), "a cookie without origin");
        assert!(check(&[site], None, &bearer), "a Bearer token without origin");
        assert!(check_origin(&Method::GET, &headers(&[site]), None, cookie.as_ref()).is_ok());
        assert!(under("/settings/security", &PROTECTED) && under("/dashboard", &PROTECTED));
        assert!(!under("/dashboards", &PROTECTED));
    }

    #[test]
    fn a_scheme_named_by_a_trusted_proxy_is_part_of_the_origin() {
        let cookie = Some(TokenSource::Cookie("t".into()));
        let site = ("host", "portal.test");
        let check = |pairs: &[(&'static str, &str)], scheme| {
            check_origin(&Method::POST, &headers(pairs), scheme, cookie.as_ref()).is_ok()
        };
        assert!(check(&[site, ("origin", "https://portal.test")], Some("https")));
        assert!(!check(&[site, ("origin", "http://portal.test")], Some("https")));
        assert!(!check(&[site, ("referer", "http://portal.test/x")], Some("https")));
        assert!(check(&[site, ("origin", "HTTP://portal.test")], Some("http")));
    }
}
