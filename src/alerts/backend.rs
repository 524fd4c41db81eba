//! The `alerts` table: the history a client sees, and the evaluator's writes (fire once,
//! keep it open while over, resolve once).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable, Text, Timestamp, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{Alert, AlertKind};
use crate::schema::alerts;

/// How many alerts a view lists: the open ones, then the latest resolved.
const LISTED: i64 = 20;

#[derive(QueryableByName)]
struct AlertRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = SqlUuid)]
    service_id: Uuid,
    #[diesel(sql_type = Text)]
    service_name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Double)]
    threshold: f64,
    #[diesel(sql_type = Double)]
    observed: f64,
    #[diesel(sql_type = Timestamptz)]
    fired_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    resolved_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Timestamp)]
    fired_local: NaiveDateTime,
    #[diesel(sql_type = Nullable<Timestamp>)]
    resolved_local: Option<NaiveDateTime>,
}

/// The alerts of `user_id`'s services (or of one of them), open ones first, times also on the
/// clock of `tz`. Only the owner's: `alerts.user_id` is the service's owner.
pub async fn list(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    service: Option<Uuid>,
    tz: &str,
) -> QueryResult<Vec<Alert>> {
    let rows: Vec<AlertRow> = diesel::sql_query(
        "SELECT a.id, a.service_id, s.name AS service_name, a.kind, a.threshold, a.observed, a.fired_at, \
                a.resolved_at, (a.fired_at AT TIME ZONE $3) AS fired_local, \
                (a.resolved_at AT TIME ZONE $3) AS resolved_local \
         FROM alerts a JOIN services s ON s.id = a.service_id \
         WHERE a.user_id = $1 AND ($2::uuid IS NULL OR a.service_id = $2) \
         ORDER BY a.resolved_at IS NULL DESC, coalesce(a.resolved_at, a.fired_at) DESC, a.id DESC LIMIT $4",
    )
    .bind::<SqlUuid, _>(user_id)
    .bind::<Nullable<SqlUuid>, _>(service)
    .bind::<Text, _>(tz)
    .bind::<BigInt, _>(LISTED)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Alert {
                id: r.id,
                service_id: r.service_id,
                service_name: r.service_name,
                kind: AlertKind::parse(&r.kind)?,
                threshold: r.threshold,
                observed: r.observed,
                fired_at: r.fired_at,
                resolved_at: r.resolved_at,
                fired_local: r.fired_local,
                resolved_local: r.resolved_local,
            })
        })
        .collect())
}

/// An open alert, as the evaluator needs it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = alerts)]
pub struct Open {
    pub id: i64,
    pub service_id: Uuid,
    pub kind: String,
    pub last_over_at: DateTime<Utc>,
}

/// Every open alert, locked until the evaluation pass commits.
pub async fn open_alerts(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Open>> {
    alerts::table
        .filter(alerts::resolved_at.is_null())
        .select(Open::as_select())
        .for_update()
        .load(conn)
        .await
}

/// Opens an alert; `false` when one of this service and kind is open already (the partial
/// unique index decides, whatever else runs at the same time).
pub async fn fire(
    conn: &mut AsyncPgConnection,
    (service_id, user_id): (Uuid, Uuid),
    kind: AlertKind,
    (threshold, observed): (f64, f64),
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let inserted = diesel::sql_query(
        "INSERT INTO alerts (service_id, user_id, kind, threshold, observed, fired_at, last_over_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) \
         ON CONFLICT (service_id, kind) WHERE resolved_at IS NULL DO NOTHING",
    )
    .bind::<SqlUuid, _>(service_id)
    .bind::<SqlUuid, _>(user_id)
    .bind::<Text, _>(kind.as_str())
    .bind::<Double, _>(threshold)
    .bind::<Double, _>(observed)
    .bind::<Timestamptz, _>(now)
    .execute(conn)
    .await?;
    Ok(inserted == 1)
}

/// The alert is still over its threshold at `now`.
pub async fn still_over(conn: &mut AsyncPgConnection, id: i64, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(alerts::table.find(id))
        .set(alerts::last_over_at.eq(now))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn resolve(conn: &mut AsyncPgConnection, id: i64, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(alerts::table.find(id).filter(alerts::resolved_at.is_null()))
        .set(alerts::resolved_at.eq(now))
        .execute(conn)
        .await
        .map(drop)
}

/// The alerts of `user_id`'s services fired in `[from, to)`, oldest first, with the service name.
pub async fn fired_between(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> QueryResult<Vec<(String, String, f64, DateTime<Utc>)>> {
    use crate::schema::services;
    alerts::table
        .inner_join(services::table)
        .filter(alerts::user_id.eq(user_id))
        .filter(alerts::fired_at.ge(from))
        .filter(alerts::fired_at.lt(to))
        .order((alerts::fired_at, alerts::id))
        .select((services::name, alerts::kind, alerts::observed, alerts::fired_at))
        .load(conn)
        .await
}
