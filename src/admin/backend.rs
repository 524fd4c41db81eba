//! Admin queries.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::PortalOverview;
use crate::schema::{services, sessions, users};

pub async fn overview(conn: &mut AsyncPgConnection) -> QueryResult<PortalOverview> {
    let clients = users::table
        .filter(users::role.eq("client"))
        .count()
        .get_result(conn)
        .await?;
    let services = services::table.count().get_result(conn).await?;
    let active_sessions = sessions::table
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(Utc::now()))
        .count()
        .get_result(conn)
        .await?;
    Ok(PortalOverview {
        clients,
        services,
        active_sessions,
    })
}
