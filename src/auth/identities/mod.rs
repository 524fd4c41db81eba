//! Signing in through an identity provider (OpenID Connect: Google, or any other provider
//! configured in `OIDC_PROVIDERS`; GitHub over plain OAuth 2.0): the redirect dance, the accounts it makes and links, and the
//! Settings → Security list of linked providers.

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
#[cfg(feature = "ssr")]
pub mod flow;
#[cfg(feature = "ssr")]
mod github;
pub mod panel;
#[cfg(feature = "ssr")]
pub mod providers;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A configured provider, as its button shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderButton {
    pub name: String,
    pub label: String,
}

impl ProviderButton {
    /// Where its sign-in starts.
    pub fn start_url(&self) -> String {
        format!("/auth/oidc/{}", self.name)
    }

    /// Where a signed-in user links it.
    pub fn link_url(&self) -> String {
        format!("/auth/oidc/{}/link", self.name)
    }
}

/// A provider linked to the signed-in account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkedIdentity {
    pub id: Uuid,
    pub provider: String,
    pub label: String,
    /// The address the provider gave when it was linked.
    pub email: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Every way into the signed-in account, and the providers that could be linked to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInMethods {
    pub has_password: bool,
    pub linked: Vec<LinkedIdentity>,
    pub linkable: Vec<ProviderButton>,
}

impl SignInMethods {
    /// Unlinking leaves no way in when this is the only provider and there is no password.
    pub fn can_unlink(&self) -> bool {
        self.has_password || self.linked.len() > 1
    }
}

/// What the link page shows: a provider's identity waiting for the password of the account
/// with its address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingLink {
    pub label: String,
    pub email: String,
}
