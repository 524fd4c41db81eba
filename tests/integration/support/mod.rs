//! The test bench and the helpers the tests share: one PostgreSQL cluster per test process, one
//! database per test, and requests to one test's application.

mod bench;
pub mod calls;
pub mod live;
pub mod oidc;
pub mod openapi;
pub mod s3;
pub mod services;
pub mod smtp;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use axum::extract::ConnectInfo;
use chrono::{DateTime, Duration, TimeZone, Utc};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use ragsites_portal::server::config::{Config, JwtSecret, Uploads};
use ragsites_portal::server::db::{self, DbPool};
use ragsites_portal::server::http::router;
use ragsites_portal::server::state::AppState;
use tower::ServiceExt;

use bench::TEMPLATE;
pub use bench::{FAST_SETTINGS, admin_url, database_url, shared_temp_dir, unique_db_name};

/// The password of the accounts the tests register.
pub const PASSWORD: &str = "Str0ng!pass";

/// Where every test application's clock stands until the test moves it: mid-hour, mid-month,
/// a Monday, two weeks after the end of US daylight saving time. No test depends on the day it
/// runs: every timestamp is built from `TestApp::now`.
pub fn start_of_test() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 16, 10, 30, 0).unwrap()
}

/// The client address of requests unless a test sets another (`TestApp::set_peer`).
pub const DEFAULT_PEER: &str = "192.0.2.10";

pub fn test_config(database_url: String) -> Config {
    Config {
        database_url: Some(database_url),
        embedded_pg_dir: "unused".into(),
        db_pool_size: 4,
        requests_in_progress: 64,
        jwt_secret: JwtSecret::new(b"integration-test-secret-of-at-least-32-bytes".to_vec()),
        jwt_expires_in: Duration::days(7),
        session_idle_timeout: Duration::hours(24),
        registrations_per_hour: 10,
        // The lowest cost bcrypt allows: the rules are the same, the tests are fast.
        bcrypt_cost: 4,
        cookie_secure: false,
        event_retention_days: 90,
        live_streams_max: 1000,
        live_streams_per_user: 10,
        admin_password: None,
        fixed_clock: Some(start_of_test()),
        metrics_addr: None,
        header_read_timeout: std::time::Duration::from_secs(10),
        body_read_timeout: std::time::Duration::from_secs(30),
        shutdown_grace: std::time::Duration::from_secs(10),
        trusted_proxies: Vec::new(),
        smtp_url: None,
        smtp_timeout: std::time::Duration::from_secs(30),
        mail_dir: std::env::temp_dir().join("ragsites-test-mail"),
        mail_from: "RagSites Portal <portal@test.example>"
            .parse()
            .expect("a valid mailbox"),
        app_url: url::Url::parse("https://portal.test.example").expect("a valid URL"),
        uploads: Uploads::Local(std::env::temp_dir().join("ragsites-test-uploads")),
        oidc_providers: Vec::new(),
        github: None,
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
    peer: Mutex<IpAddr>,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(|_| {}).await
    }

    /// A test application whose configuration `change` adjusts first.
    pub async fn with_config(change: impl FnOnce(&mut Config)) -> Self {
        let db_name = unique_db_name("t");
        db::create_database(admin_url(), &db_name, Some(TEMPLATE))
            .await
            .expect("test database");
        let mut config = test_config(database_url(&db_name));
        change(&mut config);
        let pool = db::connect(&database_url(&db_name), config.db_pool_size)
            .await
            .expect("test pool");
        Self::from_state(AppState::new(leptos_options(), pool, config), db_name)
    }

    pub fn with_pool(pool: DbPool, db_name: String) -> Self {
        let config = test_config(database_url(&db_name));
        Self::from_state(AppState::new(leptos_options(), pool, config), db_name)
    }

    pub fn from_state(state: AppState, db_name: String) -> Self {
        Self {
            router: router(state.clone()),
            state,
            db_name,
            peer: Mutex::new(DEFAULT_PEER.parse().expect("an address")),
        }
    }

    /// The application's clock (fixed at `start_of_test` until `advance`).
    pub fn now(&self) -> DateTime<Utc> {
        self.state.clock.now()
    }

    pub fn advance(&self, by: Duration) {
        self.state.clock.advance(by);
    }

    /// The client address the following requests come from, as the server sees the peer.
    pub fn set_peer(&self, ip: &str) {
        *self.peer.lock().expect("peer") = ip.parse().expect("an IP address");
    }

    /// Sends a request as from the current peer (unless it carries its own `ConnectInfo`). A
    /// response not whole (headers and body) within 30 s fails the test, naming the request: a
    /// page whose rendering never ends must not hang the suite.
    pub async fn send(&self, mut request: Request<Body>) -> TestResponse {
        const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
        if request.extensions().get::<ConnectInfo<SocketAddr>>().is_none() {
            let ip = *self.peer.lock().expect("peer");
            request
                .extensions_mut()
                .insert(ConnectInfo(SocketAddr::new(ip, 50_000)));
        }
        let name = format!("{} {}", request.method(), request.uri());
        let router = self.router.clone();
        let answer = async move {
            let response = router.oneshot(request).await.expect("the router answers");
            let (parts, body) = response.into_parts();
            (parts, body.collect().await.expect("a body").to_bytes())
        };
        let (parts, body) = tokio::time::timeout(SEND_TIMEOUT, answer)
            .await
            .unwrap_or_else(|_| panic!("{name}: no whole response within {SEND_TIMEOUT:?}"));
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            bytes: body,
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
    /// The body as text (invalid UTF-8 replaced); `bytes` as sent.
    pub body: String,
    pub bytes: axum::body::Bytes,
}

impl TestApp {
    /// A JSON request from this site (Host and Origin match), with optional extra headers.
    pub async fn json(
        &self,
        method: &str,
        path: &str,
        body: &serde_json::Value,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "portal.test")
            .header("origin", "http://portal.test")
            .header("content-type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(Body::from(body.to_string())).expect("request"))
            .await
    }

    /// Registers through the REST API and returns the token.
    pub async fn register(&self, name: &str, email: &str, password: &str) -> String {
        let body = serde_json::json!({ "name": name, "email": email, "password": password });
        let response = self.json("POST", "/api/auth/register", &body, &[]).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
        response.json()["token"].as_str().expect("a token").to_owned()
    }

    /// Calls a server function as the enhanced page does (form body, JSON answer) with a token.
    pub async fn server_fn(&self, name: &str, body: String, token: &str) -> TestResponse {
        let request = Request::post(format!("/api/fn/{name}"))
            .header("host", "portal.test")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(request).await
    }

    /// A GET with headers.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> TestResponse {
        let mut request = Request::get(path).header("host", "portal.test");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(Body::empty()).expect("request")).await
    }

    /// A plain HTML form post, as a browser without JavaScript sends it.
    pub async fn form_post(&self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> TestResponse {
        let mut request = Request::post(path)
            .header("host", "portal.test")
            .header("origin", "http://portal.test")
            .header("referer", "http://portal.test/auth/signin")
            .header("accept", "text/html,application/xhtml+xml")
            .header("content-type", "application/x-www-form-urlencoded");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = serde_urlencoded::to_string(fields).expect("form encoding");
        self.send(request.body(Body::from(body)).expect("request")).await
    }

    pub async fn count(&self, sql: &str) -> i64 {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.state.pool.get().await.expect("connection");
        diesel::sql_query(sql)
            .get_result::<Count>(&mut conn)
            .await
            .expect(sql)
            .n
    }

    /// The one text value `sql` selects as `t` (e.g. a whole row as JSON, to compare it later).
    pub async fn text(&self, sql: &str) -> String {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Text {
            #[diesel(sql_type = diesel::sql_types::Text)]
            t: String,
        }
        let mut conn = self.state.pool.get().await.expect("connection");
        diesel::sql_query(sql).get_result::<Text>(&mut conn).await.expect(sql).t
    }
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("JSON body expected ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The `Set-Cookie` values of the response.
    pub fn set_cookies(&self) -> Vec<&str> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    }

    /// The `name=value` pair of the flash cookie a refused form post set (under either name;
    /// empty if none), to send back as a browser would.
    pub fn flash_cookie(&self) -> String {
        self.set_cookies()
            .into_iter()
            .find(|c| c.strip_prefix("__Host-").unwrap_or(c).starts_with("ragsites_flash=") && !c.contains("Max-Age=0"))
            .map(|c| c.split(';').next().unwrap_or("").to_owned())
            .unwrap_or_default()
    }

    /// The session token from `Set-Cookie` (under either name), if one was set.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix("__Host-").unwrap_or(c).strip_prefix("ragsites_session="))
            .map(|c| c.split(';').next().unwrap_or("").to_owned())
            .filter(|t| !t.is_empty())
    }
}
