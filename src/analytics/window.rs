//! A query resolved into a window: the services in scope, the period, the buckets.

use std::collections::HashSet;

use chrono::{DateTime, DurationRound, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::{AnalyticsQuery, Bucket, Moment};
use crate::auth::Authenticated;
use crate::auth::Role;
use crate::error::AppError;
use crate::schema::{services, user_preferences};

/// The longest custom range.
const MAX_SPAN: TimeDelta = TimeDelta::days(366);

/// A resolved query: the services in scope, the period and its predecessor, the buckets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Window {
    pub service_ids: Vec<Uuid>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub bucket: Bucket,
    pub tz: String,
}

impl Window {
    pub fn previous(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (self.from - (self.to - self.from), self.from)
    }

    /// The same services on the same clock over the preset `length` (a widget's own period).
    pub fn over(&self, length: TimeDelta, now: DateTime<Utc>) -> Window {
        let (from, to) = last(length, now);
        Window {
            service_ids: self.service_ids.clone(),
            from,
            to,
            bucket: bucket(from, to),
            tz: self.tz.clone(),
        }
    }
}

/// A preset period: `length` up to the end of the current hour (rollups are hourly).
fn last(length: TimeDelta, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let hour = TimeDelta::hours(1);
    let end_of_hour = now.duration_trunc(hour).unwrap_or(now) + hour;
    (end_of_hour - length, end_of_hour)
}

/// Hours for up to two days, days beyond.
fn bucket(from: DateTime<Utc>, to: DateTime<Utc>) -> Bucket {
    match to - from <= TimeDelta::hours(48) {
        true => Bucket::Hour,
        false => Bucket::Day,
    }
}

/// Checks the query and fixes the period: preset ranges end at the end of the current hour
/// (rollups are hourly), custom ones are rounded out to whole hours. A service that is not the
/// user's is `NotFound`.
pub async fn resolve(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    query: &AnalyticsQuery,
    now: DateTime<Utc>,
) -> Result<Window, AppError> {
    let hour = TimeDelta::hours(1);
    let tz = match &query.tz {
        Some(tz) => tz.clone(),
        None => user_timezone(conn, auth.user.id).await?,
    };
    if !known_timezones(conn).await?.contains(&tz) {
        return Err(AppError::field("tz", format!("Unknown time zone {tz:?}.")));
    }
    let (from, to) = match (query.range.length(), query.from, query.to) {
        (Some(length), ..) => last(length, now),
        (None, Some(from), Some(to)) => {
            let (from, to) = (
                instant(conn, from, &tz, false).await?,
                instant(conn, to, &tz, true).await?,
            );
            if from >= to || to - from > MAX_SPAN {
                return Err(AppError::field("to", "to must be after from, at most 366 days later."));
            }
            let from = from.duration_trunc(hour).unwrap_or(from);
            let to_floor = to.duration_trunc(hour).unwrap_or(to);
            (from, if to_floor < to { to_floor + hour } else { to_floor })
        }
        (None, ..) => {
            return Err(AppError::field(
                "from",
                "A custom range needs both from and to (a day such as 2026-11-01, or RFC 3339).",
            ));
        }
    };
    let service_ids = service_ids(conn, auth, query.service).await?;
    if query.service.is_some() && service_ids.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(Window {
        service_ids,
        from,
        to,
        bucket: bucket(from, to),
        tz,
    })
}

/// The instant a moment names: a day starts (or, as the end of a range, ends) at midnight in `tz`.
pub async fn instant(conn: &mut AsyncPgConnection, moment: Moment, tz: &str, end: bool) -> QueryResult<DateTime<Utc>> {
    match moment {
        Moment::At(at) => Ok(at),
        Moment::Day(day) => {
            let day = if end { day.succ_opt().unwrap_or(day) } else { day };
            local_instant(conn, day.and_time(NaiveTime::MIN), tz).await
        }
    }
}

/// The instant a time on the clock of `tz` names (PostgreSQL's reading of a time a change of
/// clocks skips or repeats).
pub async fn local_instant(conn: &mut AsyncPgConnection, local: NaiveDateTime, tz: &str) -> QueryResult<DateTime<Utc>> {
    #[derive(QueryableByName)]
    struct At {
        #[diesel(sql_type = Timestamptz)]
        at: DateTime<Utc>,
    }
    let at: At = diesel::sql_query("SELECT ($1::timestamp AT TIME ZONE $2) AS at")
        .bind::<diesel::sql_types::Timestamp, _>(local)
        .bind::<Text, _>(tz)
        .get_result(conn)
        .await?;
    Ok(at.at)
}

/// The user's time zone preference (`UTC` until set).
pub async fn user_timezone(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<String> {
    Ok(user_preferences::table
        .find(user_id)
        .select(user_preferences::timezone)
        .first(conn)
        .await
        .optional()?
        .unwrap_or_else(|| "UTC".to_owned()))
}

/// PostgreSQL's time zone names, read once (the view is slow to scan).
pub async fn known_timezones(conn: &mut AsyncPgConnection) -> QueryResult<&'static HashSet<String>> {
    static NAMES: OnceCell<HashSet<String>> = OnceCell::const_new();
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    NAMES
        .get_or_try_init(|| async {
            let names: Vec<Name> = diesel::sql_query("SELECT name FROM pg_timezone_names")
                .load(conn)
                .await?;
            Ok(names.into_iter().map(|n| n.name).collect())
        })
        .await
}

/// The services in scope: `only` if the user may see it, else every one they may see (their
/// own, or all for an admin).
async fn service_ids(conn: &mut AsyncPgConnection, auth: &Authenticated, only: Option<Uuid>) -> QueryResult<Vec<Uuid>> {
    let mut query = services::table.select(services::id).into_boxed();
    if auth.user.role != Role::Admin {
        query = query.filter(services::user_id.eq(auth.user.id));
    }
    if let Some(id) = only {
        query = query.filter(services::id.eq(id));
    }
    query.load(conn).await
}
