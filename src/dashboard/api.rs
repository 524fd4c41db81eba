//! The dashboard's server function: the figures as the server renders them, for live updates.

use leptos::prelude::*;

use crate::analytics::AnalyticsQuery;
use crate::error::AppError;

/// The figures' HTML for a query, the same as the page renders (see `view::figures`).
#[server(prefix = "/api/fn", endpoint = "figures_html")]
pub async fn figures_html(#[server(default)] query: AnalyticsQuery, single: bool) -> Result<String, AppError> {
    use leptos::tachys::view::RenderHtml;

    let range = query.range.clone().unwrap_or_default();
    let data = crate::analytics::api::load_dashboard(query).await?;
    Ok(super::view::figures(data, range, single).to_html())
}
