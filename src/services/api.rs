//! Server functions of the service pages.

use leptos::prelude::*;
use uuid::Uuid;

use super::{ApiKeyInfo, CreatedKey, Service, ServiceStatus};
use crate::error::AppError;

#[server(prefix = "/api/fn", endpoint = "list_services")]
pub async fn list_services() -> Result<Vec<Service>, AppError> {
    let auth = crate::auth::guard::require_user().await?;
    let state = crate::server::state::app_state()?;
    Ok(super::backend::list(&mut *state.conn().await?, &auth).await?)
}

#[server(prefix = "/api/fn", endpoint = "get_service")]
pub async fn get_service(id: Uuid) -> Result<Service, AppError> {
    let auth = crate::auth::guard::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::backend::find(&mut *state.conn().await?, &auth, id).await
}

#[server(prefix = "/api/fn", endpoint = "create_service")]
pub async fn create_service(name: String, kind: String, description: Option<String>) -> Result<Service, AppError> {
    let auth = crate::auth::guard::require_user().await?;
    let state = crate::server::state::app_state()?;
    let client = crate::auth::guard::request_client_info().await?;
    let description = description.filter(|d| !d.trim().is_empty());
    let config = super::ServiceConfig {
        description,
        ..Default::default()
    };
    let new = super::NewService { name, kind, config };
    let service = super::backend::create(&mut *state.conn().await?, auth.user.id, &new, &client).await?;
    // A new service opens at once: its next step is an API key.
    if crate::ui::form::is_plain_form_post() {
        leptos_axum::redirect(&format!("/services/{}", service.id));
    }
    Ok(service)
}

#[server(prefix = "/api/fn", endpoint = "set_service_status")]
pub async fn set_service_status(id: Uuid, status: ServiceStatus) -> Result<Service, AppError> {
    let auth = crate::auth::guard::require_user().await?;
    let state = crate::server::state::app_state()?;
    let client = crate::auth::guard::request_client_info().await?;
    let change = super::ServiceChange {
        status: Some(status),
        ..Default::default()
    };
    super::backend::update(&mut *state.conn().await?, &auth, id, &change, &client, &state.figures).await
}

#[server(prefix = "/api/fn", endpoint = "rename_service")]
pub async fn rename_service(id: Uuid, name: String) -> Result<Service, AppError> {
    let auth = crate::auth::guard::require_user().await?;
    let state = crate::server::state::app_state()?;
    let client = crate::auth::guard::request_client_info().await?;
    let change = super::ServiceChange {
        name: Some(name),
        ..Default::default()
    };
    super::backend::update(&mut *state.conn().await?, &auth, id, &change, &client, &state.figures).await
}

#[server(prefix = "/api/fn", endpoint = "list_keys")]
pub async fn list_keys(service_id: Uuid) -> Result<Vec<ApiKeyInfo>, AppError> {
    let auth = crate::auth::guard::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::backend::list_keys(&mut *state.conn().await?, &auth, service_id).await
}

#[server(prefix = "/api/fn", endpoint = "create_key")]
pub async fn create_key(service_id: Uuid, name: Option<String>) -> Result<CreatedKey, AppError> {
    let auth = crate::auth::guard::require_user().await?;
    let state = crate::server::state::app_state()?;
    let client = crate::auth::guard::request_client_info().await?;
    let name = name.unwrap_or_default();
    super::backend::create_key(&mut *state.conn().await?, &auth, service_id, &name, &client).await
}

#[server(prefix = "/api/fn", endpoint = "revoke_key")]
pub async fn revoke_key(service_id: Uuid, key_id: Uuid) -> Result<ApiKeyInfo, AppError> {
    let auth = crate::auth::guard::require_user().await?;
    let state = crate::server::state::app_state()?;
    let client = crate::auth::guard::request_client_info().await?;
    super::backend::revoke_key(&mut *state.conn().await?, &auth, service_id, key_id, &client).await
}
