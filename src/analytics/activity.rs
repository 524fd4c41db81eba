//! The audit trail as the dashboard shows it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::Activity;
use crate::audit::Action;
use crate::auth::Authenticated;
use crate::schema::{activity_logs, services};

/// The user's latest activity (their own actions; an admin sees only theirs too).
pub async fn recent_activity(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    service: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<Activity>> {
    let mut query = activity_logs::table
        .left_join(services::table)
        .filter(activity_logs::user_id.eq(auth.user.id))
        .into_boxed();
    if let Some(id) = service {
        query = query.filter(activity_logs::service_id.eq(id));
    }
    let rows: Vec<(DateTime<Utc>, String, Option<String>, serde_json::Value)> = query
        .order(activity_logs::created_at.desc())
        .limit(limit.clamp(1, 100))
        .select((
            activity_logs::created_at,
            activity_logs::action,
            services::name.nullable(),
            activity_logs::detail,
        ))
        .load(conn)
        .await?;
    // Only this code writes actions: one it does not know is from a newer version, left out.
    Ok(rows
        .into_iter()
        .filter_map(|(at, action, service_name, detail)| {
            Some(Activity {
                at,
                action: Action::parse(&action)?,
                service_name,
                detail,
            })
        })
        .collect())
}
