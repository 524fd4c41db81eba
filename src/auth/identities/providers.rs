//! The identity providers the portal is configured with (`OIDC_PROVIDERS`, `GITHUB_*`), and
//! what the OpenID Connect ones' discovery documents say, fetched when first needed and kept a
//! while.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use openidconnect::core::CoreProviderMetadata;
use openidconnect::{IssuerUrl, reqwest};
use serde::Deserialize;

use super::ProviderButton;
use crate::error::AppError;

/// How long a provider's discovery document and keys are kept before they are fetched again.
const METADATA_TTL: Duration = Duration::from_secs(10 * 60);
/// The most any one call to a provider may take.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_PROVIDERS: usize = 10;

/// One OpenID Connect provider as configured.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProvider {
    /// Lowercase letters, digits and `-`: in the callback's path and in `user_identities`.
    pub name: String,
    /// The button's text: "Continue with {label}".
    #[serde(default)]
    pub label: Option<String>,
    /// The issuer; its `/.well-known/openid-configuration` is read.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
}

impl OidcProvider {
    pub fn label(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }
}

/// The client secret stays out of logs.
impl fmt::Debug for OidcProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcProvider")
            .field("name", &self.name)
            .field("label", &self.label)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// GitHub, or a GitHub Enterprise Server: plain OAuth 2.0, then its REST API for who the user
/// is (GitHub is not an OpenID Connect provider).
#[derive(Clone, PartialEq)]
pub struct GitHub {
    pub client_id: String,
    pub client_secret: String,
    /// Where its sign-in pages are: `https://github.com`.
    pub web_url: String,
    /// Its REST API: `https://api.github.com` (`https://HOST/api/v3` for an Enterprise Server).
    pub api_url: String,
}

/// GitHub's name in URLs and in `user_identities`.
pub const GITHUB: &str = "github";

/// The client secret stays out of logs.
impl fmt::Debug for GitHub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitHub")
            .field("client_id", &self.client_id)
            .field("web_url", &self.web_url)
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

/// One configured provider, of either kind.
#[derive(Clone)]
pub enum Provider {
    Oidc(OidcProvider),
    GitHub(GitHub),
}

impl Provider {
    pub fn name(&self) -> &str {
        match self {
            Self::Oidc(provider) => &provider.name,
            Self::GitHub(_) => GITHUB,
        }
    }

    pub fn label(&self) -> &str {
        match self {
            Self::Oidc(provider) => provider.label(),
            Self::GitHub(_) => "GitHub",
        }
    }
}

/// Whether `url` may be a provider's: https, or http on loopback (local test providers).
pub fn check_provider_url(url: &str) -> Result<url::Url, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("is not a URL: {e}"))?;
    let loopback = matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    if parsed.scheme() == "https" || (parsed.scheme() == "http" && loopback) {
        Ok(parsed)
    } else {
        Err("must be an https URL (http only on loopback)".to_owned())
    }
}

/// Parses `OIDC_PROVIDERS`: a JSON array of `{"name", "label"?, "issuer", "client_id",
/// "client_secret"}`. Each problem is named, never with the secret.
pub fn parse(text: &str) -> Result<Vec<OidcProvider>, String> {
    // serde's message could quote a value, the secret included: say only where it went wrong.
    let providers: Vec<OidcProvider> = serde_json::from_str(text).map_err(|e| {
        format!(
            "expected a JSON array of {{\"name\", \"label\", \"issuer\", \"client_id\", \"client_secret\"}} \
             (the first problem is at line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    if providers.len() > MAX_PROVIDERS {
        return Err(format!("at most {MAX_PROVIDERS} providers"));
    }
    for (i, provider) in providers.iter().enumerate() {
        let name = &provider.name;
        let valid_name = (1..=32).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid_name {
            return Err(format!(
                "provider {}: the name {name:?} must be 1 to 32 lowercase letters, digits or '-'",
                i + 1
            ));
        }
        if providers[..i].iter().any(|other| &other.name == name) {
            return Err(format!("the name {name:?} is used twice"));
        }
        if provider
            .label
            .as_ref()
            .is_some_and(|l| l.trim().is_empty() || l.len() > 40)
        {
            return Err(format!("{name}: the label must be 1 to 40 characters"));
        }
        if name == GITHUB {
            return Err("the name \"github\" is GitHub's (GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET)".to_owned());
        }
        check_provider_url(&provider.issuer).map_err(|reason| format!("{name}: the issuer {reason}"))?;
        if provider.client_id.trim().is_empty() || provider.client_secret.is_empty() {
            return Err(format!("{name}: client_id and client_secret are required"));
        }
    }
    Ok(providers)
}

/// The configured providers and the discovery documents fetched for them.
pub struct Directory {
    providers: Vec<OidcProvider>,
    github: Option<GitHub>,
    /// " origin origin…" of the issuers, for the pages' `form-action`.
    form_targets: String,
    http: reqwest::Client,
    metadata: Mutex<HashMap<String, (Instant, CoreProviderMetadata)>>,
}

impl Directory {
    pub fn new(providers: Vec<OidcProvider>, github: Option<GitHub>) -> Self {
        let http = reqwest::ClientBuilder::new()
            // A provider's answers are read as they are: following a redirect would let a
            // document send the server anywhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .build()
            .expect("an HTTP client with no redirects and a timeout");
        let form_targets = providers
            .iter()
            .map(|p| p.issuer.as_str())
            .chain(github.as_ref().map(|g| g.web_url.as_str()))
            .filter_map(|address| url::Url::parse(address).ok())
            .map(|address| format!(" {}", address.origin().ascii_serialization()))
            .collect();
        Self {
            providers,
            github,
            form_targets,
            http,
            metadata: Mutex::default(),
        }
    }

    fn all(&self) -> impl Iterator<Item = Provider> + '_ {
        let oidc = self.providers.iter().cloned().map(Provider::Oidc);
        oidc.chain(self.github.iter().cloned().map(Provider::GitHub))
    }

    pub fn buttons(&self) -> Vec<ProviderButton> {
        self.all()
            .map(|p| ProviderButton {
                name: p.name().to_owned(),
                label: p.label().to_owned(),
            })
            .collect()
    }

    /// The label of a provider by name; an unconfigured one (still linked) by its name.
    pub fn label_of(&self, name: &str) -> String {
        self.get(name).map_or_else(|| name.to_owned(), |p| p.label().to_owned())
    }

    pub fn get(&self, name: &str) -> Option<Provider> {
        self.all().find(|p| p.name() == name)
    }

    /// The issuers' origins, each after a space: where the link form's answer may redirect
    /// (a provider whose sign-in page is on another origin than its issuer is not covered).
    pub fn form_targets(&self) -> &str {
        &self.form_targets
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The provider's discovery document and signing keys: kept for `METADATA_TTL`, or fetched
    /// again when `fresh` (after a token signed by a key not in the kept set).
    pub async fn metadata(&self, provider: &OidcProvider, fresh: bool) -> Result<CoreProviderMetadata, AppError> {
        if !fresh
            && let Some((at, metadata)) = self.cache().get(&provider.name)
            && at.elapsed() < METADATA_TTL
        {
            return Ok(metadata.clone());
        }
        let issuer = IssuerUrl::new(provider.issuer.clone()).map_err(|e| AppError::internal("issuer URL", e))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| {
                tracing::warn!(provider = %provider.name, error = %e, "identity provider discovery failed");
                AppError::BadRequest(format!(
                    "{} cannot be reached right now. Try again in a minute, or sign in with your password.",
                    provider.label()
                ))
            })?;
        self.cache()
            .insert(provider.name.clone(), (Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, CoreProviderMetadata)>> {
        self.metadata.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn providers_are_checked_by_name() {
        let good = r#"[{"name":"google","label":"Google","issuer":"https://accounts.google.com","client_id":"id","client_secret":"s"},
                       {"name":"local","issuer":"http://127.0.0.1:4010","client_id":"portal","client_secret":"s"}]"#;
        let providers = parse(good).unwrap();
        assert_eq!(providers[0].label(), "Google");
        assert_eq!(providers[1].label(), "local");
        assert!(
            !format!("{providers:?}").contains("client_secret"),
            "the secret is not printed"
        );
        for (bad, says) in [
            ("{}", "JSON array"),
            (
                r#"[{"name":"Bad Name","issuer":"https://x.example","client_id":"a","client_secret":"b"}]"#,
                "lowercase",
            ),
            (
                r#"[{"name":"a","issuer":"http://x.example","client_id":"a","client_secret":"b"}]"#,
                "https",
            ),
            (
                r#"[{"name":"a","issuer":"nope","client_id":"a","client_secret":"b"}]"#,
                "not a URL",
            ),
            (
                r#"[{"name":"a","issuer":"https://x.example","client_id":"","client_secret":"b"}]"#,
                "client_id",
            ),
            (
                r#"[{"name":"a","issuer":"https://x.example","client_id":"a","client_secret":"b"},
                    {"name":"a","issuer":"https://y.example","client_id":"a","client_secret":"b"}]"#,
                "twice",
            ),
            (
                r#"[{"name":"a","issuer":"https://x.example","client_id":"a","client_secret":"b","extra":1}]"#,
                "line 1, column",
            ),
            (
                r#"[{"name":"a","issuer":"https://x.example","client_id":"a","client_secret":12345}]"#,
                "line 1, column",
            ),
            (
                r#"[{"name":"github","issuer":"https://x.example","client_id":"a","client_secret":"b"}]"#,
                "GitHub's",
            ),
        ] {
            let error = parse(bad).unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
            assert!(!error.contains("12345"), "no value is quoted: {error}");
        }
    }
}
