//! Admin-only server functions: each starts with `require_admin` (a client gets 403).

use leptos::prelude::*;

use super::{AdminData, PortalOverview};
use crate::error::AppError;
use crate::services::Service;

#[server(prefix = "/api/fn", endpoint = "admin_overview")]
pub async fn admin_overview() -> Result<PortalOverview, AppError> {
    crate::auth::guard::require_admin().await?;
    let state = crate::server::state::app_state()?;
    Ok(super::backend::overview(&mut *state.conn().await?).await?)
}

#[server(prefix = "/api/fn", endpoint = "admin_view")]
pub async fn admin_view() -> Result<AdminData, AppError> {
    crate::auth::guard::require_admin().await?;
    let state = crate::server::state::app_state()?;
    Ok(super::backend::view(&mut *state.conn().await?).await?)
}

#[server(prefix = "/api/fn", endpoint = "admin_create_client")]
pub async fn admin_create_client(
    name: String,
    email: String,
    password: String,
    plan_id: Option<String>,
) -> Result<(), AppError> {
    let result = async {
        let (admin, state, client) = ssr::context().await?;
        let plan_id = ssr::plan_id(plan_id.as_deref())?;
        let form = crate::auth::RegisterForm {
            confirm_password: password.clone(),
            name: name.clone(),
            email: email.clone(),
            password,
        };
        super::backend::create_client(&state, &admin, form, plan_id, &client)
            .await
            .map(drop)
    }
    .await;
    answer(result, "client", &[("name", &name), ("email", &email)])
}

#[server(prefix = "/api/fn", endpoint = "admin_assign_plan")]
pub async fn admin_assign_plan(user_id: String, plan_id: String) -> Result<(), AppError> {
    let result = async {
        let (_, state, client) = ssr::context().await?;
        let user_id = user_id.parse().map_err(|_| AppError::NotFound)?;
        let plan_id = ssr::plan_id(Some(&plan_id))?.ok_or_else(|| AppError::field("plan_id", "Choose a plan."))?;
        super::backend::assign_plan(&mut *state.conn().await?, user_id, plan_id, &client).await
    }
    .await;
    answer(result, "plan", &[])
}

#[server(prefix = "/api/fn", endpoint = "admin_create_service")]
pub async fn admin_create_service(user_id: String, name: String, kind: String) -> Result<Service, AppError> {
    let result = async {
        let (_, state, client) = ssr::context().await?;
        let mut conn = state.conn().await?;
        let owner = user_id.parse().ok();
        let owner = match owner {
            Some(owner) if super::backend::is_client(&mut conn, owner).await? => owner,
            _ => return Err(AppError::field("user_id", "Choose a client from the list.")),
        };
        let new = crate::services::NewService {
            name: name.clone(),
            kind,
            config: Default::default(),
        };
        crate::services::backend::create(&mut conn, owner, &new, &client).await
    }
    .await;
    answer(result, "service", &[("service_name", &name)])
}

/// Back to `/admin`, naming the form (`?form=client|plan|service`) whose outcome the page shows.
#[cfg(feature = "ssr")]
fn answer<T>(result: Result<T, AppError>, form: &'static str, keep: &[(&str, &str)]) -> Result<T, AppError> {
    let keep = [&[("form", form)], keep].concat();
    crate::ui::form::answer_form_post_with(result, "/admin", &keep, |_| vec![("form", form.to_owned())])
}

#[cfg(feature = "ssr")]
mod ssr {
    use uuid::Uuid;

    use crate::auth::backend::{Authenticated, ClientInfo};
    use crate::error::AppError;
    use crate::server::state::AppState;

    pub async fn context() -> Result<(Authenticated, AppState, ClientInfo), AppError> {
        let admin = crate::auth::guard::require_admin().await?;
        let state = crate::server::state::app_state()?;
        let client = crate::auth::guard::request_client_info().await?;
        Ok((admin, state, client))
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
