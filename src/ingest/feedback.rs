//! `POST /api/v1/feedback`: an end user's rating of an answer already ingested. The last rating
//! wins; the rollups count each rated event once, moving its count when the rating changes.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, SmallInt, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::validate::Feedback;
use crate::changes::announce;
use crate::error::AppError;
use crate::schema::{metrics, metrics_daily, metrics_minute};

const MAX_COMMENT_CHARS: usize = 1_000;

/// A rating as sent: `{event_id, feedback, comment?}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRating {
    event_id: String,
    feedback: i64,
    comment: Option<String>,
}

/// A rating that passed every check.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Rating {
    /// The `id` the event was sent with.
    #[schema(min_length = 1, max_length = 128)]
    pub event_id: String,
    /// -1, 0 or 1: thumbs down, neutral, thumbs up.
    #[serde(serialize_with = "as_number")]
    #[schema(value_type = i8, minimum = -1, maximum = 1)]
    pub feedback: Feedback,
    /// Up to 1,000 characters; line breaks allowed.
    #[schema(max_length = 1000)]
    pub comment: Option<String>,
}

fn as_number<S: serde::Serializer>(feedback: &Feedback, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_i8(*feedback as i8)
}

/// Reads and checks a request body, with a message naming the field at fault.
pub fn rating(body: &[u8]) -> Result<Rating, AppError> {
    let raw: RawRating = serde_json::from_slice(body)
        .map_err(|e| AppError::BadRequest(format!("The body is not a valid rating: {e}")))?;
    if raw.event_id.is_empty() || raw.event_id.chars().count() > 128 {
        return Err(AppError::field(
            "event_id",
            "event_id must be a string of 1 to 128 characters.",
        ));
    }
    let feedback = Feedback::from_number(raw.feedback, "feedback").map_err(|m| AppError::field("feedback", m))?;
    // A comment may have several lines, nothing else invisible.
    let comment = raw.comment.filter(|c| !c.trim().is_empty());
    if let Some(comment) = &comment {
        if comment.chars().count() > MAX_COMMENT_CHARS {
            return Err(AppError::field(
                "comment",
                format!("comment must be at most {MAX_COMMENT_CHARS} characters."),
            ));
        }
        if comment.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(AppError::field("comment", "comment must not hold control characters."));
        }
    }
    Ok(Rating {
        event_id: raw.event_id,
        feedback,
        comment,
    })
}

#[derive(QueryableByName)]
struct Rated {
    #[diesel(sql_type = Timestamptz)]
    occurred_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<SmallInt>)]
    feedback: Option<i16>,
}

/// Records `rating` on the service's event and moves its count in the hour, day and minute
/// rollups; an unknown event (or another service's) is `NotFound`. An event id sent twice with two
/// times is one event: the earliest row is the one rated.
pub async fn record(conn: &mut AsyncPgConnection, service_id: Uuid, rating: &Rating) -> Result<(), AppError> {
    conn.transaction(async |conn| {
        let rated: Rated = diesel::sql_query(
            "SELECT occurred_at, feedback FROM events WHERE service_id = $1 AND event_id = $2 \
             ORDER BY occurred_at LIMIT 1 FOR UPDATE",
        )
        .bind::<diesel::sql_types::Uuid, _>(service_id)
        .bind::<Text, _>(&rating.event_id)
        .get_result(conn)
        .await
        .optional()?
        .ok_or(AppError::NotFound)?;
        diesel::sql_query(
            "UPDATE events SET feedback = $4, feedback_comment = $5 \
             WHERE service_id = $1 AND event_id = $2 AND occurred_at = $3",
        )
        .bind::<diesel::sql_types::Uuid, _>(service_id)
        .bind::<Text, _>(&rating.event_id)
        .bind::<Timestamptz, _>(rated.occurred_at)
        .bind::<SmallInt, _>(rating.feedback as i16)
        .bind::<Nullable<Text>, _>(rating.comment.as_deref())
        .execute(conn)
        .await?;
        let (before, after) = (rated.feedback, Some(rating.feedback as i16));
        if before != after {
            recount(conn, service_id, rated.occurred_at, before, after).await?;
            announce(conn, service_id).await?;
        }
        Ok(())
    })
    .await
}

/// Moves one event's rating in its rollups from `before` to `after`.
async fn recount(
    conn: &mut AsyncPgConnection,
    service_id: Uuid,
    at: DateTime<Utc>,
    before: Option<i16>,
    after: Option<i16>,
) -> QueryResult<()> {
    let change = |counts: fn(Option<i16>) -> bool| i64::from(counts(after)) - i64::from(counts(before));
    let rated = change(|f| f.is_some());
    let positive = change(|f| f == Some(1));
    let negative = change(|f| f == Some(-1));
    let bucket = |unit: chrono::TimeDelta| chrono::DurationRound::duration_trunc(at, unit).unwrap_or(at);
    macro_rules! move_rating {
        ($table:ident, $bucket:expr) => {
            diesel::update($table::table.find((service_id, $bucket)))
                .set((
                    $table::rated.eq($table::rated + rated),
                    $table::positive.eq($table::positive + positive),
                    $table::negative.eq($table::negative + negative),
                ))
                .execute(conn)
                .await?
        };
    }
    move_rating!(metrics, bucket(chrono::TimeDelta::hours(1)));
    move_rating!(metrics_daily, bucket(chrono::TimeDelta::days(1)));
    // The minute rollups only hold the last two days: an older event has no row there.
    move_rating!(metrics_minute, bucket(chrono::TimeDelta::minutes(1)));
    Ok(())
}
