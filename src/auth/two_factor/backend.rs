//! Two-factor sign-in on the server: the secret and its codes, recovery codes, setting it up and
//! turning it off, and the second step of a sign-in.

use axum::http::{HeaderMap, HeaderValue};
use axum_extra::extract::cookie::CookieJar;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rand::Rng;
use serde_json::json;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, TOTP};
use uuid::Uuid;

use super::{Enrolment, TwoFactorStatus, WRONG_CODE};
use crate::audit::{Action, ClientInfo, Entry, log_activity};
use crate::auth::backend::confirm_password;
use crate::auth::{Authenticated, Role};
use crate::error::AppError;
use crate::mail::{outbox, templates};
use crate::schema::{portal_settings, recovery_codes, two_factor};
use crate::server::config::Config;
use crate::server::cookies::{self, CookieName};
use crate::server::state::AppState;

/// The name authenticator apps show above the code.
const ISSUER: &str = "RagSites Portal";
const STEP_SECONDS: i64 = 30;
const RECOVERY_CODE_COUNT: usize = 10;
/// Lowercase letters and digits without `i`, `l`, `o` and `1`: 32 signs, 5 bits each.
const RECOVERY_ALPHABET: &[u8; 32] = b"abcdefghjkmnpqrstuvwxyz023456789";
const RECOVERY_CODE_CHARS: usize = 10;
/// How long freshly made recovery codes stay on the security tab if never dismissed.
const SHOW_CODES_FOR: Duration = Duration::minutes(30);
/// How long a sign-in may wait between its password and its code.
pub const CHALLENGE_LIFETIME: Duration = Duration::minutes(5);

/// The cookie that carries a sign-in's challenge from the password page to the code page.
const CHALLENGE_COOKIE: CookieName = CookieName::new("__Host-ragsites_2fa");

pub fn challenge_cookie(config: &Config, challenge: &str) -> HeaderValue {
    let lifetime = time::Duration::seconds(CHALLENGE_LIFETIME.num_seconds());
    cookies::set_cookie(config, &CHALLENGE_COOKIE, challenge.to_owned(), lifetime)
}

pub fn clear_challenge_cookie(config: &Config) -> HeaderValue {
    cookies::clear_cookie(config, &CHALLENGE_COOKIE)
}

/// The challenge a browser brought back, if any.
pub fn challenge_from(config: &Config, headers: &HeaderMap) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(CHALLENGE_COOKIE.get(config))
        .map(|cookie| cookie.value().to_owned())
        .filter(|value| !value.is_empty())
}

fn totp(secret: &[u8], account: &str, skew: u8) -> TOTP {
    TOTP::new_unchecked(
        Algorithm::SHA1,
        6,
        skew,
        STEP_SECONDS as u64,
        secret.to_vec(),
        Some(ISSUER.to_owned()),
        account.to_owned(),
    )
}

/// The time step `code` was made for, if it is the code of the current step or of the one just
/// before or after it (clocks drift).
pub fn matching_step(secret: &[u8], code: &str, now: DateTime<Utc>) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let exact = totp(secret, "", 0);
    let current = now.timestamp().div_euclid(STEP_SECONDS);
    (current - 1..=current + 1).find(|step| exact.check(code, (step * STEP_SECONDS) as u64))
}

fn new_recovery_codes() -> Vec<String> {
    let mut rng = rand::rng();
    (0..RECOVERY_CODE_COUNT)
        .map(|_| {
            let code: String = (0..RECOVERY_CODE_CHARS)
                .map(|_| char::from(RECOVERY_ALPHABET[rng.random_range(0..RECOVERY_ALPHABET.len())]))
                .collect();
            format!("{}-{}", &code[..5], &code[5..])
        })
        .collect()
}

/// The stored form of a recovery code as typed (any case, with or without its dash); `None`
/// when it cannot be one.
fn recovery_hash(typed: &str) -> Option<Vec<u8>> {
    let code: String = typed
        .trim()
        .chars()
        .filter(|c| *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let valid = code.len() == RECOVERY_CODE_CHARS && code.bytes().all(|b| RECOVERY_ALPHABET.contains(&b));
    valid.then(|| Sha256::digest(code.as_bytes()).to_vec())
}

/// Whether the portal requires two-factor sign-in of admin accounts.
pub async fn required_for_admins(conn: &mut AsyncPgConnection) -> QueryResult<bool> {
    portal_settings::table
        .select(portal_settings::require_admin_two_factor)
        .first(conn)
        .await
}

/// Sets whether the portal requires two-factor sign-in of admin accounts (an admin's act, in
/// the trail).
pub async fn require_for_admins(
    state: &AppState,
    admin: &Authenticated,
    required: bool,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        diesel::update(portal_settings::table)
            .set(portal_settings::require_admin_two_factor.eq(required))
            .execute(conn)
            .await?;
        let detail = json!({ "required": required });
        log_activity(conn, admin.user.id, Entry::new(Action::TwoFactorPolicy, detail), client).await
    })
    .await?;
    Ok(())
}

/// Whether this admin must set up two-factor sign-in before anything else: the portal requires
/// it and they have not.
pub async fn must_enrol(state: &AppState, auth: &Authenticated) -> Result<bool, AppError> {
    if auth.user.role != Role::Admin {
        return Ok(false);
    }
    let mut conn = state.conn().await?;
    Ok(required_for_admins(&mut conn).await? && !is_enabled(&mut conn, auth.user.id).await?)
}

/// Whether the user signs in with a second factor.
pub async fn is_enabled(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        two_factor::table
            .filter(two_factor::user_id.eq(user_id))
            .filter(two_factor::enabled_at.is_not_null()),
    ))
    .get_result(conn)
    .await
}

/// The secret, when it was turned on, and the new recovery codes with how long they show.
type StoredRow = (Vec<u8>, Option<DateTime<Utc>>, Option<String>, Option<DateTime<Utc>>);

pub async fn status(state: &AppState, auth: &Authenticated) -> Result<TwoFactorStatus, AppError> {
    let now = state.clock.now();
    let user_id = auth.user.id;
    let mut conn = state.conn().await?;
    let row: Option<StoredRow> = two_factor::table
        .find(user_id)
        .select((
            two_factor::secret,
            two_factor::enabled_at,
            two_factor::codes_to_show,
            two_factor::show_until,
        ))
        .first(&mut conn)
        .await
        .optional()?;
    let recovery_codes_left: i64 = recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(&mut conn)
        .await?;
    let required = auth.user.role == Role::Admin && required_for_admins(&mut conn).await?;
    let Some((secret, enabled_at, codes, show_until)) = row else {
        return Ok(TwoFactorStatus {
            enabled_since: None,
            enrolment: None,
            recovery_codes_left,
            new_recovery_codes: None,
            required,
        });
    };
    let enrolment = match enabled_at {
        Some(_) => None,
        None => Some(enrolment(&secret, &auth.user.email)?),
    };
    let new_recovery_codes = codes
        .filter(|_| show_until.is_some_and(|until| until > now))
        .map(|codes| codes.lines().map(str::to_owned).collect());
    Ok(TwoFactorStatus {
        enabled_since: enabled_at,
        enrolment,
        recovery_codes_left,
        new_recovery_codes,
        required,
    })
}

fn enrolment(secret: &[u8], email: &str) -> Result<Enrolment, AppError> {
    let totp = totp(secret, email, 1);
    let qr = qrcode::QrCode::new(totp.get_url().as_bytes()).map_err(|e| AppError::internal("QR code", e))?;
    let svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    // The renderer starts with an XML declaration, which has no place inside HTML.
    let qr_svg = svg.find("<svg").map_or(svg.clone(), |start| svg[start..].to_owned());
    let base32 = totp.get_secret_base32();
    let grouped: Vec<&str> = base32
        .as_bytes()
        .chunks(4)
        .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
        .collect();
    Ok(Enrolment {
        secret: grouped.join(" "),
        qr_svg,
    })
}

/// Begins a setup with a new secret (a setup begun before is replaced).
pub async fn start(state: &AppState, auth: &Authenticated) -> Result<(), AppError> {
    let secret: [u8; 20] = rand::rng().random();
    let started = diesel::sql_query(
        "INSERT INTO two_factor AS t (user_id, secret, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at \
         WHERE t.enabled_at IS NULL",
    )
    .bind::<diesel::sql_types::Uuid, _>(auth.user.id)
    .bind::<diesel::sql_types::Bytea, _>(secret.as_slice())
    .bind::<diesel::sql_types::Timestamptz, _>(state.clock.now())
    .execute(&mut *state.conn().await?)
    .await?;
    if started == 0 {
        return Err(AppError::Conflict("Two-factor authentication is already on.".into()));
    }
    Ok(())
}

/// Finishes a setup with a first code from the app: turns it on and makes the recovery codes.
pub async fn confirm(state: &AppState, auth: &Authenticated, code: &str, client: &ClientInfo) -> Result<(), AppError> {
    let now = state.clock.now();
    let user_id = auth.user.id;
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        let secret: Vec<u8> = two_factor::table
            .find(user_id)
            .filter(two_factor::enabled_at.is_null())
            .select(two_factor::secret)
            .for_update()
            .first(conn)
            .await
            .optional()?
            .ok_or_else(|| AppError::Conflict("Start the setup of two-factor authentication first.".into()))?;
        let step = matching_step(&secret, code, now).ok_or_else(|| AppError::field("code", WRONG_CODE))?;
        diesel::update(two_factor::table.find(user_id))
            .set((two_factor::enabled_at.eq(now), two_factor::last_step.eq(step)))
            .execute(conn)
            .await?;
        replace_recovery_codes(conn, user_id, now).await?;
        log_activity(conn, user_id, Entry::new(Action::TwoFactorEnable, json!({})), client).await?;
        mail_notice(state, conn, auth, true, client).await?;
        Ok(())
    })
    .await
}

/// Tells the account's address that two-factor sign-in was turned on or off (in the change's
/// transaction: the mail goes if and only if the change holds).
async fn mail_notice(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    on: bool,
    client: &ClientInfo,
) -> QueryResult<()> {
    let security = state
        .config
        .app_url
        .join("/settings/security")
        .expect("a path joins an origin");
    let mail = templates::two_factor_changed(on, client.at, client.ip.as_deref(), &security);
    outbox::enqueue(conn, Some(auth.user.id), &auth.user.email, mail, client.at).await
}

/// New recovery codes in place of the old ones, shown on the security tab for a while.
async fn replace_recovery_codes(conn: &mut AsyncPgConnection, user_id: Uuid, now: DateTime<Utc>) -> QueryResult<()> {
    let codes = new_recovery_codes();
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = codes
        .iter()
        .filter_map(|code| recovery_hash(code))
        .map(|hash| (recovery_codes::user_id.eq(user_id), recovery_codes::code_hash.eq(hash)))
        .collect();
    diesel::insert_into(recovery_codes::table)
        .values(rows)
        .execute(conn)
        .await?;
    diesel::update(two_factor::table.find(user_id))
        .set((
            two_factor::codes_to_show.eq(codes.join("\n")),
            two_factor::show_until.eq(now + SHOW_CODES_FOR),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// New recovery codes (the old ones stop working), after the password.
pub async fn regenerate(
    state: &AppState,
    auth: &Authenticated,
    password: &str,
    client: &ClientInfo,
) -> Result<(), AppError> {
    confirm_password(state, auth.user.id, password).await?;
    let now = state.clock.now();
    let user_id = auth.user.id;
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        if !is_enabled(conn, user_id).await? {
            return Err(AppError::Conflict("Two-factor authentication is off.".into()));
        }
        replace_recovery_codes(conn, user_id, now).await?;
        log_activity(conn, user_id, Entry::new(Action::RecoveryCodesRenew, json!({})), client).await?;
        Ok(())
    })
    .await
}

/// Stops showing the new recovery codes.
pub async fn dismiss_codes(state: &AppState, auth: &Authenticated) -> Result<(), AppError> {
    diesel::update(two_factor::table.find(auth.user.id))
        .set((
            two_factor::codes_to_show.eq(None::<String>),
            two_factor::show_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(&mut *state.conn().await?)
        .await?;
    Ok(())
}

/// Turns two-factor sign-in off, after the password and a code (or a recovery code). An admin
/// on a portal that requires it cannot.
pub async fn disable(
    state: &AppState,
    auth: &Authenticated,
    password: &str,
    code: &str,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let user_id = auth.user.id;
    if auth.user.role == Role::Admin && required_for_admins(&mut *state.conn().await?).await? {
        return Err(AppError::Conflict(
            "Two-factor authentication is required for admin accounts on this portal.".into(),
        ));
    }
    confirm_password(state, user_id, password).await?;
    let now = state.clock.now();
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        if spend_code(conn, user_id, code, now).await?.is_none() {
            return Err(AppError::field("code", WRONG_CODE));
        }
        diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
            .execute(conn)
            .await?;
        diesel::delete(two_factor::table.find(user_id)).execute(conn).await?;
        log_activity(conn, user_id, Entry::new(Action::TwoFactorDisable, json!({})), client).await?;
        mail_notice(state, conn, auth, false, client).await?;
        Ok(())
    })
    .await
}

/// Which kind of code let a sign-in through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeUsed {
    App,
    Recovery,
}

/// Checks and spends a code: an app code of a later time step than the last one accepted (so
/// none works twice), or an unused recovery code (used up here); `None` for anything else.
pub async fn spend_code(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    code: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<CodeUsed>> {
    if let Some(hash) = recovery_hash(code) {
        let used = diesel::update(
            recovery_codes::table
                .find((user_id, hash))
                .filter(recovery_codes::used_at.is_null()),
        )
        .set(recovery_codes::used_at.eq(now))
        .execute(conn)
        .await?;
        return Ok((used == 1).then_some(CodeUsed::Recovery));
    }
    let secret: Option<Vec<u8>> = two_factor::table
        .find(user_id)
        .filter(two_factor::enabled_at.is_not_null())
        .select(two_factor::secret)
        .first(conn)
        .await
        .optional()?;
    let Some(step) = secret.and_then(|secret| matching_step(&secret, code, now)) else {
        return Ok(None);
    };
    let spent = diesel::update(
        two_factor::table
            .find(user_id)
            .filter(two_factor::last_step.is_null().or(two_factor::last_step.lt(step))),
    )
    .set(two_factor::last_step.eq(step))
    .execute(conn)
    .await?;
    Ok((spent == 1).then_some(CodeUsed::App))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890"; six digits are the last
    /// six of the eight-digit values listed there.
    #[test]
    fn codes_match_the_rfc_6238_vectors_within_one_step() {
        let secret = b"12345678901234567890";
        let at = |seconds: i64| DateTime::from_timestamp(seconds, 0).unwrap();
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(matching_step(secret, code, at(time)), Some(time / 30), "{time}");
            assert_eq!(
                matching_step(secret, code, at(time + 30)),
                Some(time / 30),
                "a step late"
            );
            assert_eq!(
                matching_step(secret, code, at(time - 30)),
                Some(time / 30),
                "a step early"
            );
            assert_eq!(matching_step(secret, code, at(time + 60)), None, "two steps late");
        }
        for bad in ["", "28708", "2870822", "28708a", "abcdef"] {
            assert_eq!(matching_step(secret, bad, at(59)), None, "{bad:?}");
        }
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_read_back_in_any_case() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let hashes: std::collections::HashSet<_> = codes.iter().map(|c| recovery_hash(c).unwrap()).collect();
        assert_eq!(hashes.len(), 10);
        let code = &codes[0];
        assert_eq!(code.len(), 11);
        assert_eq!(recovery_hash(&code.to_uppercase()), recovery_hash(code));
        assert_eq!(recovery_hash(&code.replace('-', "")), recovery_hash(code));
        assert_eq!(recovery_hash("123456"), None, "an app code is not a recovery code");
        assert_eq!(recovery_hash("abcde-fghi1"), None, "1 is not in the alphabet");
    }
}
