//! Accounts and sessions: registration, sign-in, tokens, sign-out, guards, limits, audit.

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ragsites_portal::auth::backend::cleanup_sessions;
use serde_json::json;

use crate::support::TestApp;

const PASSWORD: &str = "Str0ng!pass";

pub async fn register_opens_a_session_in_an_http_only_cookie_and_audits_it() {
    let app = TestApp::new().await;
    let body = json!({ "name": "Ada Lovelace", "email": "Ada@Example.com", "password": PASSWORD });
    let response = app
        .json("POST", "/api/auth/register", &body, &[("user-agent", "TestAgent/1.0")])
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    let answer = response.json();
    assert_eq!(answer["user"]["email"], "Ada@Example.com");
    assert_eq!(answer["user"]["role"], "client");
    let cookie = response.header("set-cookie");
    for part in ["ragsites_session=", "HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(cookie.contains(part), "{part} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "tests serve plain http");
    assert_eq!(response.session_cookie().as_deref(), answer["token"].as_str());

    assert_eq!(
        app.count("SELECT count(*) AS n FROM sessions WHERE user_agent = 'TestAgent/1.0'")
            .await,
        1
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM user_preferences").await, 1);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM activity_logs WHERE action = 'auth.register'")
            .await,
        1
    );
    assert!(!response.body.contains("$2"), "no password hash in the answer");
}

pub async fn emails_are_unique_whatever_their_case() {
    let app = TestApp::new().await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    let body = json!({ "name": "Other", "email": "ADA@example.COM", "password": PASSWORD });
    let response = app.json("POST", "/api/auth/register", &body, &[]).await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert_eq!(response.json()["error"]["code"], "conflict");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM users").await,
        1,
        "nothing half-written"
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM sessions").await, 1);

    let login = json!({ "email": "ADA@EXAMPLE.COM", "password": PASSWORD });
    assert_eq!(
        app.json("POST", "/api/auth/login", &login, &[]).await.status,
        StatusCode::OK
    );
}

pub async fn bad_registrations_name_every_field_and_write_nothing() {
    let app = TestApp::new().await;
    let body = json!({ "name": "", "email": "not-an-email", "password": "weakpass" });
    let response = app.json("POST", "/api/auth/register", &body, &[]).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = &response.json()["error"];
    assert_eq!(error["code"], "validation_failed");
    assert_eq!(error["fields"]["name"], "Name is required.");
    assert_eq!(error["fields"]["email"], "Enter a valid email address.");
    assert_eq!(
        error["fields"]["password"],
        "Password needs an upper-case letter, a digit and a special character."
    );

    let long = format!("Aa1!{}", "x".repeat(69));
    let body = json!({ "name": "Ada", "email": "ada@example.com", "password": long });
    let response = app.json("POST", "/api/auth/register", &body, &[]).await;
    assert_eq!(
        response.json()["error"]["fields"]["password"],
        "Password must be at most 72 bytes."
    );
    let body = json!({ "name": "n".repeat(101), "email": "ada@example.com", "password": PASSWORD });
    let response = app.json("POST", "/api/auth/register", &body, &[]).await;
    assert_eq!(
        response.json()["error"]["fields"]["name"],
        "Name must be at most 100 characters."
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM users").await, 0);
}

pub async fn unreadable_requests_get_400_413_415() {
    let app = TestApp::new().await;
    let request = |body: &str, content_type: &str| {
        axum::http::Request::post("/api/auth/login")
            .header("host", "portal.test")
            .header("content-type", content_type)
            .body(axum::body::Body::from(body.to_owned()))
            .unwrap()
    };
    let malformed = app.send(request("{\"email\": ", "application/json")).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.json()["error"]["code"], "bad_request");

    let wrong_type = app.send(request("email=a", "text/plain")).await;
    assert_eq!(wrong_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(wrong_type.json()["error"]["code"], "unsupported_media_type");

    let huge = format!("{{\"email\": \"{}\", \"password\": \"x\"}}", "a".repeat(100_000));
    let too_large = app.send(request(&huge, "application/json")).await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(too_large.json()["error"]["code"], "payload_too_large");

    let missing = app.send(request("{\"email\": \"a@b.co\"}", "application/json")).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY, "a missing field");
}

pub async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = TestApp::new().await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    let wrong = app
        .json(
            "POST",
            "/api/auth/login",
            &json!({ "email": "ada@example.com", "password": "Wr0ng!pass" }),
            &[],
        )
        .await;
    let unknown = app
        .json(
            "POST",
            "/api/auth/login",
            &json!({ "email": "nobody@example.com", "password": PASSWORD }),
            &[],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body, unknown.body, "the answers do not tell which emails exist");
    assert_eq!(wrong.json()["error"]["message"], "Invalid email or password.");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM activity_logs WHERE action = 'auth.sign_in_failed'")
            .await,
        1
    );
}

pub async fn repeated_failures_are_limited_per_account_with_retry_after() {
    let app = TestApp::new().await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    let bad = json!({ "email": "ada@example.com", "password": "Wr0ng!pass" });
    for attempt in 0..10 {
        let response = app.json("POST", "/api/auth/login", &bad, &[]).await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "attempt {attempt} is refused, not limited"
        );
    }
    let limited = app
        .json(
            "POST",
            "/api/auth/login",
            &json!({ "email": "ada@example.com", "password": PASSWORD }),
            &[],
        )
        .await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let retry_after: u64 = limited.header("retry-after").parse().expect("Retry-After in seconds");
    assert!(
        (1..=900).contains(&retry_after),
        "at most the 15-minute window: {retry_after}"
    );
    assert_eq!(limited.json()["error"]["code"], "rate_limited");
}

pub async fn tampered_foreign_unsigned_and_expired_tokens_are_refused() {
    let app = TestApp::new().await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let verify = async |token: &str| {
        app.get_with("/api/auth/verify", &[("authorization", &format!("Bearer {token}"))])
            .await
    };
    assert_eq!(verify(&token).await.status, StatusCode::OK);

    let (head, rest) = token.split_once('.').unwrap();
    let (payload, signature) = rest.split_once('.').unwrap();
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    assert_eq!(
        verify(&format!("{head}.{payload}.{flipped}{}", &signature[1..]))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        payload
    );
    assert_eq!(verify(&unsigned).await.status, StatusCode::UNAUTHORIZED, "alg none");

    let other_key = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(b"another-secret-another-secret-00"),
    )
    .unwrap();
    assert_eq!(
        verify(&other_key).await.status,
        StatusCode::UNAUTHORIZED,
        "signed with another key"
    );

    let mut expired = claims.clone();
    expired["exp"] = json!((Utc::now() - Duration::minutes(1)).timestamp());
    let secret = app.state.config.jwt_secret.as_bytes();
    let expired = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &expired,
        &EncodingKey::from_secret(secret),
    )
    .unwrap();
    let response = verify(&expired).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED, "expired");
    assert_eq!(response.json()["error"]["code"], "unauthorized");
}

pub async fn sign_out_revokes_the_session_and_every_copy_of_its_token() {
    let app = TestApp::new().await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let cookie = format!("ragsites_session={token}");
    assert_eq!(
        app.get_with("/api/auth/verify", &[("cookie", &cookie)]).await.status,
        StatusCode::OK,
        "the cookie works like the header"
    );

    let response = app
        .json("POST", "/api/auth/logout", &json!({}), &[("cookie", &cookie)])
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert!(
        response.header("set-cookie").contains("Max-Age=0"),
        "the cookie is cleared"
    );
    let bearer = format!("Bearer {token}");
    assert_eq!(
        app.get_with("/api/auth/verify", &[("authorization", &bearer)])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get_with("/api/auth/verify", &[("cookie", &cookie)]).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM sessions WHERE revoked_at IS NOT NULL")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM activity_logs WHERE action = 'auth.sign_out'")
            .await,
        1
    );
}

pub async fn cookie_requests_from_other_origins_are_refused() {
    let app = TestApp::new().await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let cookie = format!("ragsites_session={token}");
    let request = axum::http::Request::post("/api/auth/logout")
        .header("host", "portal.test")
        .header("origin", "https://evil.test")
        .header("cookie", &cookie)
        .header("content-type", "application/json")
        .body(axum::body::Body::from("{}"))
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    let request = axum::http::Request::post("/api/auth/logout")
        .header("host", "portal.test")
        .header("cookie", &cookie)
        .body(axum::body::Body::from("{}"))
        .unwrap();
    assert_eq!(
        app.send(request).await.status,
        StatusCode::FORBIDDEN,
        "a cookie without Origin or Referer"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM sessions WHERE revoked_at IS NULL")
            .await,
        1,
        "still signed in"
    );

    let request = axum::http::Request::post("/api/auth/logout")
        .header("host", "portal.test")
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(
        app.send(request).await.status,
        StatusCode::OK,
        "a Bearer token needs no origin"
    );
}

pub async fn protected_pages_redirect_before_rendering_and_auth_pages_send_users_on() {
    let app = TestApp::new().await;
    let page = app.get_with("/dashboard?range=7d", &[]).await;
    assert!(page.status.is_redirection(), "{}", page.status);
    assert_eq!(page.header("location"), "/auth/signin?next=%2Fdashboard%3Frange%3D7d");
    assert!(!page.body.contains("Dashboard"), "no protected content");
    assert!(app.get_with("/settings/security", &[]).await.status.is_redirection());

    let token = app.register("Ada Lovelace", "ada@example.com", PASSWORD).await;
    let cookie = format!("ragsites_session={token}");
    let dashboard = app.get_with("/dashboard", &[("cookie", &cookie)]).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(
        dashboard.body.contains("Ada Lovelace"),
        "the navbar shows the signed-in user"
    );
    let signin = app.get_with("/auth/signin", &[("cookie", &cookie)]).await;
    assert_eq!(signin.header("location"), "/dashboard");

    let stale = app
        .get_with("/dashboard", &[("cookie", "ragsites_session=not.a.token")])
        .await;
    assert!(stale.status.is_redirection());
    assert!(
        stale.header("set-cookie").contains("Max-Age=0"),
        "a dead cookie is cleared"
    );
}

pub async fn plain_form_sign_in_works_without_javascript() {
    let app = TestApp::new().await;
    app.register("Ada", "ada@example.com", PASSWORD).await;

    let ok = app
        .form_post(
            "/api/fn/sign_in",
            &[
                ("email", "ada@example.com"),
                ("password", PASSWORD),
                ("next", "/settings"),
            ],
            &[],
        )
        .await;
    assert_eq!(ok.status, StatusCode::FOUND);
    assert_eq!(ok.header("location"), "/settings");
    assert!(ok.session_cookie().is_some());

    let offsite = app
        .form_post(
            "/api/fn/sign_in",
            &[
                ("email", "ada@example.com"),
                ("password", PASSWORD),
                ("next", "//evil.test"),
            ],
            &[],
        )
        .await;
    assert_eq!(offsite.header("location"), "/dashboard", "an off-site next is ignored");

    let wrong = app
        .form_post(
            "/api/fn/sign_in",
            &[("email", "ada@example.com"), ("password", "nope")],
            &[],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FOUND);
    let location = wrong.header("location").to_owned();
    assert!(location.starts_with("/auth/signin?error="), "{location}");
    assert!(
        location.contains("email=ada%40example.com"),
        "the email is kept: {location}"
    );
    assert!(!location.contains("nope"), "the password never travels back");
    assert!(wrong.session_cookie().is_none());
    let page = app.get_with(&location, &[]).await;
    assert!(
        page.body.contains("Invalid email or password."),
        "the error is shown on the form"
    );
    assert!(
        page.body.contains(r#"value="ada@example.com""#),
        "the email is prefilled"
    );
}

pub async fn plain_form_registration_shows_field_errors() {
    let app = TestApp::new().await;
    let fields = [
        ("name", "Ada"),
        ("email", "ada@example.com"),
        ("password", "weak"),
        ("confirm_password", "weak2"),
    ];
    let response = app.form_post("/api/fn/register", &fields, &[]).await;
    let location = response.header("location").to_owned();
    assert!(location.starts_with("/auth/register?error="), "{location}");
    let page = app.get_with(&location, &[]).await;
    assert!(page.body.contains("Password must be at least 8 characters."));
    assert!(page.body.contains("Passwords do not match."));
    assert_eq!(app.count("SELECT count(*) AS n FROM users").await, 0);
}

pub async fn server_functions_answer_401_without_a_session() {
    let app = TestApp::new().await;
    let request = axum::http::Request::post("/api/fn/admin_overview")
        .header("host", "portal.test")
        .header("origin", "http://portal.test")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::UNAUTHORIZED);
}

pub async fn admin_only_functions_refuse_clients_with_403() {
    let app = TestApp::new().await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let call = async |token: &str| {
        let request = axum::http::Request::post("/api/fn/admin_overview")
            .header("host", "portal.test")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::empty())
            .unwrap();
        app.send(request).await
    };
    assert_eq!(call(&token).await.status, StatusCode::FORBIDDEN);

    let report = ragsites_portal::server::seed::seed(&app.state, 1, 1.0).await.unwrap();
    let admin = json!({ "email": "admin@ragsites.com", "password": report.admin_password.unwrap() });
    let login = app.json("POST", "/api/auth/login", &admin, &[]).await;
    let admin_token = login.json()["token"].as_str().unwrap().to_owned();
    let overview = call(&admin_token).await;
    assert_eq!(overview.status, StatusCode::OK, "{}", overview.body);
    assert_eq!(overview.json()["clients"], 2, "Ada and the demo client");
}

pub async fn cleanup_deletes_only_long_dead_sessions() {
    let app = TestApp::new().await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    let mut conn = app.state.pool.get().await.unwrap();
    use diesel_async::RunQueryDsl;
    for sql in [
        "INSERT INTO sessions (user_id, created_at, expires_at) SELECT id, now() - interval '60 days', now() - interval '40 days' FROM users",
        "INSERT INTO sessions (user_id, created_at, expires_at, revoked_at) SELECT id, now() - interval '50 days', now() + interval '1 day', now() - interval '45 days' FROM users",
        "INSERT INTO sessions (user_id, created_at, expires_at) SELECT id, now() - interval '10 days', now() - interval '2 days' FROM users",
    ] {
        diesel::sql_query(sql).execute(&mut conn).await.unwrap();
    }
    assert_eq!(
        cleanup_sessions(&mut conn, 30).await.unwrap(),
        2,
        "the two older than 30 days"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM sessions").await,
        2,
        "the live one and the recent one stay"
    );
}
