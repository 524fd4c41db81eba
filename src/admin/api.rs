//! Admin-only server functions: each starts with `require_admin` (a client gets 403). A form
//! goes back to `/admin` naming itself (`?form=client|plan|service`), so the page shows each
//! form's own answer.

use leptos::prelude::*;

use super::AdminData;
use crate::error::AppError;
use crate::services::{Service, ServiceKind};

#[server(prefix = "/api/fn", endpoint = "admin_view")]
pub async fn admin_view() -> Result<AdminData, AppError> {
    let caller = crate::auth::guard::require_admin().await?;
    let (state, now) = (&caller.state, caller.state.clock.now());
    Ok(super::backend::view(&mut *state.conn().await?, now, state.config.session_idle_timeout).await?)
}

#[server(prefix = "/api/fn", endpoint = "admin_create_client")]
pub async fn admin_create_client(
    name: String,
    email: String,
    password: String,
    plan_id: Option<String>,
) -> Result<(), AppError> {
    let result = async {
        let caller = crate::auth::guard::require_admin().await?;
        let plan_id = ssr::plan_id(plan_id.as_deref())?;
        let form = crate::auth::RegisterForm {
            confirm_password: password.clone(),
            name: name.clone(),
            email: email.clone(),
            password,
        };
        super::backend::create_client(&caller.state, &caller.auth, form, plan_id, &caller.client)
            .await
            .map(drop)
    }
    .await;
    ssr::answer(result, "client", &[("name", &name), ("email", &email)])
}

/// Requires (or stops requiring) two-factor sign-in of every admin account.
#[server(prefix = "/api/fn", endpoint = "admin_require_two_factor")]
pub async fn admin_require_two_factor(required: Option<String>) -> Result<(), AppError> {
    let result = async {
        let caller = crate::auth::guard::require_admin().await?;
        let (state, auth, client) = (&caller.state, &caller.auth, &caller.client);
        crate::auth::two_factor::backend::require_for_admins(state, auth, required.is_some(), client).await
    }
    .await;
    ssr::answer(result, "two-factor", &[])
}

#[server(prefix = "/api/fn", endpoint = "admin_assign_plan")]
pub async fn admin_assign_plan(user_id: String, plan_id: String) -> Result<(), AppError> {
    let result = async {
        let caller = crate::auth::guard::require_admin().await?;
        let user_id = user_id.parse().map_err(|_| AppError::NotFound)?;
        let plan_id = ssr::plan_id(Some(&plan_id))?.ok_or_else(|| AppError::field("plan_id", "Choose a plan."))?;
        let now = caller.state.clock.now();
        super::backend::assign_plan(&mut *caller.state.conn().await?, user_id, plan_id, &caller.client, now).await
    }
    .await;
    ssr::answer(result, "plan", &[])
}

#[server(prefix = "/api/fn", endpoint = "admin_create_service")]
pub async fn admin_create_service(user_id: String, name: String, kind: ServiceKind) -> Result<Service, AppError> {
    let result = async {
        let caller = crate::auth::guard::require_admin().await?;
        let mut conn = caller.state.conn().await?;
        let owner = match user_id.parse().ok() {
            Some(owner) if super::backend::is_client(&mut conn, owner).await? => owner,
            _ => return Err(AppError::field("user_id", "Choose a client from the list.")),
        };
        let new = crate::services::NewService {
            name: name.clone(),
            kind,
            config: Default::default(),
        };
        crate::services::backend::create(&mut conn, owner, &new, &caller.client).await
    }
    .await;
    ssr::answer(result, "service", &[("service_name", &name)])
}

#[cfg(feature = "ssr")]
mod ssr {
    use uuid::Uuid;

    use crate::error::AppError;
    use crate::ui::form::{answer_form_post, saved};

    /// Back to `/admin`, naming the form whose outcome the page shows.
    pub fn answer<T>(result: Result<T, AppError>, form: &'static str, keep: &[(&str, &str)]) -> Result<T, AppError> {
        answer_form_post(result, &format!("/admin?form={form}"), keep, |_| {
            saved("/admin", &[("form", form)])
        })
    }

    /// An empty choice is no plan; anything else must be a plan's id.
    pub fn plan_id(text: Option<&str>) -> Result<Option<Uuid>, AppError> {
        match text.map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(text) => text
                .parse()
                .map(Some)
                .map_err(|_| AppError::field("plan_id", "Choose a plan from the list.")),
        }
    }
}
