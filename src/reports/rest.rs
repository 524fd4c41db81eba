//! `GET /api/v1/analytics/report.pdf`: the view of the analytics query string as a PDF, the
//! "Download PDF" of the dashboard and of each service page; `GET /api/v1/billing/statement.pdf`:
//! a month's statement, the billing tab's "PDF" links.

use axum::extract::{Query, State};
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};

use std::sync::LazyLock;

use chrono::Datelike;
use tokio::sync::Semaphore;

use super::analytics::{Heading, report};
use super::statement::StatementPdf;
use crate::analytics::params::Params;
use crate::auth::Role;
use crate::auth::guard::CurrentUser;
use crate::error::AppError;
use crate::server::openapi::{BadRequest, NotFound, Unauthorized, Unavailable};
use crate::server::routes::Routes;
use crate::server::state::AppState;

/// PDFs written at once: one a core. Past it a request is answered 503 at once rather than
/// queued behind the others.
static RENDERING: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, usize::from)));

/// Writes a PDF off the async threads, if a slot is free.
async fn render(write: impl FnOnce() -> Result<Vec<u8>, AppError> + Send + 'static) -> Result<Vec<u8>, AppError> {
    let _slot = RENDERING.try_acquire().map_err(|_| AppError::Unavailable)?;
    tokio::task::spawn_blocking(write)
        .await
        .map_err(|e| AppError::internal("pdf", e))?
}

pub fn routes() -> Routes {
    Routes::new()
        .route(Method::GET, "/api/v1/analytics/report.pdf", analytics_report)
        .route(Method::GET, "/api/v1/billing/statement.pdf", statement)
}

/// Whose layout a report follows.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Page {
    /// The service page's layout (with `service`), not the dashboard's.
    #[serde(default)]
    service_page: bool,
}

/// The view as an A4 report: the cards with their changes, the requests and latency charts
/// (vector graphics) with the annotations, the alerts, services, end users, errors, models and
/// recent activity of the period; the same figures as the page.
#[utoipa::path(get, path = "/api/v1/analytics/report.pdf", tag = "analytics",
    params(crate::analytics::AnalyticsQuery, Page),
    responses(
        (status = 200, description = "The report, as an attachment", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = crate::server::openapi::Invalid),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn analytics_report(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Params(query): Params,
    page: Result<Query<Page>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let Query(page) = page.map_err(|e| AppError::BadRequest(format!("Bad query string: {}", e.body_text())))?;
    use crate::dashboard::load::{Reader, load};
    let single = page.service_page && query.service.is_some();
    let data = load(&state, &auth, &query, Reader::Owner, single).await?;
    let who = match auth.user.role {
        Role::Admin => "Requested by",
        Role::Client => "Client",
    };
    let client = format!("{} ({})", auth.user.name, auth.user.email);
    report_file(&state, who, client, data, query).await
}

/// The report of `data`, the view of `query`, as an attachment headed "`who`: `client`" (also
/// a share link's report).
pub async fn report_file(
    state: &AppState,
    who: &'static str,
    client: String,
    data: crate::dashboard::DashboardData,
    query: crate::analytics::AnalyticsQuery,
) -> Result<Response, AppError> {
    let service = query
        .service
        .and_then(|id| data.figures.breakdown.services.iter().find(|s| s.service_id == id));
    let heading = Heading {
        who,
        client,
        scope: service.map_or_else(|| "All services".to_owned(), |s| s.name.clone()),
        generated_at: state.clock.now(),
    };
    let file = render(move || report(&data, &heading)).await?;
    let name = format!(
        "ragsites-report-{}-{}.pdf",
        query.range.as_str(),
        state.clock.now().format("%Y%m%d")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        file,
    )
        .into_response())
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatementQuery {
    /// The month, `YYYY-MM` (UTC): the current one (to date) or an earlier one.
    month: String,
}

/// A month's statement: the plan, the month's requests, tokens and AI provider cost in all
/// and per service, from the same hourly figures as the billing tab.
#[utoipa::path(get, path = "/api/v1/billing/statement.pdf", tag = "user",
    params(StatementQuery),
    responses(
        (status = 200, description = "The statement, as an attachment", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 422, description = "Not a month, or one still to come", body = crate::error::ErrorBody),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])))]
async fn statement(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    query: Result<axum::extract::Query<StatementQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let axum::extract::Query(query) =
        query.map_err(|_| AppError::BadRequest("Give the month as ?month=YYYY-MM.".into()))?;
    let now = state.clock.now();
    let month = chrono::NaiveDate::parse_from_str(&format!("{}-01", query.month.trim()), "%Y-%m-%d")
        .ok()
        .filter(|month| month.year() >= 2000 && *month <= now.date_naive())
        .ok_or_else(|| AppError::field("month", "Give a month as YYYY-MM, from 2000 to this one."))?;
    let mut conn = state.conn().await?;
    let plan = crate::billing::backend::plan_of(&mut conn, auth.user.id).await?;
    let (totals, services) = crate::billing::backend::month(&mut conn, auth.user.id, month).await?;
    drop(conn);
    let pdf = StatementPdf {
        client: auth.user.name.clone(),
        email: auth.user.email.clone(),
        plan,
        month: totals,
        services,
        generated_at: now,
    };
    let file = render(move || super::statement::statement(&pdf)).await?;
    let name = format!("ragsites-statement-{}.pdf", month.format("%Y-%m"));
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        file,
    )
        .into_response())
}
