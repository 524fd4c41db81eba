//! Admin queries and changes. Callers check the role first (`require_admin`, `AdminUser`).

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use super::{AdminData, ClientSummary, PortalOverview};
use crate::audit::{Action, ClientInfo, Entry, log_activity};
use crate::auth::Authenticated;
use crate::auth::backend::{EMAIL_TAKEN, hash_password, insert_user_if_absent, live_session};
use crate::auth::{RegisterForm, Role};
use crate::error::AppError;
use crate::schema::{plans, services, sessions, users};
use crate::server::state::AppState;

/// At most this many clients are listed (the newest first).
const CLIENTS_LISTED: i64 = 500;

/// Counts the clients, the services and the live sessions (see [`live_session`]).
pub async fn overview(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    idle_timeout: Duration,
) -> QueryResult<PortalOverview> {
    let clients = users::table
        .filter(users::role.eq(Role::Client.as_str()))
        .count()
        .get_result(conn)
        .await?;
    let services = services::table.count().get_result(conn).await?;
    let active_sessions = sessions::table
        .filter(live_session(now, idle_timeout))
        .count()
        .get_result(conn)
        .await?;
    Ok(PortalOverview {
        clients,
        services,
        active_sessions,
    })
}

pub async fn view(conn: &mut AsyncPgConnection, now: DateTime<Utc>, idle_timeout: Duration) -> QueryResult<AdminData> {
    let rows: Vec<(Uuid, String, String, Option<String>)> = users::table
        .left_join(plans::table)
        .filter(users::role.eq(Role::Client.as_str()))
        .order(users::created_at.desc())
        .select((users::id, users::name, users::email, plans::name.nullable()))
        .limit(CLIENTS_LISTED)
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
    let service_counts: Vec<(Uuid, i64)> = services::table
        .filter(services::user_id.eq_any(&ids))
        .group_by(services::user_id)
        .select((services::user_id, diesel::dsl::count_star()))
        .load(conn)
        .await?;
    let requests = crate::billing::backend::period_requests(conn, &ids, now).await?;
    let lookup = |pairs: &[(Uuid, i64)], id: Uuid| pairs.iter().find(|(i, _)| *i == id).map_or(0, |(_, n)| *n);
    let clients = rows
        .into_iter()
        .map(|(id, name, email, plan)| ClientSummary {
            services: lookup(&service_counts, id),
            period_requests: lookup(&requests, id),
            id,
            name,
            email,
            plan,
        })
        .collect();
    Ok(AdminData {
        overview: overview(conn, now, idle_timeout).await?,
        clients,
        plans: crate::billing::backend::plans(conn).await?,
        require_admin_two_factor: crate::auth::two_factor::backend::required_for_admins(conn).await?,
    })
}

/// Creates a client account (no session: the client signs in with the password they are given).
pub async fn create_client(
    state: &AppState,
    admin: &Authenticated,
    form: RegisterForm,
    plan_id: Option<Uuid>,
    client: &ClientInfo,
) -> Result<Uuid, AppError> {
    form.validate()?;
    let hash = hash_password(form.password.clone(), state.config.bcrypt_cost).await?;
    let mut conn = state.conn().await?;
    let email = form.email.trim().to_owned();
    let name = form.name.trim().to_owned();
    let now = state.clock.now();
    let created = conn
        .transaction(async |conn| {
            let Some(id) = insert_user_if_absent(conn, &email, &name, Some(&hash), Role::Client).await? else {
                return Ok(None);
            };
            if let Some(plan_id) = plan_id {
                set_plan(conn, id, plan_id, now).await?;
            }
            log_activity(
                conn,
                id,
                Entry::new(Action::Register, json!({ "by_admin": admin.user.id })),
                client,
            )
            .await?;
            crate::auth::verify::mail_new_account(conn, &state.config.app_url, id, &email, now).await?;
            Ok::<_, diesel::result::Error>(Some(id))
        })
        .await;
    match created {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(AppError::field("email", EMAIL_TAKEN)),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::ForeignKeyViolation, _)) => {
            Err(AppError::field("plan_id", "Choose a plan from the list."))
        }
        Err(other) => Err(other.into()),
    }
}

async fn set_plan(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    plan_id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id).filter(users::role.eq(Role::Client.as_str())))
        .set((users::plan_id.eq(plan_id), users::updated_at.eq(now)))
        .execute(conn)
        .await
}

pub async fn assign_plan(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    plan_id: Uuid,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let plan: Option<String> = plans::table
        .find(plan_id)
        .select(plans::name)
        .first(conn)
        .await
        .optional()?;
    let Some(plan) = plan else {
        return Err(AppError::field("plan_id", "Choose a plan from the list."));
    };
    let updated = conn
        .transaction(async |conn| {
            let updated = set_plan(conn, user_id, plan_id, now).await?;
            if updated == 1 {
                log_activity(
                    conn,
                    user_id,
                    Entry::new(Action::PlanAssign, json!({ "plan": plan })),
                    client,
                )
                .await?;
            }
            Ok::<_, diesel::result::Error>(updated)
        })
        .await?;
    if updated == 1 { Ok(()) } else { Err(AppError::NotFound) }
}

/// Whether `user_id` is a client account (services are created for clients only).
pub async fn is_client(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table.find(user_id).filter(users::role.eq(Role::Client.as_str())),
    ))
    .get_result(conn)
    .await
}
