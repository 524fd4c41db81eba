//! Services and their keys: queries, each scoped to who is asking.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use super::{ApiKeyInfo, CreatedKey, NewService, Service, ServiceChange, ServiceKind, ServiceStatus};
use crate::audit::{Action, ClientInfo, Entry, log_activity};
use crate::auth::Authenticated;
use crate::auth::Role;
use crate::auth::secret;
use crate::changes::{Changes, announce};
use crate::error::AppError;
use crate::schema::{api_keys, services};

/// How ingestion keys begin.
const KEY_KIND: &str = "rsk";

/// How many services a client may have (archived ones included): bounds what one account holds.
const MAX_SERVICES_PER_USER: i64 = 200;
/// Live keys per service.
const MAX_KEYS_PER_SERVICE: i64 = 20;
const NAME_TAKEN: &str = "You already have a service with this name.";

type ServiceRow = (
    Uuid,
    String,
    String,
    String,
    serde_json::Value,
    DateTime<Utc>,
    DateTime<Utc>,
);
const SERVICE_COLUMNS: (
    services::id,
    services::name,
    services::kind,
    services::status,
    services::config,
    services::created_at,
    services::updated_at,
) = (
    services::id,
    services::name,
    services::kind,
    services::status,
    services::config,
    services::created_at,
    services::updated_at,
);

fn service_from_row((id, name, kind, status, config, created_at, updated_at): ServiceRow) -> Service {
    Service {
        id,
        name,
        kind: ServiceKind::parse(&kind).unwrap_or(ServiceKind::Custom),
        status: ServiceStatus::parse(&status).unwrap_or(ServiceStatus::Archived),
        config: serde_json::from_value(config).unwrap_or_default(),
        created_at,
        updated_at,
    }
}

/// The services the user may see: their own, or every one for an admin.
pub async fn list(conn: &mut AsyncPgConnection, auth: &Authenticated) -> QueryResult<Vec<Service>> {
    let mut query = services::table
        .select(SERVICE_COLUMNS)
        .order(services::created_at.asc())
        .into_boxed();
    if auth.user.role != Role::Admin {
        query = query.filter(services::user_id.eq(auth.user.id));
    }
    Ok(query.load(conn).await?.into_iter().map(service_from_row).collect())
}

/// One service the user may see; someone else's is `NotFound`, never `Forbidden`.
pub async fn find(conn: &mut AsyncPgConnection, auth: &Authenticated, id: Uuid) -> Result<Service, AppError> {
    let mut query = services::table.find(id).select(SERVICE_COLUMNS).into_boxed();
    if auth.user.role != Role::Admin {
        query = query.filter(services::user_id.eq(auth.user.id));
    }
    query
        .first(conn)
        .await
        .optional()?
        .map(service_from_row)
        .ok_or(AppError::NotFound)
}

/// Creates a service owned by `user_id` (the caller's own, or a client's when an admin asks).
pub async fn create(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    new: &NewService,
    client: &ClientInfo,
) -> Result<Service, AppError> {
    new.validate()?;
    let kind = new.kind;
    let config = serde_json::to_value(&new.config).map_err(|e| AppError::internal("config", e))?;
    let name = new.name.trim().to_owned();
    conn.transaction(async |conn| {
        let count: i64 = services::table
            .filter(services::user_id.eq(user_id))
            .count()
            .get_result(conn)
            .await?;
        if count >= MAX_SERVICES_PER_USER {
            return Ok(Err(AppError::Conflict(format!(
                "An account can have at most {MAX_SERVICES_PER_USER} services."
            ))));
        }
        let row: ServiceRow = diesel::insert_into(services::table)
            .values((
                services::user_id.eq(user_id),
                services::name.eq(&name),
                services::kind.eq(kind.as_str()),
                services::config.eq(config),
                services::created_at.eq(client.at),
                services::updated_at.eq(client.at),
            ))
            .returning(SERVICE_COLUMNS)
            .get_result(conn)
            .await?;
        log_activity(
            conn,
            user_id,
            Entry::on_service(Action::ServiceCreate, row.0, json!({ "name": name })),
            client,
        )
        .await?;
        Ok::<_, diesel::result::Error>(Ok(service_from_row(row)))
    })
    .await
    .map_err(AppError::unique_violation_on("name", NAME_TAKEN))?
}

/// Renames, pauses/resumes/archives or reconfigures a service the user may change. Its name and
/// status are part of the dashboard's figures: the change is announced like a batch.
pub async fn update(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    id: Uuid,
    change: &ServiceChange,
    client: &ClientInfo,
    changes: &Changes,
    now: DateTime<Utc>,
) -> Result<Service, AppError> {
    change.validate()?;
    let current = find(conn, auth, id).await?;
    let name = change
        .name
        .as_deref()
        .map(str::trim)
        .unwrap_or(&current.name)
        .to_owned();
    let status = change.status.unwrap_or(current.status);
    let config = change.config.clone().unwrap_or(current.config);
    let config_json = serde_json::to_value(&config).map_err(|e| AppError::internal("config", e))?;
    let result = conn
        .transaction(async |conn| {
            let row: ServiceRow = diesel::update(services::table.find(id))
                .set((
                    services::name.eq(&name),
                    services::status.eq(status.as_str()),
                    services::config.eq(config_json),
                    services::updated_at.eq(now),
                ))
                .returning(SERVICE_COLUMNS)
                .get_result(conn)
                .await?;
            let detail = json!({ "name": name, "status": status.as_str() });
            log_activity(
                conn,
                auth.user.id,
                Entry::on_service(Action::ServiceUpdate, id, detail),
                client,
            )
            .await?;
            announce(conn, id).await?;
            Ok::<_, diesel::result::Error>(service_from_row(row))
        })
        .await;
    changes.committed(id);
    result.map_err(AppError::unique_violation_on("name", NAME_TAKEN))
}

type KeyRow = (
    Uuid,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);
const KEY_COLUMNS: (
    api_keys::id,
    api_keys::name,
    api_keys::prefix,
    api_keys::created_at,
    api_keys::last_used_at,
    api_keys::revoked_at,
) = (
    api_keys::id,
    api_keys::name,
    api_keys::prefix,
    api_keys::created_at,
    api_keys::last_used_at,
    api_keys::revoked_at,
);

fn key_from_row((id, name, prefix, created_at, last_used_at, revoked_at): KeyRow) -> ApiKeyInfo {
    ApiKeyInfo {
        id,
        name,
        prefix: format!("{KEY_KIND}_{prefix}"),
        created_at,
        last_used_at,
        revoked_at,
    }
}

pub async fn list_keys(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    service_id: Uuid,
) -> Result<Vec<ApiKeyInfo>, AppError> {
    find(conn, auth, service_id).await?;
    let rows: Vec<KeyRow> = api_keys::table
        .filter(api_keys::service_id.eq(service_id))
        .order(api_keys::created_at.desc())
        .select(KEY_COLUMNS)
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(key_from_row).collect())
}

/// The service's keys for its page, with a new key's secret while it may be copied.
pub async fn page_keys(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    service_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(Vec<ApiKeyInfo>, Option<String>), AppError> {
    let keys = list_keys(conn, auth, service_id).await?;
    let new_key = api_keys::table
        .filter(api_keys::service_id.eq(service_id))
        .filter(api_keys::show_until.gt(now))
        .select(api_keys::to_show)
        .first::<Option<String>>(conn)
        .await
        .optional()?
        .flatten();
    Ok((keys, new_key))
}

/// Creates a key and returns it whole; only its prefix and hash are kept, and the whole key
/// until `shown_until` when it is to be shown on the service's page (the one shown before, if
/// any, no longer is).
pub async fn create_key(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    service_id: Uuid,
    name: &str,
    client: &ClientInfo,
    shown_until: Option<DateTime<Utc>>,
) -> Result<CreatedKey, AppError> {
    let name = name.trim();
    if name.chars().count() > 100 {
        return Err(AppError::field("name", "Key name must be at most 100 characters."));
    }
    find(conn, auth, service_id).await?;
    let secret::Issued {
        prefix,
        whole: key,
        hash: secret_hash,
    } = secret::issue(KEY_KIND);
    let row = conn
        .transaction(async |conn| {
            let live: i64 = api_keys::table
                .filter(api_keys::service_id.eq(service_id))
                .filter(api_keys::revoked_at.is_null())
                .count()
                .get_result(conn)
                .await?;
            if live >= MAX_KEYS_PER_SERVICE {
                return Ok(Err(AppError::Conflict(format!(
                    "A service can have at most {MAX_KEYS_PER_SERVICE} live keys: revoke one first."
                ))));
            }
            forget_new_key(conn, service_id).await?;
            let row: KeyRow = diesel::insert_into(api_keys::table)
                .values((
                    api_keys::service_id.eq(service_id),
                    api_keys::name.eq(name),
                    api_keys::prefix.eq(&prefix),
                    api_keys::secret_hash.eq(&secret_hash),
                    api_keys::created_at.eq(client.at),
                    api_keys::to_show.eq(shown_until.map(|_| key.as_str())),
                    api_keys::show_until.eq(shown_until),
                ))
                .returning(KEY_COLUMNS)
                .get_result(conn)
                .await?;
            let detail = json!({ "key_prefix": format!("{KEY_KIND}_{prefix}") });
            log_activity(
                conn,
                auth.user.id,
                Entry::on_service(Action::KeyCreate, service_id, detail),
                client,
            )
            .await?;
            Ok::<_, diesel::result::Error>(Ok(row))
        })
        .await??;
    Ok(CreatedKey {
        info: key_from_row(row),
        key,
    })
}

/// The service's page stops showing a new key (it is copied).
pub async fn dismiss_key(conn: &mut AsyncPgConnection, auth: &Authenticated, service_id: Uuid) -> Result<(), AppError> {
    find(conn, auth, service_id).await?;
    forget_new_key(conn, service_id).await?;
    Ok(())
}

async fn forget_new_key(conn: &mut AsyncPgConnection, service_id: Uuid) -> QueryResult<usize> {
    diesel::update(api_keys::table.filter(api_keys::service_id.eq(service_id)))
        .filter(api_keys::to_show.is_not_null())
        .set((
            api_keys::to_show.eq(None::<String>),
            api_keys::show_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await
}

pub async fn revoke_key(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    service_id: Uuid,
    key_id: Uuid,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> Result<ApiKeyInfo, AppError> {
    find(conn, auth, service_id).await?;
    let row: KeyRow = conn
        .transaction(async |conn| {
            let row: Option<KeyRow> = diesel::update(
                api_keys::table
                    .filter(api_keys::id.eq(key_id))
                    .filter(api_keys::service_id.eq(service_id)),
            )
            .set((
                api_keys::revoked_at.eq(Some(now)),
                api_keys::to_show.eq(None::<String>),
                api_keys::show_until.eq(None::<DateTime<Utc>>),
            ))
            .returning(KEY_COLUMNS)
            .get_result(conn)
            .await
            .optional()?;
            if let Some(row) = &row {
                let detail = json!({ "key_prefix": format!("{KEY_KIND}_{}", row.2) });
                log_activity(
                    conn,
                    auth.user.id,
                    Entry::on_service(Action::KeyRevoke, service_id, detail),
                    client,
                )
                .await?;
            }
            Ok::<_, diesel::result::Error>(row)
        })
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(key_from_row(row))
}

/// Whether `token` has the shape of a service's ingestion key (`rsk_…`), not of a user's token.
pub fn is_service_key(token: &str) -> bool {
    secret::prefix_of(KEY_KIND, token).is_some()
}

/// The service a live ingestion key belongs to, and that service's status.
pub async fn service_for_key(
    conn: &mut AsyncPgConnection,
    key: &str,
    now: DateTime<Utc>,
) -> Result<(Uuid, ServiceStatus), AppError> {
    let prefix = secret::prefix_of(KEY_KIND, key).ok_or(AppError::InvalidApiKey)?;
    type KeyCheck = (Uuid, Vec<u8>, Option<DateTime<Utc>>, String);
    let found: Option<KeyCheck> = api_keys::table
        .inner_join(services::table)
        .filter(api_keys::prefix.eq(prefix))
        .select((
            api_keys::service_id,
            api_keys::secret_hash,
            api_keys::revoked_at,
            services::status,
        ))
        .first(conn)
        .await
        .optional()?;
    let (service_id, stored, revoked_at, status) = found.ok_or(AppError::InvalidApiKey)?;
    if revoked_at.is_some() || !secret::matches(&stored, key) {
        return Err(AppError::InvalidApiKey);
    }
    // At most once a minute: a busy key would otherwise write on every batch.
    diesel::update(api_keys::table.filter(api_keys::prefix.eq(prefix)))
        .filter(
            api_keys::last_used_at
                .is_null()
                .or(api_keys::last_used_at.lt(now - chrono::Duration::minutes(1))),
        )
        .set(api_keys::last_used_at.eq(now))
        .execute(conn)
        .await?;
    Ok((
        service_id,
        ServiceStatus::parse(&status).unwrap_or(ServiceStatus::Archived),
    ))
}
