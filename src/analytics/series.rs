//! The time series of a window: one point per hour or local day.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::histogram::quantile;
use super::rollups::{ROLLUPS, add_histogram, histograms, whole_days};
use super::window::Window;
use super::{Point, Series, ServiceSeries, Totals};

#[derive(QueryableByName)]
struct SeriesRow {
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    local: chrono::NaiveDateTime,
    #[diesel(sql_type = Timestamptz)]
    at: DateTime<Utc>,
    #[diesel(sql_type = BigInt)]
    requests: i64,
    #[diesel(sql_type = BigInt)]
    errors: i64,
}

/// Requests, errors and latency per hour or per local day, every bucket present (zeros included).
/// Days are counted in the window's time zone, daylight-saving changes included.
pub async fn series(conn: &mut AsyncPgConnection, window: &Window) -> QueryResult<Series> {
    Ok(series_and_histogram(conn, window).await?.0)
}

/// The series, and the whole window's latency histogram (the sum of the buckets').
pub(super) async fn series_and_histogram(
    conn: &mut AsyncPgConnection,
    window: &Window,
) -> QueryResult<(Series, Vec<i64>)> {
    let bucket = window.bucket;
    let (first_day, end_of_days) = whole_days((window.from, window.to), Some((bucket, &window.tz)));
    let rows: Vec<SeriesRow> = diesel::sql_query(format!(
        "WITH slots AS ( \
             SELECT s AT TIME ZONE $6 AS at \
             FROM generate_series(date_trunc($7, $2 AT TIME ZONE $6), ($3 - interval '1 microsecond') AT TIME ZONE $6, \
                                  ('1 ' || $7)::interval) AS s \
         ), sums AS ( \
             SELECT date_trunc($7, bucket, $6) AS at, sum(requests)::int8 AS requests, sum(errors)::int8 AS errors \
             FROM {ROLLUPS} GROUP BY 1 \
         ) \
         SELECT slots.at, slots.at AT TIME ZONE $6 AS local, coalesce(sums.requests, 0)::int8 AS requests, coalesce(sums.errors, 0)::int8 AS errors \
         FROM slots LEFT JOIN sums USING (at) ORDER BY slots.at"
    ))
    .bind::<Array<SqlUuid>, _>(&window.service_ids)
    .bind::<Timestamptz, _>(window.from)
    .bind::<Timestamptz, _>(window.to)
    .bind::<Timestamptz, _>(first_day)
    .bind::<Timestamptz, _>(end_of_days)
    .bind::<Text, _>(&window.tz)
    .bind::<Text, _>(bucket.as_str())
    .load(conn)
    .await?;
    let mut histograms = histograms(
        conn,
        &window.service_ids,
        (window.from, window.to),
        Some((bucket, &window.tz)),
    )
    .await?;
    let mut total: Vec<i64> = Vec::new();
    let points = rows
        .into_iter()
        .map(|row| {
            let histogram = histograms.remove(&row.at).unwrap_or_default();
            add_histogram(&mut total, &histogram);
            Point {
                at: row.at,
                local: row.local,
                requests: row.requests,
                errors: row.errors,
                p50_latency_ms: quantile(&histogram, 0.50),
                p95_latency_ms: quantile(&histogram, 0.95),
            }
        })
        .collect();
    let series = Series {
        bucket: window.bucket,
        tz: window.tz.clone(),
        points,
    };
    Ok((series, total))
}

#[derive(QueryableByName)]
struct ServiceRow {
    #[diesel(sql_type = Timestamptz)]
    at: DateTime<Utc>,
    #[diesel(sql_type = SqlUuid)]
    service_id: uuid::Uuid,
    #[diesel(sql_type = BigInt)]
    requests: i64,
    #[diesel(sql_type = BigInt)]
    errors: i64,
    #[diesel(sql_type = BigInt)]
    latency_ms_sum: i64,
    #[diesel(sql_type = BigInt)]
    tokens: i64,
    #[diesel(sql_type = BigInt)]
    cost_micros: i64,
}

/// Each service's totals per point of `series` (the window's): for the widgets that draw some
/// services alone, or a figure the series has no points of. One query for all of them.
pub async fn per_service(
    conn: &mut AsyncPgConnection,
    window: &Window,
    series: &Series,
) -> QueryResult<Vec<ServiceSeries>> {
    let (first_day, end_of_days) = whole_days((window.from, window.to), Some((window.bucket, &window.tz)));
    let rows: Vec<ServiceRow> = diesel::sql_query(format!(
        "SELECT date_trunc($7, bucket, $6) AS at, service_id, sum(requests)::int8 AS requests, \
                sum(errors)::int8 AS errors, sum(latency_ms_sum)::int8 AS latency_ms_sum, \
                sum(tokens_in + tokens_out)::int8 AS tokens, sum(cost_micros)::int8 AS cost_micros \
         FROM {ROLLUPS} GROUP BY 1, 2"
    ))
    .bind::<Array<SqlUuid>, _>(&window.service_ids)
    .bind::<Timestamptz, _>(window.from)
    .bind::<Timestamptz, _>(window.to)
    .bind::<Timestamptz, _>(first_day)
    .bind::<Timestamptz, _>(end_of_days)
    .bind::<Text, _>(&window.tz)
    .bind::<Text, _>(window.bucket.as_str())
    .load(conn)
    .await?;
    let slot: std::collections::HashMap<DateTime<Utc>, usize> =
        series.points.iter().enumerate().map(|(i, p)| (p.at, i)).collect();
    let mut by_service: Vec<ServiceSeries> = Vec::new();
    for row in rows {
        let Some(&i) = slot.get(&row.at) else { continue };
        let index = match by_service.iter().position(|s| s.service_id == row.service_id) {
            Some(index) => index,
            None => {
                by_service.push(ServiceSeries {
                    service_id: row.service_id,
                    points: vec![Totals::default(); series.points.len()],
                });
                by_service.len() - 1
            }
        };
        by_service[index].points[i] = Totals {
            requests: row.requests,
            errors: row.errors,
            latency_ms_sum: row.latency_ms_sum,
            tokens: row.tokens,
            cost_micros: row.cost_micros,
        };
    }
    Ok(by_service)
}
