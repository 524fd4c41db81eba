//! Everything a view shows, read in one pass (one more per period a widget chooses of its
//! own): the page, its live updates and its PDF report all take their figures from here.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;

use super::{DashboardData, PeriodFigures};
use crate::analytics::window::Window;
use crate::analytics::{AnalyticsQuery, Range};
use crate::auth::{Authenticated, Role};
use crate::error::AppError;
use crate::server::state::AppState;
use crate::services::ServiceStatus;
use crate::widgets::{Layout, Place, default_layout};

/// Who looks at a view: its owner, or a share link's visitor, to whom the owner's account
/// activity and annotation controls are never read.
#[derive(Clone, Copy, PartialEq)]
pub enum Reader {
    Owner,
    Visitor,
}

/// The view of `query` for `auth`'s user, as `reader` sees it, laid out as the service's page
/// (`single`) or the dashboard (even when filtered to one service); the figures come from the
/// cache while no change touches them.
pub async fn load(
    state: &AppState,
    auth: &Authenticated,
    query: &AnalyticsQuery,
    reader: Reader,
    single: bool,
) -> Result<DashboardData, AppError> {
    use crate::analytics::{activity, window};
    let mut conn = state.conn().await?;
    let now = state.clock.now();
    let window = window::resolve(&mut conn, auth, query, now).await?;
    let alerts = crate::alerts::backend::list(&mut conn, auth.user.id, query.service, &window.tz).await?;
    let services = crate::services::backend::list(&mut conn, auth).await?;
    let page = query.service.filter(|_| single);
    let place = match page.and_then(|id| services.iter().find(|s| s.id == id)) {
        Some(service) => Place::Service(service.id, service.kind),
        None => Place::Dashboard,
    };
    let layout = crate::widgets::backend::saved(&mut conn, auth.user.id, page)
        .await?
        .unwrap_or_else(|| default_layout(place));
    let view = period(state, &mut conn, &window, query.range, &layout, query.range, now).await?;
    let annotations = crate::annotations::backend::in_window(&mut conn, auth.user.id, &window).await?;
    let mut own = Vec::new();
    let mut marked = annotations.clone();
    for range in layout.own_ranges(query.range) {
        let Some(length) = range.length() else { continue };
        let window = window.over(length, now);
        own.push(period(state, &mut conn, &window, range, &layout, query.range, now).await?);
        // Only a period with a chart needs its own annotations: the marks on that chart.
        if layout.draws_over_time(range, query.range) {
            for a in crate::annotations::backend::in_window(&mut conn, auth.user.id, &window).await? {
                if !marked.iter().any(|m| m.id == a.id) {
                    marked.push(a);
                }
            }
        }
    }
    marked.sort_by_key(|a| (a.at, a.id));
    let (activity, annotatable) = match (reader, auth.user.role) {
        (Reader::Visitor, _) => (Vec::new(), Vec::new()),
        // A client's list is their own services: those they may annotate need no query of their own.
        (Reader::Owner, Role::Client) => {
            let mut own: Vec<_> = services
                .iter()
                .filter(|s| s.status != ServiceStatus::Archived)
                .map(|s| (s.id, s.name.clone()))
                .collect();
            own.sort_by(|a, b| a.1.cmp(&b.1));
            (
                activity::recent_activity(&mut conn, auth, query.service, 10).await?,
                own,
            )
        }
        (Reader::Owner, Role::Admin) => (
            activity::recent_activity(&mut conn, auth, query.service, 10).await?,
            crate::annotations::backend::annotatable(&mut conn, auth.user.id).await?,
        ),
    };
    Ok(DashboardData {
        figures: view,
        own,
        activity,
        alerts,
        annotations,
        marked,
        annotatable,
        layout,
        place,
        services: services.into_iter().map(|s| (s.id, s.name)).collect(),
    })
}

/// The figures of `window`, the period `range`, from the cache while no change touches them,
/// and each service's series when a widget of that period needs it.
async fn period(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    window: &Window,
    range: Range,
    layout: &Layout,
    view: Range,
    now: DateTime<Utc>,
) -> Result<PeriodFigures, AppError> {
    use crate::analytics::{breakdown, end_users, series, summary};
    let cache = state.changes.figures();
    let (summary, series, breakdown, end_users) = match cache.get(window, now) {
        Ok(cached) => cached,
        Err(ticket) => {
            let (summary, series) = summary::overview(conn, window).await?;
            let breakdown = breakdown::breakdown(conn, window).await?;
            // Decided by the window (the cache's key) alone: a view of one service.
            let end_users = match window.service_ids.len() {
                1 => Some(end_users::top_end_users(conn, window).await?),
                _ => None,
            };
            let computed = (summary, series, breakdown, end_users);
            cache.put(ticket, window.clone(), computed.clone(), now);
            computed
        }
    };
    // Only for a metric drawn over time: one statement for all of them.
    let by_service = match layout.needs_service_series(range, view) {
        true => series::per_service(conn, window, &series).await?,
        false => Vec::new(),
    };
    Ok(PeriodFigures {
        range,
        summary,
        series,
        breakdown,
        end_users,
        by_service,
    })
}
