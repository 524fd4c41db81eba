//! Server functions of the service pages.

use leptos::prelude::*;
use uuid::Uuid;

use super::{ApiKeyInfo, CreatedKey, Service, ServiceKind, ServiceStatus};
use crate::error::AppError;

#[server(prefix = "/api/fn", endpoint = "get_service")]
pub async fn get_service(id: Uuid) -> Result<Service, AppError> {
    let caller = crate::auth::guard::require_user().await?;
    super::backend::find(&mut *caller.state.conn().await?, &caller.auth, id).await
}

/// A new service opens at once: its next step is an API key.
#[server(prefix = "/api/fn", endpoint = "create_service")]
pub async fn create_service(name: String, kind: ServiceKind, description: Option<String>) -> Result<Service, AppError> {
    let result = async {
        let caller = crate::auth::guard::require_user().await?;
        let config = super::ServiceConfig {
            description: description.clone().filter(|d| !d.trim().is_empty()),
            ..Default::default()
        };
        let new = super::NewService {
            name: name.clone(),
            kind,
            config,
        };
        let mut conn = caller.state.conn().await?;
        super::backend::create(&mut conn, caller.auth.user.id, &new, &caller.client).await
    }
    .await;
    let keep = [
        ("name", name.as_str()),
        ("description", description.as_deref().unwrap_or("")),
    ];
    crate::ui::form::answer_form_post(result, "/services", &keep, |service| {
        format!("/services/{}", service.id)
    })
}

#[server(prefix = "/api/fn", endpoint = "set_service_status")]
pub async fn set_service_status(id: Uuid, status: ServiceStatus) -> Result<Service, AppError> {
    let result = async {
        let caller = crate::auth::guard::require_user().await?;
        let change = super::ServiceChange {
            status: Some(status),
            ..Default::default()
        };
        let mut conn = caller.state.conn().await?;
        super::backend::update(
            &mut conn,
            &caller.auth,
            id,
            &change,
            &caller.client,
            &caller.state.changes,
            caller.state.clock.now(),
        )
        .await
    }
    .await;
    let page = format!("/services/{id}");
    crate::ui::form::answer_form_post(result, &format!("{page}?form=status"), &[], |_| page.clone())
}

#[server(prefix = "/api/fn", endpoint = "list_keys")]
pub async fn list_keys(service_id: Uuid) -> Result<Vec<ApiKeyInfo>, AppError> {
    let caller = crate::auth::guard::require_user().await?;
    super::backend::list_keys(&mut *caller.state.conn().await?, &caller.auth, service_id).await
}

#[server(prefix = "/api/fn", endpoint = "create_key")]
pub async fn create_key(service_id: Uuid, name: Option<String>) -> Result<CreatedKey, AppError> {
    let caller = crate::auth::guard::require_user().await?;
    let name = name.unwrap_or_default();
    let mut conn = caller.state.conn().await?;
    let key = super::backend::create_key(&mut conn, &caller.auth, service_id, &name, &caller.client).await?;
    expect_context::<leptos_axum::ResponseOptions>()
        .insert_header(axum::http::header::CACHE_CONTROL, crate::server::headers::NO_STORE);
    Ok(key)
}

#[server(prefix = "/api/fn", endpoint = "revoke_key")]
pub async fn revoke_key(service_id: Uuid, key_id: Uuid) -> Result<ApiKeyInfo, AppError> {
    let caller = crate::auth::guard::require_user().await?;
    let mut conn = caller.state.conn().await?;
    super::backend::revoke_key(
        &mut conn,
        &caller.auth,
        service_id,
        key_id,
        &caller.client,
        caller.state.clock.now(),
    )
    .await
}
