//! The admin view: what only role `admin` may see and do — every client with their plan,
//! services and usage; creating clients, assigning plans, creating services for a client.

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod pages;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::billing::Plan;

/// Portal-wide counts for the admin's overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalOverview {
    pub clients: i64,
    pub services: i64,
    pub active_sessions: i64,
}

/// One client in the admin's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientSummary {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub plan: Option<String>,
    pub services: i64,
    /// Requests in the current billing period.
    pub period_requests: i64,
}

/// Everything `/admin` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminData {
    pub overview: PortalOverview,
    pub clients: Vec<ClientSummary>,
    pub plans: Vec<Plan>,
    /// Whether admins must sign in with two factors.
    pub require_admin_two_factor: bool,
}
