//! The server function of the services list: each service with its traffic over a range.

use leptos::prelude::*;

use super::{AnalyticsQuery, ServiceUsage};
use crate::error::AppError;

/// The services in scope with their traffic over the query's range.
#[server(prefix = "/api/fn", endpoint = "load_service_usage")]
pub async fn load_service_usage(#[server(default)] query: AnalyticsQuery) -> Result<Vec<ServiceUsage>, AppError> {
    use super::{breakdown, window};
    let caller = crate::auth::guard::require_user().await?;
    let mut conn = caller.state.conn().await?;
    let window = window::resolve(&mut conn, &caller.auth, &query, caller.state.clock.now()).await?;
    Ok(breakdown::breakdown(&mut conn, &window).await?.services)
}
