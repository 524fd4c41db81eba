//! `GET /api/v1/analytics/report.pdf`: the view of the analytics query string as a PDF, the
//! "Download PDF" of the dashboard and of each service page.

use axum::extract::State;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};

use super::analytics::{Heading, report};
use crate::analytics::params::Params;
use crate::auth::guard::CurrentUser;
use crate::error::AppError;
use crate::server::openapi::{BadRequest, NotFound, Unauthorized, Unavailable};
use crate::server::routes::Routes;
use crate::server::state::AppState;

pub fn routes() -> Routes {
    Routes::new().route(Method::GET, "/api/v1/analytics/report.pdf", analytics_report)
}

/// The view as an A4 report: the cards with their changes, the requests and latency charts
/// (vector graphics) with the annotations, the alerts, services, end users, errors, models and
/// recent activity of the period; the same figures as the page.
#[utoipa::path(get, path = "/api/v1/analytics/report.pdf", tag = "analytics",
    params(crate::analytics::AnalyticsQuery),
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
) -> Result<Response, AppError> {
    let data = crate::dashboard::load::load(&state, &auth, &query).await?;
    let service = query
        .service
        .and_then(|id| data.breakdown.services.iter().find(|s| s.service_id == id));
    let heading = Heading {
        client: auth.user.name.clone(),
        email: auth.user.email.clone(),
        scope: service.map_or_else(|| "All services".to_owned(), |s| s.name.clone()),
        generated_at: state.clock.now(),
    };
    let kind = service.map(|s| s.kind);
    let file = tokio::task::spawn_blocking(move || report(&data, query.range, kind, &heading))
        .await
        .map_err(|e| AppError::internal("pdf", e))??;
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
