//! Personal API tokens: for a client's scripts and integrations, `Authorization: Bearer rpt_…` on
//! the REST API, read-only or read-write, never for the pages.

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod panel;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a token may do on the REST API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read analytics, services, keys and settings (GET).
    Read,
    /// Also create services and keys and change settings.
    Write,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "read" => Some(Self::Read),
            "write" => Some(Self::Write),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Read => "Read",
            Self::Write => "Read and write",
        }
    }
}

/// A token as its owner's list shows it: never its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiTokenInfo {
    pub id: Uuid,
    pub name: String,
    pub scope: Scope,
    /// The visible start, `rpt_<prefix>`.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The security tab's token panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiTokens {
    pub tokens: Vec<ApiTokenInfo>,
    /// A token just made, whole, until its owner says it is copied.
    pub new_token: Option<String>,
}

/// The lifetimes a token can be given: the form's value, its label, its days.
pub const LIFETIMES: [(&str, &str, Option<i64>); 5] = [
    ("30", "30 days", Some(30)),
    ("7", "7 days", Some(7)),
    ("90", "90 days", Some(90)),
    ("365", "1 year", Some(365)),
    ("never", "No expiry", None),
];
