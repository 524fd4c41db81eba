//! `/api/v1/analytics/*`: the analytics queries as JSON and CSV, with the user's token.

use axum::Json;
use axum::extract::State;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};

use super::params::Params;
use super::{
    Activity, AnalyticsQuery, Breakdown, ConversationSummary, EndUserSummary, Series, Summary, activity, breakdown,
    end_users, export, series, summary, window,
};
use crate::auth::Authenticated;
use crate::auth::guard::CurrentUser;
use crate::error::AppError;
use crate::server::openapi::{BadRequest, Invalid, NotFound, Unauthorized, Unavailable};
use crate::server::routes::Routes;
use crate::server::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route(Method::GET, "/api/v1/analytics/summary", get_summary)
        .route(Method::GET, "/api/v1/analytics/conversations", get_conversations)
        .route(Method::GET, "/api/v1/analytics/users", get_users)
        .route(Method::GET, "/api/v1/analytics/timeseries", get_series)
        .route(Method::GET, "/api/v1/analytics/breakdown", get_breakdown)
        .route(Method::GET, "/api/v1/analytics/activity", get_activity)
        .route(Method::GET, "/api/v1/analytics/export.csv", get_export)
        .merge(super::compat::routes())
}

/// The window's figures, and the same for the period of equal length just before.
#[utoipa::path(get, path = "/api/v1/analytics/summary", tag = "analytics",
    params(AnalyticsQuery),
    responses(
        (status = 200, description = "The figures", body = Summary),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = Invalid),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn get_summary(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Params(query): Params,
) -> Result<Json<Summary>, AppError> {
    let mut conn = state.conn().await?;
    let window = window::resolve(&mut conn, &auth, &query, state.clock.now()).await?;
    Ok(Json(summary::summary(&mut conn, &window).await?))
}

/// Conversations (counted where they start), turns, satisfaction, cost per conversation and call
/// minutes of the window, with the previous period's.
#[utoipa::path(get, path = "/api/v1/analytics/conversations", tag = "analytics",
    params(AnalyticsQuery),
    responses(
        (status = 200, description = "The window's conversation figures and the previous period's", body = ConversationSummary),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = Invalid),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn get_conversations(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Params(query): Params,
) -> Result<Json<ConversationSummary>, AppError> {
    let mut conn = state.conn().await?;
    let window = window::resolve(&mut conn, &auth, &query, state.clock.now()).await?;
    Ok(Json(summary::conversations(&mut conn, &window).await?))
}

/// The exact number of unique end users of the window and the previous period, and the top end
/// users by requests and by cost.
#[utoipa::path(get, path = "/api/v1/analytics/users", tag = "analytics",
    params(AnalyticsQuery),
    responses(
        (status = 200, description = "Unique end users and the top ones", body = EndUserSummary),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = Invalid),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn get_users(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Params(query): Params,
) -> Result<Json<EndUserSummary>, AppError> {
    let mut conn = state.conn().await?;
    let window = window::resolve(&mut conn, &auth, &query, state.clock.now()).await?;
    Ok(Json(end_users::users(&mut conn, &window).await?))
}

/// Requests, errors and latency per hour (windows up to 48 hours) or per day in `tz`.
#[utoipa::path(get, path = "/api/v1/analytics/timeseries", tag = "analytics",
    params(AnalyticsQuery),
    responses(
        (status = 200, description = "Every bucket of the window, zeros included", body = Series),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = Invalid),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn get_series(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Params(query): Params,
) -> Result<Json<Series>, AppError> {
    let mut conn = state.conn().await?;
    let window = window::resolve(&mut conn, &auth, &query, state.clock.now()).await?;
    Ok(Json(series::series(&mut conn, &window).await?))
}

/// Usage per service (every one in scope), per model and errors by kind (the top 50 of each).
#[utoipa::path(get, path = "/api/v1/analytics/breakdown", tag = "analytics",
    params(AnalyticsQuery),
    responses(
        (status = 200, description = "The breakdown, each by volume", body = Breakdown),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = Invalid),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn get_breakdown(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Params(query): Params,
) -> Result<Json<Breakdown>, AppError> {
    let mut conn = state.conn().await?;
    let window = window::resolve(&mut conn, &auth, &query, state.clock.now()).await?;
    Ok(Json(breakdown::breakdown(&mut conn, &window).await?))
}

/// The caller's own 20 latest audit entries.
#[utoipa::path(get, path = "/api/v1/analytics/activity", tag = "analytics",
    responses(
        (status = 200, description = "Newest first", body = Vec<Activity>),
        (status = 401, response = Unauthorized),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn get_activity(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
) -> Result<Json<Vec<Activity>>, AppError> {
    Ok(Json(
        activity::recent_activity(&mut *state.conn().await?, &auth, None, 20).await?,
    ))
}

/// The view as a CSV download (at most a few thousand rows: hours of 366 days are read as days).
#[utoipa::path(get, path = "/api/v1/analytics/export.csv", tag = "analytics",
    params(AnalyticsQuery),
    responses(
        (status = 200, description = "An attachment `ragsites-<range>-<YYYYMMDD>.csv`: a total row, one row per bucket, \
            one per service", content_type = "text/csv", body = String),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = Invalid),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn get_export(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Params(query): Params,
) -> Result<Response, AppError> {
    export_file(&state, &auth, &query).await
}

/// The CSV of `query` as `auth` sees it, as an attachment (also a share link's export).
pub async fn export_file(state: &AppState, auth: &Authenticated, query: &AnalyticsQuery) -> Result<Response, AppError> {
    let mut conn = state.conn().await?;
    let window = window::resolve(&mut conn, auth, query, state.clock.now()).await?;
    let (summary, series) = summary::overview(&mut conn, &window).await?;
    let breakdown = breakdown::breakdown(&mut conn, &window).await?;
    let annotations = crate::annotations::backend::in_window(&mut conn, auth.user.id, &window).await?;
    drop(conn);
    let scope = match query.service {
        Some(_) => breakdown.services.first().map(|s| s.name.clone()).unwrap_or_default(),
        None => "all services".to_owned(),
    };
    let file =
        export::csv(&summary, &series, &breakdown, &annotations, &scope).map_err(|e| AppError::internal("csv", e))?;
    let name = format!("ragsites-{}-{}.csv", query.range.as_str(), summary.to.format("%Y%m%d"));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        file,
    )
        .into_response())
}
