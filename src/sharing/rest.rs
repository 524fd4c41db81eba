//! A share link's routes besides its page: its live updates, and its exports when its owner
//! allowed them. The token in the path is their only authority (and the password's cookie, for
//! a link with one).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};

use crate::analytics::params::Params;
use crate::changes::slots::Caps;
use crate::changes::stream::FULL_RETRY_AFTER;
use crate::error::AppError;
use crate::server::openapi::{BadRequest, Gone, NotFound, Unauthorized, Unavailable};
use crate::server::routes::Routes;
use crate::server::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route(Method::GET, "/share/{token}/live", live)
        .route(Method::GET, "/share/{token}/export.csv", export)
        .route(Method::GET, "/share/{token}/report.pdf", report)
}

/// The link's view as server-sent events, like `/api/v1/live`: it ends with an `end` event when
/// the link is revoked or expires.
#[utoipa::path(get, path = "/share/{token}/live", tag = "sharing",
    params(("token" = String, Path, description = "The link's token, `rsl_…`"), crate::analytics::AnalyticsQuery),
    responses(
        (status = 200, description = "`event: summary` with a `Summary` as data; `event: end` when the link stops",
            content_type = "text/event-stream", body = String),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 410, response = Gone),
        (status = 429, description = "Too many live views of this link are open", body = crate::error::ErrorBody),
        (status = 503, response = Unavailable),
    ))]
pub async fn live(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Params(query): Params,
) -> Result<Response, AppError> {
    let caps = Caps {
        per_user: state.config.live_streams_per_user,
        per_process: state.config.live_streams_max,
    };
    let prefix = crate::auth::secret::prefix_of(super::KIND, &token).ok_or(AppError::NotFound)?;
    // Slots are keyed by the link (found again below): a revocation heard from now on ends it.
    let link_id = link_id(&state, prefix).await?;
    let slot = state
        .changes
        .slots()
        .open(link_id, link_id, caps)
        .map_err(|_| AppError::TooManyStreams {
            retry_after: FULL_RETRY_AFTER,
        })?;
    let (link, viewer) = super::backend::admit(&state, &headers, &token).await?;
    let viewer = viewer.ok_or(AppError::Unauthorized)?;
    let query = super::backend::scoped(&link, &query)?;
    let stream = crate::changes::stream::serve(state, viewer, query, slot, link.expires_at, "revoked").await?;
    Ok(stream.into_response())
}

/// The id of the link whose token has `prefix` (checked whole by `admit`).
async fn link_id(state: &AppState, prefix: &str) -> Result<uuid::Uuid, AppError> {
    use crate::schema::share_links;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;

    share_links::table
        .filter(share_links::prefix.eq(prefix))
        .select(share_links::id)
        .first(&mut *state.conn().await?)
        .await
        .optional()?
        .ok_or(AppError::NotFound)
}

/// The link's view as CSV, when its owner allowed exports (else 404).
#[utoipa::path(get, path = "/share/{token}/export.csv", tag = "sharing",
    params(("token" = String, Path, description = "The link's token, `rsl_…`"), crate::analytics::AnalyticsQuery),
    responses(
        (status = 200, description = "The same file as `/api/v1/analytics/export.csv` for the link's view",
            content_type = "text/csv", body = String),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 410, response = Gone),
        (status = 503, response = Unavailable),
    ))]
pub async fn export(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Params(query): Params,
) -> Result<Response, AppError> {
    let (_, viewer, query) = exportable(&state, &headers, &token, &query).await?;
    crate::analytics::rest::export_file(&state, &viewer, &query).await
}

/// The link's view as a PDF report, when its owner allowed exports (else 404).
#[utoipa::path(get, path = "/share/{token}/report.pdf", tag = "sharing",
    params(("token" = String, Path, description = "The link's token, `rsl_…`"), crate::analytics::AnalyticsQuery),
    responses(
        (status = 200, description = "The report of the link's view, headed with who shared it",
            content_type = "application/pdf", body = Vec<u8>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 410, response = Gone),
        (status = 503, response = Unavailable),
    ))]
pub async fn report(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Params(query): Params,
) -> Result<Response, AppError> {
    let (link, viewer, query) = exportable(&state, &headers, &token, &query).await?;
    let data = super::backend::data(&state, &link, &viewer, &query).await?;
    let owner = viewer.user.name.clone();
    crate::reports::rest::report_file(&state, "Shared by", owner, data, query).await
}

/// The link, its viewer and `query` kept to its view, if it allows exports and this request
/// may see it.
async fn exportable(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    query: &crate::analytics::AnalyticsQuery,
) -> Result<
    (
        super::backend::Link,
        crate::auth::Authenticated,
        crate::analytics::AnalyticsQuery,
    ),
    AppError,
> {
    let (link, viewer) = super::backend::admit(state, headers, token).await?;
    let viewer = viewer.ok_or(AppError::Unauthorized)?;
    if !link.allow_export {
        return Err(AppError::NotFound);
    }
    let query = super::backend::scoped(&link, query)?;
    Ok((link, viewer, query))
}
