//! Server functions of the dashboard: one call for everything a view shows.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Activity, AnalyticsQuery, Breakdown, Series, Summary};
use crate::error::AppError;

/// Everything the dashboard (or a service page) draws for one query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardData {
    pub summary: Summary,
    pub series: Series,
    pub breakdown: Breakdown,
    pub activity: Vec<Activity>,
}

#[server(prefix = "/api/fn", endpoint = "load_dashboard")]
pub async fn load_dashboard(query: AnalyticsQuery) -> Result<DashboardData, AppError> {
    use super::backend;
    let auth = crate::auth::guard::require_user().await?;
    let state = crate::server::state::app_state()?;
    let mut conn = state.conn().await?;
    let window = backend::resolve(&mut conn, &auth, &query, chrono::Utc::now()).await?;
    Ok(DashboardData {
        summary: backend::summary(&mut conn, &window).await?,
        series: backend::series(&mut conn, &window).await?,
        breakdown: backend::breakdown(&mut conn, &window).await?,
        activity: backend::recent_activity(&mut conn, &auth, 20).await?,
    })
}
