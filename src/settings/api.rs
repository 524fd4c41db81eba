//! Server functions of the settings tabs. Each acts on the signed-in user only. A plain form
//! post (no JavaScript) is sent back to its tab: with `?saved=1`, or with the error to show.

use super::{ActivityPage, Preferences, Profile, SessionInfo};
use crate::billing::BillingOverview;
use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api/fn", endpoint = "load_profile")]
pub async fn load_profile() -> Result<Profile, AppError> {
    let auth = crate::auth::guard::require_user().await?;
    let state = crate::server::state::app_state()?;
    Ok(super::backend::profile(&mut *state.conn().await?, auth.user.id).await?)
}

#[server(prefix = "/api/fn", endpoint = "save_profile")]
pub async fn save_profile(
    name: String,
    email: String,
    company: Option<String>,
    bio: Option<String>,
    avatar_url: Option<String>,
    current_password: Option<String>,
) -> Result<Profile, AppError> {
    let profile = Profile {
        name,
        email,
        company,
        bio,
        avatar_url,
    };
    let result = async {
        let (auth, state, client) = ssr::context().await?;
        super::backend::update_profile(&state, &auth, profile.clone(), current_password.as_deref(), &client).await
    }
    .await;
    let keep = [
        ("name", profile.name.as_str()),
        ("email", profile.email.as_str()),
        ("company", profile.company.as_deref().unwrap_or("")),
        ("bio", profile.bio.as_deref().unwrap_or("")),
        ("avatar_url", profile.avatar_url.as_deref().unwrap_or("")),
    ];
    crate::ui::form::answer_form_post(result, "/settings/profile", &keep)
}

#[server(prefix = "/api/fn", endpoint = "load_preferences")]
pub async fn load_preferences() -> Result<Preferences, AppError> {
    let auth = crate::auth::guard::require_user().await?;
    let state = crate::server::state::app_state()?;
    Ok(super::backend::preferences(&mut *state.conn().await?, auth.user.id).await?)
}

/// Checkboxes arrive only when ticked; numbers arrive as text so a bad one gets a field message.
#[server(prefix = "/api/fn", endpoint = "save_preferences")]
pub async fn save_preferences(
    email_notifications: Option<String>,
    weekly_report: Option<String>,
    alert_error_rate_pct: String,
    alert_p95_latency_ms: String,
    timezone: String,
) -> Result<Preferences, AppError> {
    let result = async {
        let mut fields = crate::error::FieldErrors::new();
        let rate = alert_error_rate_pct.trim().parse::<f64>().unwrap_or_else(|_| {
            fields.insert("alert_error_rate_pct".into(), "Enter a percentage such as 5.".into());
            f64::NAN
        });
        let p95 = alert_p95_latency_ms.trim().parse::<i32>().unwrap_or_else(|_| {
            fields.insert(
                "alert_p95_latency_ms".into(),
                "Enter whole milliseconds such as 2000.".into(),
            );
            0
        });
        if let Some(error) = AppError::from_fields(fields) {
            return Err(error);
        }
        let preferences = Preferences {
            email_notifications: email_notifications.is_some(),
            weekly_report: weekly_report.is_some(),
            alert_error_rate_pct: rate,
            alert_p95_latency_ms: p95,
            timezone: timezone.clone(),
        };
        let (auth, state, client) = ssr::context().await?;
        super::backend::update_preferences(&mut *state.conn().await?, &auth, preferences, &client).await
    }
    .await;
    crate::ui::form::answer_form_post(result, "/settings/notifications", &[("timezone", &timezone)])
}

/// Answers how many other sessions were signed out.
#[server(prefix = "/api/fn", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<usize, AppError> {
    let result = async {
        let (auth, state, client) = ssr::context().await?;
        super::backend::change_password(
            &state,
            &auth,
            &current_password,
            &new_password,
            &confirm_password,
            &client,
        )
        .await
    }
    .await;
    crate::ui::form::answer_form_post_with(result, "/settings/security", &[], |signed_out| {
        vec![("signed_out", signed_out.to_string())]
    })
}

#[server(prefix = "/api/fn", endpoint = "load_sessions")]
pub async fn load_sessions() -> Result<Vec<SessionInfo>, AppError> {
    let auth = crate::auth::guard::require_user().await?;
    let state = crate::server::state::app_state()?;
    Ok(super::backend::sessions(&mut *state.conn().await?, &auth).await?)
}

#[server(prefix = "/api/fn", endpoint = "revoke_session")]
pub async fn revoke_session(id: String) -> Result<(), AppError> {
    let result = async {
        let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
        let (auth, state, client) = ssr::context().await?;
        super::backend::revoke_session(&mut *state.conn().await?, &auth, id, &client).await
    }
    .await;
    crate::ui::form::answer_form_post(result, "/settings/security", &[])
}

/// Answers how many sessions were signed out.
#[server(prefix = "/api/fn", endpoint = "revoke_other_sessions")]
pub async fn revoke_other_sessions() -> Result<usize, AppError> {
    let result = async {
        let (auth, state, client) = ssr::context().await?;
        Ok(super::backend::revoke_other_sessions(&mut *state.conn().await?, &auth, &client).await?)
    }
    .await;
    crate::ui::form::answer_form_post(result, "/settings/security", &[])
}

/// One page (1-based) of the user's own activity.
#[server(prefix = "/api/fn", endpoint = "load_activity")]
pub async fn load_activity(page: i64) -> Result<ActivityPage, AppError> {
    let auth = crate::auth::guard::require_user().await?;
    let state = crate::server::state::app_state()?;
    Ok(super::backend::activity(&mut *state.conn().await?, &auth, page).await?)
}

#[server(prefix = "/api/fn", endpoint = "load_billing")]
pub async fn load_billing() -> Result<BillingOverview, AppError> {
    let auth = crate::auth::guard::require_user().await?;
    let state = crate::server::state::app_state()?;
    let mut conn = state.conn().await?;
    Ok(crate::billing::backend::overview(&mut conn, auth.user.id, chrono::Utc::now()).await?)
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::auth::backend::{Authenticated, ClientInfo};
    use crate::error::AppError;
    use crate::server::state::AppState;

    pub async fn context() -> Result<(Authenticated, AppState, ClientInfo), AppError> {
        let auth = crate::auth::guard::require_user().await?;
        let state = crate::server::state::app_state()?;
        let client = crate::auth::guard::request_client_info().await?;
        Ok((auth, state, client))
    }
}
