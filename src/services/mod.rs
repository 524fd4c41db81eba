//! A client's AI services and their ingestion keys.

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod rest;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;
use uuid::Uuid;

use crate::auth::validate_name;
use crate::error::{AppError, FieldErrors};

pub const DESCRIPTION_MAX: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    Chatbot,
    RagSite,
    VoiceAgent,
    Agent,
    Custom,
}

impl ServiceKind {
    pub const ALL: [Self; 5] = [
        Self::Chatbot,
        Self::RagSite,
        Self::VoiceAgent,
        Self::Agent,
        Self::Custom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chatbot => "chatbot",
            Self::RagSite => "rag_site",
            Self::VoiceAgent => "voice_agent",
            Self::Agent => "agent",
            Self::Custom => "custom",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Chatbot => "Chatbot",
            Self::RagSite => "RAG site",
            Self::VoiceAgent => "Voice agent",
            Self::Agent => "Agent",
            Self::Custom => "Custom",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ServiceStatus {
    Active,
    Paused,
    Archived,
}

impl ServiceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Paused => "paused",
            Self::Archived => "archived",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Active, Self::Paused, Self::Archived]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// The validated shape of `services.config`: unknown keys are refused.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The model the service mainly uses, for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Where the service is reachable (https only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
}

impl ServiceConfig {
    pub fn validate(&self, fields: &mut FieldErrors) {
        if self
            .description
            .as_ref()
            .is_some_and(|d| d.chars().count() > DESCRIPTION_MAX)
        {
            fields.insert(
                "description".into(),
                format!("Description must be at most {DESCRIPTION_MAX} characters."),
            );
        }
        if self
            .model
            .as_ref()
            .is_some_and(|m| m.is_empty() || m.chars().count() > 64)
        {
            fields.insert("model".into(), "Model must be 1 to 64 characters.".into());
        }
        let https_address = |url: &str| {
            url.len() <= 500
                && !url.contains(char::is_whitespace)
                && Url::parse(url)
                    .is_ok_and(|url| url.scheme() == "https" && url.host_str().is_some_and(|h| !h.is_empty()))
        };
        if let Some(url) = &self.endpoint_url
            && !https_address(url)
        {
            fields.insert(
                "endpoint_url".into(),
                "Endpoint URL must be an https:// address.".into(),
            );
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Service {
    pub id: Uuid,
    pub name: String,
    pub kind: ServiceKind,
    pub status: ServiceStatus,
    pub config: ServiceConfig,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new service, from the form or `POST /api/v1/services`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewService {
    pub name: String,
    pub kind: ServiceKind,
    #[serde(default)]
    pub config: ServiceConfig,
}

/// A change to a service (`PATCH /api/v1/services/{id}`): only the fields present change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ServiceChange {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub status: Option<ServiceStatus>,
    #[serde(default)]
    pub config: Option<ServiceConfig>,
}

impl NewService {
    pub fn validate(&self) -> Result<(), AppError> {
        let mut fields = FieldErrors::new();
        if let Err(message) = validate_name(&self.name) {
            fields.insert("name".into(), message);
        }
        self.config.validate(&mut fields);
        AppError::from_fields(fields).map_or(Ok(()), Err)
    }
}

impl ServiceChange {
    pub fn validate(&self) -> Result<(), AppError> {
        let mut fields = FieldErrors::new();
        if let Some(Err(message)) = self.name.as_deref().map(validate_name) {
            fields.insert("name".into(), message);
        }
        if let Some(config) = &self.config {
            config.validate(&mut fields);
        }
        AppError::from_fields(fields).map_or(Ok(()), Err)
    }
}

/// An ingestion key as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiKeyInfo {
    pub id: Uuid,
    pub name: String,
    /// The visible start of the key, `rsk_<prefix>_…`.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A service's keys as its page shows them: the list, and a key just made while it may be copied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceKeys {
    pub keys: Vec<ApiKeyInfo>,
    pub new_key: Option<String>,
    /// The address the portal is reached at, for the example request.
    pub base_url: String,
}

/// A key just created: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedKey {
    #[serde(flatten)]
    pub info: ApiKeyInfo,
    pub key: String,
}
