//! The rollup rows a window reads, and the latency histograms added up from them.

use std::collections::HashMap;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::Bucket;

#[derive(QueryableByName)]
struct HistogramRow {
    #[diesel(sql_type = Timestamptz)]
    at: DateTime<Utc>,
    #[diesel(sql_type = Array<Nullable<BigInt>>)]
    histogram: Vec<Option<i64>>,
}

/// The rollup rows of a window: its whole UTC days from `metrics_daily`, the hours before and
/// after them from `metrics` (a 30-day window reads about 30 rows a service instead of 720).
/// Binds $1 the service ids, $2 and $3 the window, $4 and $5 the whole days (see [`whole_days`]).
pub(super) const ROLLUPS: &str = "(SELECT service_id, bucket, requests, errors, latency_ms_sum, tokens_in, tokens_out, \
        cost_micros, latency_hist, conversations, turns, rated, positive, negative, duration_ms_sum FROM metrics \
        WHERE service_id = ANY($1) AND ((bucket >= $2 AND bucket < $4) OR (bucket >= $5 AND bucket < $3)) \
    UNION ALL SELECT service_id, bucket, requests, errors, latency_ms_sum, tokens_in, tokens_out, \
        cost_micros, latency_hist, conversations, turns, rated, positive, negative, duration_ms_sum FROM metrics_daily \
        WHERE service_id = ANY($1) AND bucket >= $4 AND bucket < $5) AS m";

/// The end users of a window, as [`ROLLUPS`] splits it: `end_users_daily` for its whole UTC
/// days, `end_users_hourly` for the hours at its edges. The same binds.
pub(super) const END_USERS: &str = "(SELECT service_id, end_user, requests, errors, cost_micros FROM end_users_hourly \
        WHERE service_id = ANY($1) AND ((bucket >= $2 AND bucket < $4) OR (bucket >= $5 AND bucket < $3)) \
    UNION ALL SELECT service_id, end_user, requests, errors, cost_micros FROM end_users_daily \
        WHERE service_id = ANY($1) AND bucket >= $4 AND bucket < $5) AS u";

/// The sets of end users of a window, split as [`ROLLUPS`]: a service and an array of numbers a
/// row. The same binds.
pub(super) const END_USER_SETS: &str = "(SELECT service_id, end_users FROM end_user_sets_hourly \
        WHERE service_id = ANY($1) AND ((bucket >= $2 AND bucket < $4) OR (bucket >= $5 AND bucket < $3)) \
    UNION ALL SELECT service_id, end_users FROM end_user_sets_daily \
        WHERE service_id = ANY($1) AND bucket >= $4 AND bucket < $5) AS s";

/// The whole UTC days inside `[from, to)` as `[first, end)`, or `(to, to)` (none: every row
/// hourly) when there is none or when rows are grouped by something a UTC day may straddle
/// (hours, or days in another time zone).
pub(super) fn whole_days(
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    grouping: Option<(Bucket, &str)>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let utc_days = match grouping {
        None => true,
        Some((bucket, tz)) => bucket == Bucket::Day && matches!(tz, "UTC" | "Etc/UTC"),
    };
    let midnight = |t: DateTime<Utc>| t.duration_trunc(TimeDelta::days(1)).unwrap_or(t);
    let first = if midnight(from) == from {
        from
    } else {
        midnight(from) + TimeDelta::days(1)
    };
    let end = midnight(to);
    if utc_days && first < end {
        (first, end)
    } else {
        (to, to)
    }
}

/// The latency histograms of the rollup rows in scope, added up per `at`: the hour or local day
/// of `bucket` in `tz`, or with no bucket all into one. Added here rather than by an aggregate in
/// SQL: reading the arrays and adding them costs a tenth of PostgreSQL adding them.
pub(super) async fn histograms(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    bucket: Option<(Bucket, &str)>,
) -> QueryResult<HashMap<DateTime<Utc>, Vec<i64>>> {
    let (first_day, end_of_days) = whole_days((from, to), bucket);
    let rows: Vec<HistogramRow> = match bucket {
        None => {
            diesel::sql_query(format!("SELECT $2 AS at, latency_hist AS histogram FROM {ROLLUPS}"))
                .bind::<Array<SqlUuid>, _>(ids)
                .bind::<Timestamptz, _>(from)
                .bind::<Timestamptz, _>(to)
                .bind::<Timestamptz, _>(first_day)
                .bind::<Timestamptz, _>(end_of_days)
                .load(conn)
                .await?
        }
        Some((bucket, tz)) => {
            diesel::sql_query(format!(
                "SELECT date_trunc($6, bucket, $7) AS at, latency_hist AS histogram FROM {ROLLUPS}"
            ))
            .bind::<Array<SqlUuid>, _>(ids)
            .bind::<Timestamptz, _>(from)
            .bind::<Timestamptz, _>(to)
            .bind::<Timestamptz, _>(first_day)
            .bind::<Timestamptz, _>(end_of_days)
            .bind::<Text, _>(bucket.as_str())
            .bind::<Text, _>(tz)
            .load(conn)
            .await?
        }
    };
    let mut sums: HashMap<DateTime<Utc>, Vec<i64>> = HashMap::new();
    for row in rows {
        let counts: Vec<i64> = row.histogram.into_iter().map(Option::unwrap_or_default).collect();
        add_histogram(sums.entry(row.at).or_default(), &counts);
    }
    Ok(sums)
}

/// Adds `histogram` into `sum`, element by element (the alerts add minute rollups with it).
pub(crate) fn add_histogram(sum: &mut Vec<i64>, histogram: &[i64]) {
    if sum.len() < histogram.len() {
        sum.resize(histogram.len(), 0);
    }
    for (total, count) in sum.iter_mut().zip(histogram) {
        *total += count;
    }
}
