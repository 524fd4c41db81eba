//! Server functions of sign-in through a provider: the buttons, the security tab's list, unlink,
//! and the link page's password.

use leptos::prelude::*;

use super::{PendingLink, ProviderButton, SignInMethods};
use crate::error::AppError;

/// The configured providers, for the sign-in and register pages' buttons.
#[server(prefix = "/api/fn", endpoint = "identity_providers")]
pub async fn identity_providers() -> Result<Vec<ProviderButton>, AppError> {
    Ok(crate::server::state::app_state()?.identities.buttons())
}

#[server(prefix = "/api/fn", endpoint = "load_sign_in_methods")]
pub async fn load_sign_in_methods() -> Result<SignInMethods, AppError> {
    let caller = crate::auth::guard::require_user().await?;
    super::backend::methods(&caller.state, caller.auth.user.id).await
}

#[server(prefix = "/api/fn", endpoint = "unlink_identity")]
pub async fn unlink_identity(id: String) -> Result<(), AppError> {
    let result = async {
        let id = id.parse().map_err(|_| AppError::NotFound)?;
        let caller = crate::auth::guard::require_user().await?;
        super::backend::unlink(&caller.state, caller.auth.user.id, id, &caller.client).await
    }
    .await;
    let page = super::flow::SECURITY_PAGE;
    crate::ui::form::answer_form_post(result, page, &[], |_| {
        crate::ui::form::saved("/settings/security", &[("form", "identities")])
    })
}

/// The provider and address waiting in this browser for an account's password, if any.
#[server(prefix = "/api/fn", endpoint = "load_pending_link")]
pub async fn load_pending_link() -> Result<Option<PendingLink>, AppError> {
    let (state, _) = crate::auth::guard::request_context().await?;
    let parts = expect_context::<axum::http::request::Parts>();
    Ok(
        super::flow::waiting_link(&state, &parts.headers).map(|waiting| PendingLink {
            label: state.identities.label_of(&waiting.identity.provider),
            email: waiting.identity.email.unwrap_or_default(),
        }),
    )
}

/// Links the waiting provider to the account with its address, given that account's password,
/// and signs in; answers where to go next.
#[server(prefix = "/api/fn", endpoint = "confirm_identity_link")]
pub async fn confirm_identity_link(password: String) -> Result<String, AppError> {
    let result = async {
        let (state, client) = crate::auth::guard::request_context().await?;
        let parts = expect_context::<axum::http::request::Parts>();
        let waiting = super::flow::waiting_link(&state, &parts.headers).ok_or_else(|| {
            AppError::BadRequest("Nothing is waiting to be linked any more: sign in with the provider again.".into())
        })?;
        let label = state.identities.label_of(&waiting.identity.provider);
        let outcome =
            super::backend::confirm_link(&state, waiting.user_id, &waiting.identity, &label, &password, &client)
                .await?;
        let response = expect_context::<leptos_axum::ResponseOptions>();
        response.append_header(axum::http::header::SET_COOKIE, super::flow::clear_link_cookie(&state));
        Ok(crate::auth::api::ssr::arrive(&state, outcome, waiting.next.as_deref()))
    }
    .await;
    crate::ui::form::answer_form_post(result, "/auth/link", &[], String::clone)
}
