//! Share links in PostgreSQL: made, listed and revoked by their owner; opened by their token.
//! A link shows its owner's own services as a client sees them (an admin's link too), with
//! neither their account's activity nor anything to change.

use std::ops::RangeInclusive;

use axum::http::{HeaderMap, HeaderValue};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use super::{EXPIRIES, KIND, LinkStatus, MAX_LABEL_CHARS, OpenView, PATH, ShareLinkInfo, ShareLinks, SharedView};
use crate::analytics::{AnalyticsQuery, Range};
use crate::audit::{Action, ClientInfo, Entry, log_activity};
use crate::auth::rate_limit::{self, Key};
use crate::auth::{Authenticated, Role, secret};
use crate::dashboard::DashboardData;
use crate::dashboard::load::Reader;
use crate::error::{AppError, FieldErrors};
use crate::schema::{services, share_links, users};
use crate::server::state::AppState;

/// The links the owner's list shows: every working one (at most `MAX_LIVE`), then the latest
/// closed ones.
const LISTED: i64 = 100;
/// Links that work at once, per owner.
const MAX_LIVE: i64 = 50;
/// How long a new link's address stays on the sharing tab, if not dismissed.
const SHOW_FOR: Duration = Duration::minutes(10);
const PASSWORD_CHARS: RangeInclusive<usize> = 8..=72;
/// bcrypt reads no further: a longer password would match any with the same start.
const PASSWORD_MAX_BYTES: usize = 72;

/// What the share form sends.
pub struct NewLink<'a> {
    pub label: &'a str,
    /// A service's id, or empty: the dashboard.
    pub service: &'a str,
    /// The view's range, kept in the address.
    pub range: &'a str,
    pub expires: &'a str,
    /// Empty: none.
    pub password: &'a str,
    pub allow_export: bool,
}

/// A link opened by its token, still working.
pub struct Link {
    pub id: Uuid,
    pub owner: Uuid,
    pub service: Option<Uuid>,
    pub label: String,
    password_hash: Option<String>,
    pub allow_export: bool,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Makes a link; its address is shown on the sharing tab until copied.
pub async fn create(
    state: &AppState,
    auth: &Authenticated,
    form: NewLink<'_>,
    client: &ClientInfo,
) -> Result<(), AppError> {
    // The form's own hidden field: wrong only if tampered with.
    let service = match form.service {
        "" => None,
        id => Some(
            id.parse::<Uuid>()
                .map_err(|_| AppError::BadRequest("Share the dashboard or one of your services.".into()))?,
        ),
    };
    let label = form.label.trim();
    let mut fields = FieldErrors::new();
    if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS || label.chars().any(char::is_control) {
        fields.insert(
            "label".into(),
            format!("Name the link (1 to {MAX_LABEL_CHARS} characters), e.g. after whom it is for."),
        );
    }
    let expires = EXPIRIES
        .iter()
        .find(|(value, ..)| *value == form.expires)
        .map(|(.., days)| *days);
    if expires.is_none() {
        fields.insert("expires".into(), "Choose how long the link works.".into());
    }
    let password = Some(form.password).filter(|p| !p.is_empty());
    if password.is_some_and(|p| !PASSWORD_CHARS.contains(&p.chars().count()) || p.len() > PASSWORD_MAX_BYTES) {
        fields.insert(
            "share_password".into(),
            format!(
                "A link's password has {} to {} characters (or leave it empty).",
                PASSWORD_CHARS.start(),
                PASSWORD_CHARS.end()
            ),
        );
    }
    if let Some(error) = AppError::from_fields(fields) {
        return Err(error);
    }
    let expires = expires.expect("checked");
    // Hashed before a pooled connection is taken: the hash may queue.
    let password_hash = match password {
        Some(password) => {
            Some(crate::auth::backend::hash_password(password.to_owned(), state.config.bcrypt_cost).await?)
        }
        None => None,
    };
    let mut conn = state.conn().await?;
    // Only the sharer's own services, whatever their role.
    if let Some(id) = service {
        services::table
            .find(id)
            .filter(services::user_id.eq(auth.user.id))
            .select(services::id)
            .first::<Uuid>(&mut conn)
            .await
            .optional()?
            .ok_or(AppError::NotFound)?;
    }
    let now = state.clock.now();
    let issued = secret::issue(KIND);
    let range = Range::parse(form.range).filter(|r| *r != Range::Custom && *r != Range::default());
    let address = match range {
        Some(range) => format!("{PATH}/{}?range={}", issued.whole, range.as_str()),
        None => format!("{PATH}/{}", issued.whole),
    };
    let user_id = auth.user.id;
    conn.transaction(async |conn| {
        // The owner's row locked: links made at once are counted one after the other.
        users::table
            .find(user_id)
            .select(users::id)
            .for_update()
            .first::<Uuid>(conn)
            .await?;
        let live: i64 = share_links::table
            .filter(share_links::user_id.eq(user_id))
            .filter(share_links::revoked_at.is_null())
            .filter(share_links::expires_at.is_null().or(share_links::expires_at.gt(now)))
            .count()
            .get_result(conn)
            .await?;
        if live >= MAX_LIVE {
            return Err(AppError::Conflict(format!(
                "You can have at most {MAX_LIVE} working share links: revoke one first (Settings → Sharing)."
            )));
        }
        // A link shown before and not yet copied is not shown again next to the new one.
        dismiss_in(conn, user_id).await?;
        diesel::insert_into(share_links::table)
            .values((
                share_links::user_id.eq(user_id),
                share_links::service_id.eq(service),
                share_links::label.eq(label),
                share_links::prefix.eq(&issued.prefix),
                share_links::secret_hash.eq(&issued.hash),
                share_links::password_hash.eq(password_hash.as_ref().map(|h| h.as_str())),
                share_links::allow_export.eq(form.allow_export),
                share_links::created_at.eq(now),
                share_links::expires_at.eq(expires.map(|days| now + Duration::days(days))),
                share_links::to_show.eq(&address),
                share_links::show_until.eq(now + SHOW_FOR),
            ))
            .execute(conn)
            .await?;
        let detail = json!({ "link_prefix": issued.prefix, "label": label });
        let entry = match service {
            Some(id) => Entry::on_service(Action::ShareLinkCreate, id, detail),
            None => Entry::new(Action::ShareLinkCreate, detail),
        };
        log_activity(conn, user_id, entry, client).await?;
        Ok(())
    })
    .await
}

/// The owner's latest links, and the address of a new one while it may be copied.
pub async fn list(state: &AppState, auth: &Authenticated) -> Result<ShareLinks, AppError> {
    type Row = (
        (Uuid, String, Option<String>, String, bool, bool),
        (
            DateTime<Utc>,
            Option<DateTime<Utc>>,
            Option<DateTime<Utc>>,
            i64,
            Option<DateTime<Utc>>,
        ),
        (Option<String>, Option<DateTime<Utc>>),
    );
    let now = state.clock.now();
    let mut conn = state.conn().await?;
    let working = share_links::revoked_at
        .is_null()
        .and(share_links::expires_at.is_null().or(share_links::expires_at.gt(now)));
    let rows: Vec<Row> = share_links::table
        .left_join(services::table)
        .filter(share_links::user_id.eq(auth.user.id))
        .order((working.desc(), share_links::created_at.desc()))
        .limit(LISTED)
        .select((
            (
                share_links::id,
                share_links::label,
                services::name.nullable(),
                share_links::prefix,
                share_links::password_hash.is_not_null(),
                share_links::allow_export,
            ),
            (
                share_links::created_at,
                share_links::expires_at,
                share_links::revoked_at,
                share_links::visits,
                share_links::last_visited_at,
            ),
            (share_links::to_show, share_links::show_until),
        ))
        .load(&mut conn)
        .await?;
    let new_link = rows
        .iter()
        .find_map(|(.., (shown, until))| shown.clone().filter(|_| until.is_some_and(|until| until > now)));
    let links = rows
        .into_iter()
        .map(|(first, second, _)| {
            let (id, label, service, prefix, has_password, allow_export) = first;
            let (created_at, expires_at, revoked_at, visits, last_visited_at) = second;
            ShareLinkInfo {
                id,
                label,
                service,
                prefix,
                has_password,
                allow_export,
                created_at,
                expires_at,
                status: match (revoked_at, expires_at) {
                    (Some(_), _) => LinkStatus::Revoked,
                    (None, Some(at)) if at <= now => LinkStatus::Expired,
                    _ => LinkStatus::Working,
                },
                visits,
                last_visited_at,
            }
        })
        .collect();
    Ok(ShareLinks {
        links,
        new_link,
        base_url: state.config.app_url.as_str().trim_end_matches('/').to_owned(),
    })
}

/// Revokes one of the owner's working links: its page answers 410 from now on, and its open
/// views stop (the table's trigger announces it like a session's end).
pub async fn revoke(state: &AppState, auth: &Authenticated, id: Uuid, client: &ClientInfo) -> Result<(), AppError> {
    let now = state.clock.now();
    let user_id = auth.user.id;
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        let revoked: Option<(String, Option<Uuid>)> = diesel::update(
            share_links::table
                .find(id)
                .filter(share_links::user_id.eq(user_id))
                .filter(share_links::revoked_at.is_null()),
        )
        .set((
            share_links::revoked_at.eq(now),
            share_links::to_show.eq(None::<String>),
            share_links::show_until.eq(None::<DateTime<Utc>>),
        ))
        .returning((share_links::prefix, share_links::service_id))
        .get_result(conn)
        .await
        .optional()?;
        let (prefix, service) = revoked.ok_or(AppError::NotFound)?;
        let detail = json!({ "link_prefix": prefix });
        let entry = match service {
            Some(id) => Entry::on_service(Action::ShareLinkRevoke, id, detail),
            None => Entry::new(Action::ShareLinkRevoke, detail),
        };
        log_activity(conn, user_id, entry, client).await?;
        Ok(())
    })
    .await
}

/// Stops showing the new link's address.
pub async fn dismiss(state: &AppState, auth: &Authenticated) -> Result<(), AppError> {
    dismiss_in(&mut *state.conn().await?, auth.user.id).await?;
    Ok(())
}

async fn dismiss_in(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<usize> {
    diesel::update(share_links::table.filter(share_links::user_id.eq(user_id)))
        .filter(share_links::to_show.is_not_null())
        .set((
            share_links::to_show.eq(None::<String>),
            share_links::show_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await
}

/// The working link of `token`: an unknown token is `NotFound`; a revoked or expired link is
/// `Gone`, with why.
pub async fn open(conn: &mut AsyncPgConnection, token: &str, now: DateTime<Utc>) -> Result<Link, AppError> {
    type Row = (
        Uuid,
        Uuid,
        Option<Uuid>,
        String,
        Vec<u8>,
        Option<String>,
        bool,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
    );
    let prefix = secret::prefix_of(KIND, token).ok_or(AppError::NotFound)?;
    let row: Option<Row> = share_links::table
        .filter(share_links::prefix.eq(prefix))
        .select((
            share_links::id,
            share_links::user_id,
            share_links::service_id,
            share_links::label,
            share_links::secret_hash,
            share_links::password_hash,
            share_links::allow_export,
            share_links::expires_at,
            share_links::revoked_at,
        ))
        .first(conn)
        .await
        .optional()?;
    let (id, owner, service, label, _, password_hash, allow_export, expires_at, revoked_at) = row
        .filter(|row| secret::matches(&row.4, token))
        .ok_or(AppError::NotFound)?;
    if revoked_at.is_some() {
        return Err(AppError::Gone(
            "This share link was revoked by the person who shared it.".into(),
        ));
    }
    if let Some(expired) = expires_at.filter(|at| *at <= now) {
        return Err(AppError::Gone(format!(
            "This share link expired on {} UTC.",
            expired.format("%b %-d, %Y at %H:%M")
        )));
    }
    Ok(Link {
        id,
        owner,
        service,
        label,
        password_hash,
        allow_export,
        expires_at,
    })
}

/// The link of `token` if this request may see it: `None` while its password is not given.
pub async fn admit(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
) -> Result<(Link, Option<Authenticated>), AppError> {
    let now = state.clock.now();
    let mut conn = state.conn().await?;
    let link = open(&mut conn, token, now).await?;
    if link.password_hash.is_some() && !super::grant::granted(&state.config, headers, link.id, now) {
        return Ok((link, None));
    }
    let mut owner = crate::auth::backend::user_with_id(&mut conn, link.owner)
        .await?
        .ok_or(AppError::NotFound)?;
    // The owner's own services, as a client sees them.
    owner.role = Role::Client;
    let viewer = Authenticated {
        user: owner,
        session_id: link.id,
    };
    Ok((link, Some(viewer)))
}

/// `query` kept to the link's view: a service link shows its service only (another is
/// `NotFound`); a dashboard link any of the owner's (the window refuses others').
pub fn scoped(link: &Link, query: &AnalyticsQuery) -> Result<AnalyticsQuery, AppError> {
    let mut query = query.clone();
    if let Some(service) = link.service {
        if query.service.is_some_and(|id| id != service) {
            return Err(AppError::NotFound);
        }
        query.service = Some(service);
    }
    Ok(query)
}

/// What the link's page shows for `query`; `visit` counts it as a visit.
pub async fn view(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    query: &AnalyticsQuery,
    visit: bool,
) -> Result<SharedView, AppError> {
    let (link, viewer) = admit(state, headers, token).await?;
    let Some(viewer) = viewer else {
        return Ok(SharedView::Locked { label: link.label });
    };
    let query = scoped(&link, query)?;
    let data = data(state, &link, &viewer, &query).await?;
    if visit {
        diesel::update(share_links::table.find(link.id))
            .set((
                share_links::visits.eq(share_links::visits + 1),
                share_links::last_visited_at.eq(state.clock.now()),
            ))
            .execute(&mut *state.conn().await?)
            .await?;
    }
    Ok(SharedView::Open(Box::new(OpenView {
        label: link.label,
        owner: viewer.user.name,
        service: link.service,
        allow_export: link.allow_export,
        data,
    })))
}

/// The owner's view of `link`, for `query` kept to it: without their account's activity, their
/// annotation controls, or (for a service's link) their other services' names.
pub async fn data(
    state: &AppState,
    link: &Link,
    viewer: &Authenticated,
    query: &AnalyticsQuery,
) -> Result<DashboardData, AppError> {
    let single = link.service.is_some();
    let mut data = crate::dashboard::load::load(state, viewer, query, Reader::Visitor, single).await?;
    if let Some(service) = link.service {
        data.services.retain(|(id, _)| *id == service);
    }
    Ok(data)
}

/// Checks a link's password: each guess counts against the link's limits first (a right one
/// gives it back). Answers the cookie that proves it in this browser.
pub async fn unlock(
    state: &AppState,
    token: &str,
    password: &str,
    client: &ClientInfo,
) -> Result<HeaderValue, AppError> {
    let now = state.clock.now();
    let mut conn = state.conn().await?;
    let link = open(&mut conn, token, now).await?;
    let Some(hash) = link.password_hash else {
        return Ok(super::grant::cookie(&state.config, link.id, now));
    };
    let wrong = || AppError::field("password", "That is not this link's password.");
    if password.is_empty() {
        return Err(AppError::field(
            "password",
            "Enter the password you were given with the link.",
        ));
    }
    if password.chars().count() > *PASSWORD_CHARS.end() {
        return Err(wrong());
    }
    let keys = Key::share_password(link.id, client);
    rate_limit::reserve(&conn, &keys, now).await?;
    // Hold no pooled connection during the slow hash.
    drop(conn);
    if !crate::auth::backend::password_matches(password.to_owned(), hash).await? {
        return Err(wrong());
    }
    rate_limit::release(&*state.conn().await?, &keys, now).await?;
    Ok(super::grant::cookie(&state.config, link.id, now))
}
