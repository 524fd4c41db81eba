//! The skeleton: migrations, the embedded cluster, rendering, health, seed, caching.

use std::sync::Arc;

use axum::http::StatusCode;
use chrono::DurationRound;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use ragsites_portal::server::db;
use ragsites_portal::server::embedded_pg::EmbeddedPostgres;
use ragsites_portal::server::seed;
use ragsites_portal::server::state::AppState;

use crate::support::services::create_service;
use crate::support::{self, FAST_SETTINGS, TestApp};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn count(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Count>(conn).await.expect(sql).n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_apply_on_an_empty_database_once() {
    let name = support::unique_db_name("empty");
    db::create_database(support::admin_url(), &name, None).await.unwrap();
    let pool = db::connect(&support::database_url(&name), 2).await.unwrap();
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .count();
    let applied = db::run_migrations(&pool).await.unwrap();
    assert_eq!(applied, migrations, "every migration ran");
    assert_eq!(
        db::run_migrations(&pool).await.unwrap(),
        0,
        "a second run applies nothing"
    );

    let mut conn = pool.get().await.unwrap();
    #[derive(QueryableByName)]
    struct Table {
        #[diesel(sql_type = Text)]
        table_name: String,
    }
    let tables: Vec<String> = diesel::sql_query(
        "SELECT table_name::text AS table_name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations' ORDER BY 1",
    )
    .load::<Table>(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .map(|t| t.table_name)
    .collect();
    for table in [
        "activity_logs",
        "metrics",
        "services",
        "sessions",
        "user_preferences",
        "users",
    ] {
        assert!(tables.iter().any(|t| t == table), "{table} exists in {tables:?}");
    }
    // The constraints hold: a role outside the list is refused by the database itself.
    let refused = diesel::sql_query(
        "INSERT INTO users (email, name, password_hash, role) VALUES ('a@b.co', 'A', '$2b$04$x', 'root')",
    )
    .execute(&mut conn)
    .await;
    assert!(refused.is_err(), "an unknown role violates the CHECK constraint");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_cluster_starts_restarts_on_existing_data_and_stops() {
    let dir = support::shared_temp_dir();
    let data = dir.path().join("cluster");
    let start = |data: std::path::PathBuf| async move {
        tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&data, &FAST_SETTINGS))
            .await
            .unwrap()
            .unwrap()
    };

    let mut first = start(data.clone()).await;
    let mut conn = AsyncPgConnection::establish(&first.url("postgres")).await.unwrap();
    diesel::sql_query("CREATE TABLE kept (v bigint)")
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::sql_query("INSERT INTO kept VALUES (42)")
        .execute(&mut conn)
        .await
        .unwrap();
    drop(conn);
    let first_url = first.url("postgres");
    tokio::task::spawn_blocking(move || first.stop())
        .await
        .unwrap()
        .unwrap();
    assert!(
        AsyncPgConnection::establish(&first_url).await.is_err(),
        "a stopped cluster refuses connections"
    );

    let second = start(data).await;
    let mut conn = AsyncPgConnection::establish(&second.url("postgres")).await.unwrap();
    assert_eq!(
        count(&mut conn, "SELECT sum(v)::bigint AS n FROM kept").await,
        42,
        "the data survived the restart"
    );
    drop(conn);
    let second_url = second.url("postgres");
    tokio::task::spawn_blocking(move || drop(second)).await.unwrap();
    assert!(
        AsyncPgConnection::establish(&second_url).await.is_err(),
        "dropping the handle stops the cluster"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn landing_page_renders_on_the_server() {
    let app = TestApp::new().await;
    let page = app.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("measured and in your hands"),
        "the hero is in the HTML"
    );
    assert!(
        page.body.contains(r#"href="/auth/register""#),
        "the call to action links to registration"
    );
    assert!(
        page.body.contains("<title>RagSites Portal</title>"),
        "the title is set on the server"
    );
    assert!(
        page.headers.contains_key("x-request-id"),
        "every answer carries a request id"
    );
}

/// Only a page holding an island loads the browser build; every page has the navbar's Escape
/// script, which is plain JavaScript.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_pages_with_an_island_load_the_wasm() {
    let app = TestApp::new().await;
    let token = app.register("Ada Lovelace", "ada@example.com", support::PASSWORD).await;
    let service = create_service(&app, &token, "Support bot").await;
    let cookie = format!("ragsites_session={token}");
    let guest: &[(&str, &str)] = &[];
    let signed_in: &[(&str, &str)] = &[("cookie", cookie.as_str())];
    let pages = [
        ("/", guest, false),
        ("/auth/signin", guest, false),
        ("/auth/register", guest, false),
        ("/auth/forgot", guest, false),
        ("/no/such/page", guest, false),
        ("/settings/profile", signed_in, false),
        ("/settings/notifications", signed_in, false),
        ("/settings/security", signed_in, false),
        ("/settings/billing", signed_in, false),
        (&format!("/services/{service}/events"), signed_in, false),
        ("/dashboard", signed_in, true),
        // Its filters apply a changed select with a few lines of script, not an island.
        ("/services", signed_in, false),
        (&format!("/services/{service}"), signed_in, true),
    ];
    for (path, headers, islands) in pages {
        let page = app.get_with(path, headers).await;
        assert!(
            page.status == StatusCode::OK || page.status == StatusCode::NOT_FOUND,
            "{path}: {}",
            page.status
        );
        assert_eq!(page.body.contains("<leptos-island"), islands, "{path} holds an island");
        assert_eq!(page.body.contains(".wasm\""), islands, "{path} loads the WASM");
        if islands || path == "/services" {
            assert!(
                page.body.contains("requestSubmit()"),
                "{path}: the filters apply at once"
            );
        }
        assert!(
            page.body.contains(r#"addEventListener("keydown""#),
            "{path}: Escape closes the menus without WASM"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_page_is_a_404_page() {
    let app = TestApp::new().await;
    let page = app.get("/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("This page does not exist"));
    assert!(page.body.contains("Back to the home page"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_is_idempotent() {
    let app = TestApp::new().await;
    let report = seed::seed(&app.state, 1, 1.0).await.unwrap();
    assert!(report.demo_created && report.admin_password.is_some());
    let mut conn = app.state.pool.get().await.unwrap();
    let snapshot = async |conn: &mut AsyncPgConnection| {
        (
            count(conn, "SELECT count(*) AS n FROM users").await,
            count(conn, "SELECT count(*) AS n FROM services").await,
            count(conn, "SELECT count(*) AS n FROM user_preferences").await,
        )
    };
    let first = snapshot(&mut conn).await;
    assert_eq!(first.0, 2, "the demo user and the admin");
    assert_eq!(first.1, 3, "three demo services");
    assert_eq!(first.2, 2, "both have preferences");
    let events = app.count("SELECT count(*) AS n FROM events").await;
    assert_eq!(events, report.events_added as i64);
    // A day of demo traffic: the 24 whole hours before the clock's, every one of them busy.
    let to = app.now().duration_trunc(chrono::Duration::hours(1)).unwrap();
    let from = to - chrono::Duration::hours(24);
    let (from, to) = (from.to_rfc3339(), to.to_rfc3339());
    let hours = format!(
        "SELECT count(DISTINCT date_trunc('hour', occurred_at)) AS n FROM events \
         WHERE occurred_at >= '{from}' AND occurred_at < '{to}'"
    );
    assert_eq!(app.count(&hours).await, 24);
    let outside = format!("SELECT count(*) AS n FROM events WHERE occurred_at < '{from}' OR occurred_at >= '{to}'");
    assert_eq!(app.count(&outside).await, 0, "none outside those hours");
    let confirmed = "SELECT count(*) AS n FROM users WHERE email_verified_at IS NOT NULL";
    assert_eq!(
        app.count(confirmed).await,
        2,
        "the seeded addresses need no mailed link"
    );
    // As in a database seeded before addresses were confirmed:
    diesel::sql_query("UPDATE users SET email_verified_at = NULL")
        .execute(&mut conn)
        .await
        .unwrap();
    let again = seed::seed(&app.state, 1, 1.0).await.unwrap();
    assert!(!again.demo_created && again.admin_password.is_none());
    assert_eq!(app.count(confirmed).await, 2, "confirmed by the next seed");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM events").await,
        events,
        "no event twice"
    );
    assert_ne!(again.ingest_key, report.ingest_key, "a new key each run");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL")
            .await,
        1,
        "the old one revoked"
    );
    assert_eq!(snapshot(&mut conn).await, first, "a second seed changes nothing");
    let demo = count(
        &mut conn,
        "SELECT count(*) AS n FROM users WHERE email = 'demo@ragsites.com'",
    )
    .await;
    assert_eq!(demo, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_files_are_cached_and_pages_are_private() {
    let site = support::shared_temp_dir();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    std::fs::write(
        site.path().join("pkg/app.0123abcd.css"),
        "body { color: red }".repeat(100),
    )
    .unwrap();
    let base = TestApp::new().await;
    let mut options = support::leptos_options();
    options.site_root = Arc::from(site.path().to_str().unwrap());
    let state = AppState {
        leptos_options: options,
        ..base.state.clone()
    };
    let app = TestApp::from_state(state, base.db_name);

    let file = app.get("/pkg/app.0123abcd.css").await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.headers["cache-control"], "public, max-age=31536000, immutable");
    let page = app.get("/").await;
    assert_eq!(page.headers["cache-control"], "private, no-cache");

    let request = axum::http::Request::get("/pkg/app.0123abcd.css")
        .header("accept-encoding", "br")
        .body(axum::body::Body::empty())
        .unwrap();
    let compressed = app.send(request).await;
    assert_eq!(
        compressed.headers["content-encoding"], "br",
        "static files are compressed"
    );
}
