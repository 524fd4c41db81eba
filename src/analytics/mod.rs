//! The analytics engine: true figures from the hourly and daily rollups (never the raw
//! events), so a 30-day view of millions of events reads a few thousand rows.

#[cfg(feature = "ssr")]
pub mod activity;
pub mod api;
#[cfg(feature = "ssr")]
pub mod breakdown;
#[cfg(feature = "ssr")]
pub mod compat;
#[cfg(feature = "ssr")]
pub mod end_users;
#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod histogram;
#[cfg(feature = "ssr")]
pub mod params;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub(crate) mod rollups;
#[cfg(feature = "ssr")]
pub mod series;
#[cfg(feature = "ssr")]
pub mod summary;
#[cfg(feature = "ssr")]
pub mod window;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::Action;
use crate::services::{ServiceKind, ServiceStatus};

/// What to compute: the query string of the dashboard and of `/api/v1/analytics/*`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct AnalyticsQuery {
    #[serde(default)]
    pub range: Range,
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

/// The period a view covers: a preset ending with the current hour, or `custom` with `from`
/// and `to`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Range {
    #[serde(rename = "24h")]
    Last24Hours,
    #[default]
    #[serde(rename = "7d")]
    Last7Days,
    #[serde(rename = "30d")]
    Last30Days,
    #[serde(rename = "90d")]
    Last90Days,
    #[serde(rename = "custom")]
    Custom,
}

impl Range {
    pub const ALL: [Self; 5] = [
        Self::Last24Hours,
        Self::Last7Days,
        Self::Last30Days,
        Self::Last90Days,
        Self::Custom,
    ];

    /// The name in URLs and the API (`24h`, `7d`, `30d`, `90d`, `custom`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Last24Hours => "24h",
            Self::Last7Days => "7d",
            Self::Last30Days => "30d",
            Self::Last90Days => "90d",
            Self::Custom => "custom",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// The length of a preset; a custom range has none of its own.
    pub fn length(self) -> Option<TimeDelta> {
        match self {
            Self::Last24Hours => Some(TimeDelta::hours(24)),
            Self::Last7Days => Some(TimeDelta::days(7)),
            Self::Last30Days => Some(TimeDelta::days(30)),
            Self::Last90Days => Some(TimeDelta::days(90)),
            Self::Custom => None,
        }
    }

    /// As the range picker names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Last24Hours => "Last 24 hours",
            Self::Last7Days => "Last 7 days",
            Self::Last30Days => "Last 30 days",
            Self::Last90Days => "Last 90 days",
            Self::Custom => "Custom range",
        }
    }

    /// The period in a sentence ("… in the last 7 days").
    pub fn phrase(self) -> &'static str {
        match self {
            Self::Last24Hours => "in the last 24 hours",
            Self::Last7Days => "in the last 7 days",
            Self::Last30Days => "in the last 30 days",
            Self::Last90Days => "in the last 90 days",
            Self::Custom => "in the chosen period",
        }
    }

    /// The period's length, as the cards name the previous one ("vs previous 7 days").
    pub fn span(self) -> &'static str {
        match self {
            Self::Last24Hours => "24 hours",
            Self::Last7Days => "7 days",
            Self::Last30Days => "30 days",
            Self::Last90Days => "90 days",
            Self::Custom => "period",
        }
    }
}

/// An end of a custom range: an instant (RFC 3339), or a calendar day (`2026-11-01`) in the
/// query's time zone, as the dashboard's date pickers send it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
    #[serde(flatten)]
    pub conversations: ConversationFigures,
    /// Distinct end users in the period, exact; an end user id belongs to its service (the
    /// same id in two services counts twice).
    pub unique_end_users: i64,
}

/// What the conversations of a period add up to (in the summary, and on their own in
/// `/api/v1/analytics/conversations`). Ratios are `None` without what they divide by.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConversationFigures {
    /// Conversations that started in the period (each counted once, where it started).
    pub conversations: i64,
    /// Events that belong to a conversation.
    pub turns: i64,
    pub avg_turns: Option<f64>,
    /// All the period's cost over its conversations.
    pub cost_per_conversation_usd: Option<f64>,
    /// Answers with feedback, and of them rated positive / negative.
    pub rated: i64,
    pub positive: i64,
    pub negative: i64,
    /// Positive over rated, 0 to 1.
    pub satisfaction: Option<f64>,
    /// The sum of the events' call lengths (`duration_ms`), in minutes.
    pub call_minutes: f64,
    pub cost_per_minute_usd: Option<f64>,
}

/// `GET /api/v1/analytics/conversations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConversationSummary {
    #[serde(flatten)]
    pub current: ConversationFigures,
    /// The period of equal length just before.
    pub previous: ConversationFigures,
    /// The relative change of the count against the previous period (0.25 = 25 % more);
    /// `None` when the previous period had none.
    pub change: Option<f64>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// One end user of a service with their traffic in a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EndUserUsage {
    pub service_id: Uuid,
    pub end_user: String,
    pub requests: i64,
    pub errors: i64,
    pub cost_usd: f64,
}

/// The busiest and the costliest end users of a period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TopEndUsers {
    pub by_requests: Vec<EndUserUsage>,
    pub by_cost: Vec<EndUserUsage>,
}

/// `GET /api/v1/analytics/users`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EndUserSummary {
    pub unique_end_users: i64,
    pub previous: i64,
    /// The relative change against the previous period; `None` when it had none.
    pub change: Option<f64>,
    #[serde(flatten)]
    pub top: TopEndUsers,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Summary {
    #[serde(flatten)]
    pub current: Figures,
    /// The period of equal length just before.
    pub previous: Figures,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Bucket {
    Hour,
    Day,
}

impl Bucket {
    /// Its name in the API, the CSV export, sentences and PostgreSQL's `date_trunc`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hour => "hour",
            Self::Day => "day",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Point {
    pub at: DateTime<Utc>,
    /// `at` on the clock of the series' time zone, for labels (no offset: `2026-11-16T11:00:00`).
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub local: NaiveDateTime,
    pub requests: i64,
    pub errors: i64,
    pub p50_latency_ms: Option<f64>,
    pub p95_latency_ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Series {
    pub bucket: Bucket,
    pub tz: String,
    pub points: Vec<Point>,
}

/// What one service counted in one point of a series.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub requests: i64,
    pub errors: i64,
    pub latency_ms_sum: i64,
    pub tokens: i64,
    pub cost_micros: i64,
}

/// One service's totals, point by point of a view's series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceSeries {
    pub service_id: Uuid,
    pub points: Vec<Totals>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ServiceUsage {
    pub service_id: Uuid,
    pub name: String,
    pub kind: ServiceKind,
    pub status: ServiceStatus,
    pub requests: i64,
    pub errors: i64,
    pub success_rate: Option<f64>,
    pub avg_latency_ms: Option<f64>,
    pub tokens: i64,
    pub cost_usd: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ModelUsage {
    pub model: String,
    pub requests: i64,
    pub errors: i64,
    pub tokens: i64,
    pub cost_usd: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorCount {
    pub error_kind: String,
    pub errors: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Activity {
    pub at: DateTime<Utc>,
    pub action: Action,
    pub service_name: Option<String>,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Breakdown {
    pub services: Vec<ServiceUsage>,
    pub models: Vec<ModelUsage>,
    pub errors: Vec<ErrorCount>,
}

/// Dollars from the micro-dollars the rollups count in.
pub fn usd(micros: i64) -> f64 {
    micros as f64 / 1_000_000.0
}

/// Ratio `part / whole` or `None` when `whole` is zero.
pub fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The relative change from `previous` to `current`, or `None` when `previous` is zero.
pub fn relative_change(current: i64, previous: i64) -> Option<f64> {
    ratio(current - previous, previous)
}
