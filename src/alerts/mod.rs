//! Threshold alerts and the weekly report: the portal watching a client's services and
//! mailing them. `evaluate` runs every minute in one process at a time (alerts from the minute
//! rollups, then the reports that are due); `unsubscribe` is the one-click way out of both mails.

#[cfg(feature = "ssr")]
pub mod backend;
#[cfg(feature = "ssr")]
pub mod evaluate;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod report;
#[cfg(feature = "ssr")]
pub mod unsubscribe;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ui::format::millis;

/// What an alert watches, with the threshold of the notifications tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Errors over requests, in percent.
    ErrorRate,
    /// The 95th percentile of latency, in milliseconds.
    P95Latency,
}

impl AlertKind {
    pub const ALL: [Self; 2] = [Self::ErrorRate, Self::P95Latency];

    /// Its name in the `alerts` table.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ErrorRate => "error_rate",
            Self::P95Latency => "p95_latency",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// As a sentence names it ("the error rate of …").
    pub fn label(self) -> &'static str {
        match self {
            Self::ErrorRate => "error rate",
            Self::P95Latency => "p95 latency",
        }
    }

    /// A value in the kind's unit, as pages and mails write it.
    pub fn format(self, value: f64) -> String {
        match self {
            Self::ErrorRate => format!("{value:.1}%"),
            Self::P95Latency => millis(Some(value)),
        }
    }
}

/// An alert as the dashboard and a service's page list it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub id: i64,
    pub service_id: Uuid,
    pub service_name: String,
    pub kind: AlertKind,
    pub threshold: f64,
    /// The value that fired it.
    pub observed: f64,
    pub fired_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// `fired_at` and `resolved_at` on the clock of the view's time zone.
    pub fired_local: NaiveDateTime,
    pub resolved_local: Option<NaiveDateTime>,
}
