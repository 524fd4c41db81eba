//! Server functions of the service pages.

use leptos::prelude::*;
use uuid::Uuid;

use super::{Service, ServiceKeys, ServiceKind, ServiceStatus};
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

/// Where the key panel's forms come back to, naming it.
#[cfg(feature = "ssr")]
fn keys_page(service_id: Uuid) -> String {
    format!("/services/{service_id}?form=keys")
}

/// The service's keys, and a new key while it may be copied (the page then is never stored).
#[server(prefix = "/api/fn", endpoint = "list_keys")]
pub async fn list_keys(service_id: Uuid) -> Result<ServiceKeys, AppError> {
    let caller = crate::auth::guard::require_user().await?;
    let now = caller.state.clock.now();
    let (keys, new_key) =
        super::backend::page_keys(&mut *caller.state.conn().await?, &caller.auth, service_id, now).await?;
    if new_key.is_some() {
        crate::server::headers::no_store();
    }
    Ok(ServiceKeys {
        keys,
        new_key,
        base_url: caller.state.config.app_url.as_str().trim_end_matches('/').to_owned(),
    })
}

/// Makes a key, shown whole on the service's page until copied.
#[server(prefix = "/api/fn", endpoint = "create_key")]
pub async fn create_key(service_id: Uuid, #[server(default)] name: String) -> Result<(), AppError> {
    let result = async {
        let caller = crate::auth::guard::require_user().await?;
        let shown_until = caller.state.clock.now() + chrono::Duration::minutes(10);
        let mut conn = caller.state.conn().await?;
        super::backend::create_key(
            &mut conn,
            &caller.auth,
            service_id,
            &name,
            &caller.client,
            Some(shown_until),
        )
        .await
        .map(drop)
    }
    .await;
    let page = keys_page(service_id);
    crate::ui::form::answer_form_post(result, &page, &[("name", &name)], |_| format!("{page}#api-keys"))
}

/// The new key is copied: it is not shown again.
#[server(prefix = "/api/fn", endpoint = "dismiss_key")]
pub async fn dismiss_key(service_id: Uuid) -> Result<(), AppError> {
    let result = async {
        let caller = crate::auth::guard::require_user().await?;
        super::backend::dismiss_key(&mut *caller.state.conn().await?, &caller.auth, service_id).await
    }
    .await;
    let page = keys_page(service_id);
    crate::ui::form::answer_form_post(result, &page, &[], |_| format!("{page}#api-keys"))
}

#[server(prefix = "/api/fn", endpoint = "revoke_key")]
pub async fn revoke_key(service_id: Uuid, key_id: Uuid) -> Result<(), AppError> {
    let result = async {
        let caller = crate::auth::guard::require_user().await?;
        let now = caller.state.clock.now();
        let mut conn = caller.state.conn().await?;
        super::backend::revoke_key(&mut conn, &caller.auth, service_id, key_id, &caller.client, now)
            .await
            .map(drop)
    }
    .await;
    let page = keys_page(service_id);
    crate::ui::form::answer_form_post(result, &page, &[], |_| format!("{page}#api-keys"))
}
