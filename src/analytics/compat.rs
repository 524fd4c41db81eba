//! The original portal's analytics API, so that a front end written against its contract works
//! unchanged: `/api/analytics/{metrics,activity,service-usage}` and `/api/services/{id}/metrics`,
//! camelCase names, success rates in percent, latencies in milliseconds. The same auth as
//! `/api/v1/*`, and the same figures: each answer is computed by the v1 API's own code for the
//! same window.

use axum::Json;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::Method;
use axum::http::request::Parts;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Date, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::params::Params;
use super::{AnalyticsQuery, Bucket, Figures, Moment, Range, ServiceUsage, breakdown, series, summary, window};
use crate::auth::guard::CurrentUser;
use crate::error::{AppError, ErrorBody};
use crate::server::routes::Routes;
use crate::server::state::AppState;
use crate::services::{ServiceKind, ServiceStatus};

pub const TAG: &str = "compatibility";

/// The longest `days` of the activity: a year (366 local days can be longer than the
/// analytics' 366 × 24 hours across a daylight-saving change).
pub const MAX_DAYS: i64 = 365;

pub fn routes() -> Routes {
    Routes::new()
        .route(Method::GET, "/api/analytics/metrics", metrics)
        .route(Method::GET, "/api/analytics/activity", activity)
        .route(Method::GET, "/api/analytics/service-usage", service_usage)
        .route(Method::GET, "/api/services/{id}/metrics", service_metrics)
}

/// The headline figures of the window.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"totalRequests": 1200, "activeServices": 3, "avgResponseTime": 412.5, "successRate": 96.5}))]
pub struct Metrics {
    pub total_requests: i64,
    /// Services with at least one request in the window.
    pub active_services: i64,
    /// Milliseconds; `null` without requests.
    pub avg_response_time: Option<f64>,
    /// Percent (96.5 is 96.5 %); `null` without requests.
    pub success_rate: Option<f64>,
}

/// The requests of one local day.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"day": "2026-11-16", "requests": 180}))]
pub struct DayActivity {
    /// The day in the user's time zone (`YYYY-MM-DD`).
    pub day: NaiveDate,
    pub requests: i64,
}

/// One service's usage in the window.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"serviceId": "0b7c6f5e-8f7a-4d0e-9c55-2f1f8a0d6b11", "name": "Support Chatbot", "kind": "chatbot",
    "status": "active", "requests": 800, "errors": 28, "successRate": 96.5, "avgResponseTime": 380.0, "tokens": 512000, "costUsd": 1.92}))]
pub struct ServiceUsageItem {
    pub service_id: Uuid,
    pub name: String,
    pub kind: ServiceKind,
    pub status: ServiceStatus,
    pub requests: i64,
    pub errors: i64,
    /// Percent; `null` without requests.
    pub success_rate: Option<f64>,
    /// Milliseconds; `null` without requests.
    pub avg_response_time: Option<f64>,
    /// Tokens in and out.
    pub tokens: i64,
    pub cost_usd: f64,
}

/// One service's figures in the window, with the original's names.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"serviceId": "0b7c6f5e-8f7a-4d0e-9c55-2f1f8a0d6b11", "name": "Support Chatbot", "kind": "chatbot",
    "totalRequests": 800, "errors": 28, "successRate": 96.5, "avgResponseTime": 380.0, "p95ResponseTime": 1210.0,
    "tokens": 512000, "costUsd": 1.92, "timestamp": "2026-11-16T10:30:00Z"}))]
pub struct ServiceMetrics {
    pub service_id: Uuid,
    pub name: String,
    pub kind: ServiceKind,
    pub total_requests: i64,
    pub errors: i64,
    /// Percent; `null` without requests.
    pub success_rate: Option<f64>,
    /// Milliseconds; `null` without requests.
    pub avg_response_time: Option<f64>,
    /// Milliseconds, within 5 %; `null` without requests.
    pub p95_response_time: Option<f64>,
    /// Tokens in and out.
    pub tokens: i64,
    pub cost_usd: f64,
    /// When these figures were read.
    pub timestamp: DateTime<Utc>,
}

/// Successes in percent of `requests`, from the counts (96.5, not 96.49999…).
fn percent(requests: i64, errors: i64) -> Option<f64> {
    (requests > 0).then(|| (requests - errors) as f64 * 100.0 / requests as f64)
}

impl From<&Figures> for Metrics {
    fn from(f: &Figures) -> Self {
        Self {
            total_requests: f.total_requests,
            active_services: f.active_services,
            avg_response_time: f.avg_latency_ms,
            success_rate: percent(f.total_requests, f.errors),
        }
    }
}

impl From<ServiceUsage> for ServiceUsageItem {
    fn from(s: ServiceUsage) -> Self {
        Self {
            service_id: s.service_id,
            success_rate: percent(s.requests, s.errors),
            name: s.name,
            kind: s.kind,
            status: s.status,
            requests: s.requests,
            errors: s.errors,
            avg_response_time: s.avg_latency_ms,
            tokens: s.tokens,
            cost_usd: s.cost_usd,
        }
    }
}

/// The figures of every service the user may see (or of `service`), in the window of the
/// query (`range`, default `7d`, as `/api/v1/analytics/summary`).
#[utoipa::path(get, path = "/api/analytics/metrics", tag = TAG,
    params(AnalyticsQuery),
    responses(
        (status = 200, description = "The window's figures", body = Metrics),
        (status = 400, response = crate::server::openapi::BadRequest),
        (status = 401, response = crate::server::openapi::Unauthorized),
        (status = 404, response = crate::server::openapi::NotFound),
        (status = 422, response = crate::server::openapi::Invalid),
        (status = 503, response = crate::server::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn metrics(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Params(query): Params,
) -> Result<Json<Metrics>, AppError> {
    let mut conn = state.conn().await?;
    let window = window::resolve(&mut conn, &auth, &query, state.clock.now()).await?;
    Ok(Json(Metrics::from(
        &summary::summary(&mut conn, &window).await?.current,
    )))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ActivityQuery {
    /// The last `days` days in the user's time zone, today included: 1 to 365, default 7.
    #[param(minimum = 1, maximum = 365)]
    days: Option<i64>,
}

/// `?days=N` as a 400 naming what is wrong.
struct Days(i64);

impl<S: Send + Sync> FromRequestParts<S> for Days {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let refused = || AppError::BadRequest(format!("days must be a whole number from 1 to {MAX_DAYS}."));
        let Query(query) = Query::<ActivityQuery>::from_request_parts(parts, state)
            .await
            .map_err(|_| refused())?;
        match query.days.unwrap_or(7) {
            days @ 1..=MAX_DAYS => Ok(Self(days)),
            _ => Err(refused()),
        }
    }
}

/// Requests per day of the user's time zone, oldest first, every day present (zeros included).
#[utoipa::path(get, path = "/api/analytics/activity", tag = TAG,
    params(ActivityQuery),
    responses(
        (status = 200, description = "One entry per day, oldest first", body = Vec<DayActivity>,
            example = json!([{"day": "2026-11-15", "requests": 0}, {"day": "2026-11-16", "requests": 180}])),
        (status = 400, description = "`days` is not a whole number from 1 to 365", body = ErrorBody,
            example = json!({"error": {"code": "bad_request", "message": "days must be a whole number from 1 to 365."}})),
        (status = 401, response = crate::server::openapi::Unauthorized),
        (status = 503, response = crate::server::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn activity(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Days(days): Days,
) -> Result<Json<Vec<DayActivity>>, AppError> {
    let mut conn = state.conn().await?;
    let tz = window::user_timezone(&mut conn, auth.user.id).await?;
    let today = local_day(&mut conn, state.clock.now(), &tz).await?;
    let query = AnalyticsQuery {
        range: Range::Custom,
        from: Some(Moment::Day(today - TimeDelta::days(days - 1))),
        to: Some(Moment::Day(today)),
        service: None,
        tz: Some(tz),
    };
    let mut window = window::resolve(&mut conn, &auth, &query, state.clock.now()).await?;
    // Days even when the window is short enough for the v1 series' hours.
    window.bucket = Bucket::Day;
    let series = series::series(&mut conn, &window).await?;
    Ok(Json(
        series
            .points
            .into_iter()
            .map(|point| DayActivity {
                day: point.local.date(),
                requests: point.requests,
            })
            .collect(),
    ))
}

/// The calendar day `now` falls on in `tz`.
async fn local_day(conn: &mut AsyncPgConnection, now: DateTime<Utc>, tz: &str) -> QueryResult<NaiveDate> {
    #[derive(QueryableByName)]
    struct Day {
        #[diesel(sql_type = Date)]
        day: NaiveDate,
    }
    let row: Day = diesel::sql_query("SELECT ($1 AT TIME ZONE $2)::date AS day")
        .bind::<Timestamptz, _>(now)
        .bind::<Text, _>(tz)
        .get_result(conn)
        .await?;
    Ok(row.day)
}

/// Usage per service in the window of the query, busiest first (every service in scope).
#[utoipa::path(get, path = "/api/analytics/service-usage", tag = TAG,
    params(AnalyticsQuery),
    responses(
        (status = 200, description = "One entry per service, busiest first", body = Vec<ServiceUsageItem>),
        (status = 400, response = crate::server::openapi::BadRequest),
        (status = 401, response = crate::server::openapi::Unauthorized),
        (status = 404, response = crate::server::openapi::NotFound),
        (status = 422, response = crate::server::openapi::Invalid),
        (status = 503, response = crate::server::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn service_usage(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Params(query): Params,
) -> Result<Json<Vec<ServiceUsageItem>>, AppError> {
    let mut conn = state.conn().await?;
    let window = window::resolve(&mut conn, &auth, &query, state.clock.now()).await?;
    let breakdown = breakdown::breakdown(&mut conn, &window).await?;
    Ok(Json(
        breakdown.services.into_iter().map(ServiceUsageItem::from).collect(),
    ))
}

/// One service's figures in the window of the query (`service` is the path's).
#[utoipa::path(get, path = "/api/services/{id}/metrics", tag = TAG,
    params(("id" = Uuid, Path, description = "The service"),
        ("range" = Option<Range>, Query, description = "`24h`, `7d` (default), `30d`, `90d` or `custom`"),
        ("from" = Option<Moment>, Query, description = "For `custom`: a day (in `tz`) or an RFC 3339 instant"),
        ("to" = Option<Moment>, Query, description = "For `custom`: a day (included whole) or an RFC 3339 instant"),
        ("tz" = Option<String>, Query, description = "Time zone for day bounds; default the user's")),
    responses(
        (status = 200, description = "The service's figures", body = ServiceMetrics),
        (status = 400, response = crate::server::openapi::BadRequest),
        (status = 401, response = crate::server::openapi::Unauthorized),
        (status = 404, response = crate::server::openapi::NotFound),
        (status = 422, response = crate::server::openapi::Invalid),
        (status = 503, response = crate::server::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn service_metrics(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Path(id): Path<String>,
    Params(query): Params,
) -> Result<Json<ServiceMetrics>, AppError> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let query = AnalyticsQuery {
        service: Some(id),
        ..query
    };
    let mut conn = state.conn().await?;
    let now = state.clock.now();
    let window = window::resolve(&mut conn, &auth, &query, now).await?;
    let service = crate::services::backend::find(&mut conn, &auth, id).await?;
    let figures = summary::summary(&mut conn, &window).await?.current;
    Ok(Json(ServiceMetrics {
        service_id: service.id,
        name: service.name,
        kind: service.kind,
        total_requests: figures.total_requests,
        errors: figures.errors,
        success_rate: percent(figures.total_requests, figures.errors),
        avg_response_time: figures.avg_latency_ms,
        p95_response_time: figures.p95_latency_ms,
        tokens: figures.tokens_in + figures.tokens_out,
        cost_usd: figures.cost_usd,
        timestamp: now,
    }))
}
