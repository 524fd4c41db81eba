//! Registration and sign-in through the REST API: validation, unique emails, unreadable
//! requests, failed sign-ins and their limit.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::{PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_opens_a_session_in_an_http_only_cookie_and_audits_it() {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emails_are_unique_whatever_their_case() {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_registrations_name_every_field_and_write_nothing() {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_requests_get_400_413_415() {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_are_limited_per_account_with_retry_after() {
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

/// Registration is limited per client address (10 an hour), counted in PostgreSQL: two server
/// processes on one database share the count. The form page gets the same answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registrations_are_limited_per_address_across_processes() {
    let one = TestApp::new().await;
    let other = TestApp::with_pool(one.state.pool.clone(), one.db_name.clone());
    let register = async |app: &TestApp, n: usize| {
        let body = json!({ "name": "User", "email": format!("user{n}@example.com"), "password": PASSWORD });
        app.json("POST", "/api/auth/register", &body, &[]).await
    };
    for n in 0..10 {
        let process = if n % 2 == 0 { &one } else { &other };
        assert_eq!(
            register(process, n).await.status,
            StatusCode::CREATED,
            "registration {n}"
        );
    }
    for process in [&one, &other] {
        let refused = register(process, 10).await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.body);
        assert_eq!(refused.header("retry-after"), "3600");
        let error = &refused.json()["error"];
        assert_eq!(error["code"], "rate_limited");
    }
    let form = one
        .form_post(
            "/api/fn/register",
            &[
                ("name", "User"),
                ("email", "user10@example.com"),
                ("password", PASSWORD),
                ("confirm_password", PASSWORD),
            ],
            &[("referer", "http://portal.test/auth/register")],
        )
        .await;
    assert!(
        form.status.is_redirection() && form.header("location").starts_with("/auth/register"),
        "the form comes back refused: {} {}",
        form.status,
        form.header("location")
    );
    assert_eq!(
        one.count("SELECT count(*) AS n FROM users").await,
        10,
        "nothing more written"
    );

    one.set_peer("203.0.113.7");
    assert_eq!(
        register(&one, 10).await.status,
        StatusCode::CREATED,
        "another address registers"
    );
    other.advance(chrono::Duration::hours(1));
    assert_eq!(
        register(&other, 11).await.status,
        StatusCode::CREATED,
        "an hour later, again"
    );
}

/// A refused registration says what happened and when to try again, wherever it was sent from:
/// the REST API, the server function and the plain form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_registration_says_why_and_when_to_retry() {
    const MESSAGE: &str = "Too many accounts have been registered from your network. Try again in 60 minutes.";
    let app = TestApp::with_config(|config| config.registrations_per_hour = 1).await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    let fields = [
        ("name", "Bob"),
        ("email", "bob@example.com"),
        ("password", PASSWORD),
        ("confirm_password", PASSWORD),
    ];

    let body = json!({ "name": "Bob", "email": "bob@example.com", "password": PASSWORD });
    let rest = app.json("POST", "/api/auth/register", &body, &[]).await;
    assert_eq!(rest.status, StatusCode::TOO_MANY_REQUESTS, "{}", rest.body);
    assert_eq!(rest.header("retry-after"), "3600");
    assert_eq!(rest.json()["error"]["code"], "rate_limited");
    assert_eq!(rest.json()["error"]["message"], MESSAGE);

    let server_fn = app
        .server_fn("register", serde_urlencoded::to_string(fields).unwrap(), "")
        .await;
    assert_eq!(server_fn.status, StatusCode::TOO_MANY_REQUESTS, "{}", server_fn.body);
    assert_eq!(server_fn.header("retry-after"), "3600");
    let error: ragsites_portal::error::AppError = serde_json::from_str(&server_fn.body).unwrap();
    assert_eq!(error.to_string(), MESSAGE);

    let form = app
        .form_post(
            "/api/fn/register",
            &fields,
            &[("referer", "http://portal.test/auth/register")],
        )
        .await;
    assert_eq!(form.header("location"), "/auth/register", "the form comes back refused");
    let page = app
        .get_with("/auth/register", &[("cookie", &form.flash_cookie())])
        .await;
    assert!(page.body.contains(MESSAGE), "the form page says it");
}

/// The attributes of the session cookie in `Set-Cookie`, sorted, without its value.
fn cookie_attributes(response: &crate::support::TestResponse, secure: bool) -> Vec<String> {
    let cookie = response.header("set-cookie");
    let name = if secure {
        "__Host-ragsites_session="
    } else {
        "ragsites_session="
    };
    assert!(cookie.starts_with(name), "{cookie}");
    let mut attributes: Vec<String> = cookie.split("; ").skip(1).map(str::to_owned).collect();
    attributes.sort();
    attributes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_is_secure_exactly_when_configured() {
    for secure in [true, false] {
        let app = TestApp::with_config(|config| config.cookie_secure = secure).await;
        let lifetime = app.state.config.jwt_expires_in.num_seconds();
        let mut expected = vec![
            "HttpOnly".to_owned(),
            format!("Max-Age={lifetime}"),
            "Path=/".to_owned(),
            "SameSite=Lax".to_owned(),
        ];
        if secure {
            expected.push("Secure".to_owned());
        }
        expected.sort();
        let body = json!({ "name": "Ada", "email": "ada@example.com", "password": PASSWORD });
        let registered = app.json("POST", "/api/auth/register", &body, &[]).await;
        assert_eq!(
            cookie_attributes(&registered, secure),
            expected,
            "registration, secure={secure}"
        );
        let login = json!({ "email": "ada@example.com", "password": PASSWORD });
        let signed_in = app.json("POST", "/api/auth/login", &login, &[]).await;
        assert_eq!(
            cookie_attributes(&signed_in, secure),
            expected,
            "sign-in, secure={secure}"
        );

        let token = signed_in.session_cookie().expect("a session cookie");
        let name = if secure {
            "__Host-ragsites_session"
        } else {
            "ragsites_session"
        };
        let cookie = format!("{name}={token}");
        let signed_out = app
            .json("POST", "/api/auth/logout", &json!({}), &[("cookie", &cookie)])
            .await;
        let cleared = cookie_attributes(&signed_out, secure);
        assert!(cleared.contains(&"Max-Age=0".to_owned()), "{cleared:?}");
        assert_eq!(
            cleared.contains(&"Secure".to_owned()),
            secure,
            "the removal matches the cookie it removes: {cleared:?}"
        );
    }
}
