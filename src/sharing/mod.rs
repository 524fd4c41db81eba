//! Read-only share links: a client shares the dashboard, or one service's page, with someone
//! who has no account. The link's token is its only authority (kept hashed); a link may expire,
//! ask for a password, and allow the view's exports. The view updates live like the owner's,
//! and its owner lists the links with their visits and revokes them (open views stop at once).

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
#[cfg(feature = "ssr")]
pub mod grant;
pub mod pages;
pub mod panel;
#[cfg(feature = "ssr")]
pub mod rest;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::dashboard::DashboardData;

/// The kind prefix of a link's token: `rsl_<prefix>_<secret>`.
pub const KIND: &str = "rsl";
/// Where the links are opened: `/share/{token}`.
pub const PATH: &str = "/share";
/// The longest label, in characters.
pub const MAX_LABEL_CHARS: usize = 80;
/// The name the share form comes back with (`?form=`), so that its error shows by it.
pub const FORM: &str = "share";
/// How long a link may work: the form's choices (value, words, days; none: until revoked).
pub const EXPIRIES: [(&str, &str, Option<i64>); 5] = [
    ("7d", "7 days", Some(7)),
    ("1d", "1 day", Some(1)),
    ("30d", "30 days", Some(30)),
    ("90d", "90 days", Some(90)),
    ("never", "Until revoked", None),
];

/// Whether a link still opens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum LinkStatus {
    Working,
    Expired,
    Revoked,
}

/// A link as its owner's list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareLinkInfo {
    pub id: Uuid,
    pub label: String,
    /// The shared service's name; none: the dashboard.
    pub service: Option<String>,
    /// The token's first signs, to tell links apart.
    pub prefix: String,
    pub has_password: bool,
    pub allow_export: bool,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub status: LinkStatus,
    pub visits: i64,
    pub last_visited_at: Option<DateTime<Utc>>,
}

/// The owner's links, and the address of the one just made while it may still be copied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareLinks {
    pub links: Vec<ShareLinkInfo>,
    pub new_link: Option<String>,
    /// The address the portal is reached at, before `new_link`.
    pub base_url: String,
}

/// What a share link's page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SharedView {
    /// The link asks for a password this browser has not given yet.
    Locked {
        label: String,
    },
    Open(Box<OpenView>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenView {
    pub label: String,
    /// Who shared it (the owner's name).
    pub owner: String,
    /// The shared service, for a service's page.
    pub service: Option<Uuid>,
    pub allow_export: bool,
    pub data: DashboardData,
}
