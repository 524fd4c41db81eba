//! The test bench: one PostgreSQL cluster per run, one database per test.

use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use chrono::Duration;
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use ragsites_portal::server::config::{Config, JwtSecret};
use ragsites_portal::server::db::{self, DbPool};
use ragsites_portal::server::embedded_pg::EmbeddedPostgres;
use ragsites_portal::server::http::router;
use ragsites_portal::server::state::AppState;
use tower::ServiceExt;

const TEMPLATE: &str = "migrated_template";

/// Settings that make a throwaway cluster fast; never for real data.
pub const FAST_SETTINGS: [&str; 3] = ["fsync=off", "synchronous_commit=off", "full_page_writes=off"];

/// The run's cluster and the directory it lives in.
pub struct Bench {
    _cluster: EmbeddedPostgres,
    _dir: tempfile::TempDir,
}

static ADMIN_URL: OnceLock<String> = OnceLock::new();
static NEXT_DB: AtomicUsize = AtomicUsize::new(0);

/// A directory the `postgres` user can enter when the tests run as root.
pub fn shared_temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("ragsites-test-")
        .permissions(std::fs::Permissions::from_mode(0o755))
        .tempdir()
        .expect("temporary directory")
}

impl Bench {
    /// Starts the cluster and builds the migrated template every test database is cloned from.
    pub fn start() -> Self {
        let dir = shared_temp_dir();
        let cluster = EmbeddedPostgres::start(&dir.path().join("pg"), &FAST_SETTINGS).expect("test cluster starts");
        let admin_url = cluster.url("postgres");
        runtime().block_on(async {
            db::create_database(&admin_url, TEMPLATE, None)
                .await
                .expect("template database");
            let pool = db::connect(&cluster.url(TEMPLATE), 2).await.expect("template pool");
            db::run_migrations(&pool)
                .await
                .expect("migrations apply to the template");
        });
        ADMIN_URL.set(admin_url).expect("one bench per run");
        Self {
            _cluster: cluster,
            _dir: dir,
        }
    }
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

pub fn admin_url() -> &'static str {
    ADMIN_URL.get().expect("the bench is started")
}

/// A URL for database `name` on the run's cluster.
pub fn database_url(name: &str) -> String {
    let admin = admin_url();
    let (server, _) = admin.rsplit_once('/').expect("a database URL");
    format!("{server}/{name}")
}

/// A fresh database name for one test.
pub fn unique_db_name(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn test_config(database_url: String) -> Config {
    Config {
        database_url: Some(database_url),
        embedded_pg_dir: "unused".into(),
        db_pool_size: 4,
        jwt_secret: JwtSecret::new(b"integration-test-secret-of-at-least-32-bytes".to_vec()),
        jwt_expires_in: Duration::days(7),
        // The lowest cost bcrypt allows: the rules are the same, the tests are fast.
        bcrypt_cost: 4,
        cookie_secure: false,
    }
}

pub fn leptos_options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("ragsites-portal")
        .site_root("target/site")
        .build()
}

/// One test's application: its own migrated database, state and router.
pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub db_name: String,
}

impl TestApp {
    pub async fn new() -> Self {
        let db_name = unique_db_name("t");
        db::create_database(admin_url(), &db_name, Some(TEMPLATE))
            .await
            .expect("test database");
        let pool = db::connect(&database_url(&db_name), 4).await.expect("test pool");
        Self::with_pool(pool, db_name)
    }

    pub fn with_pool(pool: DbPool, db_name: String) -> Self {
        let config = test_config(database_url(&db_name));
        let state = AppState {
            leptos_options: leptos_options(),
            pool,
            config: Arc::new(config),
        };
        Self {
            router: router(state.clone()),
            state,
            db_name,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(request).await.expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("a body").to_bytes();
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(Request::get(path).body(Body::empty()).expect("request"))
            .await
    }
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}
