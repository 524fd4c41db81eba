//! The profile and the preferences, through the REST API, server functions and plain forms.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::calls::{bearer, call, field, login, put};
use crate::support::{PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_rules_and_email_changes_need_the_current_password() {
    let app = TestApp::new().await;
    let ada = app.register("Ada", "ada@example.com", PASSWORD).await;
    app.register("Bob", "bob@example.com", PASSWORD).await;
    let auth = bearer(&ada);
    let profile = app.get_with("/api/user/profile", &[("authorization", &auth)]).await;
    assert_eq!(profile.json()["email"], "ada@example.com");

    let bad = put(
        &app,
        "/api/user/profile",
        json!({ "avatar_url": "http://x.com/a.png" }),
        &ada,
    )
    .await;
    assert!(field(&bad, "avatar_url").contains("https://"));
    let long = put(&app, "/api/user/profile", json!({ "bio": "b".repeat(501) }), &ada).await;
    assert!(field(&long, "bio").contains("500"));
    let no_password = put(&app, "/api/user/profile", json!({ "email": "ada2@example.com" }), &ada).await;
    field(&no_password, "current_password");
    let wrong = json!({ "email": "ada2@example.com", "current_password": "Wr0ng!pass" });
    assert!(field(&put(&app, "/api/user/profile", wrong, &ada).await, "current_password").contains("wrong"));
    let taken = json!({ "email": "BOB@example.com", "current_password": PASSWORD });
    assert!(field(&put(&app, "/api/user/profile", taken, &ada).await, "email").contains("already"));
    let unchanged = app
        .get_with("/api/user/profile", &[("authorization", &auth)])
        .await
        .json();
    assert_eq!(unchanged["email"], "ada@example.com", "nothing changed: {unchanged}");
    assert_eq!(unchanged["bio"], Value::Null);

    let good = json!({
        "name": "Ada Lovelace", "company": "Engines", "bio": "Poetical science.",
        "avatar_url": "https://example.com/ada.png", "email": "ada2@example.com", "current_password": PASSWORD
    });
    let saved = put(&app, "/api/user/profile", good, &ada).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.json()["company"], "Engines");
    assert_eq!(
        saved.json()["email"],
        "ada@example.com",
        "until the new address confirms"
    );
    assert_eq!(saved.json()["pending_email"], "ada2@example.com");
    assert_eq!(
        login(&app, "ada2@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(login(&app, "ada@example.com", PASSWORD).await.status, StatusCode::OK);
    // A name alone needs no password, and an empty company clears it.
    let renamed = put(
        &app,
        "/api/user/profile",
        json!({ "name": "Ada L.", "company": "" }),
        &ada,
    )
    .await;
    assert_eq!(renamed.json()["name"], "Ada L.");
    assert_eq!(renamed.json()["company"], Value::Null);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM activity_logs WHERE action = 'profile.email_change_request'")
            .await,
        1
    );
    let unauthenticated = app.json("PUT", "/api/user/profile", &json!({ "name": "X" }), &[]).await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preferences_are_bounded_and_the_time_zone_reaches_the_analytics() {
    let app = TestApp::new().await;
    let ada = app.register("Ada", "ada@example.com", PASSWORD).await;
    let unknown = put(
        &app,
        "/api/user/preferences",
        json!({ "timezone": "Mars/Olympus" }),
        &ada,
    )
    .await;
    assert!(field(&unknown, "timezone").contains("Mars/Olympus"));
    let rate = put(
        &app,
        "/api/user/preferences",
        json!({ "alert_error_rate_pct": 150.0 }),
        &ada,
    )
    .await;
    field(&rate, "alert_error_rate_pct");
    let p95 = put(
        &app,
        "/api/user/preferences",
        json!({ "alert_p95_latency_ms": 0 }),
        &ada,
    )
    .await;
    field(&p95, "alert_p95_latency_ms");
    let typed = put(&app, "/api/user/preferences", json!({ "weekly_report": "yes" }), &ada).await;
    assert_eq!(typed.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", typed.body);

    let good = json!({ "timezone": "America/New_York", "weekly_report": false, "alert_p95_latency_ms": 1500 });
    let saved = put(&app, "/api/user/preferences", good, &ada).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let read = app
        .get_with("/api/user/preferences", &[("authorization", &bearer(&ada))])
        .await
        .json();
    assert_eq!(read["timezone"], "America/New_York");
    assert_eq!(read["weekly_report"], false);
    assert_eq!(read["email_notifications"], true, "untouched");
    assert_eq!(read["alert_p95_latency_ms"], 1500);
    let series = app
        .get_with(
            "/api/v1/analytics/timeseries?range=7d",
            &[("authorization", &bearer(&ada))],
        )
        .await;
    assert_eq!(series.json()["tz"], "America/New_York");

    // The form's server function: text numbers get field messages, not a decoding error.
    let form = [
        ("alert_error_rate_pct", "five"),
        ("alert_p95_latency_ms", "2000"),
        ("timezone", "UTC"),
    ];
    let response = call(&app, "save_preferences", &form, &ada).await;
    assert!(field(&response, "alert_error_rate_pct").contains("percentage"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_forms_work_without_javascript() {
    let app = TestApp::new().await;
    let ada = app.register("Ada", "ada@example.com", PASSWORD).await;
    let cookie = format!("ragsites_session={ada}");
    let headers = [("cookie", cookie.as_str())];
    let bad = [("name", "Ada"), ("email", "ada@example.com"), ("avatar_url", "ftp://x")];
    let response = app.form_post("/api/fn/save_profile", &bad, &headers).await;
    assert_eq!(response.header("location"), "/settings/profile");
    let answer = format!("{cookie}; {}", response.flash_cookie());
    let page = app.get_with("/settings/profile", &[("cookie", &answer)]).await;
    assert!(
        page.body.contains("The avatar URL must start with https://."),
        "the message is on the page"
    );

    let good = [
        ("name", "Ada Byron"),
        ("email", "ada@example.com"),
        ("company", "Engines"),
    ];
    let response = app.form_post("/api/fn/save_profile", &good, &headers).await;
    assert_eq!(response.header("location"), "/settings/profile?saved=1");
    let page = app.get_with("/settings/profile?saved=1", &headers).await;
    assert!(page.body.contains("Saved."));
    assert!(page.body.contains("Ada Byron"));
    assert_eq!(
        app.get_with("/settings", &headers).await.header("location"),
        "/settings/profile"
    );
}
