//! The analytics queries. Everything is read from the hourly rollups (never the raw events),
//! so a 30-day view of millions of events reads a few thousand rows.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, DurationRound, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::{
    Activity, AnalyticsQuery, Breakdown, Bucket, ErrorCount, Figures, ModelUsage, Moment, Point, Series, ServiceUsage,
    Summary, ratio,
};
use crate::auth::Role;
use crate::auth::backend::Authenticated;
use crate::error::{AppError, FieldErrors};
use crate::ingest::histogram::quantile;
use crate::schema::{activity_logs, services, user_preferences};

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
}

/// Checks the query and fixes the period: preset ranges end at the end of the current hour
/// (rollups are hourly), custom ones are rounded out to whole hours.
pub async fn resolve(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    query: &AnalyticsQuery,
    now: DateTime<Utc>,
) -> Result<Window, AppError> {
    let hour = TimeDelta::hours(1);
    let end_of_hour = now.duration_trunc(hour).unwrap_or(now) + hour;
    let mut fields = FieldErrors::new();
    let tz = match &query.tz {
        Some(tz) => tz.clone(),
        None => user_timezone(conn, auth.user.id).await?,
    };
    if !known_timezones(conn).await?.contains(&tz) {
        fields.insert("tz".into(), format!("Unknown time zone {tz:?}."));
        return Err(AppError::from_fields(fields).unwrap_or(AppError::Internal));
    }
    let custom = match (query.from, query.to) {
        (Some(from), Some(to)) => Some((
            instant(conn, from, &tz, false).await?,
            instant(conn, to, &tz, true).await?,
        )),
        _ => None,
    };
    let (from, to) = match query.range.as_deref().unwrap_or("7d") {
        "24h" => (end_of_hour - Duration::hours(24), end_of_hour),
        "7d" => (end_of_hour - Duration::days(7), end_of_hour),
        "30d" => (end_of_hour - Duration::days(30), end_of_hour),
        "90d" => (end_of_hour - Duration::days(90), end_of_hour),
        "custom" => match custom {
            Some((from, to)) if from < to && to - from <= MAX_SPAN => {
                let from = from.duration_trunc(hour).unwrap_or(from);
                let to_floor = to.duration_trunc(hour).unwrap_or(to);
                (from, if to_floor < to { to_floor + hour } else { to_floor })
            }
            Some(_) => {
                fields.insert("to".into(), "to must be after from, at most 366 days later.".into());
                (now, now)
            }
            _ => {
                fields.insert(
                    "from".into(),
                    "A custom range needs both from and to (a day such as 2026-11-01, or RFC 3339).".into(),
                );
                (now, now)
            }
        },
        other => {
            fields.insert(
                "range".into(),
                format!("Unknown range {other:?}: use 24h, 7d, 30d, 90d or custom."),
            );
            (now, now)
        }
    };
    if let Some(error) = AppError::from_fields(fields) {
        return Err(error);
    }
    let service_ids = match query.service {
        Some(id) => vec![crate::services::backend::find(conn, auth, id).await?.id],
        None => visible_service_ids(conn, auth).await?,
    };
    let bucket = if to - from <= Duration::hours(48) {
        Bucket::Hour
    } else {
        Bucket::Day
    };
    Ok(Window {
        service_ids,
        from,
        to,
        bucket,
        tz,
    })
}

/// The instant a moment names: a day starts (or, as the end of a range, ends) at midnight in `tz`.
async fn instant(conn: &mut AsyncPgConnection, moment: Moment, tz: &str, end: bool) -> QueryResult<DateTime<Utc>> {
    #[derive(QueryableByName)]
    struct At {
        #[diesel(sql_type = Timestamptz)]
        at: DateTime<Utc>,
    }
    match moment {
        Moment::At(at) => Ok(at),
        Moment::Day(day) => {
            let day = if end { day.succ_opt().unwrap_or(day) } else { day };
            let at: At = diesel::sql_query("SELECT ($1::date::timestamp AT TIME ZONE $2) AS at")
                .bind::<diesel::sql_types::Date, _>(day)
                .bind::<Text, _>(tz)
                .get_result(conn)
                .await?;
            Ok(at.at)
        }
    }
}

async fn user_timezone(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<String> {
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

async fn visible_service_ids(conn: &mut AsyncPgConnection, auth: &Authenticated) -> QueryResult<Vec<Uuid>> {
    let mut query = services::table.select(services::id).into_boxed();
    if auth.user.role != Role::Admin {
        query = query.filter(services::user_id.eq(auth.user.id));
    }
    query.load(conn).await
}

#[derive(QueryableByName)]
struct Totals {
    #[diesel(sql_type = BigInt)]
    requests: i64,
    #[diesel(sql_type = BigInt)]
    errors: i64,
    #[diesel(sql_type = BigInt)]
    latency_ms_sum: i64,
    #[diesel(sql_type = BigInt)]
    tokens_in: i64,
    #[diesel(sql_type = BigInt)]
    tokens_out: i64,
    #[diesel(sql_type = BigInt)]
    cost_micros: i64,
    #[diesel(sql_type = BigInt)]
    active_services: i64,
}

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
const ROLLUPS: &str = "(SELECT service_id, bucket, requests, errors, latency_ms_sum, tokens_in, tokens_out, \
        cost_micros, latency_hist FROM metrics \
        WHERE service_id = ANY($1) AND ((bucket >= $2 AND bucket < $4) OR (bucket >= $5 AND bucket < $3)) \
    UNION ALL SELECT service_id, bucket, requests, errors, latency_ms_sum, tokens_in, tokens_out, \
        cost_micros, latency_hist FROM metrics_daily \
        WHERE service_id = ANY($1) AND bucket >= $4 AND bucket < $5) AS m";

/// The whole UTC days inside `[from, to)` as `[first, end)`, or `(to, to)` (none: every row
/// hourly) when there is none or when rows are grouped by something a UTC day may straddle
/// (hours, or days in another time zone).
fn whole_days(
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    grouping: Option<(&str, &str)>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let utc_days = match grouping {
        None => true,
        Some((unit, tz)) => unit == "day" && matches!(tz, "UTC" | "Etc/UTC"),
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
/// of `unit` in `tz`, or with no unit all into one. Added here rather than by an aggregate in
/// SQL: reading the arrays and adding them costs a tenth of PostgreSQL adding them.
async fn histograms(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    bucket: Option<(&str, &str)>,
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
        Some((unit, tz)) => {
            diesel::sql_query(format!(
                "SELECT date_trunc($6, bucket, $7) AS at, latency_hist AS histogram FROM {ROLLUPS}"
            ))
            .bind::<Array<SqlUuid>, _>(ids)
            .bind::<Timestamptz, _>(from)
            .bind::<Timestamptz, _>(to)
            .bind::<Timestamptz, _>(first_day)
            .bind::<Timestamptz, _>(end_of_days)
            .bind::<Text, _>(unit)
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

fn add_histogram(sum: &mut Vec<i64>, histogram: &[i64]) {
    if sum.len() < histogram.len() {
        sum.resize(histogram.len(), 0);
    }
    for (total, count) in sum.iter_mut().zip(histogram) {
        *total += count;
    }
}

/// The figures of `ids` in `[from, to)`; `histogram` is the window's latency histogram when the
/// caller has already added it up.
async fn figures(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    histogram: Option<Vec<i64>>,
) -> QueryResult<Figures> {
    let (first_day, end_of_days) = whole_days((from, to), None);
    let totals: Totals = diesel::sql_query(format!(
        "SELECT coalesce(sum(requests), 0)::int8 AS requests, coalesce(sum(errors), 0)::int8 AS errors, \
                coalesce(sum(latency_ms_sum), 0)::int8 AS latency_ms_sum, \
                coalesce(sum(tokens_in), 0)::int8 AS tokens_in, coalesce(sum(tokens_out), 0)::int8 AS tokens_out, \
                coalesce(sum(cost_micros), 0)::int8 AS cost_micros, \
                count(DISTINCT service_id) FILTER (WHERE requests > 0) AS active_services \
         FROM {ROLLUPS}"
    ))
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Timestamptz, _>(first_day)
    .bind::<Timestamptz, _>(end_of_days)
    .get_result(conn)
    .await?;
    let histogram = match histogram {
        Some(histogram) => histogram,
        None => histograms(conn, ids, (from, to), None)
            .await?
            .remove(&from)
            .unwrap_or_default(),
    };
    Ok(Figures {
        total_requests: totals.requests,
        errors: totals.errors,
        active_services: totals.active_services,
        avg_latency_ms: ratio(totals.latency_ms_sum, totals.requests),
        p50_latency_ms: quantile(&histogram, 0.50),
        p95_latency_ms: quantile(&histogram, 0.95),
        p99_latency_ms: quantile(&histogram, 0.99),
        success_rate: ratio(totals.requests - totals.errors, totals.requests),
        tokens_in: totals.tokens_in,
        tokens_out: totals.tokens_out,
        cost_usd: totals.cost_micros as f64 / 1_000_000.0,
    })
}

/// The figures of the window and of the period of equal length before it.
pub async fn summary(conn: &mut AsyncPgConnection, window: &Window) -> QueryResult<Summary> {
    summary_with(conn, window, None).await
}

async fn summary_with(
    conn: &mut AsyncPgConnection,
    window: &Window,
    histogram: Option<Vec<i64>>,
) -> QueryResult<Summary> {
    let ids = &window.service_ids;
    Ok(Summary {
        current: figures(conn, ids, (window.from, window.to), histogram).await?,
        previous: figures(conn, ids, window.previous(), None).await?,
        from: window.from,
        to: window.to,
    })
}

/// The summary and the series of one window, reading the window's latency histograms once.
pub async fn overview(conn: &mut AsyncPgConnection, window: &Window) -> QueryResult<(Summary, Series)> {
    let (series, histogram) = series_and_histogram(conn, window).await?;
    Ok((summary_with(conn, window, Some(histogram)).await?, series))
}

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
async fn series_and_histogram(conn: &mut AsyncPgConnection, window: &Window) -> QueryResult<(Series, Vec<i64>)> {
    let unit = match window.bucket {
        Bucket::Hour => "hour",
        Bucket::Day => "day",
    };
    let (first_day, end_of_days) = whole_days((window.from, window.to), Some((unit, &window.tz)));
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
    .bind::<Text, _>(unit)
    .load(conn)
    .await?;
    let mut histograms = histograms(
        conn,
        &window.service_ids,
        (window.from, window.to),
        Some((unit, &window.tz)),
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
    #[diesel(sql_type = SqlUuid)]
    service_id: Uuid,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    status: String,
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

#[derive(QueryableByName)]
struct ModelRow {
    #[diesel(sql_type = Text)]
    model: String,
    #[diesel(sql_type = BigInt)]
    requests: i64,
    #[diesel(sql_type = BigInt)]
    errors: i64,
    #[diesel(sql_type = BigInt)]
    tokens: i64,
    #[diesel(sql_type = BigInt)]
    cost_micros: i64,
}

#[derive(QueryableByName)]
struct ErrorRow {
    #[diesel(sql_type = Text)]
    error_kind: String,
    #[diesel(sql_type = BigInt)]
    errors: i64,
}

/// Usage per service (every service in scope, busiest first), per model, and errors by kind.
pub async fn breakdown(conn: &mut AsyncPgConnection, window: &Window) -> QueryResult<Breakdown> {
    let services: Vec<ServiceRow> = diesel::sql_query(
        "SELECT s.id AS service_id, s.name, s.kind, s.status, \
                coalesce(sum(m.requests), 0)::int8 AS requests, coalesce(sum(m.errors), 0)::int8 AS errors, \
                coalesce(sum(m.latency_ms_sum), 0)::int8 AS latency_ms_sum, \
                coalesce(sum(m.tokens_in + m.tokens_out), 0)::int8 AS tokens, \
                coalesce(sum(m.cost_micros), 0)::int8 AS cost_micros \
         FROM services s LEFT JOIN metrics m ON m.service_id = s.id AND m.bucket >= $2 AND m.bucket < $3 \
         WHERE s.id = ANY($1) GROUP BY s.id ORDER BY requests DESC, s.name",
    )
    .bind::<Array<SqlUuid>, _>(&window.service_ids)
    .bind::<Timestamptz, _>(window.from)
    .bind::<Timestamptz, _>(window.to)
    .load(conn)
    .await?;
    let models: Vec<ModelRow> = diesel::sql_query(
        "SELECT model, sum(requests)::int8 AS requests, sum(errors)::int8 AS errors, \
                sum(tokens_in + tokens_out)::int8 AS tokens, sum(cost_micros)::int8 AS cost_micros \
         FROM metrics_by_model WHERE service_id = ANY($1) AND bucket >= $2 AND bucket < $3 \
         GROUP BY model ORDER BY requests DESC, model LIMIT 50",
    )
    .bind::<Array<SqlUuid>, _>(&window.service_ids)
    .bind::<Timestamptz, _>(window.from)
    .bind::<Timestamptz, _>(window.to)
    .load(conn)
    .await?;
    let errors: Vec<ErrorRow> = diesel::sql_query(
        "SELECT error_kind, sum(errors)::int8 AS errors FROM metrics_by_error \
         WHERE service_id = ANY($1) AND bucket >= $2 AND bucket < $3 \
         GROUP BY error_kind ORDER BY errors DESC, error_kind LIMIT 50",
    )
    .bind::<Array<SqlUuid>, _>(&window.service_ids)
    .bind::<Timestamptz, _>(window.from)
    .bind::<Timestamptz, _>(window.to)
    .load(conn)
    .await?;
    Ok(Breakdown {
        services: services
            .into_iter()
            .map(|r| ServiceUsage {
                service_id: r.service_id,
                name: r.name,
                kind: r.kind,
                status: r.status,
                requests: r.requests,
                errors: r.errors,
                success_rate: ratio(r.requests - r.errors, r.requests),
                avg_latency_ms: ratio(r.latency_ms_sum, r.requests),
                tokens: r.tokens,
                cost_usd: r.cost_micros as f64 / 1_000_000.0,
            })
            .collect(),
        models: models
            .into_iter()
            .map(|r| ModelUsage {
                model: r.model,
                requests: r.requests,
                errors: r.errors,
                tokens: r.tokens,
                cost_usd: r.cost_micros as f64 / 1_000_000.0,
            })
            .collect(),
        errors: errors
            .into_iter()
            .map(|r| ErrorCount {
                error_kind: r.error_kind,
                errors: r.errors,
            })
            .collect(),
    })
}

/// The user's latest activity (their own actions; an admin sees only theirs too).
pub async fn recent_activity(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    service: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<Activity>> {
    let mut query = activity_logs::table
        .left_join(services::table)
        .filter(activity_logs::user_id.eq(auth.user.id))
        .into_boxed();
    if let Some(id) = service {
        query = query.filter(activity_logs::service_id.eq(id));
    }
    let rows: Vec<(DateTime<Utc>, String, Option<String>, serde_json::Value)> = query
        .order(activity_logs::created_at.desc())
        .limit(limit.clamp(1, 100))
        .select((
            activity_logs::created_at,
            activity_logs::action,
            services::name.nullable(),
            activity_logs::detail,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(at, action, service_name, detail)| Activity {
            at,
            action,
            service_name,
            detail,
        })
        .collect())
}
