//! A save with one refused field saves none of the others: the stored rows stay exactly as they
//! were, through the REST API and the plain forms alike.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::calls::{field, put};
use crate::support::{PASSWORD, TestApp};

const CHANGES: &str = "SELECT count(*) AS n FROM activity_logs WHERE action <> 'auth.register'";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_field_saves_none_of_the_good_ones() {
    let app = TestApp::new().await;
    let ada = app.register("Ada", "ada@example.com", PASSWORD).await;
    app.register("Bob", "bob@example.com", PASSWORD).await;
    let id = app.text("SELECT id::text AS t FROM users WHERE name = 'Ada'").await;
    let user_row = format!("SELECT row_to_json(u)::text AS t FROM users u WHERE id = '{id}'");
    let preferences_row = format!("SELECT row_to_json(p)::text AS t FROM user_preferences p WHERE user_id = '{id}'");
    let (user, preferences) = (app.text(&user_row).await, app.text(&preferences_row).await);
    let unchanged = async |what: &str| {
        assert_eq!(app.text(&user_row).await, user, "{what}: the user row");
        assert_eq!(
            app.text(&preferences_row).await,
            preferences,
            "{what}: the preferences row"
        );
        assert_eq!(app.count(CHANGES).await, 0, "{what}: nothing logged");
    };

    for (body, bad) in [
        (
            json!({ "name": "Ada L.", "company": "Engines", "bio": "b".repeat(501) }),
            "bio",
        ),
        (
            json!({ "name": "Ada L.", "avatar_url": "http://example.com/a.png" }),
            "avatar_url",
        ),
        (json!({ "name": "", "company": "Engines" }), "name"),
        (
            json!({ "name": "Ada L.", "email": "ada2@example.com", "current_password": "Wr0ng!pass" }),
            "current_password",
        ),
        // Refused by the database's unique index, after the password was checked.
        (
            json!({ "company": "Engines", "email": "BOB@example.com", "current_password": PASSWORD }),
            "email",
        ),
    ] {
        field(&put(&app, "/api/user/profile", body.clone(), &ada).await, bad);
        unchanged(&body.to_string()).await;
    }
    for (body, bad) in [
        (
            json!({ "timezone": "Europe/Paris", "weekly_report": false, "alert_p95_latency_ms": 0 }),
            "alert_p95_latency_ms",
        ),
        (
            json!({ "timezone": "Mars/Olympus", "email_notifications": false, "alert_error_rate_pct": 10.0 }),
            "timezone",
        ),
        (
            json!({ "timezone": "Europe/Paris", "alert_error_rate_pct": 150.0 }),
            "alert_error_rate_pct",
        ),
    ] {
        field(&put(&app, "/api/user/preferences", body.clone(), &ada).await, bad);
        unchanged(&body.to_string()).await;
    }

    let cookie = format!("ragsites_session={ada}");
    let headers = [("cookie", cookie.as_str())];
    let forms: [(&str, &[(&str, &str)]); 3] = [
        (
            "/api/fn/save_profile",
            &[
                ("name", "Ada L."),
                ("email", "ada@example.com"),
                ("company", "Engines"),
                ("avatar_url", "ftp://example.com/a.png"),
            ],
        ),
        (
            "/api/fn/save_preferences",
            &[
                ("weekly_report", "on"),
                ("alert_error_rate_pct", "10"),
                ("alert_p95_latency_ms", "0"),
                ("timezone", "Europe/Paris"),
            ],
        ),
        (
            "/api/fn/save_preferences",
            &[
                ("alert_error_rate_pct", "10"),
                ("alert_p95_latency_ms", "1500"),
                ("timezone", "Mars/Olympus"),
            ],
        ),
    ];
    for (path, fields) in forms {
        let response = app.form_post(path, fields, &headers).await;
        assert_eq!(response.status, StatusCode::FOUND, "{path}");
        assert!(!response.flash_cookie().is_empty(), "{path}: refused");
        unchanged(&format!("{path} {fields:?}")).await;
    }

    // The snapshots do see a save: the good fields alone are stored.
    let saved = put(&app, "/api/user/profile", json!({ "company": "Engines" }), &ada).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_ne!(app.text(&user_row).await, user);
    let saved = put(
        &app,
        "/api/user/preferences",
        json!({ "timezone": "Europe/Paris" }),
        &ada,
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_ne!(app.text(&preferences_row).await, preferences);
}
