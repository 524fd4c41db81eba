//! Server functions of the account pages. Each is a thin door: guard, one call into the
//! backend, map the result.

use leptos::prelude::*;

use super::{PendingAddress, User};
use crate::error::AppError;

/// The signed-in user, or `None`.
#[server(prefix = "/api/fn", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<User>, AppError> {
    super::guard::optional_user().await
}

/// Signs in; answers where to go next (a plain form post is redirected there): the code page
/// when the account has two-factor sign-in on.
#[server(prefix = "/api/fn", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<String, AppError> {
    let result = async {
        let (state, client) = super::guard::request_context().await?;
        let outcome = super::backend::sign_in(&state, &email, &password, &client).await?;
        Ok(ssr::arrive(&state, outcome, next.as_deref()))
    }
    .await;
    let page = ssr::form_page("/auth/signin", next.as_deref());
    crate::ui::form::answer_form_post(result, &page, &[("email", &email)], String::clone)
}

/// Creates the account and signs in; answers where to go next.
#[server(prefix = "/api/fn", endpoint = "register")]
pub async fn register(
    name: String,
    email: String,
    password: String,
    confirm_password: String,
    next: Option<String>,
) -> Result<String, AppError> {
    let form = super::RegisterForm {
        name,
        email,
        password,
        confirm_password,
    };
    let result = async {
        let (state, client) = super::guard::request_context().await?;
        let signed_in = super::backend::register(&state, form.clone(), &client).await?;
        ssr::set_session_cookie(&state, &signed_in);
        Ok(super::safe_next(next.as_deref()))
    }
    .await;
    let keep = [("name", form.name.as_str()), ("email", form.email.as_str())];
    let page = ssr::form_page("/auth/register", next.as_deref());
    crate::ui::form::answer_form_post(result, &page, &keep, String::clone)
}

/// Mails a reset link if the address has an account; answers the same page either way.
#[server(prefix = "/api/fn", endpoint = "forgot_password")]
pub async fn forgot_password(email: String) -> Result<String, AppError> {
    let result = async {
        let (state, client) = super::guard::request_context().await?;
        super::reset::request(&state, &email, &client).await?;
        Ok("/auth/forgot?sent=1".to_owned())
    }
    .await;
    crate::ui::form::answer_form_post(result, "/auth/forgot", &[("email", &email)], String::clone)
}

/// Whether a mailed reset link still works (the page shows its form only then).
#[server(prefix = "/api/fn", endpoint = "reset_link_is_live")]
pub async fn reset_link_is_live(token: String) -> Result<bool, AppError> {
    let (state, _) = super::guard::request_context().await?;
    super::reset::is_live(&state, &token).await
}

/// Sets a new password from a mailed link; answers the sign-in page (every session ended).
#[server(prefix = "/api/fn", endpoint = "reset_password")]
pub async fn reset_password(token: String, password: String, confirm_password: String) -> Result<String, AppError> {
    let result = async {
        let (state, client) = super::guard::request_context().await?;
        super::reset::reset(&state, &token, &password, &confirm_password, &client).await?;
        ssr::clear_session_cookie(&state);
        Ok("/auth/signin?reset=1".to_owned())
    }
    .await;
    let page = format!(
        "/auth/reset?{}",
        serde_urlencoded::to_string([("token", &token)]).unwrap_or_default()
    );
    crate::ui::form::answer_form_post(result, &page, &[], String::clone)
}

/// What a mailed confirmation link would confirm, or `None` when it no longer works.
#[server(prefix = "/api/fn", endpoint = "confirmation_link")]
pub async fn confirmation_link(token: String) -> Result<Option<PendingAddress>, AppError> {
    let (state, _) = super::guard::request_context().await?;
    super::verify::pending(&state, &token).await
}

/// Uses a mailed confirmation link; answers the page that says so.
#[server(prefix = "/api/fn", endpoint = "confirm_email")]
pub async fn confirm_email(token: String) -> Result<PendingAddress, AppError> {
    let result = async {
        let (state, client) = super::guard::request_context().await?;
        super::verify::confirm(&state, &token, &client).await
    }
    .await;
    let page = format!(
        "/auth/verify?{}",
        serde_urlencoded::to_string([("token", &token)]).unwrap_or_default()
    );
    crate::ui::form::answer_form_post(result, &page, &[], |confirmed| {
        format!(
            "/auth/verify?confirmed={}",
            if confirmed.change { "change" } else { "address" }
        )
    })
}

/// Mails the signed-in user's address a new confirmation link; answers the profile tab.
#[server(prefix = "/api/fn", endpoint = "resend_confirmation")]
pub async fn resend_confirmation() -> Result<(), AppError> {
    let result = async {
        let caller = super::guard::require_user().await?;
        super::verify::resend(&caller.state, &caller.auth).await
    }
    .await;
    let page = "/settings/profile?form=confirmation";
    crate::ui::form::answer_form_post(result, page, &[], |_| format!("{page}&saved=1"))
}

/// Ends the session; answers where to go next. Signing out twice, or with a dead session,
/// still clears the cookie and lands home.
#[server(prefix = "/api/fn", endpoint = "sign_out")]
pub async fn sign_out() -> Result<String, AppError> {
    let result = async {
        if let Ok(caller) = super::guard::require_user().await {
            super::backend::sign_out(&caller.state, &caller.auth, &caller.client).await?;
        }
        ssr::clear_session_cookie(&super::guard::request_context().await?.0);
        Ok("/".to_owned())
    }
    .await;
    crate::ui::form::answer_form_post(result, "/", &[], String::clone)
}

#[cfg(feature = "ssr")]
pub(super) mod ssr {
    use axum::http::header::{CACHE_CONTROL, SET_COOKIE};
    use leptos::prelude::expect_context;
    use leptos_axum::ResponseOptions;

    use crate::auth::backend::{SignInOutcome, SignedIn};
    use crate::auth::token;
    use crate::server::headers::NO_STORE;
    use crate::server::state::AppState;

    /// Sets what a passed first factor earned (the session cookie, or the code page's challenge)
    /// and answers where to go next.
    pub fn arrive(state: &AppState, outcome: SignInOutcome, next: Option<&str>) -> String {
        match outcome {
            SignInOutcome::SignedIn(signed_in) => {
                set_session_cookie(state, &signed_in);
                crate::auth::safe_next(next)
            }
            SignInOutcome::TwoFactor { challenge } => {
                let cookie = crate::auth::two_factor::backend::challenge_cookie(&state.config, &challenge);
                expect_context::<ResponseOptions>().append_header(SET_COOKIE, cookie);
                form_page("/auth/2fa", next)
            }
        }
    }

    pub fn set_session_cookie(state: &AppState, signed_in: &SignedIn) {
        let max_age = (signed_in.expires_at - state.clock.now()).num_seconds();
        let response = expect_context::<ResponseOptions>();
        response.append_header(
            SET_COOKIE,
            token::session_cookie(&state.config, &signed_in.token, max_age),
        );
        response.insert_header(CACHE_CONTROL, NO_STORE);
    }

    /// The account page to come back to: `next`, made safe, stays in its URL (a path on this
    /// site, not personal data) for the form to carry on.
    pub fn form_page(page: &str, next: Option<&str>) -> String {
        match next.filter(|next| !next.is_empty()) {
            Some(next) => {
                let next = crate::auth::safe_next(Some(next));
                format!(
                    "{page}?{}",
                    serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
                )
            }
            None => page.to_owned(),
        }
    }

    pub fn clear_session_cookie(state: &AppState) {
        expect_context::<ResponseOptions>().append_header(SET_COOKIE, token::clear_cookie(&state.config));
    }
}
