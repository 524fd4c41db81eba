//! Running the portal: health and readiness, a database outage, metrics, the server's
//! timeouts and its graceful shutdown.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use ragsites_portal::server::embedded_pg::EmbeddedPostgres;
use ragsites_portal::server::state::AppState;
use ragsites_portal::server::{db, metrics, serve_on};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

use crate::support::{self, FAST_SETTINGS, PASSWORD, TestApp};

/// Polls `condition` every 50 ms until it holds, for at most `limit`.
async fn eventually<F: Future<Output = bool>>(limit: Duration, what: &str, mut condition: impl FnMut() -> F) {
    let started = Instant::now();
    while !condition().await {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The page as read: without its scripts (Leptos serialises the errors for hydration there).
fn without_scripts(html: &str) -> String {
    let mut parts = html.split("<script");
    let mut text = parts.next().unwrap_or_default().to_owned();
    for part in parts {
        text.push_str(part.split_once("</script>").map_or("", |(_, after)| after));
    }
    text
}

/// Starts a cluster of its own in `data` (on `port` when given).
async fn start_cluster(data: &std::path::Path, port: Option<u16>) -> EmbeddedPostgres {
    let data = data.to_owned();
    tokio::task::spawn_blocking(move || EmbeddedPostgres::start_on(&data, port, &FAST_SETTINGS))
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_answers_503_at_once_and_recovers_by_itself() {
    // A cluster of its own, so it can be stopped and started under the app.
    let dir = support::shared_temp_dir();
    let data = dir.path().join("cluster");
    let mut cluster = start_cluster(&data, None).await;
    let port = cluster.port();
    let pool = db::connect(&cluster.url("postgres"), 2).await.unwrap();
    db::run_migrations(&pool).await.unwrap();
    let app = TestApp::with_pool(pool, "postgres".into());
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let cookie = format!("ragsites_session={token}");
    let dashboard = async || app.get_with("/dashboard", &[("cookie", &cookie)]).await;
    assert_eq!(dashboard().await.status, StatusCode::OK);

    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap()
        .unwrap();
    let started = Instant::now();
    let page = dashboard().await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the first failed connection attempt ends the wait, not the pool's 3 s timeout"
    );
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{}", page.body);
    assert_eq!(page.header("retry-after"), "5");
    assert_eq!(
        without_scripts(&page.body)
            .matches("The service is temporarily unavailable")
            .count(),
        1,
        "said once: {}",
        page.body
    );
    assert!(app.state.pool.health.is_down());

    // Marked down: the next requests answer without asking the pool for a connection.
    let checkouts = app.state.pool.state().statistics.get_started;
    let page = dashboard().await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(page.header("retry-after"), "5");
    let api = app
        .get_with("/api/v1/services", &[("authorization", &format!("Bearer {token}"))])
        .await;
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(api.header("retry-after"), "5");
    assert_eq!(api.json()["error"]["code"], "unavailable");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.body, "database unavailable");
    assert_eq!(
        app.state.pool.state().statistics.get_started,
        checkouts,
        "no checkout while the database is marked down"
    );
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK, "the process is alive");

    // Rendered side by side, each failed page keeps its 503: a visitor's landing page, which
    // needs no database, still answers 200.
    let (app, cookie) = (&app, &cookie);
    let pages = (0..50).flat_map(|_| ["/dashboard", "/"]).map(|path| async move {
        let headers = if path == "/" {
            vec![]
        } else {
            vec![("cookie", cookie.as_str())]
        };
        let page = app.get_with(path, &headers).await;
        if path == "/dashboard" && page.status == StatusCode::OK {
            eprintln!("BODY200 {}", without_scripts(&page.body));
        }
        (path, page.status)
    });
    for (path, status) in futures_util::future::join_all(pages).await {
        let expected = if path == "/" {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        assert_eq!(status, expected, "{path}");
    }

    // Back on the same port: the probe sees it and the app recovers without a restart.
    let _cluster = start_cluster(&data, Some(port)).await;
    eventually(Duration::from_secs(10), "ready again", async || {
        app.get("/readyz").await.status == StatusCode::OK
    })
    .await;
    assert!(!app.state.pool.health.is_down());
    let page = dashboard().await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Ada"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_the_process_and_readiness_needs_every_migration() {
    let app = TestApp::new().await;
    let health = app.get("/healthz").await;
    assert_eq!((health.status, health.body.as_str()), (StatusCode::OK, "ok"));
    let ready = app.get("/readyz").await;
    assert_eq!((ready.status, ready.body.as_str()), (StatusCode::OK, "ready"));

    // A database with one migration undone is not ready, and says which.
    let mut conn = app.state.pool.get().await.unwrap();
    use diesel_async::RunQueryDsl;
    let latest: Vec<String> = {
        #[derive(diesel::QueryableByName)]
        struct Version {
            #[diesel(sql_type = diesel::sql_types::Text)]
            version: String,
        }
        diesel::sql_query(
            "DELETE FROM __diesel_schema_migrations WHERE version = \
             (SELECT max(version) FROM __diesel_schema_migrations) RETURNING version",
        )
        .load::<Version>(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.version)
        .collect()
    };
    drop(conn);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.body, format!("migrations not applied: {}", latest[0]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_served_only_by_the_metrics_router() {
    let public = TestApp::new().await;
    assert_eq!(public.get("/metrics").await.status, StatusCode::NOT_FOUND);

    let app = TestApp::with_config(|config| config.metrics_addr = Some("127.0.0.1:0".parse().unwrap())).await;
    assert_eq!(
        app.get("/metrics").await.status,
        StatusCode::NOT_FOUND,
        "never on the public router"
    );
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let service = support::services::create_service(&app, &token, "Bot").await;
    for _ in 0..3 {
        app.get("/healthz").await;
    }
    let bearer = format!("Bearer {token}");
    let unknown = format!("/api/v1/services/{}", uuid::Uuid::new_v4());
    assert_eq!(
        app.get_with(&unknown, &[("authorization", &bearer)]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_with(&format!("/api/v1/services/{service}"), &[("authorization", &bearer)])
            .await
            .status,
        StatusCode::OK
    );
    // The counters the other modules feed: an ingestion batch (one event stored, one refused)
    // and a wrong password.
    let key = support::services::create_key(&app, &token, &service).await;
    let mut refused = support::services::event("m-2", app.now(), 80, true);
    refused["latency_ms"] = serde_json::json!(-5);
    let batch = serde_json::json!([support::services::event("m-1", app.now(), 120, true), refused]);
    assert_eq!(
        support::services::post_events(&app, &key, &batch).await.status,
        StatusCode::ACCEPTED
    );
    let wrong = serde_json::json!({ "email": "ada@example.com", "password": "Wrong-password-1" });
    assert_eq!(
        app.json("POST", "/api/auth/login", &wrong, &[]).await.status,
        StatusCode::UNAUTHORIZED
    );

    let scrape = metrics::router(app.state.clone())
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(scrape.status(), StatusCode::OK);
    let text = String::from_utf8(scrape.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    let count = |line: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(line))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or_else(|| panic!("{line} in\n{text}"))
    };
    // The global recorder counts every router with metrics on: this test's only, in this process.
    assert!(count(r#"http_requests_total{method="GET",route="/healthz",status="200"}"#) >= 3.0);
    assert!(count(r#"http_requests_total{method="GET",route="/api/v1/services/{id}",status="404"}"#) >= 1.0);
    assert!(count(r#"http_requests_total{method="GET",route="/api/v1/services/{id}",status="200"}"#) >= 1.0);
    assert!(
        !text.contains(&service),
        "route templates, never raw paths: no id in the labels"
    );
    assert!(text.contains(r#"http_request_duration_seconds_bucket{method="GET",route="/healthz",le="0.005"}"#));
    assert_eq!(count("db_pool_max_connections"), 4.0);
    assert!(count("db_pool_connections") >= 1.0);
    assert!(text.contains("db_pool_idle_connections"));
    assert!(text.contains("db_pool_checkouts_waited_total"));
    assert!(count(r#"ingest_events_total{outcome="accepted"}"#) >= 1.0);
    assert!(count(r#"ingest_events_total{outcome="rejected"}"#) >= 1.0);
    assert!(count("auth_sign_in_failures_total") >= 1.0);
    assert!(text.contains("bcrypt_queue_depth"));
}

/// Serves `state`'s router through the real accept loop on a free loopback port.
async fn serve_in_background(state: AppState) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = state.config.clone();
    let router = ragsites_portal::server::http::router(state);
    tokio::spawn(async move { serve_on(listener, router, &config, std::future::pending()).await });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_sends_its_headers_slowly_is_cut_off() {
    let app = TestApp::with_config(|config| config.header_read_timeout = Duration::from_secs(2)).await;
    let addr = serve_in_background(app.state.clone()).await;

    // A whole request is answered.
    let mut quick = tokio::net::TcpStream::connect(addr).await.unwrap();
    quick
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: portal.test\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    quick.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // Slowloris: one header byte per second.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = b"GET /healthz HTTP/1.1\r\nhost: portal.test\r\n\r\n";
    let started = Instant::now();
    let mut sent = 0;
    let closed = loop {
        if sent == request.len() {
            break false;
        }
        if slow.write_all(&request[sent..=sent]).await.is_err() {
            break true;
        }
        sent += 1;
        let mut buffer = [0u8; 256];
        // A second between bytes; the server ending the connection ends the wait.
        // An answer (408 or, once whole, 200) is followed by the close; a timeout is waiting.
        if let Ok(Ok(0) | Err(_)) = tokio::time::timeout(Duration::from_secs(1), slow.read(&mut buffer)).await {
            break true;
        }
    };
    assert!(closed, "the server waited for the whole slow request");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "closed after {:?} and {sent} bytes, with a 2 s header timeout",
        started.elapsed()
    );
}

/// Sends `body` to `path` over a new connection; the status, or `None` when the server could
/// not be reached or did not answer.
async fn post(addr: std::net::SocketAddr, path: &str, key: &str, body: &str) -> Option<u16> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nhost: portal.test\r\nauthorization: Bearer {key}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.ok()?;
    answer.get(9..12)?.parse().ok()
}

async fn get_status(addr: std::net::SocketAddr, path: &str) -> Option<u16> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nhost: portal.test\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.ok()?;
    answer.get(9..12)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_ingestion_loses_no_acknowledged_event() {
    // The real binary on this test's database; the test's app only prepares the account.
    let app = TestApp::new().await;
    let client = support::services::client(&app, "ada@example.com", "Bot").await;
    let late = support::services::client(&app, "bob@example.com", "Late bot").await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    let workdir = support::shared_temp_dir();
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_ragsites-portal"))
        .current_dir(workdir.path())
        .env("DATABASE_URL", support::database_url(&app.db_name))
        .env("JWT_SECRET", "integration-test-secret-of-at-least-32-bytes")
        .env("FIXED_CLOCK", support::start_of_test().to_rfc3339())
        .env("LEPTOS_OUTPUT_NAME", "ragsites-portal")
        .env("LEPTOS_SITE_ADDR", addr.to_string())
        .env("SHUTDOWN_GRACE", "10s")
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("the server binary starts");
    eventually(Duration::from_secs(30), "the binary is ready", async || {
        get_status(addr, "/readyz").await == Some(200)
    })
    .await;

    // Batches from four clients until the server is gone; SIGTERM once some were accepted.
    let acknowledged = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let mut senders = tokio::task::JoinSet::new();
    for sender in 0..4 {
        let (key, acknowledged) = (client.key.clone(), acknowledged.clone());
        let now = app.now();
        senders.spawn(async move {
            for batch in 0.. {
                let events: Vec<_> = (0..20)
                    .map(|i| support::services::event(&format!("s{sender}-b{batch}-e{i}"), now, 100, true))
                    .collect();
                let body = serde_json::json!({ "events": events }).to_string();
                match post(addr, "/api/v1/events", &key, &body).await {
                    Some(202) => {
                        acknowledged.fetch_add(20, std::sync::atomic::Ordering::SeqCst);
                    }
                    Some(_) => {} // throttled: not acknowledged
                    None => return,
                }
            }
        });
    }
    eventually(Duration::from_secs(30), "some batches accepted", async || {
        acknowledged.load(std::sync::atomic::Ordering::SeqCst) >= 100
    })
    .await;
    // One batch surely in flight at the signal: its headers asked for `100 Continue`, which the
    // server sends once the handler reads the body; the body follows after the signal.
    let events: Vec<_> = (0..20)
        .map(|i| support::services::event(&format!("late-{i}"), app.now(), 100, true))
        .collect();
    let body = serde_json::json!({ "events": events }).to_string();
    let mut in_flight = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/events HTTP/1.1\r\nhost: portal.test\r\nauthorization: Bearer {}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nexpect: 100-continue\r\n\r\n",
        late.key,
        body.len()
    );
    in_flight.write_all(head.as_bytes()).await.unwrap();
    let mut continue_line = [0u8; 25];
    in_flight.read_exact(&mut continue_line).await.unwrap();
    assert!(continue_line.starts_with(b"HTTP/1.1 100 Continue"));

    let pid = i32::try_from(server.id().expect("running")).unwrap();
    // SAFETY: a signal to the child this test started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    eventually(Duration::from_secs(10), "new connections refused", async || {
        tokio::net::TcpStream::connect(addr).await.is_err()
    })
    .await;
    in_flight.write_all(body.as_bytes()).await.unwrap();
    let mut answer = String::new();
    in_flight.read_to_string(&mut answer).await.unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 202"),
        "the request in flight at the signal is finished: {answer}"
    );
    acknowledged.fetch_add(20, std::sync::atomic::Ordering::SeqCst);
    let status = tokio::time::timeout(Duration::from_secs(20), server.wait())
        .await
        .expect("the server exits within its grace")
        .unwrap();
    assert!(status.success(), "a clean exit: {status}");
    while senders.join_next().await.is_some() {}

    assert_eq!(
        app.count("SELECT count(*) AS n FROM events WHERE event_id LIKE 'late-%'")
            .await,
        20,
        "the batch in flight at the signal is stored"
    );
    let acknowledged = acknowledged.load(std::sync::atomic::Ordering::SeqCst);
    let stored = app.count("SELECT count(*) AS n FROM events").await;
    assert!(acknowledged >= 100);
    assert!(
        stored >= acknowledged,
        "{stored} events stored, {acknowledged} acknowledged: none lost"
    );
    // A batch committed as the connection broke is stored without a 202: at most one a sender.
    assert!(
        stored <= acknowledged + 4 * 20,
        "{stored} stored for {acknowledged} acknowledged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stalls_its_body_gets_an_answer_within_the_body_timeout() {
    let app = TestApp::with_config(|config| config.body_read_timeout = Duration::from_secs(1)).await;
    let addr = serve_in_background(app.state.clone()).await;
    let mut stalled = tokio::net::TcpStream::connect(addr).await.unwrap();
    stalled
        .write_all(
            b"POST /api/auth/login HTTP/1.1\r\nhost: portal.test\r\ncontent-type: application/json\r\n\
              content-length: 100\r\n\r\n{\"email\"",
        )
        .await
        .unwrap();
    let started = Instant::now();
    let mut answer = String::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stalled.read_to_string(&mut answer)).await;
    assert!(read.is_ok(), "no answer to a stalled body within 10 s");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "answered after {:?}",
        started.elapsed()
    );
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");
}

/// Under a load larger than the pool, requests get the database in the order they asked: a
/// newcomer does not take a connection that comes free while others wait (bb8 alone hands it
/// to whoever asks first after its release, which starves some requests for as long as the
/// load lasts).
#[tokio::test(flavor = "current_thread")]
async fn the_database_serves_waiting_requests_in_arrival_order() {
    let app = TestApp::with_config(|config| config.db_pool_size = 1).await;
    let held = app.state.conn().await.unwrap();
    let (done, mut finished) = tokio::sync::mpsc::unbounded_channel();
    let checkout = |name: &'static str| {
        let state = app.state.clone();
        let done = done.clone();
        async move {
            let conn = state.conn().await.unwrap();
            done.send(name).unwrap();
            drop(conn);
        }
    };
    let first = tokio::spawn(checkout("waiting"));
    // On this one-threaded runtime, yielding lets the spawned request run until it waits.
    tokio::task::yield_now().await;
    drop(held);
    // The newcomer asks in this task, before the waiting request has run again.
    let (first, ()) = tokio::join!(first, checkout("newcomer"));
    first.unwrap();
    let order = [finished.recv().await.unwrap(), finished.recv().await.unwrap()];
    assert_eq!(order, ["waiting", "newcomer"]);
}

/// A connection the server ends under a request (a restart, a terminated backend) answers
/// 503 like an outage, not 500: the statement it ended, and the next one on that connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_ended_by_the_server_is_unavailable_not_an_internal_error() {
    use diesel_async::RunQueryDsl;
    use ragsites_portal::error::AppError;

    #[derive(diesel::QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let app = TestApp::new().await;
    let mut conn = app.state.conn().await.unwrap();
    let Pid { pid } = diesel::sql_query("SELECT pg_backend_pid() AS pid")
        .get_result(&mut conn)
        .await
        .unwrap();
    let terminate = async {
        let sleeping =
            format!("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = {pid} AND query LIKE 'SELECT pg_sleep%'");
        eventually(Duration::from_secs(5), "the statement runs", || async {
            app.count(&sleeping).await == 1
        })
        .await;
        app.count(&format!("SELECT pg_terminate_backend({pid})::int::bigint AS n"))
            .await
    };
    let (during, _) = tokio::join!(diesel::sql_query("SELECT pg_sleep(10)").execute(&mut conn), terminate);
    assert_eq!(
        AppError::from(during.unwrap_err()),
        AppError::Unavailable,
        "the statement it ended"
    );
    let after = diesel::sql_query("SELECT 1").execute(&mut conn).await.unwrap_err();
    assert_eq!(AppError::from(after), AppError::Unavailable, "the next statement");
}

/// Past `REQUESTS_IN_PROGRESS`, requests wait their turn in arrival order, even one that needs
/// no database behind one that waits for it; liveness never waits.
#[tokio::test(flavor = "current_thread")]
async fn requests_past_the_limit_in_progress_wait_their_turn_in_arrival_order() {
    let app = std::sync::Arc::new(
        TestApp::with_config(|config| {
            config.db_pool_size = 1;
            config.requests_in_progress = 1;
        })
        .await,
    );
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let held = app.state.conn().await.unwrap();
    let (done, mut finished) = tokio::sync::mpsc::unbounded_channel();
    let request = |name: &'static str, path: &'static str, cookie: Option<String>| {
        let app = std::sync::Arc::clone(&app);
        let done = done.clone();
        tokio::spawn(async move {
            let headers: Vec<(&str, &str)> = cookie.iter().map(|c| ("cookie", c.as_str())).collect();
            let status = app.get_with(path, &headers).await.status;
            done.send((name, status)).unwrap();
        })
    };
    // In progress, waiting for the database (its session is checked there).
    let dashboard = request("dashboard", "/dashboard", Some(format!("ragsites_session={token}")));
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    let landing = request("landing", "/", None);
    tokio::task::yield_now().await;
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    drop(held);
    dashboard.await.unwrap();
    landing.await.unwrap();
    let order = [finished.recv().await.unwrap(), finished.recv().await.unwrap()];
    assert_eq!(order, [("dashboard", StatusCode::OK), ("landing", StatusCode::OK)]);
}

/// A request that waits in a queue of its own (the password hasher's) gives its turn back:
/// with one request in progress at a time, a page asked meanwhile is answered at once.
#[tokio::test(flavor = "current_thread")]
async fn a_request_that_steps_aside_does_not_hold_the_pages_turn() {
    use axum::routing::get;
    use ragsites_portal::server::admission::{self, Admission};

    let (entered, mut has_entered) = tokio::sync::mpsc::unbounded_channel();
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let released = std::sync::Arc::new(std::sync::Mutex::new(Some(released)));
    let router = axum::Router::new()
        .route(
            "/hashing",
            get(move || {
                let released = released.lock().unwrap().take().unwrap();
                let entered = entered.clone();
                async move {
                    admission::step_aside();
                    entered.send(()).unwrap();
                    released.await.unwrap();
                }
            }),
        )
        .route("/page", get(|| async { "page" }))
        .layer(axum::middleware::from_fn_with_state(
            Admission::new(1),
            admission::admit,
        ));
    let request = |path| Request::get(path).body(Body::empty()).unwrap();
    let hashing = tokio::spawn(router.clone().oneshot(request("/hashing")));
    has_entered.recv().await.unwrap();
    let page = tokio::time::timeout(Duration::from_secs(5), router.oneshot(request("/page"))).await;
    assert_eq!(
        page.expect("the page does not wait for the hashing request")
            .unwrap()
            .status(),
        StatusCode::OK
    );
    release.send(()).unwrap();
    assert_eq!(hashing.await.unwrap().unwrap().status(), StatusCode::OK);
}
