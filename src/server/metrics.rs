//! Prometheus metrics: what the portal counts, and the router that serves them on
//! `METRICS_ADDR` (never on the public router).
//!
//! The recorder is process-wide and installed only when metrics are served; until then every
//! function here records into the `metrics` crate's no-op recorder. Features call the named
//! functions below rather than the `metrics` macros, so every name is spelled in one place.

use std::sync::OnceLock;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::state::AppState;

const REQUEST_SECONDS: &str = "http_request_duration_seconds";
/// From a cached page (about a millisecond) to the database queue's timeout (20 s) and beyond.
const REQUEST_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 25.0,
];

/// The process's recorder, installed on first use.
pub fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(REQUEST_SECONDS.into()), &REQUEST_BUCKETS)
            .and_then(PrometheusBuilder::install_recorder)
            .expect("the Prometheus recorder is installed once, with valid buckets")
    })
}

/// The router of the metrics listener: `GET /metrics` in Prometheus' text format.
pub fn router(state: AppState) -> Router {
    recorder();
    Router::new().route("/metrics", get(render)).with_state(state)
}

async fn render(State(state): State<AppState>) -> Response {
    sample_pool(&state);
    let handle = recorder();
    handle.run_upkeep();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}

/// The pool's figures, read when scraped.
fn sample_pool(state: &AppState) {
    let pool = state.pool.state();
    let stats = &pool.statistics;
    gauge!("db_pool_max_connections").set(f64::from(state.config.db_pool_size));
    gauge!("db_pool_connections").set(f64::from(pool.connections));
    gauge!("db_pool_idle_connections").set(f64::from(pool.idle_connections));
    counter!("db_pool_checkouts_waited_total").absolute(stats.get_waited);
    counter!("db_pool_checkouts_timed_out_total").absolute(stats.get_timed_out);
    gauge!("db_pool_wait_seconds_total").set(stats.get_wait_time.as_secs_f64());
}

/// Route layer: puts the matched route's template on the response for [`track_requests`]
/// (the router knows it only inside; the outer layer sees the final status).
pub async fn route_template(path: MatchedPath, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.extensions_mut().insert(path);
    response
}

/// Counts each request by method, route template (never the raw path: ids and tokens stay
/// out, and the label set stays small) and status, with its latency.
pub async fn track_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let response = next.run(request).await;
    let route = response
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let labels = [
        ("method", method.as_str().to_owned()),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    counter!("http_requests_total", &labels).increment(1);
    histogram!(REQUEST_SECONDS, &labels[..2]).record(started.elapsed());
    response
}

/// 1 while the database is marked down (see `db_health`), else 0.
pub fn database_down(down: bool) {
    gauge!("db_down").set(if down { 1.0 } else { 0.0 });
}

/// The outcome of one ingestion batch: events stored, resent ones already stored, refused ones.
pub fn ingested_events(accepted: u64, duplicate: u64, rejected: u64) {
    counter!("ingest_events_total", "outcome" => "accepted").increment(accepted);
    counter!("ingest_events_total", "outcome" => "duplicate").increment(duplicate);
    counter!("ingest_events_total", "outcome" => "rejected").increment(rejected);
}

/// A wrong password or unknown account at sign-in.
pub fn sign_in_failed() {
    counter!("auth_sign_in_failures_total").increment(1);
}

/// An account or address locked out by the sign-in limit.
pub fn locked_out() {
    counter!("auth_lockouts_total").increment(1);
}

/// An open live stream (`/api/v1/live`): counted in `live_streams_open` until dropped.
pub fn live_stream_opened() -> GaugeGuard {
    GaugeGuard::raise("live_streams_open")
}

/// A request waiting to be worked on: counted in `requests_waiting` until dropped.
pub fn request_queued() -> GaugeGuard {
    GaugeGuard::raise("requests_waiting")
}

/// A request waiting for its turn at the database: counted in `db_queue_waiting` until dropped.
pub fn db_queued() -> GaugeGuard {
    GaugeGuard::raise("db_queue_waiting")
}

/// A password hash or check waiting for or running on the blocking pool: counted in
/// `bcrypt_queue_depth` until dropped.
pub fn bcrypt_queued() -> GaugeGuard {
    GaugeGuard::raise("bcrypt_queue_depth")
}

/// Adds one to a gauge while it lives.
#[must_use = "the gauge goes down again when this is dropped"]
pub struct GaugeGuard(&'static str);

impl GaugeGuard {
    fn raise(name: &'static str) -> Self {
        gauge!(name).increment(1.0);
        Self(name)
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        gauge!(self.0).decrement(1.0);
    }
}
