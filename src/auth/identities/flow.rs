//! The redirect dance with a provider: authorization code with PKCE, `state` bound to the
//! browser by a signed cookie, the ID token's signature, issuer, audience, expiry and `nonce`
//! checked against the provider's discovery document and keys (the `openidconnect` crate).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::Duration;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::backend::{self, Identity};
use super::providers::{OidcProvider, Provider};
use crate::auth::backend::SignInOutcome;
use crate::auth::guard::{AuthStatus, client_info};
use crate::auth::token::{self, AUDIENCE, ISSUER};
use crate::error::AppError;
use crate::server::cookies::{self, CookieName};
use crate::server::headers::NO_STORE;
use crate::server::openapi::{Forbidden, Unauthorized};
use crate::server::routes::Routes;
use crate::server::state::AppState;

/// How long a browser may spend at the provider, and then on the link page.
const FLOW_LIFETIME: Duration = Duration::minutes(10);
const FLOW_COOKIE: CookieName = CookieName::new("__Host-ragsites_oidc");
const FLOW_TYPE: &str = "oidc-flow+jwt";
const LINK_COOKIE: CookieName = CookieName::new("__Host-ragsites_link");
const LINK_TYPE: &str = "identity-link+jwt";
/// The security tab's list of providers, where a link's answer goes.
pub const SECURITY_PAGE: &str = "/settings/security?form=identities";
const STALE_FLOW: &str =
    "This sign-in did not start in this browser, was already used, or took longer than 10 minutes. Start again.";

pub fn routes() -> Routes {
    Routes::new()
        .route(Method::GET, "/auth/oidc/{provider}", sign_in)
        .route(Method::POST, "/auth/oidc/{provider}/link", link)
        .route(Method::GET, "/auth/oidc/{provider}/callback", callback)
}

/// A dance under way, in its browser's cookie: signed, so neither its `state` nor its PKCE
/// verifier can be made up; the provider's answer must bring the same `state` back.
#[derive(Serialize, Deserialize)]
struct FlowClaims {
    iss: String,
    aud: String,
    /// The provider's name.
    sub: String,
    state: String,
    /// Empty for GitHub, which issues no ID token.
    nonce: String,
    verifier: String,
    /// The signed-in account that asked to link the provider; `None` for a sign-in.
    link: Option<Uuid>,
    next: Option<String>,
    iat: i64,
    exp: i64,
}

/// A provider's identity whose verified address belongs to an account: it waits, signed, in
/// the browser until that account's password confirms the link.
#[derive(Serialize, Deserialize)]
struct LinkClaims {
    iss: String,
    aud: String,
    /// The account with the address.
    sub: Uuid,
    provider: String,
    issuer: String,
    subject: String,
    email: String,
    next: Option<String>,
    iat: i64,
    exp: i64,
}

/// An identity waiting for its account's password (`confirm_link`).
pub struct WaitingLink {
    pub user_id: Uuid,
    pub identity: Identity,
    pub next: Option<String>,
}

#[derive(Deserialize)]
struct StartQuery {
    next: Option<String>,
}

/// Starts a sign-in with the provider (the buttons of the sign-in and register pages).
#[utoipa::path(get, path = "/auth/oidc/{provider}", tag = "sign-in",
    params(("provider" = String, Path, description = "The provider's name in OIDC_PROVIDERS, or github"),
        ("next" = Option<String>, Query, description = "A path on this site to land on afterwards")),
    responses(
        (status = 303, description = "To the provider's authorization endpoint (or back to the sign-in page with the error)"),
        (status = 404, description = "No such provider", body = crate::error::ErrorBody),
    ))]
async fn sign_in(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<StartQuery>,
    parts: Parts,
) -> Result<Response, AppError> {
    if matches!(parts.extensions.get::<AuthStatus>(), Some(AuthStatus::SignedIn(_))) {
        return Ok(Redirect::to("/dashboard").into_response());
    }
    let provider = state.identities.get(&name).ok_or(AppError::NotFound)?;
    let next = query.next.map(|next| crate::auth::safe_next(Some(&next)));
    Ok(start(&state, &provider, None, next)
        .await
        .unwrap_or_else(|error| back_with(&state, "/auth/signin", error)))
}

/// Links the provider to the signed-in account: the same dance, ending on the security tab.
#[utoipa::path(post, path = "/auth/oidc/{provider}/link", tag = "sign-in",
    params(("provider" = String, Path, description = "The provider's name in OIDC_PROVIDERS, or github")),
    responses(
        (status = 303, description = "To the provider (or back to the security tab with the error)"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such provider", body = crate::error::ErrorBody),
    ),
    security(("session_cookie" = [])))]
async fn link(
    State(state): State<AppState>,
    Path(name): Path<String>,
    parts: Parts,
    Form(form): Form<LinkForm>,
) -> Result<Response, AppError> {
    let Some(AuthStatus::SignedIn(auth)) = parts.extensions.get::<AuthStatus>() else {
        return Err(AppError::Unauthorized);
    };
    let provider = state.identities.get(&name).ok_or(AppError::NotFound)?;
    let result = async {
        // A stolen session alone must not add a way in: the password confirms it (an account
        // made through a provider has none).
        if backend::has_password(&mut *state.conn().await?, auth.user.id).await? {
            crate::auth::backend::confirm_password(&state, auth.user.id, &form.password)
                .await
                .map_err(|error| match error.field_message("current_password") {
                    Some(message) => AppError::BadRequest(message),
                    None => error,
                })?;
        }
        start(&state, &provider, Some(auth.user.id), None).await
    }
    .await;
    Ok(result.unwrap_or_else(|error| back_with(&state, SECURITY_PAGE, error)))
}

#[derive(Deserialize)]
struct LinkForm {
    #[serde(default)]
    password: String,
}

async fn start(
    state: &AppState,
    provider: &Provider,
    link: Option<Uuid>,
    next: Option<String>,
) -> Result<Response, AppError> {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = match provider {
        Provider::Oidc(provider) => {
            let metadata = state.identities.metadata(provider, false).await?;
            let (url, csrf, nonce) = client(state, provider, metadata)?
                .authorize_url(
                    CoreAuthenticationFlow::AuthorizationCode,
                    CsrfToken::new_random,
                    Nonce::new_random,
                )
                .add_scope(Scope::new("email".to_owned()))
                .add_scope(Scope::new("profile".to_owned()))
                .set_pkce_challenge(challenge)
                .url();
            (url, csrf, nonce.secret().clone())
        }
        // No ID token, so no nonce.
        Provider::GitHub(github) => {
            let (url, csrf) = super::github::authorize_url(state, github, challenge)?;
            (url, csrf, String::new())
        }
    };
    let now = state.clock.now();
    let claims = FlowClaims {
        iss: ISSUER.to_owned(),
        aud: AUDIENCE.to_owned(),
        sub: provider.name().to_owned(),
        state: csrf.secret().clone(),
        nonce,
        verifier: verifier.secret().clone(),
        link,
        next,
        iat: now.timestamp(),
        exp: (now + FLOW_LIFETIME).timestamp(),
    };
    let cookie = set_cookie(state, &FLOW_COOKIE, token::sign(&state.config, FLOW_TYPE, &claims));
    Ok((
        [(SET_COOKIE, cookie), (CACHE_CONTROL, NO_STORE)],
        Redirect::to(url.as_str()),
    )
        .into_response())
}

type Client = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

fn client(state: &AppState, provider: &OidcProvider, metadata: CoreProviderMetadata) -> Result<Client, AppError> {
    let callback = state
        .config
        .app_url
        .join(&format!("/auth/oidc/{}/callback", provider.name))
        .map_err(|e| AppError::internal("callback URL", e))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.client_id.clone()),
        Some(ClientSecret::new(provider.client_secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::from_url(callback)))
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    /// RFC 9207: the issuer that answered, when the provider says.
    iss: Option<String>,
}

/// Where the provider sends the browser back.
#[utoipa::path(get, path = "/auth/oidc/{provider}/callback", tag = "sign-in",
    params(("provider" = String, Path, description = "The provider's name in OIDC_PROVIDERS, or github"),
        ("code" = Option<String>, Query, description = "The authorization code"),
        ("state" = Option<String>, Query, description = "The state this browser's dance started with")),
    responses(
        (status = 303, description = "Signed in (or to the code page, the link page, or back with the error)"),
    ))]
async fn callback(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<CallbackQuery>,
    parts: Parts,
) -> Response {
    let flow = flow_from(&state, &parts.headers)
        .filter(|flow| flow.sub == name && query.state.as_deref() == Some(flow.state.as_str()));
    let page = match &flow {
        Some(flow) if flow.link.is_some() => SECURITY_PAGE,
        _ => "/auth/signin",
    };
    let mut response = match flow {
        Some(flow) => finish(&state, &name, flow, query, &parts)
            .await
            .unwrap_or_else(|error| back_with(&state, page, error)),
        None => back_with(&state, page, AppError::BadRequest(STALE_FLOW.to_owned())),
    };
    // Used once, whatever came of it.
    response
        .headers_mut()
        .append(SET_COOKIE, cookies::clear_cookie(&state.config, &FLOW_COOKIE));
    response
}

async fn finish(
    state: &AppState,
    name: &str,
    flow: FlowClaims,
    query: CallbackQuery,
    parts: &Parts,
) -> Result<Response, AppError> {
    let provider = state.identities.get(name).ok_or(AppError::NotFound)?;
    let label = provider.label().to_owned();
    if query.error.is_some() {
        return Err(AppError::BadRequest(format!(
            "{label} did not sign you in (cancelled or refused)."
        )));
    }
    let code = query
        .code
        .filter(|code| !code.is_empty() && code.len() <= 2048)
        .ok_or_else(|| AppError::BadRequest(format!("{label} sent no authorization code back.")))?;
    let identity = match &provider {
        Provider::Oidc(provider) => verified_identity(state, provider, &flow, code, query.iss.as_deref()).await?,
        Provider::GitHub(github) => super::github::identity(state, github, code, flow.verifier.clone()).await?,
    };
    let client = client_info(parts);
    match flow.link {
        Some(user_id) => {
            let signed_in_as = match parts.extensions.get::<AuthStatus>() {
                Some(AuthStatus::SignedIn(auth)) => Some(auth.user.id),
                _ => None,
            };
            if signed_in_as != Some(user_id) {
                return Err(AppError::BadRequest(
                    "Sign in to the portal first, then link the provider from the security tab.".to_owned(),
                ));
            }
            backend::link(state, user_id, &identity, &label, &client).await?;
            let saved = crate::ui::form::saved("/settings/security", &[("form", "identities")]);
            Ok(no_store(Redirect::to(&saved).into_response()))
        }
        None => match backend::sign_in(state, &identity, &label, &client).await? {
            backend::Arrival::Outcome(outcome) => Ok(signed_in(state, outcome, flow.next.as_deref())),
            backend::Arrival::NeedsPassword { user_id } => {
                let now = state.clock.now();
                let claims = LinkClaims {
                    iss: ISSUER.to_owned(),
                    aud: AUDIENCE.to_owned(),
                    sub: user_id,
                    provider: identity.provider,
                    issuer: identity.issuer,
                    subject: identity.subject,
                    email: identity.email.unwrap_or_default(),
                    next: flow.next,
                    iat: now.timestamp(),
                    exp: (now + FLOW_LIFETIME).timestamp(),
                };
                let cookie = set_cookie(state, &LINK_COOKIE, token::sign(&state.config, LINK_TYPE, &claims));
                Ok(no_store(
                    ([(SET_COOKIE, cookie)], Redirect::to("/auth/link")).into_response(),
                ))
            }
        },
    }
}

/// Trades the code for tokens (with the PKCE verifier) and checks the ID token: signature
/// against the provider's keys (fetched again once if the key is not among them), issuer,
/// audience, expiry, `nonce`, and the access token's hash when the token carries one.
async fn verified_identity(
    state: &AppState,
    provider: &OidcProvider,
    flow: &FlowClaims,
    code: String,
    answered_by: Option<&str>,
) -> Result<Identity, AppError> {
    let label = provider.label();
    let refused = |what: &str, error: &dyn std::fmt::Display| {
        tracing::warn!(provider = %provider.name, error = %error, "{what}");
        AppError::BadRequest(format!("{label} could not confirm who you are ({what}). Start again."))
    };
    let metadata = state.identities.metadata(provider, false).await?;
    if let Some(issuer) = answered_by
        && issuer != metadata.issuer().as_str()
    {
        return Err(refused("the answer came from another issuer", &issuer));
    }
    let issuer = metadata.issuer().to_string();
    let client = client(state, provider, metadata)?;
    let response = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| refused("no token endpoint", &e))?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()))
        .request_async(state.identities.http())
        .await
        .map_err(|e| refused("the code was refused", &e))?;
    let id_token = response.id_token().ok_or_else(|| refused("no ID token", &"none"))?;
    let nonce = Nonce::new(flow.nonce.clone());
    let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
        Ok(claims) => claims.clone(),
        // The provider may have rotated its keys since they were kept: fetch them once more.
        Err(ClaimsVerificationError::SignatureVerification(_)) => {
            let fresh = state.identities.metadata(provider, true).await?;
            let client = self::client(state, provider, fresh)?;
            id_token
                .claims(&client.id_token_verifier(), &nonce)
                .map_err(|e| refused("the ID token is not valid", &e))?
                .clone()
        }
        Err(error) => return Err(refused("the ID token is not valid", &error)),
    };
    if let Some(expected) = claims.access_token_hash() {
        let verifier = client.id_token_verifier();
        let algorithm = id_token
            .signing_alg()
            .map_err(|e| refused("the ID token is not valid", &e))?;
        let key = id_token
            .signing_key(&verifier)
            .map_err(|e| refused("the ID token is not valid", &e))?;
        let actual = AccessTokenHash::from_token(response.access_token(), algorithm, key)
            .map_err(|e| refused("the ID token is not valid", &e))?;
        if actual != *expected {
            return Err(refused("the access token does not match", &"at_hash"));
        }
    }
    Identity {
        provider: provider.name.clone(),
        issuer,
        subject: claims.subject().as_str().to_owned(),
        email: claims.email().map(|email| email.as_str().trim().to_owned()),
        email_verified: claims.email_verified() == Some(true),
        name: claims
            .name()
            .and_then(|name| name.get(None))
            .map(|name| name.as_str().to_owned()),
    }
    .bounded(label)
}

/// The session cookie (or the code page's challenge) and where to go.
fn signed_in(state: &AppState, outcome: SignInOutcome, next: Option<&str>) -> Response {
    let mut headers = HeaderMap::new();
    let location = match outcome {
        SignInOutcome::SignedIn(signed_in) => {
            let max_age = (signed_in.expires_at - state.clock.now()).num_seconds();
            headers.append(
                SET_COOKIE,
                token::session_cookie(&state.config, &signed_in.token, max_age),
            );
            crate::auth::safe_next(next)
        }
        SignInOutcome::TwoFactor { challenge } => {
            headers.append(
                SET_COOKIE,
                crate::auth::two_factor::backend::challenge_cookie(&state.config, &challenge),
            );
            crate::auth::api::ssr::form_page("/auth/2fa", next)
        }
    };
    no_store((headers, Redirect::to(&location)).into_response())
}

/// The identity waiting for a password in this browser, if any and not stale.
pub fn waiting_link(state: &AppState, headers: &HeaderMap) -> Option<WaitingLink> {
    let value = cookie_value(state, headers, &LINK_COOKIE)?;
    let claims: LinkClaims = token::verify(&state.config, &value, LINK_TYPE)?;
    (claims.exp > state.clock.now().timestamp()).then_some(WaitingLink {
        user_id: claims.sub,
        identity: Identity {
            provider: claims.provider,
            issuer: claims.issuer,
            subject: claims.subject,
            email: Some(claims.email),
            // Only a verified address finds the account a link waits for.
            email_verified: true,
            name: None,
        },
        next: claims.next,
    })
}

pub fn clear_link_cookie(state: &AppState) -> HeaderValue {
    cookies::clear_cookie(&state.config, &LINK_COOKIE)
}

fn flow_from(state: &AppState, headers: &HeaderMap) -> Option<FlowClaims> {
    let value = cookie_value(state, headers, &FLOW_COOKIE)?;
    token::verify::<FlowClaims>(&state.config, &value, FLOW_TYPE)
        .filter(|claims| claims.exp > state.clock.now().timestamp())
}

fn cookie_value(state: &AppState, headers: &HeaderMap, name: &CookieName) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(name.get(&state.config))
        .map(|cookie| cookie.value().to_owned())
        .filter(|value| !value.is_empty())
}

fn set_cookie(state: &AppState, name: &CookieName, value: String) -> HeaderValue {
    let lifetime = time::Duration::seconds(FLOW_LIFETIME.num_seconds());
    cookies::set_cookie(&state.config, name, value, lifetime)
}

/// Back to `page` with the error in its flash cookie.
fn back_with(state: &AppState, page: &str, error: AppError) -> Response {
    let mut response = no_store(Redirect::to(page).into_response());
    if let Some(cookie) = crate::ui::form::flash_cookie(&state.config, page, error, state.clock.now()) {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
}

fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(CACHE_CONTROL, NO_STORE);
    response
}
