//! Admin-only server functions.

use leptos::prelude::*;

use super::PortalOverview;
use crate::error::AppError;

#[server(prefix = "/api/fn", endpoint = "admin_overview")]
pub async fn admin_overview() -> Result<PortalOverview, AppError> {
    crate::auth::guard::require_admin().await?;
    let state = crate::server::state::app_state()?;
    super::backend::overview(&mut *state.conn().await?)
        .await
        .map_err(AppError::from)
}
