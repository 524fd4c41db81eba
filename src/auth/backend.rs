//! Server-side account operations: registration, sign-in, sessions, the audit trail.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use tokio::sync::{OnceCell, Semaphore, SemaphorePermit};
use uuid::Uuid;

use super::rate_limit::{self, Key};
use super::token;
use super::two_factor::WRONG_CODE;
use super::two_factor::backend as two_factor;
use super::{Authenticated, RegisterForm, Role, User, validate_email};
use crate::audit::{Action, ClientInfo, Entry, describe_user_agent, log_activity, used_device_since};
use crate::error::AppError;
use crate::mail::{outbox, templates};
use crate::schema::{sessions, user_preferences, users};
use crate::server::state::AppState;

pub const EMAIL_TAKEN: &str = "An account with this email already exists.";
/// What a password check answers for an account made through an identity provider.
pub const NO_PASSWORD: &str =
    "Your account has no password yet: \"Forgot your password?\" on the sign-in page mails you a link to set one.";
/// Longest password accepted at sign-in before hashing: bounds the work an attacker can cause.
const SIGN_IN_PASSWORD_MAX_BYTES: usize = 1024;
/// `last_seen_at` is refreshed at most this often, so most requests only read.
const LAST_SEEN_RESOLUTION: Duration = Duration::minutes(5);

/// A sign-in from a browser, system and address the account has not used for this long is
/// mailed to it.
const DEVICE_MEMORY: Duration = Duration::days(90);

/// A bcrypt hash. Deliberately neither `Serialize` nor `Debug`-printable.
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

/// What a right password leads to.
pub enum SignInOutcome {
    SignedIn(SignedIn),
    /// The account signs in with a second factor: the challenge stands for the right password
    /// until the code comes (`complete_two_factor`); no session exists yet.
    TwoFactor {
        challenge: String,
    },
}

/// The result of a successful registration or sign-in.
pub struct SignedIn {
    pub user: User,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// bcrypt at cost 12 takes a few hundred milliseconds of CPU. It runs on the blocking pool, and
/// at most one core fewer than the machine has hashes at once, so a flood of sign-ins queues
/// here instead of starving every other request of CPU. A password check counts its attempt
/// while holding its turn, so the attempts counted but not yet decided are at most these turns.
async fn hashing_turn() -> Result<SemaphorePermit<'static>, AppError> {
    static HASHING: std::sync::LazyLock<Semaphore> = std::sync::LazyLock::new(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Semaphore::new(cores.saturating_sub(1).max(1))
    });
    // This queue bounds the request from here on: it need not hold a turn of the server's too.
    crate::server::admission::step_aside();
    let _queued = crate::server::metrics::bcrypt_queued();
    HASHING
        .acquire()
        .await
        .map_err(|e| AppError::internal("hashing permit", e))
}

async fn run_bcrypt<T: Send + 'static>(
    _turn: &SemaphorePermit<'static>,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::internal("hashing task", e))
}

pub async fn hash_password(password: String, cost: u32) -> Result<PasswordHash, AppError> {
    let turn = hashing_turn().await?;
    run_bcrypt(&turn, move || bcrypt::hash(password, cost))
        .await?
        .map(PasswordHash)
        .map_err(|e| AppError::internal("bcrypt hash", e))
}

async fn verify_password(turn: &SemaphorePermit<'static>, password: String, hash: String) -> Result<bool, AppError> {
    run_bcrypt(turn, move || bcrypt::verify(password, &hash).unwrap_or(false)).await
}

/// Whether `password` is the one `hash` was made of, checked in its turn with the other hashes.
pub async fn password_matches(password: String, hash: String) -> Result<bool, AppError> {
    let turn = hashing_turn().await?;
    verify_password(&turn, password, hash).await
}

/// Checks a signed-in user's current password before a sensitive change. Each check counts
/// against the user's limit before the hash is compared (a right answer gives it back), so a
/// stolen session cannot guess the password, not even with parallel requests.
pub async fn confirm_password(state: &AppState, user_id: Uuid, password: &str) -> Result<(), AppError> {
    let wrong = || AppError::field("current_password", "The current password is wrong.");
    if password.is_empty() {
        return Err(AppError::field("current_password", "Enter your current password."));
    }
    if password.len() > SIGN_IN_PASSWORD_MAX_BYTES {
        return Err(wrong());
    }
    let keys = [Key::current_password(user_id)];
    let turn = hashing_turn().await?;
    let now = state.clock.now();
    let conn = state.conn().await?;
    let shared: &AsyncPgConnection = &conn;
    let stored = users::table
        .find(user_id)
        .select(users::password_hash)
        .get_result::<Option<String>>(&mut &*shared);
    let (_, hash) = futures_util::try_join!(rate_limit::reserve(shared, &keys, now), async {
        stored.await.map_err(AppError::from)
    })?;
    // Hold no pooled connection during the slow hash.
    drop(conn);
    let hash = hash.ok_or_else(|| AppError::field("current_password", NO_PASSWORD))?;
    let matches = verify_password(&turn, password.to_owned(), hash).await?;
    drop(turn);
    if !matches {
        return Err(wrong());
    }
    rate_limit::release(&*state.conn().await?, &keys, now).await?;
    Ok(())
}

/// Replaces the password and revokes every other live session of the user; answers how many.
pub async fn set_password(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    hash: PasswordHash,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let user_id = auth.user.id;
    conn.transaction(async |conn| {
        diesel::update(users::table.find(user_id))
            .set((users::password_hash.eq(&hash.0), users::updated_at.eq(now)))
            .execute(conn)
            .await?;
        let revoked = end_other_sessions(conn, auth, now).await?;
        super::reset::end_pending(conn, user_id, now).await?;
        log_activity(
            conn,
            user_id,
            Entry::new(Action::PasswordChange, json!({ "sessions_revoked": revoked })),
            client,
        )
        .await?;
        Ok(revoked)
    })
    .await
}

/// Revokes every live session of the user but the one `auth` came with; answers how many.
pub async fn end_other_sessions(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(auth.user.id))
            .filter(sessions::id.ne(auth.session_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)
    .await
}

/// A hash to check against when the email is unknown, so both failures take as long.
async fn dummy_hash(cost: u32) -> Result<String, AppError> {
    static DUMMY: OnceCell<String> = OnceCell::const_new();
    DUMMY
        .get_or_try_init(|| async { hash_password("not a real password".into(), cost).await.map(|h| h.0) })
        .await
        .cloned()
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUser<'a> {
    email: &'a str,
    name: &'a str,
    password_hash: Option<&'a str>,
    role: &'a str,
}

/// Inserts a user unless the email (in any case) is taken; returns the new id, or `None`.
/// Without a hash the account signs in only through its identity provider.
pub async fn insert_user_if_absent(
    conn: &mut AsyncPgConnection,
    email: &str,
    name: &str,
    hash: Option<&PasswordHash>,
    role: Role,
) -> QueryResult<Option<Uuid>> {
    let id = diesel::insert_into(users::table)
        .values(NewUser {
            email: email.trim(),
            name: name.trim(),
            password_hash: hash.map(|h| h.0.as_str()),
            role: role.as_str(),
        })
        .on_conflict_do_nothing()
        .returning(users::id)
        .get_result(conn)
        .await
        .optional()?;
    if let Some(id) = id {
        diesel::insert_into(user_preferences::table)
            .values(user_preferences::user_id.eq(id))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(id)
}

define_sql_function!(
    /// SQL `lower()`: emails compare case-insensitively.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text
);

type UserRow = (Uuid, String, String, String, Option<DateTime<Utc>>, Option<String>);
#[allow(clippy::type_complexity)]
const USER_COLUMNS: (
    users::id,
    users::email,
    users::name,
    users::role,
    users::email_verified_at,
    users::avatar_key,
) = (
    users::id,
    users::email,
    users::name,
    users::role,
    users::email_verified_at,
    users::avatar_key,
);

fn user_from_row((id, email, name, role, verified_at, avatar_key): UserRow) -> User {
    User {
        id,
        email,
        name,
        role: Role::parse(&role).unwrap_or(Role::Client),
        email_verified: verified_at.is_some(),
        avatar: avatar_key.map(|key| crate::settings::avatar::url_of(id, &key)),
    }
}

/// The user with this id, if the account exists.
pub async fn user_with_id(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<User>> {
    let row: Option<UserRow> = users::table
        .find(id)
        .select(USER_COLUMNS)
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(user_from_row))
}

/// The id and stored address of the user with this email, compared case-insensitively.
pub async fn find_account_by_email(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Option<(Uuid, String)>> {
    users::table
        .filter(lower(users::email).eq(email.trim().to_lowercase()))
        .select((users::id, users::email))
        .first(conn)
        .await
        .optional()
}

/// Counts a registration against its address's hourly limit (`REGISTRATIONS_PER_HOUR`).
pub(super) async fn reserve_registration(
    state: &AppState,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let key = Key::registration(client, state.config.registrations_per_hour);
    rate_limit::reserve(&*state.conn().await?, &[key], now)
        .await
        .map_err(|error| match error {
            AppError::RateLimited { retry_after } => AppError::RegistrationsLimited { retry_after },
            other => other,
        })
}

/// Creates the account, its preferences, a session and the audit entry in one transaction.
/// Each registration from an address counts against its limit before the password is hashed.
pub async fn register(state: &AppState, form: RegisterForm, client: &ClientInfo) -> Result<SignedIn, AppError> {
    form.validate()?;
    let now = state.clock.now();
    reserve_registration(state, client, now).await?;
    let hash = hash_password(form.password.clone(), state.config.bcrypt_cost).await?;
    let mut conn = state.conn().await?;
    let expires_in = state.config.jwt_expires_in;
    let (user, session_id, now) = conn
        .transaction(async |conn| {
            let Some(id) = insert_user_if_absent(conn, &form.email, &form.name, Some(&hash), Role::Client).await?
            else {
                return Ok(None);
            };
            let user = User {
                id,
                email: form.email.trim().to_owned(),
                name: form.name.trim().to_owned(),
                role: Role::Client,
                email_verified: false,
                avatar: None,
            };
            let (session_id, now) = insert_session(conn, id, now, expires_in, client).await?;
            log_activity(conn, id, Entry::new(Action::Register, json!({})), client).await?;
            super::verify::mail_new_account(conn, &state.config.app_url, id, &user.email, now).await?;
            Ok::<_, diesel::result::Error>(Some((user, session_id, now)))
        })
        .await?
        .ok_or_else(|| AppError::Conflict(EMAIL_TAKEN.into()))?;
    Ok(signed_in(state, user, session_id, now))
}

/// Checks the password (timing does not reveal whether the email exists) and opens a session.
/// The attempt counts against the sign-in limits (`rate_limit`) before the hash is compared,
/// and a right password gives it back.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: &str,
    client: &ClientInfo,
) -> Result<SignInOutcome, AppError> {
    let email = email.trim().to_lowercase();
    if email.is_empty() || password.is_empty() {
        let mut fields = crate::error::FieldErrors::new();
        if email.is_empty() {
            fields.insert("email".into(), "Email is required.".into());
        }
        if password.is_empty() {
            fields.insert("password".into(), "Password is required.".into());
        }
        return Err(AppError::from_fields(fields).expect("at least one field"));
    }
    let invalid = || AppError::InvalidCredentials;
    if validate_email(&email).is_err() || password.len() > SIGN_IN_PASSWORD_MAX_BYTES {
        return Err(invalid());
    }
    let keys = Key::sign_in(&email, client);
    let dummy = dummy_hash(state.config.bcrypt_cost).await?;

    let turn = hashing_turn().await?;
    let now = state.clock.now();
    let conn = state.conn().await?;
    let shared: &AsyncPgConnection = &conn;
    let found = users::table
        .filter(lower(users::email).eq(&email))
        .select((USER_COLUMNS, users::password_hash))
        .first::<(UserRow, Option<String>)>(&mut &*shared);
    let (_, found) = futures_util::try_join!(rate_limit::reserve(shared, &keys, now), async {
        found.await.optional().map_err(AppError::from)
    })?;
    // No account, or one made through an identity provider without a password: the dummy is
    // compared all the same, so the time taken tells nothing, and never counts as a match.
    let (row, hash) = match found {
        Some((row, Some(hash))) => (Some(row), Some(hash)),
        Some((row, None)) => (Some(row), None),
        None => (None, None),
    };
    let has_password = hash.is_some();
    // Hold no pooled connection during the slow hash.
    drop(conn);
    let matches = verify_password(&turn, password.to_owned(), hash.unwrap_or(dummy)).await? && has_password;
    drop(turn);
    let mut conn = state.conn().await?;
    let user = match (row, matches) {
        (Some(row), true) => user_from_row(row),
        (row, _) => {
            record_failure(&mut conn, row.map(|(id, ..)| id), "wrong_password", client).await?;
            return Err(invalid());
        }
    };
    finish_sign_in(state, &mut conn, user, &keys, client, json!({})).await
}

/// The end of a sign-in whose first factor passed (a password, an identity provider): the code
/// step when the account has two-factor sign-in on, else a session. Gives the attempt counted
/// on `keys` back; `details` go into the audit entry.
pub async fn finish_sign_in(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    user: User,
    keys: &[Key],
    client: &ClientInfo,
    details: serde_json::Value,
) -> Result<SignInOutcome, AppError> {
    let now = state.clock.now();
    if two_factor::is_enabled(conn, user.id).await? {
        rate_limit::release(conn, keys, now).await?;
        let challenge = token::issue_challenge(&state.config, user.id, now, now + two_factor::CHALLENGE_LIFETIME);
        return Ok(SignInOutcome::TwoFactor { challenge });
    }
    let signed_in = open_session(state, conn, user, keys, client, now, details).await?;
    Ok(SignInOutcome::SignedIn(signed_in))
}

/// What the code step answers when its challenge is missing, stale or forged.
const CHALLENGE_EXPIRED: &str = "This sign-in took too long: sign in again.";

/// The second step of a sign-in with two factors: the challenge the password earned, and a code
/// from the app or a recovery code. Each code counts against the same limits as a password.
pub async fn complete_two_factor(
    state: &AppState,
    challenge: &str,
    code: &str,
    client: &ClientInfo,
) -> Result<SignedIn, AppError> {
    let now = state.clock.now();
    let user_id = token::decode_challenge(&state.config, challenge, now)
        .ok_or_else(|| AppError::field("code", CHALLENGE_EXPIRED))?;
    if code.trim().is_empty() {
        return Err(AppError::field("code", "Enter the code from your authenticator app."));
    }
    let mut conn = state.conn().await?;
    let user = user_with_id(&mut conn, user_id)
        .await?
        .ok_or_else(|| AppError::field("code", CHALLENGE_EXPIRED))?;
    let keys = Key::sign_in(&user.email.to_lowercase(), client);
    rate_limit::reserve(&conn, &keys, now).await?;
    let Some(used) = two_factor::spend_code(&mut conn, user_id, code, now).await? else {
        record_failure(&mut conn, Some(user_id), "wrong_code", client).await?;
        return Err(AppError::field("code", WRONG_CODE));
    };
    let factor = match used {
        two_factor::CodeUsed::App => "app",
        two_factor::CodeUsed::Recovery => "recovery_code",
    };
    open_session(
        state,
        &mut conn,
        user,
        &keys,
        client,
        now,
        json!({ "second_factor": factor }),
    )
    .await
}

/// A refused sign-in: in the trail of its account (when the email has one) and in the metrics.
async fn record_failure(
    conn: &mut AsyncPgConnection,
    user_id: Option<Uuid>,
    reason: &str,
    client: &ClientInfo,
) -> QueryResult<()> {
    if let Some(id) = user_id {
        log_activity(
            conn,
            id,
            Entry::new(Action::SignInFailed, json!({ "reason": reason })),
            client,
        )
        .await?;
    }
    crate::server::metrics::sign_in_failed();
    Ok(())
}

/// Opens a session for a sign-in that passed every check: gives its attempt back, mails a new
/// device, writes the audit entry (with `details`) and ends pending reset links.
async fn open_session(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    user: User,
    keys: &[Key],
    client: &ClientInfo,
    now: DateTime<Utc>,
    details: serde_json::Value,
) -> Result<SignedIn, AppError> {
    let expires_in = state.config.jwt_expires_in;
    let (user_id, address) = (user.id, user.email.clone());
    let security = state
        .config
        .app_url
        .join("/settings/security")
        .expect("a path joins an origin");
    let (session_id, now) = conn
        .transaction(async |conn| {
            let shared: &AsyncPgConnection = conn;
            let (_, session) = futures_util::try_join!(
                rate_limit::release(shared, keys, now),
                insert_session(shared, user_id, now, expires_in, client)
            )?;
            if !used_device_since(conn, user_id, client, now - DEVICE_MEMORY).await? {
                let (browser, os) = describe_user_agent(client.user_agent.as_deref());
                let mail = templates::new_device_sign_in(now, &browser, &os, client.ip.as_deref(), &security);
                outbox::enqueue(conn, Some(user_id), &address, mail, now).await?;
            }
            log_activity(conn, user_id, Entry::new(Action::SignIn, details), client).await?;
            super::reset::end_pending(conn, user_id, now).await?;
            Ok::<_, diesel::result::Error>(session)
        })
        .await?;
    Ok(signed_in(state, user, session_id, now))
}

pub(super) fn signed_in(state: &AppState, user: User, session_id: Uuid, now: DateTime<Utc>) -> SignedIn {
    let expires_at = now + state.config.jwt_expires_in;
    let token = token::issue(&state.config, user.id, session_id, now, expires_at);
    SignedIn {
        user,
        token,
        expires_at,
    }
}

pub(super) async fn insert_session(
    conn: &AsyncPgConnection,
    user_id: Uuid,
    now: DateTime<Utc>,
    expires_in: Duration,
    client: &ClientInfo,
) -> QueryResult<(Uuid, DateTime<Utc>)> {
    let id = diesel::insert_into(sessions::table)
        .values((
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(now + expires_in),
            sessions::user_agent.eq(client.user_agent.as_deref()),
            sessions::ip.eq(client.ip.as_deref()),
        ))
        .returning(sessions::id)
        .get_result(&mut &*conn)
        .await?;
    Ok((id, now))
}

/// A session whose token still lets its user in: neither revoked nor expired, and used within
/// `idle_timeout` (`SESSION_IDLE_TIMEOUT`). Every list and count of sessions shows only these.
#[diesel::dsl::auto_type]
pub fn live_session(now: DateTime<Utc>, idle_timeout: Duration) -> _ {
    let idle_since: DateTime<Utc> = now - idle_timeout;
    sessions::revoked_at
        .is_null()
        .and(sessions::expires_at.gt(now))
        .and(sessions::last_seen_at.ge(idle_since))
}

/// The one place that turns a token into a user: signature, expiry, and a live session row
/// that has been used within `SESSION_IDLE_TIMEOUT` (to within `LAST_SEEN_RESOLUTION`).
pub async fn authenticate(state: &AppState, token: &str) -> Result<Authenticated, AppError> {
    let now = state.clock.now();
    let claims = token::decode(&state.config, token, now)?;
    let mut conn = state.conn().await?;
    let (row, last_seen): (UserRow, DateTime<Utc>) = sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(claims.sid))
        .filter(sessions::user_id.eq(claims.sub))
        .filter(live_session(now, state.config.session_idle_timeout))
        .select((USER_COLUMNS, sessions::last_seen_at))
        .first(&mut conn)
        .await
        .optional()?
        .ok_or(AppError::Unauthorized)?;
    if now - last_seen > LAST_SEEN_RESOLUTION {
        diesel::update(sessions::table.find(claims.sid))
            .set(sessions::last_seen_at.eq(now))
            .execute(&mut conn)
            .await?;
    }
    Ok(Authenticated {
        user: user_from_row(row),
        session_id: claims.sid,
    })
}

/// A fresh token for the caller's live session, which lives `JWT_EXPIRES_IN` from now (an API
/// token has no session to refresh: 403).
pub async fn refresh(state: &AppState, auth: &Authenticated) -> Result<SignedIn, AppError> {
    if auth.session_id.is_nil() {
        return Err(AppError::Forbidden);
    }
    let now = state.clock.now();
    let expires_at = now + state.config.jwt_expires_in;
    let extended = diesel::update(
        sessions::table
            .find(auth.session_id)
            .filter(live_session(now, state.config.session_idle_timeout)),
    )
    .set((sessions::expires_at.eq(expires_at), sessions::last_seen_at.eq(now)))
    .execute(&mut *state.conn().await?)
    .await?;
    if extended == 0 {
        return Err(AppError::Unauthorized);
    }
    Ok(signed_in(state, auth.user.clone(), auth.session_id, now))
}

/// Revokes the session: its token stops working at once, wherever it was copied.
pub async fn sign_out(state: &AppState, auth: &Authenticated, client: &ClientInfo) -> Result<(), AppError> {
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        diesel::update(
            sessions::table
                .find(auth.session_id)
                .filter(sessions::revoked_at.is_null()),
        )
        .set(sessions::revoked_at.eq(state.clock.now()))
        .execute(conn)
        .await?;
        log_activity(conn, auth.user.id, Entry::new(Action::SignOut, json!({})), client).await
    })
    .await?;
    Ok(())
}

/// Deletes sessions that expired or were revoked more than `older_than_days` ago.
pub async fn cleanup_sessions(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    older_than_days: u32,
) -> QueryResult<usize> {
    let cutoff = now - Duration::days(i64::from(older_than_days));
    diesel::delete(sessions::table.filter(sessions::expires_at.lt(cutoff).or(sessions::revoked_at.lt(cutoff))))
        .execute(conn)
        .await
}
