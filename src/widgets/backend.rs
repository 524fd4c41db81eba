//! The saved layouts: read with a view's figures, changed one edit at a time or replaced whole
//! (by the API), always validated before they are written.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::edit::{Edit, apply, missing};
use super::{Layout, Place, default_layout, validate};
use crate::auth::Authenticated;
use crate::error::AppError;
use crate::schema::dashboard_layouts as layouts;

/// The layout `user_id` saved for a view (`service` none: the dashboard), or none. A row this
/// portal no longer reads counts as none: the view falls back to its default.
pub async fn saved(conn: &mut AsyncPgConnection, user_id: Uuid, service: Option<Uuid>) -> QueryResult<Option<Layout>> {
    let row: Option<serde_json::Value> = layouts::table
        .filter(layouts::user_id.eq(user_id))
        .filter(layouts::service_id.is_not_distinct_from(service))
        .select(layouts::layout)
        .first(conn)
        .await
        .optional()?;
    Ok(row.and_then(|json| serde_json::from_value(json).ok()))
}

/// The view a layout belongs to: the dashboard, or one of the services the user may see.
pub async fn place(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    service: Option<Uuid>,
) -> Result<Place, AppError> {
    match service {
        None => Ok(Place::Dashboard),
        Some(id) => {
            let service = crate::services::backend::find(conn, auth, id).await?;
            Ok(Place::Service(service.id, service.kind))
        }
    }
}

/// A view's layout as shown: the saved one, or its default.
pub async fn current(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    service: Option<Uuid>,
) -> Result<Layout, AppError> {
    let place = place(conn, auth, service).await?;
    Ok(saved(conn, auth.user.id, service)
        .await?
        .unwrap_or_else(|| default_layout(place)))
}

/// The ids of the services whose figures a layout of `auth` may show.
async fn visible(conn: &mut AsyncPgConnection, auth: &Authenticated) -> QueryResult<Vec<Uuid>> {
    let services = crate::services::backend::list(conn, auth).await?;
    Ok(services.into_iter().map(|s| s.id).collect())
}

async fn write(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    service: Option<Uuid>,
    layout: &Layout,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let json = serde_json::to_value(layout).map_err(|_| AppError::Internal)?;
    diesel::insert_into(layouts::table)
        .values((
            layouts::user_id.eq(user_id),
            layouts::service_id.eq(service),
            layouts::layout.eq(&json),
            layouts::updated_at.eq(now),
        ))
        .on_conflict((layouts::user_id, layouts::service_id))
        .do_update()
        .set((layouts::layout.eq(&json), layouts::updated_at.eq(now)))
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces a view's layout with `layout`, once it is valid for that view.
pub async fn replace(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    service: Option<Uuid>,
    layout: Layout,
    now: DateTime<Utc>,
) -> Result<Layout, AppError> {
    let place = place(conn, auth, service).await?;
    validate(&layout, place, &visible(conn, auth).await?)?;
    write(conn, auth.user.id, service, &layout, now).await?;
    Ok(layout)
}

/// What the page that asks for an edit showed: when the layout no longer matches it (changed
/// in another tab since), nothing changes.
pub enum Shown<'a> {
    /// Nothing that matters (a widget added at the end).
    Nothing,
    /// The title of the widget the edit is made to.
    Widget(&'a str),
    /// Every widget's title, in order.
    Titles(&'a [String]),
}

impl Shown<'_> {
    fn matches(&self, layout: &Layout, edit: &Edit) -> bool {
        let titles = layout.widgets.iter().map(|w| w.title.as_str());
        match self {
            Self::Nothing => true,
            Self::Widget(title) => edit
                .index()
                .is_none_or(|i| layout.widgets.get(i).map(|w| w.title.as_str()) == Some(*title)),
            Self::Titles(shown) => titles.eq(shown.iter().map(String::as_str)),
        }
    }
}

/// Makes one edit to a view's layout. The row is locked while it changes: two edits at once
/// both land, one after the other.
pub async fn edit(
    conn: &mut AsyncPgConnection,
    auth: &Authenticated,
    service: Option<Uuid>,
    shown: Shown<'_>,
    edit: Edit,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let place = place(conn, auth, service).await?;
    let visible = visible(conn, auth).await?;
    let user_id = auth.user.id;
    conn.transaction(async |conn| {
        let start = serde_json::to_value(default_layout(place)).map_err(|_| AppError::Internal)?;
        diesel::insert_into(layouts::table)
            .values((
                layouts::user_id.eq(user_id),
                layouts::service_id.eq(service),
                layouts::layout.eq(&start),
                layouts::updated_at.eq(now),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        let json: serde_json::Value = layouts::table
            .filter(layouts::user_id.eq(user_id))
            .filter(layouts::service_id.is_not_distinct_from(service))
            .select(layouts::layout)
            .for_update()
            .first(conn)
            .await?;
        let current: Layout = serde_json::from_value(json).unwrap_or_else(|_| default_layout(place));
        if !shown.matches(&current, &edit) {
            return Err(missing());
        }
        let changed = apply(current, edit)?;
        validate(&changed, place, &visible)?;
        write(conn, user_id, service, &changed, now).await
    })
    .await
}

/// Brings a view back to its default layout.
pub async fn reset(conn: &mut AsyncPgConnection, auth: &Authenticated, service: Option<Uuid>) -> Result<(), AppError> {
    place(conn, auth, service).await?;
    diesel::delete(layouts::table)
        .filter(layouts::user_id.eq(auth.user.id))
        .filter(layouts::service_id.is_not_distinct_from(service))
        .execute(conn)
        .await?;
    Ok(())
}
