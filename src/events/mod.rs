//! The event explorer: a service's raw events newest first, filtered and paged by a keyset
//! cursor (`/services/:id/events`), one event whole, and one conversation in order. The same
//! operations answer `/api/v1/services/{id}/events…`.

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod detail;
#[cfg(feature = "ssr")]
pub mod filter;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod rest;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

/// Events on one page of the explorer.
pub const PAGE_SIZE: usize = 50;

/// The longest text a filter takes (end user and conversation ids are at most 128 characters).
pub const MAX_FILTER_CHARS: usize = 128;

/// The explorer's filters as the URL carries them: text, checked on the server
/// (`backend::Filter::parse`), which names the parameter that is wrong. An empty value is no
/// filter, as a plain GET form sends its empty fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct EventFilters {
    /// A preset period ending now (`24h`, `7d`, `30d`, `90d`), or `custom` (or nothing) for
    /// `from`/`to`.
    #[serde(default)]
    pub range: Option<String>,
    /// A day (`2026-11-01`, in the user's time zone) or an RFC 3339 instant.
    #[serde(default)]
    pub from: Option<String>,
    /// As `from`; a day includes the whole day.
    #[serde(default)]
    pub to: Option<String>,
    /// `success` or `error`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub error_kind: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub end_user: Option<String>,
    #[serde(default)]
    pub conversation: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    /// `-1`, `0`, `1`, or `none` (not rated).
    #[serde(default)]
    pub feedback: Option<String>,
    /// Where the previous page ended (`next_cursor`); none for the newest events.
    #[serde(default)]
    pub cursor: Option<String>,
}

impl EventFilters {
    /// Each parameter's name and value, in the URL's order.
    pub fn pairs(&self) -> [(&'static str, Option<&str>); 11] {
        [
            ("range", self.range.as_deref()),
            ("from", self.from.as_deref()),
            ("to", self.to.as_deref()),
            ("status", self.status.as_deref()),
            ("error_kind", self.error_kind.as_deref()),
            ("model", self.model.as_deref()),
            ("end_user", self.end_user.as_deref()),
            ("conversation", self.conversation.as_deref()),
            ("channel", self.channel.as_deref()),
            ("feedback", self.feedback.as_deref()),
            ("cursor", self.cursor.as_deref()),
        ]
    }

    /// The filters from a URL's query parameters (the page's own address).
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            range: get("range"),
            from: get("from"),
            to: get("to"),
            status: get("status"),
            error_kind: get("error_kind"),
            model: get("model"),
            end_user: get("end_user"),
            conversation: get("conversation"),
            channel: get("channel"),
            feedback: get("feedback"),
            cursor: get("cursor"),
        }
    }

    /// The query string of these filters (empty ones left out), with `cursor` replaced.
    pub fn query_string(&self, cursor: Option<&str>) -> String {
        self.pairs()
            .into_iter()
            .filter(|(name, _)| *name != "cursor")
            .chain([("cursor", cursor)])
            .filter_map(|(name, value)| value.filter(|v| !v.is_empty()).map(|v| (name, v)))
            .map(|(name, value)| format!("{name}={}", crate::ui::format::url_component(value)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// One event as the explorer lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EventRow {
    pub event_id: String,
    pub occurred_at: DateTime<Utc>,
    /// `occurred_at` on the clock of the user's time zone (no offset: `2026-11-16T11:00:00`).
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub local_time: NaiveDateTime,
    pub latency_ms: i32,
    pub success: bool,
    pub error_kind: Option<String>,
    pub model: Option<String>,
    pub tokens_in: i32,
    pub tokens_out: i32,
    pub cost_usd: f64,
    pub end_user: Option<String>,
    pub conversation_id: Option<String>,
    pub channel: Option<String>,
    pub duration_ms: Option<i32>,
    pub feedback: Option<i16>,
}

/// One page of events, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EventList {
    pub events: Vec<EventRow>,
    /// The cursor of the next (older) page; none on the last one.
    pub next_cursor: Option<String>,
    /// The time zone of `local_time`.
    pub tz: String,
}

/// One event with everything stored about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EventDetail {
    #[serde(flatten)]
    pub event: EventRow,
    pub received_at: DateTime<Utc>,
    pub feedback_comment: Option<String>,
    pub tz: String,
}

/// One conversation: its events oldest first and its totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Conversation {
    pub conversation_id: String,
    pub turns: i64,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    /// From the first event to the last.
    pub span_ms: i64,
    /// The call length the events reported (voice agents), if any did.
    pub duration_ms: Option<i64>,
    pub cost_usd: f64,
    pub tokens_in: i64,
    pub tokens_out: i64,
    pub errors: i64,
    /// The distinct end users and channels of its events (usually one each).
    pub end_users: Vec<String>,
    pub channels: Vec<String>,
    /// The first `CONVERSATION_EVENTS` events, oldest first.
    pub events: Vec<EventRow>,
    pub tz: String,
}

/// The most events a conversation's page lists (its totals count them all).
pub const CONVERSATION_EVENTS: i64 = 500;

/// What the explorer's pages show of the service in their header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explored<T> {
    pub service_name: String,
    pub data: T,
}

/// A feedback value as a person reads it.
pub fn feedback_label(feedback: Option<i16>) -> &'static str {
    match feedback {
        Some(1) => "👍 positive",
        Some(0) => "neutral",
        Some(-1) => "👎 negative",
        _ => "–",
    }
}
