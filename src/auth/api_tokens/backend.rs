//! API tokens on the server: made, listed, revoked by their owner, and turned into a user for
//! the REST API.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use super::{ApiTokenInfo, ApiTokens, LIFETIMES, Scope};
use crate::audit::{Action, ClientInfo, Entry, log_activity};
use crate::auth::backend::user_with_id;
use crate::auth::{Authenticated, secret};
use crate::error::AppError;
use crate::schema::api_tokens;
use crate::server::state::AppState;

/// How tokens begin.
pub const KIND: &str = "rpt";
/// Live tokens per user.
const MAX_LIVE: i64 = 20;
/// Tokens listed (the newest).
const LISTED: i64 = 50;
/// How long a new token waits on the page for its owner to copy it.
const SHOW_FOR: Duration = Duration::minutes(10);
/// `last_used_at` is written at most this often.
const LAST_USED_RESOLUTION: Duration = Duration::minutes(1);

/// Whether a bearer credential is written like an API token (rather than a session token).
pub fn is_api_token(token: &str) -> bool {
    secret::prefix_of(KIND, token).is_some()
}

type TokenRow = (
    Uuid,
    String,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

fn info((id, name, scope, prefix, created_at, expires_at, last_used_at, revoked_at): TokenRow) -> ApiTokenInfo {
    ApiTokenInfo {
        id,
        name,
        scope: Scope::parse(&scope).unwrap_or(Scope::Read),
        prefix: format!("{KIND}_{prefix}"),
        created_at,
        expires_at,
        last_used_at,
        revoked_at,
    }
}

pub async fn list(state: &AppState, auth: &Authenticated) -> Result<ApiTokens, AppError> {
    let now = state.clock.now();
    let mut conn = state.conn().await?;
    let rows: Vec<(TokenRow, Option<String>, Option<DateTime<Utc>>)> = api_tokens::table
        .filter(api_tokens::user_id.eq(auth.user.id))
        .order(api_tokens::created_at.desc())
        .limit(LISTED)
        .select((
            (
                api_tokens::id,
                api_tokens::name,
                api_tokens::scope,
                api_tokens::prefix,
                api_tokens::created_at,
                api_tokens::expires_at,
                api_tokens::last_used_at,
                api_tokens::revoked_at,
            ),
            api_tokens::to_show,
            api_tokens::show_until,
        ))
        .load(&mut conn)
        .await?;
    let new_token = rows
        .iter()
        .find_map(|(_, shown, until)| shown.clone().filter(|_| until.is_some_and(|until| until > now)));
    Ok(ApiTokens {
        tokens: rows.into_iter().map(|(row, ..)| info(row)).collect(),
        new_token,
    })
}

/// Makes a token; its whole text is shown on the security tab until copied.
pub async fn create(
    state: &AppState,
    auth: &Authenticated,
    name: &str,
    scope: &str,
    lifetime: &str,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let name = name.trim();
    let mut fields = crate::error::FieldErrors::new();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        fields.insert(
            "name".into(),
            "Name the token (1 to 100 characters), e.g. after the script that uses it.".into(),
        );
    }
    let scope = Scope::parse(scope);
    if scope.is_none() {
        fields.insert("scope".into(), "Choose read or read and write.".into());
    }
    let lifetime = LIFETIMES
        .iter()
        .find(|(value, ..)| *value == lifetime)
        .map(|(.., days)| *days);
    if lifetime.is_none() {
        fields.insert("lifetime".into(), "Choose how long the token works.".into());
    }
    if let Some(error) = AppError::from_fields(fields) {
        return Err(error);
    }
    let (scope, days) = (scope.expect("checked"), lifetime.expect("checked"));
    let now = state.clock.now();
    let issued = secret::issue(KIND);
    let user_id = auth.user.id;
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        let live: i64 = api_tokens::table
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null())
            .filter(api_tokens::expires_at.is_null().or(api_tokens::expires_at.gt(now)))
            .count()
            .get_result(conn)
            .await?;
        if live >= MAX_LIVE {
            return Err(AppError::Conflict(format!(
                "You can have at most {MAX_LIVE} live API tokens: revoke one first."
            )));
        }
        // A token shown before and not yet copied is not shown again next to the new one.
        diesel::update(api_tokens::table.filter(api_tokens::user_id.eq(user_id)))
            .filter(api_tokens::to_show.is_not_null())
            .set((
                api_tokens::to_show.eq(None::<String>),
                api_tokens::show_until.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)
            .await?;
        diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::user_id.eq(user_id),
                api_tokens::name.eq(name),
                api_tokens::scope.eq(scope.as_str()),
                api_tokens::prefix.eq(&issued.prefix),
                api_tokens::secret_hash.eq(&issued.hash),
                api_tokens::created_at.eq(now),
                api_tokens::expires_at.eq(days.map(|days| now + Duration::days(days))),
                api_tokens::to_show.eq(&issued.whole),
                api_tokens::show_until.eq(now + SHOW_FOR),
            ))
            .execute(conn)
            .await?;
        let detail = json!({ "token_prefix": format!("{KIND}_{}", issued.prefix), "scope": scope.as_str() });
        log_activity(conn, user_id, Entry::new(Action::ApiTokenCreate, detail), client).await?;
        Ok(())
    })
    .await
}

/// Stops showing the new token.
pub async fn dismiss(state: &AppState, auth: &Authenticated) -> Result<(), AppError> {
    diesel::update(api_tokens::table.filter(api_tokens::user_id.eq(auth.user.id)))
        .set((
            api_tokens::to_show.eq(None::<String>),
            api_tokens::show_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(&mut *state.conn().await?)
        .await?;
    Ok(())
}

/// Revokes one of the caller's live tokens: it stops working at once. Another's, or one
/// revoked already, is not found.
pub async fn revoke(state: &AppState, auth: &Authenticated, id: Uuid, client: &ClientInfo) -> Result<(), AppError> {
    let now = state.clock.now();
    let user_id = auth.user.id;
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        let prefix: String = diesel::update(
            api_tokens::table
                .find(id)
                .filter(api_tokens::user_id.eq(user_id))
                .filter(api_tokens::revoked_at.is_null()),
        )
        .set((api_tokens::revoked_at.eq(now), api_tokens::to_show.eq(None::<String>)))
        .returning(api_tokens::prefix)
        .get_result(conn)
        .await
        .optional()?
        .ok_or(AppError::NotFound)?;
        let detail = json!({ "token_prefix": format!("{KIND}_{prefix}") });
        log_activity(conn, user_id, Entry::new(Action::ApiTokenRevoke, detail), client).await?;
        Ok(())
    })
    .await
}

/// A live token's owner, hash, scope and last use.
type LiveToken = (Uuid, Vec<u8>, String, Option<DateTime<Utc>>);

/// The user and scope of a live token (neither revoked nor expired); `Unauthorized` for
/// anything else.
pub async fn authenticate(state: &AppState, token: &str) -> Result<(Authenticated, Scope), AppError> {
    let now = state.clock.now();
    let prefix = secret::prefix_of(KIND, token).ok_or(AppError::Unauthorized)?;
    let mut conn = state.conn().await?;
    let found: Option<LiveToken> = api_tokens::table
        .filter(api_tokens::prefix.eq(prefix))
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::expires_at.is_null().or(api_tokens::expires_at.gt(now)))
        .select((
            api_tokens::user_id,
            api_tokens::secret_hash,
            api_tokens::scope,
            api_tokens::last_used_at,
        ))
        .first(&mut conn)
        .await
        .optional()?;
    let (user_id, stored, scope, last_used) = found.ok_or(AppError::Unauthorized)?;
    if !secret::matches(&stored, token) {
        return Err(AppError::Unauthorized);
    }
    if last_used.is_none_or(|at| now - at > LAST_USED_RESOLUTION) {
        diesel::update(api_tokens::table.filter(api_tokens::prefix.eq(prefix)))
            .set(api_tokens::last_used_at.eq(now))
            .execute(&mut conn)
            .await?;
    }
    let user = user_with_id(&mut conn, user_id).await?.ok_or(AppError::Unauthorized)?;
    let auth = Authenticated {
        user,
        // No session stands behind a token: nothing a session does (sign out, refresh) applies.
        session_id: Uuid::nil(),
    };
    Ok((auth, Scope::parse(&scope).unwrap_or(Scope::Read)))
}
