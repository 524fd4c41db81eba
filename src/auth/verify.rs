//! Confirming an address by a mailed link (24 hours, single use). Registration mails one to the
//! account's address, and the navbar asks for it until it is used; asking for a new address in
//! the profile mails one to that address — the account keeps its address until the link is
//! used — and tells the old address. One live link per purpose: a newer one ends the older.

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use url::Url;
use uuid::Uuid;

use super::backend::{find_account_by_email, lower};
use super::rate_limit::{self, Key};
use super::{Authenticated, PendingAddress, mailed_link};
use crate::audit::{Action, ClientInfo, Entry, log_activity};
use crate::error::AppError;
use crate::mail::{outbox, templates};
use crate::schema::{email_verifications, users};
use crate::server::state::AppState;

pub const VALID_FOR: TimeDelta = TimeDelta::hours(24);

fn invalid_link() -> AppError {
    AppError::BadRequest("This confirmation link is invalid, used or expired: ask for a new one.".to_owned())
}

/// Stores a link confirming `email` for the user and returns it; `current` is the account's
/// address now. Ends the user's live links of the same purpose (confirming the current address,
/// or changing it).
async fn issue(
    conn: &mut AsyncPgConnection,
    app_url: &Url,
    user_id: Uuid,
    current: &str,
    email: &str,
    now: DateTime<Utc>,
) -> QueryResult<Url> {
    let is_current = lower(email_verifications::email).eq(current.to_lowercase());
    let live = email_verifications::table
        .filter(email_verifications::user_id.eq(user_id))
        .filter(email_verifications::used_at.is_null());
    let ended = diesel::update(live).set(email_verifications::used_at.eq(now));
    if email.eq_ignore_ascii_case(current) {
        ended.filter(is_current).execute(conn).await?;
    } else {
        ended.filter(diesel::dsl::not(is_current)).execute(conn).await?;
    }
    let link = mailed_link::new(app_url, "/auth/verify");
    diesel::insert_into(email_verifications::table)
        .values((
            email_verifications::user_id.eq(user_id),
            email_verifications::email.eq(email),
            email_verifications::token_hash.eq(&link.hash),
            email_verifications::created_at.eq(now),
            email_verifications::expires_at.eq(now + VALID_FOR),
        ))
        .execute(conn)
        .await?;
    Ok(link.url)
}

/// Queues the link that confirms a new account's address, in the caller's transaction.
pub async fn mail_new_account(
    conn: &mut AsyncPgConnection,
    app_url: &Url,
    user_id: Uuid,
    email: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let link = issue(conn, app_url, user_id, email, email, now).await?;
    let mail = templates::confirm_address(&link, VALID_FOR.num_hours());
    outbox::enqueue(conn, Some(user_id), email, mail, now).await
}

/// Queues a link to `new` and a notice to `old`, in the caller's transaction (the profile's).
pub async fn request_change(
    conn: &mut AsyncPgConnection,
    app_url: &Url,
    user_id: Uuid,
    (old, new): (&str, &str),
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let link = issue(conn, app_url, user_id, old, new, now).await?;
    let mail = templates::confirm_new_address(&link, VALID_FOR.num_hours());
    outbox::enqueue(conn, Some(user_id), new, mail, now).await?;
    let security = app_url.join("/settings/security").expect("a path joins an origin");
    let notice = templates::address_change_requested(new, now, client.ip.as_deref(), &security);
    outbox::enqueue(conn, Some(user_id), old, notice, now).await
}

/// Mails the account's address a new confirmation link, unless it is confirmed already. Three an
/// hour per account.
pub async fn resend(state: &AppState, auth: &Authenticated) -> Result<(), AppError> {
    let now = state.clock.now();
    let user_id = auth.user.id;
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        let (email, verified_at): (String, Option<DateTime<Utc>>) = users::table
            .find(user_id)
            .select((users::email, users::email_verified_at))
            .for_update()
            .first(conn)
            .await?;
        if verified_at.is_some() {
            return Err(AppError::Conflict("Your address is confirmed already.".to_owned()));
        }
        rate_limit::reserve(conn, &[Key::confirmation_mail(user_id)], now).await?;
        mail_new_account(conn, &state.config.app_url, user_id, &email, now).await?;
        Ok(())
    })
    .await
}

/// The address waiting for its link to change the account's, if any.
pub async fn pending_change(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<Option<String>> {
    email_verifications::table
        .inner_join(users::table)
        .filter(email_verifications::user_id.eq(user_id))
        .filter(email_verifications::used_at.is_null())
        .filter(email_verifications::expires_at.gt(now))
        .filter(lower(email_verifications::email).ne(lower(users::email)))
        .order(email_verifications::created_at.desc())
        .select(email_verifications::email)
        .first(conn)
        .await
        .optional()
}

/// A live link's row: id, user, address.
async fn live_link(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<Option<(i64, Uuid, String)>> {
    email_verifications::table
        .filter(email_verifications::token_hash.eq(hash))
        .filter(email_verifications::used_at.is_null())
        .filter(email_verifications::expires_at.gt(now))
        .select((
            email_verifications::id,
            email_verifications::user_id,
            email_verifications::email,
        ))
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// What a live link would confirm, for the page that asks to use it.
pub async fn pending(state: &AppState, token: &str) -> Result<Option<PendingAddress>, AppError> {
    let Some(hash) = mailed_link::lookup_hash(token) else {
        return Ok(None);
    };
    let now = state.clock.now();
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        let Some((_, user_id, email)) = live_link(conn, &hash, now).await? else {
            return Ok(None);
        };
        let current: String = users::table.find(user_id).select(users::email).first(conn).await?;
        Ok(Some(PendingAddress {
            change: !email.eq_ignore_ascii_case(&current),
            email,
        }))
    })
    .await
}

/// Uses a link: the account's address is confirmed, or becomes the link's address (confirmed).
pub async fn confirm(state: &AppState, token: &str, client: &ClientInfo) -> Result<PendingAddress, AppError> {
    let hash = mailed_link::lookup_hash(token).ok_or_else(invalid_link)?;
    let now = state.clock.now();
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        let Some((id, user_id, email)) = live_link(conn, &hash, now).await? else {
            return Err(invalid_link());
        };
        let current: String = users::table
            .find(user_id)
            .select(users::email)
            .for_update()
            .first(conn)
            .await?;
        let change = !email.eq_ignore_ascii_case(&current);
        if change && find_account_by_email(conn, &email).await?.is_some() {
            return Err(AppError::Conflict(
                "Another account took this address meanwhile: the account keeps its address.".to_owned(),
            ));
        }
        diesel::update(email_verifications::table.find(id))
            .set(email_verifications::used_at.eq(now))
            .execute(conn)
            .await?;
        diesel::update(users::table.find(user_id))
            .set((
                users::email.eq(&email),
                users::email_verified_at.eq(now),
                users::updated_at.eq(now),
            ))
            .execute(conn)
            .await?;
        let entry = if change {
            // Links and reset mails sent to the old address end with it.
            diesel::update(
                email_verifications::table
                    .filter(email_verifications::user_id.eq(user_id))
                    .filter(email_verifications::used_at.is_null()),
            )
            .set(email_verifications::used_at.eq(now))
            .execute(conn)
            .await?;
            super::reset::end_pending(conn, user_id, now).await?;
            Entry::new(Action::EmailChange, json!({ "from": current, "to": email }))
        } else {
            Entry::new(Action::EmailVerify, json!({}))
        };
        log_activity(conn, user_id, entry, client).await?;
        Ok(PendingAddress { email, change })
    })
    .await
}
