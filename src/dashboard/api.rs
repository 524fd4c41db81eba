//! The dashboard's server functions: everything a view shows in one call, and the same figures
//! as the server renders them, for live updates.

use leptos::prelude::*;

use super::DashboardData;
use crate::analytics::AnalyticsQuery;
use crate::error::AppError;

/// One call for everything a view shows (see [`super::load::load`]): a service's page
/// (`single`) or the dashboard.
#[server(prefix = "/api/fn", endpoint = "load_dashboard")]
pub async fn load_dashboard(
    #[server(default)] query: AnalyticsQuery,
    #[server(default)] single: bool,
) -> Result<DashboardData, AppError> {
    let caller = crate::auth::guard::require_user().await?;
    super::load::load(&caller.state, &caller.auth, &query, super::load::Reader::Owner, single).await
}

/// The figures' HTML for a query, the same as the page renders (see `figures::figures`).
#[server(prefix = "/api/fn", endpoint = "figures_html")]
pub async fn figures_html(#[server(default)] query: AnalyticsQuery, single: bool) -> Result<String, AppError> {
    use leptos::tachys::view::RenderHtml;

    let data = load_dashboard(query, single).await?;
    Ok(super::figures::figures(data, single, false).to_html())
}
