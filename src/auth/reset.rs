//! Password reset by mail. A request always gets the same answer, whether or not the address
//! has an account; for an account it stores the SHA-256 of a 32-byte random token (valid 30
//! minutes, single use; a newer request or a successful sign-in ends it) and queues the link in
//! the same transaction. Using the link sets a new password under the usual policy, signs out
//! every session of the account, logs it and mails a notice.

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use super::backend::{find_account_by_email, hash_password};
use super::mailed_link;
use super::rate_limit::{self, Key};
use super::{validate_email, validate_password};
use crate::audit::{Action, ClientInfo, Entry, log_activity};
use crate::error::AppError;
use crate::mail::{outbox, templates};
use crate::schema::{password_resets, sessions, users};
use crate::server::state::AppState;

pub const VALID_FOR: TimeDelta = TimeDelta::minutes(30);

/// A request is answered no sooner than this after it arrived, whatever it found: an address
/// with an account costs a few more statements (about 0.7 ms here, bench/README.md), which
/// would otherwise tell it from one without. Far above that work, well below a person's notice.
const ANSWER_FLOOR: std::time::Duration = std::time::Duration::from_millis(100);

fn invalid_link() -> AppError {
    AppError::BadRequest("This reset link is invalid, used or expired: ask for a new one.".to_owned())
}

/// Queues a reset mail when `email` has an account; answers the same, in the same time, either
/// way.
pub async fn request(state: &AppState, email: &str, client: &ClientInfo) -> Result<(), AppError> {
    let arrived = tokio::time::Instant::now();
    let answer = queue_link(state, email, client).await;
    tokio::time::sleep_until(arrived + ANSWER_FLOOR).await;
    answer
}

async fn queue_link(state: &AppState, email: &str, client: &ClientInfo) -> Result<(), AppError> {
    let email = email.trim().to_lowercase();
    validate_email(&email).map_err(|message| AppError::field("email", message))?;
    let now = state.clock.now();
    let link = mailed_link::new(&state.config.app_url, "/auth/reset");
    let keys = Key::password_reset(&email, client);
    // One transaction whether or not the address has an account (the count is a write either
    // way): the work differs by a few statements, which `ANSWER_FLOOR` hides.
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        rate_limit::reserve(conn, &keys, now).await?;
        let Some((user_id, address)) = find_account_by_email(conn, &email).await? else {
            return Ok(());
        };
        // Locked: two requests at once cannot both leave a live link.
        users::table
            .find(user_id)
            .select(users::id)
            .for_update()
            .execute(conn)
            .await?;
        end_pending(conn, user_id, now).await?;
        diesel::insert_into(password_resets::table)
            .values((
                password_resets::user_id.eq(user_id),
                password_resets::token_hash.eq(&link.hash),
                password_resets::created_at.eq(now),
                password_resets::expires_at.eq(now + VALID_FOR),
            ))
            .execute(conn)
            .await?;
        let mail = templates::password_reset(&link.url, VALID_FOR.num_minutes());
        outbox::enqueue(conn, Some(user_id), &address, mail, now).await?;
        Ok::<_, AppError>(())
    })
    .await
}

/// Ends every unused reset link of the user (a newer one, a sign-in, a reset).
pub async fn end_pending(conn: &mut AsyncPgConnection, user_id: Uuid, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(
        password_resets::table
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(now))
    .execute(conn)
    .await
}

/// The user a live link belongs to, if it is one.
async fn live_link(conn: &mut AsyncPgConnection, hash: &[u8], now: DateTime<Utc>) -> QueryResult<Option<(i64, Uuid)>> {
    password_resets::table
        .filter(password_resets::token_hash.eq(hash))
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(now))
        .select((password_resets::id, password_resets::user_id))
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Whether `token` is a live link.
pub async fn is_live(state: &AppState, token: &str) -> Result<bool, AppError> {
    let Some(hash) = mailed_link::lookup_hash(token) else {
        return Ok(false);
    };
    let mut conn = state.conn().await?;
    Ok(live_link(&mut conn, &hash, state.clock.now()).await?.is_some())
}

/// Sets the new password of the link's account, ends the link and every session, logs it and
/// mails a notice.
pub async fn reset(
    state: &AppState,
    token: &str,
    password: &str,
    confirm_password: &str,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let Some(hash) = mailed_link::lookup_hash(token) else {
        return Err(invalid_link());
    };
    if !is_live(state, token).await? {
        return Err(invalid_link());
    }
    AppError::check_fields([
        ("password", validate_password(password)),
        (
            "confirm_password",
            if password == confirm_password {
                Ok(())
            } else {
                Err("The passwords do not match.".to_owned())
            },
        ),
    ])?;
    let password_hash = hash_password(password.to_owned(), state.config.bcrypt_cost).await?;
    let now = state.clock.now();
    let forgot = state
        .config
        .app_url
        .join("/auth/forgot")
        .expect("a path joins an origin");
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        // Checked again under the row's lock: two uses of one link cannot both pass.
        let Some((_, user_id)) = live_link(conn, &hash, now).await? else {
            return Ok(Err(invalid_link()));
        };
        let address: String = diesel::update(users::table.find(user_id))
            .set((
                users::password_hash.eq(password_hash.as_str()),
                users::updated_at.eq(now),
            ))
            .returning(users::email)
            .get_result(conn)
            .await?;
        end_pending(conn, user_id, now).await?;
        let revoked = diesel::update(
            sessions::table
                .filter(sessions::user_id.eq(user_id))
                .filter(sessions::revoked_at.is_null()),
        )
        .set(sessions::revoked_at.eq(now))
        .execute(conn)
        .await?;
        log_activity(
            conn,
            user_id,
            Entry::new(Action::PasswordReset, json!({ "sessions_revoked": revoked })),
            client,
        )
        .await?;
        let mail = templates::password_changed(now, client.ip.as_deref(), &forgot);
        outbox::enqueue(conn, Some(user_id), &address, mail, now).await?;
        Ok::<_, diesel::result::Error>(Ok(()))
    })
    .await?
}
