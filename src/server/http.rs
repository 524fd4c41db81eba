//! The axum router: pages, server functions, static files and the middleware around them.

use std::sync::LazyLock;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use leptos::prelude::provide_context;
use leptos_axum::{AxumRouteListing, LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use tower_http::LatencyUnit;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use super::headers;
use super::routes::Routes;
use super::state::AppState;
use crate::app::{App, shell};
use crate::error::AppError;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Forms and JSON bodies of the portal are small; larger uploads get their own limit.
const BODY_LIMIT: usize = 64 * 1024;

/// The pages' routes, listed once per process. Listing them renders the app while resource
/// loading is suppressed by a process-wide flag (leptos's `SuppressResourceLoad`): a page whose
/// data started loading meanwhile would wait for it forever. A server builds one router before
/// it serves; the integration tests build one per test while other tests render pages.
static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));

pub fn router(state: AppState) -> Router {
    let routes = ROUTES.clone();
    let context_state = state.clone();
    let app_state = state.clone();
    let site = site_api()
        .into_router()
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(context_state.clone());
                headers::provide_nonce();
            },
            move || shell(app_state.leptos_options.clone()),
        )
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            headers::provide_nonce,
            shell,
        ))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT));
    // Ingestion batches have a larger body limit of their own.
    let ingest = crate::ingest::rest::routes()
        .into_router()
        .layer(RequestBodyLimitLayer::new(crate::ingest::rest::MAX_BODY_BYTES));
    // Pictures come in whole forms of up to a few megabytes.
    // (axum's own limit on a multipart body, 2 MB, raised to the same bound.)
    let avatars = crate::settings::avatar::routes()
        .into_router()
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::settings::avatar::MAX_BODY_BYTES,
        ))
        .layer(RequestBodyLimitLayer::new(crate::settings::avatar::MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::settings::avatar::too_large_for_the_form,
        ));
    let metrics = state.config.metrics_addr.is_some();
    let app = Router::new().merge(ingest).merge(avatars).merge(site);
    let app = if metrics {
        super::metrics::recorder();
        app.route_layer(middleware::from_fn(super::metrics::route_template))
    } else {
        app
    };
    let app = app
        .layer(RequestBodyTimeoutLayer::new(state.config.body_read_timeout))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::auth::guard::middleware,
        ))
        .layer(middleware::from_fn(server_fn_error_status))
        .layer(middleware::from_fn(json_body_limit_errors))
        .layer(middleware::from_fn(cache_headers))
        .layer(middleware::from_fn_with_state(state.clone(), headers::security_headers));
    // Counted only where metrics are served: the hot path stays as it was otherwise.
    let app = if metrics {
        app.layer(middleware::from_fn(super::metrics::track_requests))
    } else {
        app
    };
    app.layer(middleware::from_fn_with_state(
        super::admission::Admission::new(state.config.requests_in_progress as usize),
        super::admission::admit,
    ))
    .layer(CompressionLayer::new())
    .layer(middleware::from_fn(catch_panic))
    .layer(PropagateRequestIdLayer::new(REQUEST_ID))
    .layer(
        TraceLayer::new_for_http()
            .make_span_with(|request: &Request<Body>| {
                let id = request
                    .headers()
                    .get(&REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                // The path only, its secrets left out: query strings may hold tokens or
                // personal data.
                let path = loggable_path(request.uri().path());
                tracing::info_span!("request", id, method = %request.method(), path = %path)
            })
            .on_response(DefaultOnResponse::new().latency_unit(LatencyUnit::Micros)),
    )
    .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
    .with_state(state)
}

/// `path` for the log: the token of a share link or an unsubscribe link (their only
/// authority) is left out.
fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    let segments: Vec<&str> = path.split('/').collect();
    match segments[..] {
        ["", "share", _, ref rest @ ..] => {
            format!("/share/…{}", rest.iter().map(|s| format!("/{s}")).collect::<String>()).into()
        }
        ["", "unsubscribe", list, user, _] => format!("/unsubscribe/{list}/{user}/…").into(),
        _ => path.into(),
    }
}

/// The REST routes under the site's body limit.
fn site_api() -> Routes {
    Routes::new()
        .route(Method::GET, "/healthz", alive)
        .route(Method::GET, "/readyz", ready)
        .route(Method::GET, "/api/openapi.json", super::openapi::serve)
        .merge(crate::auth::rest::routes())
        .merge(crate::auth::identities::flow::routes())
        .merge(crate::services::rest::routes())
        .merge(crate::events::rest::routes())
        .merge(crate::analytics::rest::routes())
        .merge(crate::annotations::rest::routes())
        .merge(crate::widgets::rest::routes())
        .merge(crate::reports::rest::routes())
        .merge(crate::sharing::rest::routes())
        .route(Method::GET, "/api/v1/live", crate::changes::stream::stream)
        .merge(crate::settings::rest::routes())
        .merge(crate::alerts::unsubscribe::routes())
}

/// Every REST route the router mounts, as method and path. The pages and server functions are
/// Leptos's: `generate_route_list(App)` and `server_fn::axum::server_fn_paths()` list them.
pub fn rest_routes() -> Vec<(Method, &'static str)> {
    let ingest = crate::ingest::rest::routes();
    let avatars = crate::settings::avatar::routes();
    [ingest.listed(), avatars.listed(), site_api().listed()].concat()
}

/// Hashed files under /pkg never change: cache them for a year. Pages are per user: never
/// store them in shared caches.
async fn cache_headers(request: Request, next: Next) -> Response {
    let hashed = request.uri().path().starts_with("/pkg/");
    let mut response = next.run(request).await;
    let ok = response.status() == StatusCode::OK;
    let headers = response.headers_mut();
    if hashed && ok {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
    } else if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    }
    response
}

/// Server functions answer every error with 500; give each `AppError` its own status
/// (401, 403, 422, 429, …) so API clients and logs can tell them apart.
async fn server_fn_error_status(request: Request, next: Next) -> Response {
    let is_server_fn = request.uri().path().starts_with("/api/fn/");
    let response = next.run(request).await;
    if !is_server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return AppError::Internal.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = error.status();
        if let Some(retry_after) = error.retry_after() {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The last resort: a handler that panics answers 500 (the API's JSON error, or a short page)
/// instead of dropping the connection, and the log names the request. A middleware of our own
/// rather than tower-http's `CatchPanicLayer`, whose handler never sees the request.
async fn catch_panic(request: Request, next: Next) -> Response {
    use futures_util::FutureExt;
    let api = request.uri().path().starts_with("/api/");
    let id = request.headers().get(&REQUEST_ID).cloned();
    match std::panic::AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(_) => {
            let id = id.as_ref().and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::error!(request_id = id, "a handler panicked; answered 500");
            if api {
                AppError::Internal.into_response()
            } else {
                (StatusCode::INTERNAL_SERVER_ERROR, axum::response::Html(PANIC_PAGE)).into_response()
            }
        }
    }
}

const PANIC_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
    <title>Something went wrong · RagSites Portal</title></head><body><h1>Something went wrong</h1>\
    <p>The portal could not answer this request. Please try again; if it keeps happening, tell us \
    the time it happened.</p><p><a href=\"/\">Back to the portal</a></p></body></html>";

/// The body limit answers 413 in plain text: give API clients the usual JSON error.
async fn json_body_limit_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        return AppError::PayloadTooLarge("The request body is too large.".into()).into_response();
    }
    response
}

/// The process is up and serving: 200 without asking the database (a liveness probe).
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "`ok`", content_type = "text/plain", body = String)))]
pub(super) async fn alive() -> &'static str {
    "ok"
}

/// Ready for traffic: the pool can run a query and every migration of this build is applied.
/// Otherwise 503 with the reason.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses(
        (status = 200, description = "`ready`", content_type = "text/plain", body = String),
        (status = 503, description = "The reason (`database unavailable`, `migrations not applied: …`)",
            content_type = "text/plain", body = String),
    ))]
pub(super) async fn ready(State(state): State<AppState>) -> Response {
    const UNREADY: StatusCode = StatusCode::SERVICE_UNAVAILABLE;
    let check = async {
        let mut conn = state.conn().await.map_err(|_| "database unavailable".to_owned())?;
        super::db::pending_migrations(&mut conn).await.map_err(|error| {
            tracing::warn!(%error, "readiness: reading the applied migrations");
            "database query failed".to_owned()
        })
    };
    match tokio::time::timeout(Duration::from_secs(3), check).await {
        Ok(Ok(pending)) if pending.is_empty() => (StatusCode::OK, "ready".to_owned()).into_response(),
        Ok(Ok(pending)) => (UNREADY, format!("migrations not applied: {}", pending.join(", "))).into_response(),
        Ok(Err(reason)) => (UNREADY, reason).into_response(),
        Err(_) => (UNREADY, "database unavailable: no answer within 3 s".to_owned()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    #[test]
    fn the_log_never_holds_a_share_or_unsubscribe_token() {
        let token = "rsl_abcdefgh_0123456789abcdefghijklmnopqrstuv";
        assert_eq!(loggable_path(&format!("/share/{token}")), "/share/…");
        assert_eq!(loggable_path(&format!("/share/{token}/live")), "/share/…/live");
        assert_eq!(
            loggable_path("/unsubscribe/alerts/4f1c/secret-mac"),
            "/unsubscribe/alerts/4f1c/…"
        );
        assert_eq!(loggable_path("/dashboard"), "/dashboard");
        assert_eq!(loggable_path("/share"), "/share", "no token: nothing to leave out");
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_and_keeps_the_connection() {
        async fn boom() -> &'static str {
            panic!("a bug")
        }
        let app = Router::new()
            .route("/api/boom", get(boom))
            .route("/boom", get(boom))
            .layer(middleware::from_fn(catch_panic));
        for (path, json) in [("/api/boom", true), ("/boom", false)] {
            let request = Request::get(path).body(Body::empty()).unwrap();
            let response = app
                .clone()
                .oneshot(request)
                .await
                .expect("an answer, not a dropped request");
            assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR, "{path}");
            let body = axum::body::to_bytes(response.into_body(), BODY_LIMIT).await.unwrap();
            let body = String::from_utf8_lossy(&body);
            if json {
                assert!(body.contains(r#""code":"internal""#), "{body}");
            } else {
                assert!(body.contains("Something went wrong"), "{body}");
            }
        }
    }
}
