//! Settings, billing and the admin view: each rule, and that nobody reaches another user's rows.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, TestResponse};

const PASSWORD: &str = "Str0ng!pass";

async fn call(app: &TestApp, name: &str, fields: &[(&str, &str)], token: &str) -> TestResponse {
    app.server_fn(name, serde_urlencoded::to_string(fields).unwrap(), token)
        .await
}

async fn login(app: &TestApp, email: &str, password: &str) -> TestResponse {
    app.json(
        "POST",
        "/api/auth/login",
        &json!({ "email": email, "password": password }),
        &[],
    )
    .await
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn put(app: &TestApp, path: &str, body: Value, token: &str) -> TestResponse {
    app.json("PUT", path, &body, &[("authorization", &bearer(token))]).await
}

/// The message on field `name` of a 422, as the REST API (`error`) or a server function
/// (the serialized `AppError`) writes it.
fn field(response: &TestResponse, name: &str) -> String {
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.body);
    let json = response.json();
    json["error"]["fields"][name]
        .as_str()
        .or(json["Validation"]["fields"][name].as_str())
        .unwrap_or_else(|| panic!("a message on {name}: {}", response.body))
        .to_owned()
}

pub async fn profile_rules_and_email_changes_need_the_current_password() {
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
    assert_eq!(login(&app, "ada2@example.com", PASSWORD).await.status, StatusCode::OK);
    assert_eq!(
        login(&app, "ada@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
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
        app.count("SELECT count(*) AS n FROM activity_logs WHERE action = 'profile.email_change'")
            .await,
        1
    );
    let unauthenticated = app.json("PUT", "/api/user/profile", &json!({ "name": "X" }), &[]).await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);
}

pub async fn preferences_are_bounded_and_the_time_zone_reaches_the_analytics() {
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

pub async fn changing_the_password_signs_out_every_other_session() {
    let app = TestApp::new().await;
    let first = app.register("Ada", "ada@example.com", PASSWORD).await;
    let second = login(&app, "ada@example.com", PASSWORD).await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let verify = async |token: &str| {
        app.get_with("/api/auth/verify", &[("authorization", &bearer(token))])
            .await
            .status
    };
    let change = |current: &'static str, new: &'static str, confirm: &'static str| {
        [
            ("current_password", current),
            ("new_password", new),
            ("confirm_password", confirm),
        ]
    };
    let weak = call(
        &app,
        "change_password",
        &change(PASSWORD, "weakpass", "weakpass"),
        &first,
    )
    .await;
    assert!(field(&weak, "new_password").contains("upper-case"));
    let mismatch = call(
        &app,
        "change_password",
        &change(PASSWORD, "N3w!passw", "N3w!other"),
        &first,
    )
    .await;
    field(&mismatch, "confirm_password");
    let wrong = call(
        &app,
        "change_password",
        &change("Wr0ng!pass", "N3w!passw", "N3w!passw"),
        &first,
    )
    .await;
    field(&wrong, "current_password");
    assert_eq!(verify(&second).await, StatusCode::OK, "nothing changed yet");

    let done = call(
        &app,
        "change_password",
        &change(PASSWORD, "N3w!passw", "N3w!passw"),
        &first,
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.json(), json!(1), "one other session signed out");
    assert_eq!(verify(&second).await, StatusCode::UNAUTHORIZED);
    assert_eq!(verify(&first).await, StatusCode::OK, "this session stays");
    assert_eq!(
        login(&app, "ada@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(login(&app, "ada@example.com", "N3w!passw").await.status, StatusCode::OK);
}

pub async fn sessions_are_listed_and_revoked_by_their_owner_only() {
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
    let verify = async |token: &str| {
        app.get_with("/api/auth/verify", &[("authorization", &bearer(token))])
            .await
            .status
    };
    assert_eq!(verify(&phone).await, StatusCode::OK);

    let revoked = call(&app, "revoke_session", &[("id", other_id)], &ada).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    assert_eq!(verify(&phone).await, StatusCode::UNAUTHORIZED);
    assert_eq!(verify(&ada).await, StatusCode::OK);

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
    assert_eq!(verify(&bob).await, StatusCode::OK, "other users keep their sessions");
}

pub async fn the_activity_log_is_paginated_and_private() {
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

pub async fn billing_usage_equals_the_analytics_total_for_the_period() {
    let app = TestApp::new().await;
    ragsites_portal::server::seed::seed(&app.state, 3, 1.0).await.unwrap();
    let demo = login(&app, "demo@ragsites.com", "Demo@123456").await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let billing = call(&app, "load_billing", &[], &demo).await;
    assert_eq!(billing.status, StatusCode::OK, "{}", billing.body);
    let billing = billing.json();
    assert_eq!(billing["plan"]["name"], "Growth");
    let (start, end) = (
        billing["period_start"].as_str().unwrap(),
        billing["period_end"].as_str().unwrap(),
    );
    let query = format!(
        "/api/v1/analytics/summary?range=custom&from={}&to={}",
        start.replace('+', "%2B"),
        end.replace('+', "%2B")
    );
    let summary = app.get_with(&query, &[("authorization", &bearer(&demo))]).await;
    assert_eq!(summary.status, StatusCode::OK, "{}", summary.body);
    let requests = billing["current"]["requests"].as_i64().unwrap();
    assert!(requests > 0, "the seed sent traffic this period: {billing}");
    assert_eq!(requests, summary.json()["total_requests"].as_i64().unwrap());
    assert!(billing["projected_requests"].as_i64().unwrap() >= requests);

    let ada = app.register("Ada", "ada@example.com", PASSWORD).await;
    let empty = call(&app, "load_billing", &[], &ada).await.json();
    assert_eq!(empty["plan"], Value::Null);
    assert_eq!(empty["current"]["requests"], 0, "another client's usage is not Ada's");
}

pub async fn admins_manage_clients_and_clients_cannot() {
    let app = TestApp::new().await;
    let report = ragsites_portal::server::seed::seed(&app.state, 1, 1.0).await.unwrap();
    let admin = login(&app, "admin@ragsites.com", &report.admin_password.unwrap())
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let ada = app.register("Ada", "ada@example.com", PASSWORD).await;

    let new_client = [
        ("name", "Carol"),
        ("email", "carol@example.com"),
        ("password", PASSWORD),
        ("plan_id", ""),
    ];
    assert_eq!(
        call(&app, "admin_create_client", &new_client, &ada).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(call(&app, "admin_view", &[], &ada).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM users WHERE email = 'carol@example.com'")
            .await,
        0
    );

    let weak = [
        ("name", "Carol"),
        ("email", "carol@example.com"),
        ("password", "weak"),
        ("plan_id", ""),
    ];
    field(&call(&app, "admin_create_client", &weak, &admin).await, "password");
    let created = call(&app, "admin_create_client", &new_client, &admin).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_eq!(login(&app, "carol@example.com", PASSWORD).await.status, StatusCode::OK);
    let again = call(&app, "admin_create_client", &new_client, &admin).await;
    assert!(field(&again, "email").contains("already"));

    let view = call(&app, "admin_view", &[], &admin).await.json();
    let carol = view["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == "carol@example.com")
        .unwrap()
        .clone();
    assert_eq!(carol["plan"], Value::Null);
    let scale = view["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Scale")
        .unwrap();
    let (carol_id, scale_id) = (carol["id"].as_str().unwrap(), scale["id"].as_str().unwrap());
    let assign = [("user_id", carol_id), ("plan_id", scale_id)];
    assert_eq!(
        call(&app, "admin_assign_plan", &assign, &ada).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&app, "admin_assign_plan", &assign, &admin).await.status,
        StatusCode::OK
    );
    let bogus = [
        ("user_id", carol_id),
        ("plan_id", "00000000-0000-0000-0000-000000000000"),
    ];
    field(&call(&app, "admin_assign_plan", &bogus, &admin).await, "plan_id");

    let service = [("user_id", carol_id), ("name", "Carol's bot"), ("kind", "chatbot")];
    assert_eq!(
        call(&app, "admin_create_service", &service, &ada).await.status,
        StatusCode::FORBIDDEN
    );
    let made = call(&app, "admin_create_service", &service, &admin).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let view = call(&app, "admin_view", &[], &admin).await.json();
    let carol = view["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == "carol@example.com")
        .unwrap()
        .clone();
    assert_eq!(
        (carol["plan"].as_str(), carol["services"].as_i64()),
        (Some("Scale"), Some(1))
    );
    let carol_token = login(&app, "carol@example.com", PASSWORD).await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let services = app
        .get_with("/api/v1/services", &[("authorization", &bearer(&carol_token))])
        .await
        .json();
    assert_eq!(services.as_array().map(Vec::len), Some(1), "{services}");

    let page = app
        .get_with("/admin", &[("cookie", &format!("ragsites_session={ada}"))])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = app
        .get_with("/admin", &[("cookie", &format!("ragsites_session={admin}"))])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("carol@example.com"));
}

pub async fn settings_forms_work_without_javascript() {
    let app = TestApp::new().await;
    let ada = app.register("Ada", "ada@example.com", PASSWORD).await;
    let cookie = format!("ragsites_session={ada}");
    let headers = [("cookie", cookie.as_str())];
    let bad = [("name", "Ada"), ("email", "ada@example.com"), ("avatar_url", "ftp://x")];
    let response = app.form_post("/api/fn/save_profile", &bad, &headers).await;
    let location = response.header("location").to_owned();
    assert!(location.starts_with("/settings/profile?error="), "{location}");
    let page = app.get_with(&location, &headers).await;
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
