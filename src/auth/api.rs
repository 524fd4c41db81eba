//! Server functions of the account pages. Each is a thin door: guard, one call into the
//! backend, map the result.

use leptos::prelude::*;

use super::User;
use crate::error::AppError;

/// The signed-in user, or `None`.
#[server(prefix = "/api/fn", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<User>, AppError> {
    super::guard::optional_user().await
}

/// Signs in; answers where to go next (a plain form post is redirected there).
#[server(prefix = "/api/fn", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<String, AppError> {
    use crate::ui::form::report_to_plain_form;
    let result = async {
        let state = crate::server::state::app_state()?;
        let client = super::guard::request_client_info().await?;
        super::backend::sign_in(&state, &email, &password, &client)
            .await
            .map(|signed_in| (state, signed_in))
    }
    .await;
    match result {
        Ok((state, signed_in)) => {
            ssr::set_session_cookie(&state, &signed_in);
            Ok(ssr::go_to(super::safe_next(next.as_deref())))
        }
        Err(error) => {
            report_to_plain_form(
                &error,
                "/auth/signin",
                &[("email", &email), ("next", next.as_deref().unwrap_or(""))],
            );
            Err(error)
        }
    }
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
    use crate::ui::form::report_to_plain_form;
    let form = super::RegisterForm {
        name,
        email,
        password,
        confirm_password,
    };
    let result = async {
        let state = crate::server::state::app_state()?;
        let client = super::guard::request_client_info().await?;
        super::backend::register(&state, form.clone(), &client)
            .await
            .map(|signed_in| (state, signed_in))
    }
    .await;
    match result {
        Ok((state, signed_in)) => {
            ssr::set_session_cookie(&state, &signed_in);
            Ok(ssr::go_to(super::safe_next(next.as_deref())))
        }
        Err(error) => {
            let keep = [
                ("name", form.name.as_str()),
                ("email", form.email.as_str()),
                ("next", next.as_deref().unwrap_or("")),
            ];
            report_to_plain_form(&error, "/auth/register", &keep);
            Err(error)
        }
    }
}

/// Ends the session; answers where to go next.
#[server(prefix = "/api/fn", endpoint = "sign_out")]
pub async fn sign_out() -> Result<String, AppError> {
    let state = crate::server::state::app_state()?;
    // Signing out twice, or with a dead session, still clears the cookie and lands home.
    if let Ok(auth) = super::guard::require_user().await {
        let client = super::guard::request_client_info().await?;
        super::backend::sign_out(&state, &auth, &client).await?;
    }
    ssr::clear_session_cookie(&state);
    Ok(ssr::go_to("/".to_owned()))
}

#[cfg(feature = "ssr")]
mod ssr {
    use axum::http::header::SET_COOKIE;
    use leptos::prelude::expect_context;
    use leptos_axum::ResponseOptions;

    use crate::auth::backend::SignedIn;
    use crate::auth::token;
    use crate::server::state::AppState;

    pub fn set_session_cookie(state: &AppState, signed_in: &SignedIn) {
        let max_age = (signed_in.expires_at - chrono::Utc::now()).num_seconds();
        let response = expect_context::<ResponseOptions>();
        response.append_header(
            SET_COOKIE,
            token::session_cookie(&state.config, &signed_in.token, max_age),
        );
    }

    /// A plain form post is redirected to `path`; the enhanced form gets it back and loads it
    /// as a new page, so no state of the previous session lingers in the browser.
    pub fn go_to(path: String) -> String {
        if crate::ui::form::is_plain_form_post() {
            leptos_axum::redirect(&path);
        }
        path
    }

    pub fn clear_session_cookie(state: &AppState) {
        expect_context::<ResponseOptions>().append_header(SET_COOKIE, token::clear_cookie(&state.config));
    }
}
