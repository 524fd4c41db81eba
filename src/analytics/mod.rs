//! The analytics engine: true figures from the hourly rollups, for the pages and the API.

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
#[cfg(feature = "ssr")]
pub mod cache;
#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod live;
#[cfg(feature = "ssr")]
pub mod rest;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What to compute: the query string of the dashboard and of `/api/v1/analytics/*`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsQuery {
    /// `24h`, `7d`, `30d`, `90d`, or `custom` with `from` and `to`. Default `7d`.
    #[serde(default)]
    pub range: Option<String>,
    #[serde(default)]
    pub from: Option<Moment>,
    /// A day here includes the whole day.
    #[serde(default)]
    pub to: Option<Moment>,
    /// One service, or all the user's.
    #[serde(default)]
    pub service: Option<Uuid>,
    /// IANA time zone for day buckets; default the user's preference.
    #[serde(default)]
    pub tz: Option<String>,
}

/// An end of a custom range: an instant (RFC 3339), or a calendar day (`2026-11-01`) in the
/// query's time zone, as the dashboard's date pickers send it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Moment {
    Day(NaiveDate),
    At(DateTime<Utc>),
}

impl std::fmt::Display for Moment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Day(day) => write!(f, "{day}"),
            Self::At(at) => write!(f, "{}", at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        }
    }
}

/// The figures of one period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub total_requests: i64,
    pub errors: i64,
    pub active_services: i64,
    pub avg_latency_ms: Option<f64>,
    pub p50_latency_ms: Option<f64>,
    pub p95_latency_ms: Option<f64>,
    pub p99_latency_ms: Option<f64>,
    /// Successful requests over all requests, 0 to 1; `None` without requests.
    pub success_rate: Option<f64>,
    pub tokens_in: i64,
    pub tokens_out: i64,
    pub cost_usd: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    #[serde(flatten)]
    pub current: Figures,
    /// The period of equal length just before.
    pub previous: Figures,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bucket {
    Hour,
    Day,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub at: DateTime<Utc>,
    /// `at` on the clock of the series' time zone, for labels.
    pub local: NaiveDateTime,
    pub requests: i64,
    pub errors: i64,
    pub p50_latency_ms: Option<f64>,
    pub p95_latency_ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub bucket: Bucket,
    pub tz: String,
    pub points: Vec<Point>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceUsage {
    pub service_id: Uuid,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub requests: i64,
    pub errors: i64,
    pub success_rate: Option<f64>,
    pub avg_latency_ms: Option<f64>,
    pub tokens: i64,
    pub cost_usd: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelUsage {
    pub model: String,
    pub requests: i64,
    pub errors: i64,
    pub tokens: i64,
    pub cost_usd: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorCount {
    pub error_kind: String,
    pub errors: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub at: DateTime<Utc>,
    pub action: String,
    pub service_name: Option<String>,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    pub services: Vec<ServiceUsage>,
    pub models: Vec<ModelUsage>,
    pub errors: Vec<ErrorCount>,
}

/// Ratio `part / whole` or `None` when `whole` is zero.
pub fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}
