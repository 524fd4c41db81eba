//! Server functions of two-factor sign-in: the code step of a sign-in, and the security tab's
//! setup, recovery codes and turning it off.

use leptos::prelude::*;

use super::TwoFactorStatus;
use crate::error::AppError;

#[cfg(feature = "ssr")]
const SECURITY: &str = "/settings/security";

/// The second step of a sign-in: a code from the app or a recovery code; answers where to go.
#[server(prefix = "/api/fn", endpoint = "complete_two_factor")]
pub async fn complete_two_factor(code: String, next: Option<String>) -> Result<String, AppError> {
    use crate::auth::api::ssr::{form_page, set_session_cookie};
    let result = async {
        let (state, client) = crate::auth::guard::request_context().await?;
        let challenge = use_context::<axum::http::request::Parts>()
            .and_then(|parts| super::backend::challenge_from(&state.config, &parts.headers))
            .unwrap_or_default();
        let signed_in = crate::auth::backend::complete_two_factor(&state, &challenge, &code, &client).await?;
        set_session_cookie(&state, &signed_in);
        expect_context::<leptos_axum::ResponseOptions>().append_header(
            axum::http::header::SET_COOKIE,
            super::backend::clear_challenge_cookie(&state.config),
        );
        Ok(crate::auth::safe_next(next.as_deref()))
    }
    .await;
    let page = form_page("/auth/2fa", next.as_deref());
    crate::ui::form::answer_form_post(result, &page, &[], String::clone)
}

/// The signed-in user's two-factor sign-in, for the security tab.
#[server(prefix = "/api/fn", endpoint = "load_two_factor")]
pub async fn load_two_factor() -> Result<TwoFactorStatus, AppError> {
    let caller = crate::auth::guard::require_user().await?;
    super::backend::status(&caller.state, &caller.auth).await
}

/// Begins setting it up: a new secret to scan.
#[server(prefix = "/api/fn", endpoint = "start_two_factor")]
pub async fn start_two_factor() -> Result<(), AppError> {
    let result = async {
        let caller = crate::auth::guard::require_user().await?;
        super::backend::start(&caller.state, &caller.auth).await
    }
    .await;
    let page = format!("{SECURITY}?form=two-factor");
    crate::ui::form::answer_form_post(result, &page, &[], |_| format!("{page}#two-factor-title"))
}

/// Turns it on with a first code from the app.
#[server(prefix = "/api/fn", endpoint = "confirm_two_factor")]
pub async fn confirm_two_factor(code: String) -> Result<(), AppError> {
    let result = async {
        let caller = crate::auth::guard::require_user().await?;
        super::backend::confirm(&caller.state, &caller.auth, &code, &caller.client).await
    }
    .await;
    let page = format!("{SECURITY}?form=two-factor");
    crate::ui::form::answer_form_post(result, &page, &[], |_| {
        crate::ui::form::saved(SECURITY, &[("form", "two-factor")])
    })
}

/// New recovery codes, after the password.
#[server(prefix = "/api/fn", endpoint = "renew_recovery_codes")]
pub async fn renew_recovery_codes(renew_password: String) -> Result<(), AppError> {
    let result = async {
        let caller = crate::auth::guard::require_user().await?;
        super::backend::regenerate(&caller.state, &caller.auth, &renew_password, &caller.client).await
    }
    .await
    .map_err(|error| error.with_field_renamed("current_password", "renew_password"));
    let page = format!("{SECURITY}?form=recovery-codes");
    crate::ui::form::answer_form_post(result, &page, &[], |_| format!("{SECURITY}#two-factor-title"))
}

/// The user has saved the new recovery codes: they are not shown again.
#[server(prefix = "/api/fn", endpoint = "dismiss_recovery_codes")]
pub async fn dismiss_recovery_codes() -> Result<(), AppError> {
    let result = async {
        let caller = crate::auth::guard::require_user().await?;
        super::backend::dismiss_codes(&caller.state, &caller.auth).await
    }
    .await;
    crate::ui::form::answer_form_post(result, SECURITY, &[], |_| format!("{SECURITY}#two-factor-title"))
}

/// Turns it off, after the password and a code.
#[server(prefix = "/api/fn", endpoint = "disable_two_factor")]
pub async fn disable_two_factor(disable_password: String, code: String) -> Result<(), AppError> {
    let result = async {
        let caller = crate::auth::guard::require_user().await?;
        super::backend::disable(&caller.state, &caller.auth, &disable_password, &code, &caller.client).await
    }
    .await
    .map_err(|error| error.with_field_renamed("current_password", "disable_password"));
    let page = format!("{SECURITY}?form=two-factor-off");
    crate::ui::form::answer_form_post(result, &page, &[], |_| {
        crate::ui::form::saved(SECURITY, &[("form", "two-factor-off")])
    })
}
