//! What a verified identity does to the accounts: signs in the account it is linked to, makes a
//! client account from a verified address no account has, waits for the password of the
//! account that has it; linking and unlinking from the security tab.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use super::{LinkedIdentity, SignInMethods};
use crate::audit::{Action, ClientInfo, Entry, log_activity};
use crate::auth::backend::{
    EMAIL_TAKEN, SignInOutcome, find_account_by_email, finish_sign_in, insert_session, insert_user_if_absent,
    reserve_registration, signed_in, user_with_id,
};
use crate::auth::{NAME_MAX_CHARS, Role, User, validate_email, validate_name};
use crate::error::AppError;
use crate::schema::{user_identities, users};
use crate::server::state::AppState;

pub const UNVERIFIED_EMAIL: &str = "has not confirmed an email address for your account, so no portal account can be made from it. Confirm your address there, or register with a password.";
const LAST_WAY_IN: &str = "This is your only way to sign in. Set a password first (\"Forgot your password?\" on the sign-in page mails a link), then unlink it.";

/// Who a provider says the user is, after its ID token (or GitHub's API) passed every check.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The configured name it came through.
    pub provider: String,
    /// Where subjects are unique: the OpenID Connect issuer, or GitHub's address.
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    /// Only the provider's `email_verified: true` counts.
    pub email_verified: bool,
    pub name: Option<String>,
}

impl Identity {
    /// The identity as the portal keeps it: a subject of 1 to 255 bytes (else refused); an
    /// address that is not a plausible one of at most 254 characters is dropped.
    pub fn bounded(mut self, label: &str) -> Result<Self, AppError> {
        if self.subject.is_empty() || self.subject.len() > 255 || self.issuer.len() > 255 {
            return Err(AppError::BadRequest(format!(
                "{label} sent an account id the portal cannot keep. Sign in another way."
            )));
        }
        self.email = self.email.filter(|email| validate_email(email).is_ok());
        self.name = self.name.filter(|name| name.len() <= 1024);
        Ok(self)
    }
}

/// Where a sign-in through a provider arrives.
pub enum Arrival {
    /// A session, or the code step of an account with two-factor sign-in.
    Outcome(SignInOutcome),
    /// The verified address is an account's that this provider is not linked to: its password
    /// must confirm the link first (never linked silently).
    NeedsPassword { user_id: Uuid },
}

pub async fn sign_in(
    state: &AppState,
    identity: &Identity,
    label: &str,
    client: &ClientInfo,
) -> Result<Arrival, AppError> {
    let mut conn = state.conn().await?;
    if let Some(outcome) = sign_in_linked(state, &mut conn, identity, client).await? {
        return Ok(Arrival::Outcome(outcome));
    }
    let email = verified_email(identity, label)?;
    if let Some((user_id, _)) = find_account_by_email(&mut conn, &email).await? {
        return needs_password(state, &mut conn, user_id).await;
    }
    drop(conn);
    if let Some(signed_in) = register(state, identity, &email, client).await? {
        return Ok(Arrival::Outcome(SignInOutcome::SignedIn(signed_in)));
    }
    // The address was taken a moment ago: by this same identity (a second callback), or by
    // another account, whose password decides.
    let mut conn = state.conn().await?;
    if let Some(outcome) = sign_in_linked(state, &mut conn, identity, client).await? {
        return Ok(Arrival::Outcome(outcome));
    }
    let (user_id, _) = find_account_by_email(&mut conn, &email)
        .await?
        .ok_or_else(|| AppError::Conflict(EMAIL_TAKEN.into()))?;
    needs_password(state, &mut conn, user_id).await
}

/// Whether the account signs in with a password too.
pub async fn has_password(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<bool> {
    users::table
        .find(user_id)
        .select(users::password_hash.is_not_null())
        .first(conn)
        .await
}

/// Signs in the account the identity is linked to, if any.
async fn sign_in_linked(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    identity: &Identity,
    client: &ClientInfo,
) -> Result<Option<SignInOutcome>, AppError> {
    let linked: Option<Uuid> = diesel::update(
        user_identities::table
            .filter(user_identities::issuer.eq(&identity.issuer))
            .filter(user_identities::subject.eq(&identity.subject)),
    )
    .set(user_identities::last_used_at.eq(state.clock.now()))
    .returning(user_identities::user_id)
    .get_result(conn)
    .await
    .optional()?;
    let Some(user_id) = linked else {
        return Ok(None);
    };
    let user = user_with_id(conn, user_id).await?.ok_or(AppError::Unauthorized)?;
    let details = json!({ "provider": identity.provider });
    Ok(Some(finish_sign_in(state, conn, user, &[], client, details).await?))
}

/// The link page, for an account with a password; an account without one can only say how it
/// signs in (its providers), after which this provider is linked from its security tab.
async fn needs_password(state: &AppState, conn: &mut AsyncPgConnection, user_id: Uuid) -> Result<Arrival, AppError> {
    if has_password(conn, user_id).await? {
        return Ok(Arrival::NeedsPassword { user_id });
    }
    let providers: Vec<String> = user_identities::table
        .filter(user_identities::user_id.eq(user_id))
        .select(user_identities::provider)
        .load(conn)
        .await?;
    let labels: Vec<String> = providers.iter().map(|p| state.identities.label_of(p)).collect();
    Err(AppError::Conflict(format!(
        "An account with this address already signs in with {}. Sign in that way, then link this one from Settings → Security.",
        labels.join(" or ")
    )))
}

fn verified_email(identity: &Identity, label: &str) -> Result<String, AppError> {
    match &identity.email {
        Some(email) if identity.email_verified && validate_email(email).is_ok() => Ok(email.clone()),
        _ => Err(AppError::BadRequest(format!("{label} {UNVERIFIED_EMAIL}"))),
    }
}

/// A new client account from a verified address: no password, the address confirmed, the
/// identity linked, a session. Counts against the address's registrations. `None` when the
/// address was taken meanwhile.
async fn register(
    state: &AppState,
    identity: &Identity,
    email: &str,
    client: &ClientInfo,
) -> Result<Option<crate::auth::backend::SignedIn>, AppError> {
    let now = state.clock.now();
    reserve_registration(state, client, now).await?;
    let name = display_name(identity.name.as_deref(), email);
    let expires_in = state.config.jwt_expires_in;
    let mut conn = state.conn().await?;
    let made = conn
        .transaction(async |conn| {
            let Some(id) = insert_user_if_absent(conn, email, &name, None, Role::Client).await? else {
                return Ok(None);
            };
            diesel::update(users::table.find(id))
                .set(users::email_verified_at.eq(now))
                .execute(conn)
                .await?;
            insert_identity(conn, id, identity, now).await?;
            let (session_id, _) = insert_session(conn, id, now, expires_in, client).await?;
            let details = json!({ "provider": identity.provider });
            log_activity(conn, id, Entry::new(Action::Register, details), client).await?;
            Ok::<_, diesel::result::Error>(Some((id, session_id)))
        })
        .await?;
    Ok(made.map(|(id, session_id)| {
        let user = User {
            id,
            email: email.to_owned(),
            name,
            role: Role::Client,
            email_verified: true,
            avatar: None,
        };
        signed_in(state, user, session_id, now)
    }))
}

/// The provider's name for the user when it is a valid one, else the address's local part.
fn display_name(given: Option<&str>, email: &str) -> String {
    match given.map(str::trim).filter(|name| validate_name(name).is_ok()) {
        Some(name) => name.to_owned(),
        None => {
            let local = email.split('@').next().unwrap_or(email);
            local.chars().filter(|c| !c.is_control()).take(NAME_MAX_CHARS).collect()
        }
    }
}

async fn insert_identity(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    identity: &Identity,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<()> {
    diesel::insert_into(user_identities::table)
        .values((
            user_identities::user_id.eq(user_id),
            user_identities::provider.eq(&identity.provider),
            user_identities::issuer.eq(&identity.issuer),
            user_identities::subject.eq(&identity.subject),
            user_identities::email.eq(identity.email.as_deref()),
            user_identities::created_at.eq(now),
            user_identities::last_used_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Links `identity` to the account, unless the provider's account is another's, this account
/// already has one of the provider's, or the account's address is unconfirmed and not the one
/// the provider verified (else whoever registered someone else's address could keep a way in
/// after its owner reset the password). A verified address equal to the account's confirms it.
pub async fn link(
    state: &AppState,
    user_id: Uuid,
    identity: &Identity,
    label: &str,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        let (address, confirmed) = users::table
            .find(user_id)
            .select((users::email, users::email_verified_at.is_not_null()))
            .first::<(String, bool)>(conn)
            .await?;
        let vouched = identity.email_verified
            && identity
                .email
                .as_deref()
                .is_some_and(|email| email.eq_ignore_ascii_case(&address));
        if !confirmed && !vouched {
            return Err(AppError::Conflict(
                "Confirm your email address first (the link we mailed you), then link a provider.".to_owned(),
            ));
        }
        let owners: Vec<(Uuid, String)> = user_identities::table
            .filter(
                user_identities::issuer
                    .eq(&identity.issuer)
                    .and(user_identities::subject.eq(&identity.subject))
                    .or(user_identities::user_id
                        .eq(user_id)
                        .and(user_identities::provider.eq(&identity.provider))),
            )
            .select((user_identities::user_id, user_identities::subject))
            .load(conn)
            .await?;
        if let Some((owner, subject)) = owners.into_iter().next() {
            let message = match (owner == user_id, subject == identity.subject) {
                (true, true) => format!("This {label} account is already linked to yours."),
                (true, false) => {
                    format!("Your account is already linked to another {label} account: unlink that one first.")
                }
                (false, _) => format!("This {label} account is linked to another portal account."),
            };
            return Err(AppError::Conflict(message));
        }
        insert_identity(conn, user_id, identity, now).await?;
        if vouched && !confirmed {
            diesel::update(users::table.find(user_id))
                .set(users::email_verified_at.eq(now))
                .execute(conn)
                .await?;
        }
        let details = json!({ "provider": identity.provider, "email": identity.email });
        log_activity(conn, user_id, Entry::new(Action::IdentityLink, details), client).await?;
        Ok(())
    })
    .await
}

/// The account's ways in, and the configured providers it could still link.
pub async fn methods(state: &AppState, user_id: Uuid) -> Result<SignInMethods, AppError> {
    let mut conn = state.conn().await?;
    let has_password = has_password(&mut conn, user_id).await?;
    type Row = (
        Uuid,
        String,
        Option<String>,
        chrono::DateTime<chrono::Utc>,
        Option<chrono::DateTime<chrono::Utc>>,
    );
    let rows: Vec<Row> = user_identities::table
        .filter(user_identities::user_id.eq(user_id))
        .order(user_identities::created_at)
        .select((
            user_identities::id,
            user_identities::provider,
            user_identities::email,
            user_identities::created_at,
            user_identities::last_used_at,
        ))
        .load(&mut conn)
        .await?;
    let directory = &state.identities;
    let linked: Vec<LinkedIdentity> = rows
        .into_iter()
        .map(|(id, provider, email, created_at, last_used_at)| LinkedIdentity {
            id,
            label: directory.label_of(&provider),
            provider,
            email,
            created_at,
            last_used_at,
        })
        .collect();
    let linkable = directory
        .buttons()
        .into_iter()
        .filter(|button| !linked.iter().any(|l| l.provider == button.name))
        .collect();
    Ok(SignInMethods {
        has_password,
        linked,
        linkable,
    })
}

/// Unlinks one of the account's providers, unless it is the last way in. The account's row is
/// locked meanwhile, so two unlinks at once cannot both leave it.
pub async fn unlink(state: &AppState, user_id: Uuid, id: Uuid, client: &ClientInfo) -> Result<(), AppError> {
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        let has_password = users::table
            .find(user_id)
            .select(users::password_hash.is_not_null())
            .for_update()
            .first::<bool>(conn)
            .await?;
        let linked: Vec<(Uuid, String)> = user_identities::table
            .filter(user_identities::user_id.eq(user_id))
            .select((user_identities::id, user_identities::provider))
            .load(conn)
            .await?;
        let Some((_, provider)) = linked.iter().find(|(linked_id, _)| *linked_id == id) else {
            return Err(AppError::NotFound);
        };
        if !has_password && linked.len() == 1 {
            return Err(AppError::Conflict(LAST_WAY_IN.into()));
        }
        diesel::delete(user_identities::table.find(id)).execute(conn).await?;
        log_activity(
            conn,
            user_id,
            Entry::new(Action::IdentityUnlink, json!({ "provider": provider })),
            client,
        )
        .await?;
        Ok(())
    })
    .await
}

/// Links the waiting identity to its account once `password` proved the account's (counted
/// against the account's password checks), then signs in as a password would.
pub async fn confirm_link(
    state: &AppState,
    user_id: Uuid,
    identity: &Identity,
    label: &str,
    password: &str,
    client: &ClientInfo,
) -> Result<SignInOutcome, AppError> {
    crate::auth::backend::confirm_password(state, user_id, password)
        .await
        .map_err(|error| error.with_field_renamed("current_password", "password"))?;
    link(state, user_id, identity, label, client).await?;
    let mut conn = state.conn().await?;
    let user = user_with_id(&mut conn, user_id).await?.ok_or(AppError::NotFound)?;
    let details = json!({ "provider": identity.provider, "linked": true });
    finish_sign_in(state, &mut conn, user, &[], client, details).await
}

#[cfg(test)]
mod tests {
    use super::display_name;

    #[test]
    fn a_name_from_the_provider_or_the_address() {
        assert_eq!(display_name(Some(" Ada Lovelace "), "ada@example.com"), "Ada Lovelace");
        assert_eq!(display_name(None, "ada@example.com"), "ada");
        assert_eq!(display_name(Some("  "), "grace@example.com"), "grace");
        assert_eq!(display_name(Some(&"n".repeat(300)), "x@example.com"), "x");
    }
}
