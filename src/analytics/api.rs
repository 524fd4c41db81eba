//! Server functions of the dashboard: one call for everything a view shows.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Activity, AnalyticsQuery, Breakdown, Series, ServiceUsage, Summary};
use crate::error::AppError;

/// Everything the dashboard (or a service page) draws for one query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardData {
    pub summary: Summary,
    pub series: Series,
    pub breakdown: Breakdown,
    pub activity: Vec<Activity>,
    /// Every service the user may pick in the filter: id and name.
    pub services: Vec<(Uuid, String)>,
}

/// The services in scope with their traffic over the query's range (the services list).
#[server(prefix = "/api/fn", endpoint = "load_service_usage")]
pub async fn load_service_usage(#[server(default)] query: AnalyticsQuery) -> Result<Vec<ServiceUsage>, AppError> {
    use super::backend;
    let auth = crate::auth::guard::require_user().await?;
    let state = crate::server::state::app_state()?;
    let mut conn = state.conn().await?;
    let window = backend::resolve(&mut conn, &auth, &query, chrono::Utc::now()).await?;
    Ok(backend::breakdown(&mut conn, &window).await?.services)
}

#[server(prefix = "/api/fn", endpoint = "load_dashboard")]
pub async fn load_dashboard(#[server(default)] query: AnalyticsQuery) -> Result<DashboardData, AppError> {
    use super::backend;
    let auth = crate::auth::guard::require_user().await?;
    let state = crate::server::state::app_state()?;
    let mut conn = state.conn().await?;
    let window = backend::resolve(&mut conn, &auth, &query, chrono::Utc::now()).await?;
    let (summary, series, breakdown) = match state.figures.get(&window) {
        Ok(figures) => figures,
        Err(ticket) => {
            let (summary, series) = backend::overview(&mut conn, &window).await?;
            let figures = (summary, series, backend::breakdown(&mut conn, &window).await?);
            state.figures.put(ticket, window, figures.clone());
            figures
        }
    };
    Ok(DashboardData {
        summary,
        series,
        breakdown,
        activity: backend::recent_activity(&mut conn, &auth, query.service, 10).await?,
        services: crate::services::backend::list(&mut conn, &auth)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect(),
    })
}
