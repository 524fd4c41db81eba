//! The `annotations` table: what a view draws, and its owner's changes.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text, Timestamp, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{Annotation, LISTED, MAX_TEXT_CHARS};
use crate::analytics::window::Window;
use crate::error::AppError;
use crate::schema::{annotations, services, users};

/// What one client keeps at most.
const MAX_PER_USER: i64 = 5_000;

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    service_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    service_name: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    at: DateTime<Utc>,
    #[diesel(sql_type = Timestamp)]
    local: NaiveDateTime,
    #[diesel(sql_type = Text)]
    text: String,
    #[diesel(sql_type = Bool)]
    editable: bool,
}

impl From<Row> for Annotation {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            service_id: r.service_id,
            service_name: r.service_name,
            at: r.at,
            local: r.local,
            text: r.text,
            editable: r.editable,
        }
    }
}

/// The annotations in `window`'s period that `viewer` sees: those of the services in view, and
/// the viewer's own without a service. The window's services are the viewer's to see already.
pub async fn in_window(conn: &mut AsyncPgConnection, viewer: Uuid, window: &Window) -> QueryResult<Vec<Annotation>> {
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT * FROM ( \
           SELECT a.id, a.service_id, s.name AS service_name, a.at, (a.at AT TIME ZONE $1) AS local, a.text, \
                  a.user_id = $2 AS editable \
           FROM annotations a LEFT JOIN services s ON s.id = a.service_id \
           WHERE a.at >= $3 AND a.at < $4 \
             AND (a.service_id = ANY($5) OR (a.service_id IS NULL AND a.user_id = $2)) \
           ORDER BY a.at DESC, a.id DESC LIMIT $6 \
         ) latest ORDER BY at, id",
    )
    .bind::<Text, _>(&window.tz)
    .bind::<SqlUuid, _>(viewer)
    .bind::<Timestamptz, _>(window.from)
    .bind::<Timestamptz, _>(window.to)
    .bind::<Array<SqlUuid>, _>(&window.service_ids)
    .bind::<BigInt, _>(LISTED as i64)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(Annotation::from).collect())
}

/// What an owner writes: checked by [`Content::check`] before it reaches the table.
pub struct Content {
    pub at: DateTime<Utc>,
    pub text: String,
    pub service_id: Option<Uuid>,
}

impl Content {
    /// The text trimmed and bounded, the time plausible (not before 2000, at most a year ahead),
    /// the service one of `owner`'s live ones (or the one it already has: a service archived
    /// since keeps its annotations editable).
    async fn check(
        mut self,
        conn: &mut AsyncPgConnection,
        owner: Uuid,
        now: DateTime<Utc>,
        kept: Option<Uuid>,
    ) -> Result<Self, AppError> {
        self.text = self.text.trim().to_owned();
        if self.text.is_empty() {
            return Err(AppError::field("text", "Write what happened."));
        }
        if self.text.chars().count() > MAX_TEXT_CHARS {
            return Err(AppError::field(
                "text",
                format!("The text is at most {MAX_TEXT_CHARS} characters."),
            ));
        }
        if self.text.chars().any(char::is_control) {
            return Err(AppError::field("text", "The text must be one line."));
        }
        let earliest = DateTime::parse_from_rfc3339("2000-01-01T00:00:00Z").expect("a valid time");
        if self.at < earliest || self.at > now + Duration::days(365) {
            return Err(AppError::field(
                "at",
                "The time must be after 2000 and at most a year ahead.",
            ));
        }
        if let Some(id) = self.service_id.filter(|id| Some(*id) != kept) {
            let owned: i64 = services::table
                .filter(services::id.eq(id))
                .filter(services::user_id.eq(owner))
                .filter(services::status.ne("archived"))
                .count()
                .get_result(conn)
                .await?;
            if owned == 0 {
                return Err(AppError::field("service_id", "No such service of yours."));
            }
        }
        Ok(self)
    }
}

/// Adds an annotation of `owner`'s.
pub async fn create(
    conn: &mut AsyncPgConnection,
    owner: Uuid,
    content: Content,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let content = content.check(conn, owner, now, None).await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        // The owner's row, locked: concurrent additions count one after the other.
        users::table
            .find(owner)
            .select(users::id)
            .for_update()
            .first::<Uuid>(conn)
            .await?;
        let kept: i64 = annotations::table
            .filter(annotations::user_id.eq(owner))
            .count()
            .get_result(conn)
            .await?;
        if kept >= MAX_PER_USER {
            return Err(AppError::Conflict(format!(
                "You keep {MAX_PER_USER} annotations already: delete old ones first."
            )));
        }
        let id = diesel::insert_into(annotations::table)
            .values((
                annotations::user_id.eq(owner),
                annotations::service_id.eq(content.service_id),
                annotations::at.eq(content.at),
                annotations::text.eq(&content.text),
                annotations::created_at.eq(now),
                annotations::updated_at.eq(now),
            ))
            .returning(annotations::id)
            .get_result(conn)
            .await?;
        announce(conn, owner, &[content.service_id]).await?;
        Ok(id)
    })
    .await
}

/// The service an annotation of `owner`'s belongs to; anyone else's is `NotFound`.
pub async fn service_of(conn: &mut AsyncPgConnection, owner: Uuid, id: i64) -> Result<Option<Uuid>, AppError> {
    annotations::table
        .find(id)
        .filter(annotations::user_id.eq(owner))
        .select(annotations::service_id)
        .first(conn)
        .await
        .optional()?
        .ok_or(AppError::NotFound)
}

/// Replaces an annotation of `owner`'s; anyone else's is `NotFound`.
pub async fn update(
    conn: &mut AsyncPgConnection,
    owner: Uuid,
    id: i64,
    content: Content,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let before = service_of(conn, owner, id).await?;
    let content = content.check(conn, owner, now, before).await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let changed = diesel::update(annotations::table.find(id).filter(annotations::user_id.eq(owner)))
            .set((
                annotations::service_id.eq(content.service_id),
                annotations::at.eq(content.at),
                annotations::text.eq(&content.text),
                annotations::updated_at.eq(now),
            ))
            .execute(conn)
            .await?;
        if changed == 0 {
            return Err(AppError::NotFound);
        }
        announce(conn, owner, &[before, content.service_id]).await?;
        Ok(())
    })
    .await
}

/// Deletes an annotation of `owner`'s; anyone else's is `NotFound`.
pub async fn delete(conn: &mut AsyncPgConnection, owner: Uuid, id: i64) -> Result<(), AppError> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let service: Option<Uuid> = diesel::delete(annotations::table.find(id).filter(annotations::user_id.eq(owner)))
            .returning(annotations::service_id)
            .get_result(conn)
            .await
            .optional()?
            .ok_or(AppError::NotFound)?;
        announce(conn, owner, &[service]).await?;
        Ok(())
    })
    .await
}

/// Open views of the services concerned redraw their charts when the change commits: an
/// annotation without a service concerns every service of its owner's.
async fn announce(conn: &mut AsyncPgConnection, owner: Uuid, services: &[Option<Uuid>]) -> QueryResult<()> {
    let mut concerned: Vec<Uuid> = services.iter().flatten().copied().collect();
    if services.contains(&None) {
        concerned = services::table
            .filter(services::user_id.eq(owner))
            .select(services::id)
            .load(conn)
            .await?;
    }
    concerned.sort();
    concerned.dedup();
    for service_id in concerned {
        crate::changes::announce(conn, service_id).await?;
    }
    Ok(())
}

/// The services `owner` may annotate: their own, not archived, by name.
pub async fn annotatable(conn: &mut AsyncPgConnection, owner: Uuid) -> QueryResult<Vec<(Uuid, String)>> {
    services::table
        .filter(services::user_id.eq(owner))
        .filter(services::status.ne("archived"))
        .order(services::name)
        .select((services::id, services::name))
        .load(conn)
        .await
}

/// One annotation of `owner`'s, times on the clock of `tz`.
pub async fn find(conn: &mut AsyncPgConnection, owner: Uuid, id: i64, tz: &str) -> Result<Annotation, AppError> {
    let row: Option<Row> = diesel::sql_query(
        "SELECT a.id, a.service_id, s.name AS service_name, a.at, (a.at AT TIME ZONE $1) AS local, a.text, \
                true AS editable \
         FROM annotations a LEFT JOIN services s ON s.id = a.service_id \
         WHERE a.id = $2 AND a.user_id = $3",
    )
    .bind::<Text, _>(tz)
    .bind::<BigInt, _>(id)
    .bind::<SqlUuid, _>(owner)
    .get_result(conn)
    .await
    .optional()?;
    row.map(Annotation::from).ok_or(AppError::NotFound)
}

/// A time typed in a form (`2026-11-16T10:30`, on the clock of `tz`) as an instant.
pub async fn from_local(conn: &mut AsyncPgConnection, typed: &str, tz: &str) -> Result<DateTime<Utc>, AppError> {
    let local = NaiveDateTime::parse_from_str(typed.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(typed.trim(), "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| AppError::field("at", "Give the time as a date and a time of day."))?;
    Ok(crate::analytics::window::local_instant(conn, local, tz).await?)
}

/// The owner of the service a key belongs to.
pub async fn service_owner(conn: &mut AsyncPgConnection, service_id: Uuid) -> QueryResult<Uuid> {
    services::table
        .find(service_id)
        .select(services::user_id)
        .first(conn)
        .await
}
