//! The dashboard's server functions: everything a view shows in one call, and the same figures
//! as the server renders them, for live updates.

use leptos::prelude::*;

use super::DashboardData;
use crate::analytics::AnalyticsQuery;
use crate::error::AppError;

/// One call for everything a view shows; the figures come from the cache while no change
/// touches them.
#[server(prefix = "/api/fn", endpoint = "load_dashboard")]
pub async fn load_dashboard(#[server(default)] query: AnalyticsQuery) -> Result<DashboardData, AppError> {
    use crate::analytics::{activity, breakdown, end_users, summary, window};
    let caller = crate::auth::guard::require_user().await?;
    let (auth, state) = (&caller.auth, &caller.state);
    let mut conn = state.conn().await?;
    let now = state.clock.now();
    let window = window::resolve(&mut conn, auth, &query, now).await?;
    let alerts = crate::alerts::backend::list(&mut conn, auth.user.id, query.service, &window.tz).await?;
    let annotations = crate::annotations::backend::in_window(&mut conn, auth.user.id, &window).await?;
    let figures = state.changes.figures();
    let (summary, series, breakdown, end_users) = match figures.get(&window, now) {
        Ok(cached) => cached,
        Err(ticket) => {
            let (summary, series) = summary::overview(&mut conn, &window).await?;
            let breakdown = breakdown::breakdown(&mut conn, &window).await?;
            // Decided by the window (the cache's key) alone: a view of one service.
            let end_users = match window.service_ids.len() {
                1 => Some(end_users::top_end_users(&mut conn, &window).await?),
                _ => None,
            };
            let computed = (summary, series, breakdown, end_users);
            figures.put(ticket, window, computed.clone(), now);
            computed
        }
    };
    Ok(DashboardData {
        summary,
        series,
        breakdown,
        end_users,
        activity: activity::recent_activity(&mut conn, auth, query.service, 10).await?,
        alerts,
        annotations,
        services: crate::services::backend::list(&mut conn, auth)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect(),
    })
}

/// The figures' HTML for a query, the same as the page renders (see `figures::figures`).
#[server(prefix = "/api/fn", endpoint = "figures_html")]
pub async fn figures_html(#[server(default)] query: AnalyticsQuery, single: bool) -> Result<String, AppError> {
    use leptos::tachys::view::RenderHtml;

    let range = query.range;
    let data = load_dashboard(query).await?;
    Ok(super::figures::figures(data, range, single).to_html())
}
