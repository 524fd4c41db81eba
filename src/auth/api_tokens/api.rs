//! Server functions of the security tab's API tokens: list, create, revoke, hide the new one.

use leptos::prelude::*;

use super::ApiTokens;
use crate::error::AppError;

/// Where every form of the panel comes back to, naming itself.
#[cfg(feature = "ssr")]
const PAGE: &str = "/settings/security?form=api-tokens";

#[server(prefix = "/api/fn", endpoint = "load_api_tokens")]
pub async fn load_api_tokens() -> Result<ApiTokens, AppError> {
    let caller = crate::auth::guard::require_user().await?;
    let tokens = super::backend::list(&caller.state, &caller.auth).await?;
    if tokens.new_token.is_some() {
        crate::server::headers::no_store();
    }
    Ok(tokens)
}

/// Makes a token, shown whole on the security tab until copied.
#[server(prefix = "/api/fn", endpoint = "create_api_token")]
pub async fn create_api_token(name: String, scope: String, lifetime: String) -> Result<(), AppError> {
    let result = async {
        let caller = crate::auth::guard::require_user().await?;
        super::backend::create(&caller.state, &caller.auth, &name, &scope, &lifetime, &caller.client).await
    }
    .await;
    crate::ui::form::answer_form_post(result, PAGE, &[("name", &name)], |_| format!("{PAGE}#api-tokens-title"))
}

#[server(prefix = "/api/fn", endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: String) -> Result<(), AppError> {
    let result = async {
        let id = id.parse().map_err(|_| AppError::NotFound)?;
        let caller = crate::auth::guard::require_user().await?;
        super::backend::revoke(&caller.state, &caller.auth, id, &caller.client).await
    }
    .await;
    crate::ui::form::answer_form_post(result, PAGE, &[], |_| format!("{PAGE}#api-tokens-title"))
}

/// The new token is copied: it is not shown again.
#[server(prefix = "/api/fn", endpoint = "dismiss_api_token")]
pub async fn dismiss_api_token() -> Result<(), AppError> {
    let result = async {
        let caller = crate::auth::guard::require_user().await?;
        super::backend::dismiss(&caller.state, &caller.auth).await
    }
    .await;
    crate::ui::form::answer_form_post(result, PAGE, &[], |_| format!("{PAGE}#api-tokens-title"))
}
