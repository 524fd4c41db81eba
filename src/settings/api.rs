//! Server functions of the settings tabs. Each acts on the signed-in user only. A plain form
//! post (no JavaScript) is sent back to its tab: with `?saved=1`, or with the error to show.

use super::{ActivityPage, Preferences, Profile, SessionInfo};
use crate::billing::BillingOverview;
use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api/fn", endpoint = "load_profile")]
pub async fn load_profile() -> Result<Profile, AppError> {
    let caller = crate::auth::guard::require_user().await?;
    Ok(super::backend::profile(
        &mut *caller.state.conn().await?,
        caller.auth.user.id,
        caller.state.clock.now(),
    )
    .await?)
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
        pending_email: None,
    };
    let result = async {
        let caller = crate::auth::guard::require_user().await?;
        let password = current_password.as_deref();
        super::backend::update_profile(&caller.state, &caller.auth, profile.clone(), password, &caller.client).await
    }
    .await;
    let keep = [
        ("name", profile.name.as_str()),
        ("email", profile.email.as_str()),
        ("company", profile.company.as_deref().unwrap_or("")),
        ("bio", profile.bio.as_deref().unwrap_or("")),
        ("avatar_url", profile.avatar_url.as_deref().unwrap_or("")),
    ];
    answer(result, "/settings/profile", &keep, &[])
}

#[server(prefix = "/api/fn", endpoint = "load_preferences")]
pub async fn load_preferences() -> Result<Preferences, AppError> {
    let caller = crate::auth::guard::require_user().await?;
    Ok(super::backend::preferences(&mut *caller.state.conn().await?, caller.auth.user.id).await?)
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
        let caller = crate::auth::guard::require_user().await?;
        let mut conn = caller.state.conn().await?;
        super::backend::update_preferences(
            &mut conn,
            &caller.auth,
            preferences,
            &caller.client,
            caller.state.clock.now(),
        )
        .await
    }
    .await;
    let keep = [
        ("alert_error_rate_pct", alert_error_rate_pct.as_str()),
        ("alert_p95_latency_ms", alert_p95_latency_ms.as_str()),
        ("timezone", timezone.as_str()),
    ];
    answer(result, "/settings/notifications", &keep, &[])
}

/// Answers how many other sessions were signed out.
#[server(prefix = "/api/fn", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<usize, AppError> {
    let result = async {
        let caller = crate::auth::guard::require_user().await?;
        let (state, auth, client) = (&caller.state, &caller.auth, &caller.client);
        super::backend::change_password(state, auth, &current_password, &new_password, &confirm_password, client).await
    }
    .await;
    let signed_out = result.as_ref().map(usize::to_string).unwrap_or_default();
    answer(result, "/settings/security", &[], &[("signed_out", &signed_out)])
}

#[server(prefix = "/api/fn", endpoint = "load_sessions")]
pub async fn load_sessions() -> Result<Vec<SessionInfo>, AppError> {
    let caller = crate::auth::guard::require_user().await?;
    let (state, now) = (&caller.state, caller.state.clock.now());
    let mut conn = state.conn().await?;
    Ok(super::backend::sessions(&mut conn, &caller.auth, now, state.config.session_idle_timeout).await?)
}

#[server(prefix = "/api/fn", endpoint = "revoke_session")]
pub async fn revoke_session(id: String) -> Result<(), AppError> {
    let result = async {
        let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
        let caller = crate::auth::guard::require_user().await?;
        super::backend::revoke_session(
            &mut *caller.state.conn().await?,
            &caller.auth,
            id,
            &caller.client,
            caller.state.clock.now(),
        )
        .await
    }
    .await;
    answer(result, "/settings/security", &[], &[])
}

/// Answers how many sessions were signed out.
#[server(prefix = "/api/fn", endpoint = "revoke_other_sessions")]
pub async fn revoke_other_sessions() -> Result<usize, AppError> {
    let result = async {
        let caller = crate::auth::guard::require_user().await?;
        let mut conn = caller.state.conn().await?;
        Ok(
            super::backend::revoke_other_sessions(&mut conn, &caller.auth, &caller.client, caller.state.clock.now())
                .await?,
        )
    }
    .await;
    answer(result, "/settings/security", &[], &[])
}

/// One page (1-based) of the user's own activity.
#[server(prefix = "/api/fn", endpoint = "load_activity")]
pub async fn load_activity(page: i64) -> Result<ActivityPage, AppError> {
    let caller = crate::auth::guard::require_user().await?;
    Ok(super::backend::activity(&mut *caller.state.conn().await?, &caller.auth, page).await?)
}

#[server(prefix = "/api/fn", endpoint = "load_billing")]
pub async fn load_billing() -> Result<BillingOverview, AppError> {
    let caller = crate::auth::guard::require_user().await?;
    let mut conn = caller.state.conn().await?;
    Ok(crate::billing::backend::overview(&mut conn, caller.auth.user.id, caller.state.clock.now()).await?)
}

/// Back to the tab: `?saved=1` and `outcome`, or the error and the fields in `keep`.
#[cfg(feature = "ssr")]
fn answer<T>(
    result: Result<T, AppError>,
    tab: &str,
    keep: &[(&str, &str)],
    outcome: &[(&str, &str)],
) -> Result<T, AppError> {
    crate::ui::form::answer_form_post(result, tab, keep, |_| crate::ui::form::saved(tab, outcome))
}
