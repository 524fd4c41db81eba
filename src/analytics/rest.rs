//! `/api/v1/analytics/*`: the analytics queries as JSON, with the user's token.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};

use super::{Activity, AnalyticsQuery, Breakdown, Series, Summary, backend};
use crate::auth::guard::CurrentUser;
use crate::error::AppError;
use crate::server::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/analytics/summary", get(summary))
        .route("/api/v1/analytics/timeseries", get(timeseries))
        .route("/api/v1/analytics/breakdown", get(breakdown))
        .route("/api/v1/analytics/activity", get(activity))
        .route("/api/v1/analytics/export.csv", get(super::export::export))
        .route("/api/v1/live", get(super::live::stream))
}

pub(super) fn query(query: Result<Query<AnalyticsQuery>, QueryRejection>) -> Result<AnalyticsQuery, AppError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| AppError::BadRequest(format!("Bad query string: {}", e.body_text())))
}

async fn summary(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    q: Result<Query<AnalyticsQuery>, QueryRejection>,
) -> Result<Json<Summary>, AppError> {
    let mut conn = state.conn().await?;
    let window = backend::resolve(&mut conn, &auth, &query(q)?, chrono::Utc::now()).await?;
    Ok(Json(backend::summary(&mut conn, &window).await?))
}

async fn timeseries(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    q: Result<Query<AnalyticsQuery>, QueryRejection>,
) -> Result<Json<Series>, AppError> {
    let mut conn = state.conn().await?;
    let window = backend::resolve(&mut conn, &auth, &query(q)?, chrono::Utc::now()).await?;
    Ok(Json(backend::series(&mut conn, &window).await?))
}

async fn breakdown(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    q: Result<Query<AnalyticsQuery>, QueryRejection>,
) -> Result<Json<Breakdown>, AppError> {
    let mut conn = state.conn().await?;
    let window = backend::resolve(&mut conn, &auth, &query(q)?, chrono::Utc::now()).await?;
    Ok(Json(backend::breakdown(&mut conn, &window).await?))
}

async fn activity(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
) -> Result<Json<Vec<Activity>>, AppError> {
    Ok(Json(
        backend::recent_activity(&mut *state.conn().await?, &auth, None, 20).await?,
    ))
}
