//! GitHub's sign-in: plain OAuth 2.0 (the `oauth2` crate, with PKCE), then its REST API says
//! who the user is: the numeric id, the name, and the primary address if GitHub verified it.

use axum::http::header::{ACCEPT, USER_AGENT};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, TokenUrl,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::backend::Identity;
use super::providers::{GITHUB, GitHub};
use crate::error::AppError;
use crate::server::state::AppState;

/// The most of an API answer read (a user, a list of addresses).
const MAX_ANSWER_BYTES: usize = 256 * 1024;

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

fn client(state: &AppState, github: &GitHub) -> Result<Client, AppError> {
    let url = |text: String| url::Url::parse(&text).map_err(|e| AppError::internal("GitHub URL", e));
    let callback = state
        .config
        .app_url
        .join(&format!("/auth/oidc/{GITHUB}/callback"))
        .map_err(|e| AppError::internal("callback URL", e))?;
    Ok(BasicClient::new(ClientId::new(github.client_id.clone()))
        .set_client_secret(ClientSecret::new(github.client_secret.clone()))
        // GitHub reads the secret from the form, not from a Basic header.
        .set_auth_type(AuthType::RequestBody)
        .set_auth_uri(AuthUrl::from_url(url(format!(
            "{}/login/oauth/authorize",
            github.web_url
        ))?))
        .set_token_uri(TokenUrl::from_url(url(format!(
            "{}/login/oauth/access_token",
            github.web_url
        ))?))
        .set_redirect_uri(RedirectUrl::from_url(callback)))
}

/// Where the browser goes to sign in at GitHub, and the `state` it must bring back.
pub fn authorize_url(
    state: &AppState,
    github: &GitHub,
    challenge: PkceCodeChallenge,
) -> Result<(url::Url, CsrfToken), AppError> {
    Ok(client(state, github)?
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("read:user".to_owned()))
        .add_scope(Scope::new("user:email".to_owned()))
        .set_pkce_challenge(challenge)
        .url())
}

#[derive(Deserialize)]
struct User {
    id: u64,
    login: String,
    name: Option<String>,
}

#[derive(Deserialize)]
struct Email {
    email: String,
    primary: bool,
    verified: bool,
}

/// Trades the code (with the PKCE verifier) for a token and asks the API who it belongs to.
pub async fn identity(state: &AppState, github: &GitHub, code: String, verifier: String) -> Result<Identity, AppError> {
    let refused = |what: &str, error: &dyn std::fmt::Display| {
        tracing::warn!(provider = GITHUB, error = %error, "{what}");
        AppError::BadRequest(format!("GitHub could not confirm who you are ({what}). Start again."))
    };
    let http = state.identities.http();
    let tokens = client(state, github)?
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(http)
        .await
        .map_err(|e| refused("the code was refused", &e))?;
    let token = tokens.access_token().secret();
    let user: User = get(state, github, "user", token)
        .await
        .map_err(|e| refused("its API did not answer", &e))?;
    let emails: Vec<Email> = get(state, github, "user/emails", token)
        .await
        .map_err(|e| refused("its API did not answer", &e))?;
    let primary = emails.into_iter().find(|email| email.primary);
    Identity {
        provider: GITHUB.to_owned(),
        issuer: github.web_url.clone(),
        subject: user.id.to_string(),
        email_verified: primary.as_ref().is_some_and(|email| email.verified),
        email: primary.map(|email| email.email),
        name: user.name.or(Some(user.login)),
    }
    .bounded("GitHub")
}

async fn get<T: DeserializeOwned>(state: &AppState, github: &GitHub, path: &str, token: &str) -> Result<T, String> {
    let answer = state
        .identities
        .http()
        .get(format!("{}/{path}", github.api_url))
        .bearer_auth(token)
        .header(ACCEPT, "application/vnd.github+json")
        .header(USER_AGENT, "ragsites-portal")
        .header("X-GitHub-Api-Version", "2022-11-28")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !answer.status().is_success() {
        return Err(format!("{path}: {}", answer.status()));
    }
    let mut answer = answer;
    let mut body = Vec::new();
    while let Some(chunk) = answer.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(format!("{path}: an answer over {MAX_ANSWER_BYTES} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|e| format!("{path}: {e}"))
}
