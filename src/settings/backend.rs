//! Settings on the server: every operation is about the signed-in user's own rows only.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use super::{ACTIVITY_PAGE_SIZE, ActivityEntry, ActivityPage, Preferences, Profile, SessionInfo};
use crate::analytics::window::known_timezones;
use crate::audit::{Action, ClientInfo, Entry, describe_user_agent, log_activity};
use crate::auth::Authenticated;
use crate::auth::backend::{
    EMAIL_TAKEN, confirm_password, end_other_sessions, find_account_by_email, hash_password, live_session, set_password,
};
use crate::auth::validate_password;
use crate::auth::verify;
use crate::error::AppError;
use crate::schema::{activity_logs, sessions, user_preferences, users};
use crate::server::state::AppState;

/// The profile, with the new address waiting for its link at `now`, if any.
pub async fn profile(conn: &mut AsyncPgConnection, user_id: Uuid, now: DateTime<Utc>) -> QueryResult<Profile> {
    let (name, email, company, bio, avatar_url) = users::table
        .find(user_id)
        .select((users::name, users::email, users::company, users::bio, users::avatar_url))
        .first(conn)
        .await?;
    let pending_email = crate::auth::verify::pending_change(conn, user_id, now).await?;
    Ok(Profile {
        name,
        email,
        company,
        bio,
        avatar_url,
        pending_email,
    })
}

/// Saves the profile. A new email needs the current password and must be free; it signs out
/// every other session of the user and waits for its mailed link (the old address is told).
pub async fn update_profile(
    state: &AppState,
    auth: &Authenticated,
    new: Profile,
    current_password: Option<&str>,
    client: &ClientInfo,
) -> Result<Profile, AppError> {
    let new = new.normalized();
    new.validate()?;
    let user_id = auth.user.id;
    let old = profile(&mut *state.conn().await?, user_id, state.clock.now()).await?;
    let email_changes = !new.email.eq_ignore_ascii_case(&old.email);
    if email_changes {
        confirm_password(state, user_id, current_password.unwrap_or("")).await?;
    }
    let mut conn = state.conn().await?;
    let now = state.clock.now();
    // A new address waits for its link; a change of case alone is no new address.
    let email = if email_changes { &old.email } else { &new.email };
    conn.transaction(async |conn| {
        diesel::update(users::table.find(user_id))
            .set((
                users::name.eq(&new.name),
                users::email.eq(email),
                users::company.eq(&new.company),
                users::bio.eq(&new.bio),
                users::avatar_url.eq(&new.avatar_url),
                users::updated_at.eq(now),
            ))
            .execute(conn)
            .await?;
        if email_changes {
            if find_account_by_email(conn, &new.email).await?.is_some() {
                return Err(AppError::field("email", EMAIL_TAKEN));
            }
            // Like a new password: whoever signed in with the old address is signed out.
            let revoked = end_other_sessions(conn, auth, now).await?;
            crate::auth::reset::end_pending(conn, user_id, now).await?;
            let addresses = (old.email.as_str(), new.email.as_str());
            verify::request_change(conn, &state.config.app_url, user_id, addresses, client, now).await?;
            let detail = json!({ "to": new.email, "sessions_revoked": revoked });
            log_activity(conn, user_id, Entry::new(Action::EmailChangeRequest, detail), client).await?;
        }
        log_activity(conn, user_id, Entry::new(Action::ProfileUpdate, json!({})), client).await?;
        Ok(())
    })
    .await?;
    Ok(profile(&mut conn, user_id, now).await?)
}

/// The user's preferences; the defaults until they first save.
pub async fn preferences(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<Preferences> {
    let row = user_preferences::table
        .find(user_id)
        .select((
            user_preferences::email_notifications,
            user_preferences::weekly_report,
            user_preferences::alert_error_rate_pct,
            user_preferences::alert_p95_latency_ms,
            user_preferences::timezone,
        ))
        .first(conn)
        .await
        .optional()?;
    Ok(
        row.map_or_else(Preferences::default, |(email, weekly, rate, p95, timezone)| {
            Preferences {
                email_notifications: email,
                weekly_report: weekly,
                alert_error_rate_pct: rate,
                alert_p95_latency_ms: p95,
                timezone,
            }
        }),
    )
}

pub async fn update_preferences(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    new: Preferences,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> Result<Preferences, AppError> {
    let new = Preferences {
        timezone: new.timezone.trim().to_owned(),
        ..new
    };
    let mut fields = new.validate();
    if !fields.contains_key("timezone") && !known_timezones(conn).await?.contains(&new.timezone) {
        fields.insert(
            "timezone".into(),
            format!("Unknown time zone {:?}: use a name such as Europe/Paris.", new.timezone),
        );
    }
    if let Some(error) = AppError::from_fields(fields) {
        return Err(error);
    }
    let user_id = auth.user.id;
    let values = (
        user_preferences::user_id.eq(user_id),
        user_preferences::email_notifications.eq(new.email_notifications),
        user_preferences::weekly_report.eq(new.weekly_report),
        user_preferences::alert_error_rate_pct.eq(new.alert_error_rate_pct),
        user_preferences::alert_p95_latency_ms.eq(new.alert_p95_latency_ms),
        user_preferences::timezone.eq(&new.timezone),
        user_preferences::updated_at.eq(now),
    );
    conn.transaction(async |conn| {
        diesel::insert_into(user_preferences::table)
            .values(values)
            .on_conflict(user_preferences::user_id)
            .do_update()
            .set(values)
            .execute(conn)
            .await?;
        log_activity(conn, user_id, Entry::new(Action::PreferencesUpdate, json!({})), client).await
    })
    .await?;
    Ok(new)
}

/// Changes the password (the current one first) and signs out every other session.
pub async fn change_password(
    state: &AppState,
    auth: &Authenticated,
    current: &str,
    new: &str,
    confirm: &str,
    client: &ClientInfo,
) -> Result<usize, AppError> {
    if let Err(message) = validate_password(new) {
        return Err(AppError::field("new_password", message));
    }
    if new != confirm {
        return Err(AppError::field("confirm_password", "Passwords do not match."));
    }
    confirm_password(state, auth.user.id, current).await?;
    let hash = hash_password(new.to_owned(), state.config.bcrypt_cost).await?;
    Ok(set_password(&mut *state.conn().await?, auth, hash, client, state.clock.now()).await?)
}

/// id, user agent, IP, created, last seen.
type SessionRow = (Uuid, Option<String>, Option<String>, DateTime<Utc>, DateTime<Utc>);

/// The user's live sessions (see [`live_session`]), most recently used first.
pub async fn sessions(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    now: DateTime<Utc>,
    idle_timeout: Duration,
) -> QueryResult<Vec<SessionInfo>> {
    let rows: Vec<SessionRow> = sessions::table
        .filter(sessions::user_id.eq(auth.user.id))
        .filter(live_session(now, idle_timeout))
        .order(sessions::last_seen_at.desc())
        .select((
            sessions::id,
            sessions::user_agent,
            sessions::ip,
            sessions::created_at,
            sessions::last_seen_at,
        ))
        .limit(100)
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, agent, ip, created_at, last_seen_at)| {
            let (browser, os) = describe_user_agent(agent.as_deref());
            SessionInfo {
                id,
                browser,
                os,
                ip,
                created_at,
                last_seen_at,
                current: id == auth.session_id,
            }
        })
        .collect())
}

/// Signs out one of the user's other sessions; anyone else's is `NotFound`.
pub async fn revoke_session(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    id: Uuid,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if id == auth.session_id {
        return Err(AppError::BadRequest(
            "This is the session you are using: sign out instead.".into(),
        ));
    }
    let user_id = auth.user.id;
    let revoked = conn
        .transaction(async |conn| {
            let revoked = diesel::update(
                sessions::table
                    .find(id)
                    .filter(sessions::user_id.eq(user_id))
                    .filter(sessions::revoked_at.is_null()),
            )
            .set(sessions::revoked_at.eq(now))
            .execute(conn)
            .await?;
            if revoked == 1 {
                log_activity(
                    conn,
                    user_id,
                    Entry::new(Action::SessionRevoke, json!({ "session_id": id })),
                    client,
                )
                .await?;
            }
            Ok::<_, diesel::result::Error>(revoked)
        })
        .await?;
    if revoked == 1 { Ok(()) } else { Err(AppError::NotFound) }
}

/// Signs out every session of the user but this one; answers how many.
pub async fn revoke_other_sessions(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let user_id = auth.user.id;
    conn.transaction(async |conn| {
        let revoked = end_other_sessions(conn, auth, now).await?;
        log_activity(
            conn,
            user_id,
            Entry::new(Action::SessionRevokeOthers, json!({ "revoked": revoked })),
            client,
        )
        .await?;
        Ok(revoked)
    })
    .await
}

/// One page (1-based) of the user's own audit trail, newest first.
pub async fn activity(conn: &mut AsyncPgConnection, auth: &Authenticated, page: i64) -> QueryResult<ActivityPage> {
    let page = page.clamp(1, 10_000);
    let rows: Vec<(String, Option<String>, DateTime<Utc>)> = activity_logs::table
        .filter(activity_logs::user_id.eq(auth.user.id))
        .order((activity_logs::created_at.desc(), activity_logs::id.desc()))
        .select((activity_logs::action, activity_logs::ip, activity_logs::created_at))
        .offset((page - 1) * ACTIVITY_PAGE_SIZE)
        .limit(ACTIVITY_PAGE_SIZE + 1)
        .load(conn)
        .await?;
    let has_more = rows.len() as i64 > ACTIVITY_PAGE_SIZE;
    // Only this code writes actions: one it does not know is from a newer version, left out.
    let entries = rows
        .into_iter()
        .take(ACTIVITY_PAGE_SIZE as usize)
        .filter_map(|(action, ip, at)| {
            let action = Action::parse(&action)?;
            Some(ActivityEntry {
                summary: action.describe().to_owned(),
                action,
                ip,
                at,
            })
        })
        .collect();
    Ok(ActivityPage {
        entries,
        page,
        has_more,
    })
}
