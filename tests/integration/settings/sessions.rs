//! Security settings: the password, the list of sessions, and the activity log.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::calls::{call, field, login, login_token, password_change, put, verify};
use crate::support::{PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_password_signs_out_every_other_session() {
    let app = TestApp::new().await;
    let first = app.register("Ada", "ada@example.com", PASSWORD).await;
    let second = login_token(&app, "ada@example.com", PASSWORD).await;
    let weak = call(
        &app,
        "change_password",
        &password_change(PASSWORD, "weakpass", "weakpass"),
        &first,
    )
    .await;
    assert!(field(&weak, "new_password").contains("upper-case"));
    let mismatch = call(
        &app,
        "change_password",
        &password_change(PASSWORD, "N3w!passw", "N3w!other"),
        &first,
    )
    .await;
    field(&mismatch, "confirm_password");
    let wrong = call(
        &app,
        "change_password",
        &password_change("Wr0ng!pass", "N3w!passw", "N3w!passw"),
        &first,
    )
    .await;
    field(&wrong, "current_password");
    assert_eq!(verify(&app, &second).await, StatusCode::OK, "nothing changed yet");

    let done = call(
        &app,
        "change_password",
        &password_change(PASSWORD, "N3w!passw", "N3w!passw"),
        &first,
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.json(), json!(1), "one other session signed out");
    assert_eq!(verify(&app, &second).await, StatusCode::UNAUTHORIZED);
    assert_eq!(verify(&app, &first).await, StatusCode::OK, "this session stays");
    assert_eq!(
        login(&app, "ada@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(login(&app, "ada@example.com", "N3w!passw").await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_email_signs_out_every_other_session() {
    let app = TestApp::new().await;
    let first = app.register("Ada", "ada@example.com", PASSWORD).await;
    let second = login_token(&app, "ada@example.com", PASSWORD).await;
    let renamed = put(&app, "/api/user/profile", json!({ "name": "Ada L." }), &first).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(
        verify(&app, &second).await,
        StatusCode::OK,
        "a new name signs nobody out"
    );

    let moved = json!({ "email": "ada@new.example", "current_password": PASSWORD });
    let moved = put(&app, "/api/user/profile", moved, &first).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(verify(&app, &second).await, StatusCode::UNAUTHORIZED);
    assert_eq!(verify(&app, &first).await, StatusCode::OK, "this session stays");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM activity_logs WHERE action = 'profile.email_change_request' AND detail->>'sessions_revoked' = '1'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_listed_and_revoked_by_their_owner_only() {
    let app = TestApp::new().await;
    let ada = app.register("Ada", "ada@example.com", PASSWORD).await;
    let phone_login = app
        .json(
            "POST",
            "/api/auth/login",
            &json!({ "email": "ada@example.com", "password": PASSWORD }),
            &[(
                "user-agent",
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1",
            )],
        )
        .await;
    let phone = phone_login.json()["token"].as_str().unwrap().to_owned();
    let bob = app.register("Bob", "bob@example.com", PASSWORD).await;

    let list = call(&app, "load_sessions", &[], &ada).await.json();
    let sessions = list.as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{list}");
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap();
    assert_eq!(
        (other["browser"].as_str(), other["os"].as_str()),
        (Some("Safari"), Some("iOS"))
    );
    let other_id = other["id"].as_str().unwrap();

    let stolen = call(&app, "revoke_session", &[("id", other_id)], &bob).await;
    assert_eq!(stolen.status, StatusCode::NOT_FOUND, "Bob cannot end Ada's session");
    let bob_list = call(&app, "load_sessions", &[], &bob).await.json();
    assert_eq!(bob_list.as_array().unwrap().len(), 1, "Bob sees only his own");
    assert_eq!(verify(&app, &phone).await, StatusCode::OK);

    let revoked = call(&app, "revoke_session", &[("id", other_id)], &ada).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    assert_eq!(verify(&app, &phone).await, StatusCode::UNAUTHORIZED);
    assert_eq!(verify(&app, &ada).await, StatusCode::OK);

    for _ in 0..2 {
        login(&app, "ada@example.com", PASSWORD).await;
    }
    let everywhere = call(&app, "revoke_other_sessions", &[], &ada).await;
    assert_eq!(everywhere.json(), json!(2));
    assert_eq!(
        call(&app, "load_sessions", &[], &ada)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        verify(&app, &bob).await,
        StatusCode::OK,
        "other users keep their sessions"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_activity_log_is_paginated_and_private() {
    let app = TestApp::new().await;
    let ada = app.register("Ada", "ada@example.com", PASSWORD).await;
    let bob = app.register("Bob", "bob@example.com", PASSWORD).await;
    for _ in 0..22 {
        login(&app, "ada@example.com", PASSWORD).await;
    }
    login(&app, "ada@example.com", "Wr0ng!pass").await;
    let first = call(&app, "load_activity", &[("page", "1")], &ada).await.json();
    assert_eq!(first["entries"].as_array().unwrap().len(), 20);
    assert_eq!(first["has_more"], true);
    assert_eq!(first["entries"][0]["action"], "auth.sign_in_failed", "newest first");
    assert_eq!(first["entries"][0]["summary"], "Failed sign-in");
    let second = call(&app, "load_activity", &[("page", "2")], &ada).await.json();
    assert_eq!(
        second["entries"].as_array().unwrap().len(),
        4,
        "22 sign-ins, 1 failure, 1 registration"
    );
    assert_eq!(second["has_more"], false);
    let bobs = call(&app, "load_activity", &[("page", "1")], &bob).await.json();
    let actions: Vec<&str> = bobs["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["auth.register"], "Bob sees only his own");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_idle_past_the_timeout_are_no_longer_listed_or_counted() {
    let app = TestApp::new().await;
    let kept = app.register("Ada", "ada@example.com", PASSWORD).await;
    let idle = login_token(&app, "ada@example.com", PASSWORD).await;
    app.count("WITH a AS (UPDATE users SET role = 'admin' RETURNING 1) SELECT count(*) AS n FROM a")
        .await;
    let listed = async || call(&app, "load_sessions", &[], &kept).await.json();
    assert_eq!(listed().await.as_array().unwrap().len(), 2);

    let timeout = app.state.config.session_idle_timeout;
    app.advance(timeout - chrono::Duration::hours(1));
    listed().await;
    app.advance(chrono::Duration::hours(2));
    let sessions = listed().await;
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 1, "the server fn lists only the live one: {sessions:?}");
    assert_eq!(sessions[0]["current"], true);
    let page = app
        .get_with("/settings/security", &[("cookie", &format!("ragsites_session={kept}"))])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body.matches("<tr data-session=").count(),
        1,
        "the page lists only the live one"
    );
    let admin = call(&app, "admin_view", &[], &kept).await.json();
    assert_eq!(
        admin["overview"]["active_sessions"], 1,
        "the admin overview counts only the live one"
    );
    assert_eq!(
        verify(&app, &idle).await,
        StatusCode::UNAUTHORIZED,
        "and the idle one is refused"
    );
}
