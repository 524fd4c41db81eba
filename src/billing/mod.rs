//! Billing and usage: the client's plan, this period's usage against its quota, and monthly
//! statements computed from the hourly rollups. No payment provider is reachable from here;
//! one would plug in beside this module, reading the statements, never inside the analytics.

#[cfg(feature = "ssr")]
pub mod backend;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub id: Uuid,
    pub name: String,
    pub monthly_request_quota: i64,
    pub price_cents: i32,
}

/// One calendar month (UTC) of usage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    /// The month's first day.
    pub month: NaiveDate,
    pub requests: i64,
    pub tokens: i64,
    /// What the AI providers charged for the month's requests.
    pub cost_usd: f64,
}

/// One service's part of a month's usage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceMonth {
    pub name: String,
    pub requests: i64,
    pub tokens: i64,
    pub cost_usd: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillingOverview {
    pub plan: Option<Plan>,
    /// The billing period: the current calendar month in UTC, `[start, end)`.
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub current: Statement,
    /// This period's requests at the pace so far, to the end of the period.
    pub projected_requests: i64,
    /// Earlier months, newest first (at most twelve).
    pub statements: Vec<Statement>,
}

/// `used` so far, extended at the same pace to the end of the period.
pub fn projection(used: i64, start: DateTime<Utc>, end: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    // Less than an hour in, the pace says little: project from one hour.
    let elapsed = (now - start).num_seconds().max(3600) as f64;
    let length = (end - start).num_seconds().max(1) as f64;
    if elapsed >= length {
        return used;
    }
    (used as f64 * length / elapsed).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn projection_extends_the_pace() {
        let start = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let tenth = Utc.with_ymd_and_hms(2026, 11, 4, 0, 0, 0).unwrap();
        assert_eq!(projection(1000, start, end, tenth), 10_000);
        assert_eq!(projection(1000, start, end, end), 1000);
        assert_eq!(projection(0, start, end, tenth), 0);
        // A minute in, the pace is taken over an hour, not extrapolated 43,200 times.
        let minute = start + chrono::Duration::minutes(1);
        assert_eq!(projection(10, start, end, minute), 7200);
    }
}
