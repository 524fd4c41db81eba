//! Personal API tokens: made and shown once from the security tab, only their hash kept, read or
//! read-write on the REST API and nothing else, revoked and expired at once; and the session
//! refresh of `POST /api/auth/refresh`.

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::{Value, json};

use crate::support::calls::{bearer, call, field, login_token, sign_out, verify};
use crate::support::{PASSWORD, TestApp, TestResponse};

async fn tokens(app: &TestApp, session: &str) -> Value {
    let response = call(app, "load_api_tokens", &[], session).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()
}

/// Makes a token from the security tab's form; returns it whole, as the tab shows it once.
pub async fn make(app: &TestApp, session: &str, name: &str, scope: &str, lifetime: &str) -> String {
    let made = call(
        app,
        "create_api_token",
        &[("name", name), ("scope", scope), ("lifetime", lifetime)],
        session,
    )
    .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let shown = tokens(app, session).await;
    let token = shown["new_token"].as_str().expect("the new token shown").to_owned();
    let dismissed = call(app, "dismiss_api_token", &[], session).await;
    assert_eq!(dismissed.status, StatusCode::OK);
    assert!(tokens(app, session).await["new_token"].is_null(), "shown once");
    token
}

async fn with_token(app: &TestApp, method: &str, path: &str, token: &str) -> TestResponse {
    app.json(
        method,
        path,
        &json!({ "name": "Made by a script", "kind": "chatbot" }),
        &[("authorization", &bearer(token))],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_token_reads_the_rest_api_and_nothing_else() {
    let app = TestApp::new().await;
    let session = app.register("Ada", "ada@example.com", PASSWORD).await;
    let token = make(&app, &session, "Nightly export", "read", "30").await;
    assert!(token.starts_with("rpt_") && token.len() == 45, "{token}");
    let hashed = format!(
        "SELECT count(*) AS n FROM api_tokens WHERE secret_hash = sha256(convert_to('{token}', 'UTF8')) AND to_show IS NULL"
    );
    assert_eq!(app.count(&hashed).await, 1, "only the hash is kept once copied");
    let listed = tokens(&app, &session).await;
    assert_eq!(listed["tokens"][0]["name"], "Nightly export");
    assert_eq!(listed["tokens"][0]["scope"], "read");
    assert_eq!(listed["tokens"][0]["prefix"], token[..12]);

    for path in [
        "/api/v1/services",
        "/api/user/profile",
        "/api/analytics/metrics",
        "/api/auth/verify",
    ] {
        let read = with_token(&app, "GET", path, &token).await;
        assert_eq!(read.status, StatusCode::OK, "{path}: {}", read.body);
    }
    assert_eq!(
        with_token(&app, "GET", "/api/user/profile", &token).await.json()["email"],
        "ada@example.com"
    );
    let write = with_token(&app, "POST", "/api/v1/services", &token).await;
    assert_eq!(write.status, StatusCode::FORBIDDEN, "{}", write.body);
    assert_eq!(app.count("SELECT count(*) AS n FROM services").await, 0);

    // Never the pages, their server functions or the session routes.
    let page = app.get_with("/dashboard", &[("authorization", &bearer(&token))]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.header("location").starts_with("/auth/signin"));
    assert_eq!(
        call(&app, "load_profile", &[], &token).await.status,
        StatusCode::UNAUTHORIZED
    );
    for path in ["/api/auth/logout", "/api/auth/refresh"] {
        assert_eq!(
            with_token(&app, "POST", path, &token).await.status,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    assert!(
        app.count("SELECT count(*) AS n FROM api_tokens WHERE last_used_at IS NOT NULL")
            .await
            == 1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_token_changes_and_a_revoked_or_expired_one_stops_at_once() {
    let app = TestApp::new().await;
    let session = app.register("Ada", "ada@example.com", PASSWORD).await;
    let writer = make(&app, &session, "Deploy pipeline", "write", "never").await;
    let created = with_token(&app, "POST", "/api/v1/services", &writer).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

    let week = make(&app, &session, "A week", "read", "7").await;
    assert_eq!(
        with_token(&app, "GET", "/api/v1/services", &week).await.status,
        StatusCode::OK
    );
    app.advance(Duration::days(7) + Duration::seconds(1));
    assert_eq!(
        with_token(&app, "GET", "/api/v1/services", &week).await.status,
        StatusCode::UNAUTHORIZED
    );
    // A week idle ended the browser session, never the tokens: sign in again.
    let session = login_token(&app, "ada@example.com", PASSWORD).await;

    let bob = app.register("Bob", "bob@example.com", PASSWORD).await;
    let id = tokens(&app, &session).await["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Deploy pipeline")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let foreign = call(&app, "revoke_api_token", &[("id", &id)], &bob).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.body);
    assert_eq!(
        with_token(&app, "GET", "/api/v1/services", &writer).await.status,
        StatusCode::OK
    );
    let revoked = call(&app, "revoke_api_token", &[("id", &id)], &session).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    assert_eq!(
        with_token(&app, "GET", "/api/v1/services", &writer).await.status,
        StatusCode::UNAUTHORIZED
    );
    let again = call(&app, "revoke_api_token", &[("id", &id)], &session).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let trail = app
        .text("SELECT string_agg(action, ',' ORDER BY id) AS t FROM activity_logs WHERE action LIKE 'api_token.%'")
        .await;
    assert_eq!(trail, "api_token.create,api_token.create,api_token.revoke");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_token_forms_name_their_field() {
    let app = TestApp::new().await;
    let session = app.register("Ada", "ada@example.com", PASSWORD).await;
    let nameless = call(
        &app,
        "create_api_token",
        &[("name", " "), ("scope", "read"), ("lifetime", "30")],
        &session,
    )
    .await;
    assert!(field(&nameless, "name").contains("1 to 100"));
    let long = "x".repeat(101);
    let too_long = call(
        &app,
        "create_api_token",
        &[("name", &long), ("scope", "read"), ("lifetime", "30")],
        &session,
    )
    .await;
    assert!(field(&too_long, "name").contains("1 to 100"));
    let admin = call(
        &app,
        "create_api_token",
        &[("name", "x"), ("scope", "admin"), ("lifetime", "30")],
        &session,
    )
    .await;
    assert!(field(&admin, "scope").contains("read"));
    let forever = call(
        &app,
        "create_api_token",
        &[("name", "x"), ("scope", "read"), ("lifetime", "3650")],
        &session,
    )
    .await;
    assert!(field(&forever, "lifetime").contains("how long"));
    assert_eq!(
        app.count("SELECT count(*) AS n FROM api_tokens").await,
        0,
        "nothing half-made"
    );
    for n in 0..20 {
        make(&app, &session, &format!("token {n}"), "read", "30").await;
    }
    let over = call(
        &app,
        "create_api_token",
        &[("name", "one more"), ("scope", "read"), ("lifetime", "30")],
        &session,
    )
    .await;
    assert_eq!(over.status, StatusCode::CONFLICT, "{}", over.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_gives_a_live_session_a_new_token_and_refuses_a_dead_one() {
    let app = TestApp::new().await;
    let session = app.register("Ada", "ada@example.com", PASSWORD).await;
    let refresh = |token: String| {
        let app = &app;
        async move {
            app.json(
                "POST",
                "/api/auth/refresh",
                &json!({}),
                &[("authorization", &bearer(&token))],
            )
            .await
        }
    };
    app.advance(Duration::hours(1));
    let fresh = refresh(session.clone()).await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
    let renewed = fresh.json()["token"].as_str().unwrap().to_owned();
    assert_ne!(renewed, session);
    assert!(fresh.session_cookie().is_some());
    let expires = app
        .text("SELECT to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS t FROM sessions")
        .await;
    assert_eq!(
        fresh.json()["expires_at"],
        expires,
        "the session lives as long as the new token"
    );
    assert_eq!(verify(&app, &renewed).await, StatusCode::OK);

    sign_out(&app, &renewed).await;
    assert_eq!(
        refresh(session.clone()).await.status,
        StatusCode::UNAUTHORIZED,
        "a revoked session"
    );

    let idle = app.register("Bob", "bob@example.com", PASSWORD).await;
    app.advance(Duration::hours(25));
    assert_eq!(
        refresh(idle).await.status,
        StatusCode::UNAUTHORIZED,
        "an idle-expired session"
    );
}
