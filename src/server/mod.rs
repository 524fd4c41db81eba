//! Everything that only the server build has: configuration, database, HTTP.

pub mod admission;
pub mod clock;
pub mod config;
pub mod cookies;
pub mod db;
pub mod db_health;
pub mod demo_traffic;
pub mod embedded_pg;
pub mod headers;
pub mod http;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod seed;
pub mod state;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use leptos::prelude::{LeptosOptions, get_configuration};
use tower::ServiceExt;

use self::config::Config;
use self::db::{BoxError, DbPool};
use self::embedded_pg::EmbeddedPostgres;
use self::state::AppState;

/// The embedded cluster's database for the portal.
const EMBEDDED_DB_NAME: &str = "ragsites";

/// A connected, migrated database; holds the embedded cluster (if any) so it stops last.
pub struct Database {
    pub pool: DbPool,
    /// Where the pool connects (holds a password: never log it).
    pub url: String,
    pub embedded: Option<EmbeddedPostgres>,
}

impl Database {
    /// Connects to `DATABASE_URL`, or starts the embedded cluster, then applies migrations.
    pub async fn open(config: &Config) -> Result<Self, BoxError> {
        let (url, embedded) = match &config.database_url {
            Some(url) => (url.clone(), None),
            None => {
                let dir = config.embedded_pg_dir.clone();
                let cluster = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&dir, &[])).await??;
                tracing::info!(port = cluster.port(), dir = %cluster.data_dir().display(), "embedded PostgreSQL started");
                db::create_database(&cluster.url("postgres"), EMBEDDED_DB_NAME, None).await?;
                (cluster.url(EMBEDDED_DB_NAME), Some(cluster))
            }
        };
        let pool = db::connect(&url, config.db_pool_size).await?;
        let applied = wait_for_migrations(&pool).await?;
        if applied > 0 {
            tracing::info!(applied, "migrations applied");
        }
        Ok(Self { pool, url, embedded })
    }

    /// Closes the pool, then stops the embedded cluster.
    pub async fn close(self) {
        let Self { pool, embedded, .. } = self;
        drop(pool);
        if let Some(mut cluster) = embedded {
            match tokio::task::spawn_blocking(move || cluster.stop()).await {
                Ok(Ok(())) => tracing::info!("embedded PostgreSQL stopped"),
                Ok(Err(error)) => tracing::error!(%error, "stopping embedded PostgreSQL"),
                Err(error) => tracing::error!(%error, "stopping embedded PostgreSQL"),
            }
        }
    }
}

/// An external database may still be starting: retry for up to 30 seconds.
async fn wait_for_migrations(pool: &DbPool) -> Result<usize, BoxError> {
    let mut attempt = 0;
    loop {
        match db::run_migrations(pool).await {
            Ok(applied) => return Ok(applied),
            Err(error) if attempt < 10 => {
                attempt += 1;
                tracing::warn!(%error, attempt, "database not ready, retrying");
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Builds the state from an open database. Serving reads Leptos' options from cargo-leptos'
/// environment; the maintenance commands render nothing and use the defaults.
pub fn app_state(config: Config, database: &Database, serving: bool) -> Result<AppState, BoxError> {
    let leptos_options = if serving {
        get_configuration(None)?.leptos_options
    } else {
        LeptosOptions::builder().output_name(env!("CARGO_PKG_NAME")).build()
    };
    Ok(AppState::new(leptos_options, database.pool.clone(), config))
}

/// Serves the portal until SIGINT or SIGTERM: then ends the live streams, lets requests in
/// flight finish (within `SHUTDOWN_GRACE`), and stops the database last.
pub async fn serve(config: Config) -> Result<(), BoxError> {
    let database = Database::open(&config).await?;
    let state = app_state(config, &database, true)?;
    let addr: SocketAddr = state.leptos_options.site_addr;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("listening on http://{addr}");
    if let Some(metrics_addr) = state.config.metrics_addr {
        let metrics = tokio::net::TcpListener::bind(metrics_addr).await?;
        tracing::info!("metrics on http://{metrics_addr}/metrics");
        let (router, config) = (metrics::router(state.clone()), state.config.clone());
        // Scrapes are short: the metrics listener simply ends with the process.
        tokio::spawn(async move { serve_on(metrics, router, &config, std::future::pending()).await });
    }
    state.changes.spawn_listener(database.url.clone());
    spawn_retention(state.clone());
    crate::mail::outbox::spawn_worker(state.clone());
    crate::alerts::evaluate::spawn_evaluator(state.clone());
    let changes = state.changes.clone();
    let config = state.config.clone();
    serve_on(listener, http::router(state), &config, async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        // Live streams never end by themselves: end them so in-flight requests can finish.
        changes.shut_down();
    })
    .await;
    database.close().await;
    Ok(())
}

/// The accept loop: serves `app` over HTTP/1.1 on `listener` until `shutdown` resolves, then
/// stops accepting and gives the requests in flight `shutdown_grace` to finish. A client gets
/// `header_read_timeout` for each request's headers (hyper also counts an idle keep-alive
/// connection's wait for the next request against it), so a slow or idle client cannot hold a
/// connection; the body's timeout is the router's (`http::router`).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    config: &Config,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, usually: give the open connections time to end.
                    tracing::error!(%error, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Without TCP_NODELAY, Nagle's algorithm holds back the last chunk of each streamed page.
        let _ = tcp.set_nodelay(true);
        let service = app
            .clone()
            .map_request(move |mut request: axum::http::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(tcp), TowerToHyperService::new(service)));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(config.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(grace = ?config.shutdown_grace, "requests still in flight after the shutdown grace: dropped");
    }
}

/// The whole secrets kept for their owner to copy (a new ingestion key, API token or share
/// link's address) are forgotten once the time they may be shown has passed: afterwards only
/// their hash is kept.
pub async fn forget_shown_secrets(
    conn: &mut diesel_async::AsyncPgConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> diesel::QueryResult<usize> {
    use diesel_async::RunQueryDsl;

    let mut forgotten = 0;
    for table in ["api_keys", "api_tokens", "share_links"] {
        forgotten += diesel::sql_query(format!(
            "UPDATE {table} SET to_show = NULL, show_until = NULL WHERE show_until <= $1"
        ))
        .bind::<diesel::sql_types::Timestamptz, _>(now)
        .execute(conn)
        .await?;
    }
    Ok(forgotten)
}

/// Every hour (and at start): makes the raw events' partitions of this month and the next,
/// drops the months past the retention window (the rollups stay), and forgets the secrets
/// shown for copying whose time has passed.
fn spawn_retention(state: AppState) {
    use crate::ingest::backend::{drop_expired, make_partitions_ahead};
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every_hour.tick().await;
            let dropped = async {
                let mut conn = state.conn().await.map_err(|e| e.to_string())?;
                let now = state.clock.now();
                make_partitions_ahead(&mut conn, now).await.map_err(|e| e.to_string())?;
                forget_shown_secrets(&mut conn, now).await.map_err(|e| e.to_string())?;
                drop_expired(&mut conn, now, state.config.event_retention_days)
                    .await
                    .map_err(|e| e.to_string())
            };
            match dropped.await {
                Ok(0) => {}
                Ok(months) => tracing::info!(months, "raw events past the retention window dropped"),
                Err(error) => tracing::warn!(%error, "retention: could not make or drop event partitions"),
            }
        }
    });
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

/// Where the server keeps local state (the embedded database, the development secret).
pub fn state_dir() -> &'static Path {
    Path::new("target")
}
