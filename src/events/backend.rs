//! The explorer's operations: the filters checked, and the queries over the partitioned
//! `events` table. A page is a keyset read on (occurred_at DESC, event_id DESC) after the
//! cursor, never an OFFSET, through `events_service_time` or the per-filter indexes of
//! migration `2026-12-01-000014_event_explorer`.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::filter::{Cursor, Filter};
use super::{CONVERSATION_EVENTS, Conversation, EventDetail, EventFilters, EventList, EventRow, Explored, PAGE_SIZE};
use crate::analytics::window::{known_timezones, user_timezone};
use crate::auth::Authenticated;
use crate::error::AppError;
use crate::schema::events;

define_sql_function!(
    /// PostgreSQL's `timezone(zone, instant)`: the instant on the clock of `zone`.
    fn timezone(zone: Text, at: Timestamptz) -> Timestamp
);

/// A row as the explorer reads it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = events, check_for_backend(diesel::pg::Pg))]
struct Record {
    event_id: String,
    occurred_at: DateTime<Utc>,
    latency_ms: i32,
    success: bool,
    error_kind: Option<String>,
    model: Option<String>,
    tokens_in: i32,
    tokens_out: i32,
    cost_micros: i64,
    end_user: Option<String>,
    conversation_id: Option<String>,
    channel: Option<String>,
    duration_ms: Option<i32>,
    feedback: Option<i16>,
}

impl Record {
    fn into_row(self, local_time: NaiveDateTime) -> EventRow {
        EventRow {
            event_id: self.event_id,
            occurred_at: self.occurred_at,
            local_time,
            latency_ms: self.latency_ms,
            success: self.success,
            error_kind: self.error_kind,
            model: self.model,
            tokens_in: self.tokens_in,
            tokens_out: self.tokens_out,
            cost_usd: crate::analytics::usd(self.cost_micros),
            end_user: self.end_user,
            conversation_id: self.conversation_id,
            channel: self.channel,
            duration_ms: self.duration_ms,
            feedback: self.feedback,
        }
    }
}

/// The service's name if `auth` may see it (its owner, or an admin); else `NotFound`, as for
/// a service that does not exist.
async fn service_name(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    service_id: Uuid,
) -> Result<String, AppError> {
    Ok(crate::services::backend::find(conn, auth, service_id).await?.name)
}

/// The user's time zone, as every local time here is written.
async fn time_zone(conn: &mut AsyncPgConnection, auth: &Authenticated) -> Result<String, AppError> {
    let tz = user_timezone(conn, auth.user.id).await?;
    // A zone PostgreSQL no longer knows would fail every query: such times are written in UTC.
    Ok(if known_timezones(conn).await?.contains(&tz) {
        tz
    } else {
        "UTC".to_owned()
    })
}

/// One page of a service's events, newest first, after `filters.cursor`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    service_id: Uuid,
    filters: &EventFilters,
    now: DateTime<Utc>,
) -> Result<Explored<EventList>, AppError> {
    let service_name = service_name(conn, auth, service_id).await?;
    let tz = time_zone(conn, auth).await?;
    let filter = Filter::parse(conn, filters, &tz, now).await?;
    let mut query = events::table
        .filter(events::service_id.eq(service_id))
        .select((Record::as_select(), timezone(tz.clone(), events::occurred_at)))
        .order((events::occurred_at.desc(), events::event_id.desc()))
        .limit(PAGE_SIZE as i64 + 1)
        .into_boxed();
    if let Some(from) = filter.from {
        query = query.filter(events::occurred_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(events::occurred_at.lt(to));
    }
    if let Some(success) = filter.success {
        query = query.filter(events::success.eq(success));
    }
    if let Some(kind) = filter.error_kind {
        query = query.filter(events::error_kind.eq(kind));
    }
    if let Some(model) = filter.model {
        query = query.filter(events::model.eq(model));
    }
    if let Some(end_user) = filter.end_user {
        query = query.filter(events::end_user.eq(end_user));
    }
    if let Some(conversation) = filter.conversation {
        query = query.filter(events::conversation_id.eq(conversation));
    }
    if let Some(channel) = filter.channel {
        query = query.filter(events::channel.eq(channel));
    }
    match filter.feedback {
        Some(Some(feedback)) => query = query.filter(events::feedback.eq(feedback)),
        Some(None) => query = query.filter(events::feedback.is_null()),
        None => {}
    }
    if let Some(cursor) = filter.cursor {
        // The first condition alone is what the index can seek to; the second settles ties.
        query = query.filter(events::occurred_at.le(cursor.occurred_at)).filter(
            events::occurred_at
                .lt(cursor.occurred_at)
                .or(events::event_id.lt(cursor.event_id)),
        );
    }
    let mut rows: Vec<(Record, NaiveDateTime)> = query.load(conn).await?;
    let more = rows.len() > PAGE_SIZE;
    rows.truncate(PAGE_SIZE);
    let next_cursor = more
        .then(|| rows.last())
        .flatten()
        .map(|(last, _)| Cursor {
            occurred_at: last.occurred_at,
            event_id: last.event_id.clone(),
        })
        .map(|cursor| cursor.encode());
    Ok(Explored {
        service_name,
        data: EventList {
            events: rows.into_iter().map(|(record, local)| record.into_row(local)).collect(),
            next_cursor,
            tz,
        },
    })
}

/// One event whole. An id is unique per service; were two rows to share one (sent with two
/// timestamps), the earliest is the event.
pub async fn find(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    service_id: Uuid,
    event_id: &str,
) -> Result<Explored<EventDetail>, AppError> {
    let service_name = service_name(conn, auth, service_id).await?;
    let tz = time_zone(conn, auth).await?;
    let (record, local, received_at, feedback_comment): (Record, NaiveDateTime, DateTime<Utc>, Option<String>) =
        events::table
            .filter(events::service_id.eq(service_id))
            .filter(events::event_id.eq(event_id))
            .select((
                Record::as_select(),
                timezone(tz.clone(), events::occurred_at),
                events::received_at,
                events::feedback_comment,
            ))
            .order(events::occurred_at.asc())
            .first(conn)
            .await?;
    Ok(Explored {
        service_name,
        data: EventDetail {
            event: record.into_row(local),
            received_at,
            feedback_comment,
            tz,
        },
    })
}

/// One conversation: its totals over all its events, and its first events oldest first.
pub async fn conversation(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    service_id: Uuid,
    conversation_id: &str,
) -> Result<Explored<Conversation>, AppError> {
    let service_name = service_name(conn, auth, service_id).await?;
    let tz = time_zone(conn, auth).await?;
    #[derive(QueryableByName)]
    struct Totals {
        #[diesel(sql_type = BigInt)]
        turns: i64,
        #[diesel(sql_type = Nullable<Timestamptz>)]
        started_at: Option<DateTime<Utc>>,
        #[diesel(sql_type = Nullable<Timestamptz>)]
        ended_at: Option<DateTime<Utc>>,
        #[diesel(sql_type = Nullable<BigInt>)]
        duration_ms: Option<i64>,
        #[diesel(sql_type = BigInt)]
        cost_micros: i64,
        #[diesel(sql_type = BigInt)]
        tokens_in: i64,
        #[diesel(sql_type = BigInt)]
        tokens_out: i64,
        #[diesel(sql_type = BigInt)]
        errors: i64,
        #[diesel(sql_type = Array<Text>)]
        end_users: Vec<String>,
        #[diesel(sql_type = Array<Text>)]
        channels: Vec<String>,
    }
    let totals: Totals = diesel::sql_query(
        "SELECT count(*) AS turns, min(occurred_at) AS started_at, max(occurred_at) AS ended_at, \
                sum(duration_ms)::bigint AS duration_ms, coalesce(sum(cost_micros), 0)::bigint AS cost_micros, \
                coalesce(sum(tokens_in), 0)::bigint AS tokens_in, coalesce(sum(tokens_out), 0)::bigint AS tokens_out, \
                count(*) FILTER (WHERE NOT success) AS errors, \
                coalesce(array_agg(DISTINCT end_user) FILTER (WHERE end_user IS NOT NULL), '{}') AS end_users, \
                coalesce(array_agg(DISTINCT channel) FILTER (WHERE channel IS NOT NULL), '{}') AS channels \
         FROM events WHERE service_id = $1 AND conversation_id = $2",
    )
    .bind::<diesel::sql_types::Uuid, _>(service_id)
    .bind::<Text, _>(conversation_id)
    .get_result(conn)
    .await?;
    let (Some(started_at), Some(ended_at)) = (totals.started_at, totals.ended_at) else {
        return Err(AppError::NotFound);
    };
    let rows: Vec<(Record, NaiveDateTime)> = events::table
        .filter(events::service_id.eq(service_id))
        .filter(events::conversation_id.eq(conversation_id))
        .select((Record::as_select(), timezone(tz.clone(), events::occurred_at)))
        .order((events::occurred_at.asc(), events::event_id.asc()))
        .limit(CONVERSATION_EVENTS)
        .load(conn)
        .await?;
    Ok(Explored {
        service_name,
        data: Conversation {
            conversation_id: conversation_id.to_owned(),
            turns: totals.turns,
            started_at,
            ended_at,
            span_ms: (ended_at - started_at).num_milliseconds(),
            duration_ms: totals.duration_ms,
            cost_usd: crate::analytics::usd(totals.cost_micros),
            tokens_in: totals.tokens_in,
            tokens_out: totals.tokens_out,
            errors: totals.errors,
            end_users: totals.end_users,
            channels: totals.channels,
            events: rows.into_iter().map(|(record, local)| record.into_row(local)).collect(),
            tz,
        },
    })
}
