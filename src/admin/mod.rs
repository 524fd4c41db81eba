//! The admin view: what only role `admin` may see.

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;

use serde::{Deserialize, Serialize};

/// Portal-wide counts for the admin's overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalOverview {
    pub clients: i64,
    pub services: i64,
    pub active_sessions: i64,
}
