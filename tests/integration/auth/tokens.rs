//! Tokens and sessions: forged and expired tokens, sign-out, cross-origin cookies, cleanup.

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ragsites_portal::auth::backend::cleanup_sessions;
use ragsites_portal::auth::token::TOKEN_TYPE;
use serde_json::json;

use crate::support::{PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_foreign_unsigned_and_expired_tokens_are_refused() {
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
    expired["exp"] = json!((app.now() - Duration::minutes(1)).timestamp());
    let response = verify(&sign(&app, Some(TOKEN_TYPE), &expired)).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED, "expired");
    assert_eq!(response.json()["error"]["code"], "unauthorized");
}

/// A token signed with the portal's own key, with header `typ` and `claims` as given.
fn sign(app: &TestApp, typ: Option<&str>, claims: &serde_json::Value) -> String {
    let header = Header {
        typ: typ.map(str::to_owned),
        ..Header::new(Algorithm::HS256)
    };
    let key = EncodingKey::from_secret(app.state.config.jwt_secret.as_bytes());
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

/// RFC 8725: a session token names its type, issuer and audience, and a token signed with the
/// right key but without them, or with others, is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_of_another_type_issuer_or_audience_are_refused() {
    let app = TestApp::new().await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("session+jwt"));
    let payload = token.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(
        (claims["iss"].as_str(), claims["aud"].as_str()),
        (Some("ragsites-portal"), Some("ragsites-portal"))
    );
    let verify = async |token: &str| {
        app.get_with("/api/auth/verify", &[("authorization", &format!("Bearer {token}"))])
            .await
            .status
    };
    assert_eq!(
        verify(&sign(&app, Some(TOKEN_TYPE), &claims)).await,
        StatusCode::OK,
        "the same claims re-signed"
    );
    for typ in [None, Some("JWT"), Some("at+jwt")] {
        assert_eq!(
            verify(&sign(&app, typ, &claims)).await,
            StatusCode::UNAUTHORIZED,
            "typ {typ:?}"
        );
    }
    for (claim, value) in [
        ("iss", None),
        ("iss", Some("another-service")),
        ("aud", None),
        ("aud", Some("another-service")),
        ("aud", Some("")),
    ] {
        let mut changed = claims.clone();
        match value {
            Some(value) => changed[claim] = json!(value),
            None => {
                changed.as_object_mut().unwrap().remove(claim);
            }
        }
        let status = verify(&sign(&app, Some(TOKEN_TYPE), &changed)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{claim} = {value:?}");
    }
}

/// `SESSION_IDLE_TIMEOUT` (24 hours here): a session used within it goes on, one left unused
/// for longer is refused, and its page redirects to sign-in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_left_unused_for_longer_than_the_idle_timeout_is_refused() {
    let app = TestApp::new().await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let verify = async || {
        app.get_with("/api/auth/verify", &[("authorization", &format!("Bearer {token}"))])
            .await
            .status
    };
    assert_eq!(app.state.config.session_idle_timeout, Duration::hours(24));
    app.advance(Duration::hours(23));
    assert_eq!(verify().await, StatusCode::OK, "used after 23 hours");
    app.advance(Duration::hours(24));
    assert_eq!(verify().await, StatusCode::OK, "idle exactly the timeout");
    app.advance(Duration::hours(24) + Duration::seconds(1));
    assert_eq!(verify().await, StatusCode::UNAUTHORIZED, "idle a second longer");

    let page = app
        .get_with("/dashboard", &[("cookie", &format!("ragsites_session={token}"))])
        .await;
    assert!(page.status.is_redirection(), "{}", page.status);
    assert!(
        page.header("location").starts_with("/auth/signin"),
        "{}",
        page.header("location")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_revokes_the_session_and_every_copy_of_its_token() {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_requests_from_other_origins_are_refused() {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_deletes_only_long_dead_sessions() {
    let app = TestApp::new().await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    let mut conn = app.state.pool.get().await.unwrap();
    use diesel_async::RunQueryDsl;
    let now = app.now();
    for (created, expires, revoked) in [(-60, -40, None), (-50, 1, Some(-45)), (-10, -2, None)] {
        let at = |days: i64| format!("'{}'::timestamptz", (now + chrono::Duration::days(days)).to_rfc3339());
        let revoked = revoked.map_or("NULL".to_owned(), at);
        let sql = format!(
            "INSERT INTO sessions (user_id, created_at, expires_at, revoked_at) SELECT id, {}, {}, {revoked} FROM users",
            at(created),
            at(expires)
        );
        diesel::sql_query(sql).execute(&mut conn).await.unwrap();
    }
    assert_eq!(
        cleanup_sessions(&mut conn, now, 30).await.unwrap(),
        2,
        "the two older than 30 days"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM sessions").await,
        2,
        "the live one and the recent one stay"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_when_its_lifetime_has_passed() {
    // Idle for its whole life: only its lifetime ends it.
    let app = TestApp::with_config(|config| config.session_idle_timeout = config.jwt_expires_in).await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let verify = async || {
        app.get_with("/api/auth/verify", &[("authorization", &format!("Bearer {token}"))])
            .await
            .status
    };
    let lifetime = app.state.config.jwt_expires_in;
    app.advance(lifetime - Duration::seconds(1));
    assert_eq!(verify().await, StatusCode::OK, "valid until the last second");
    app.advance(Duration::seconds(1));
    assert_eq!(verify().await, StatusCode::UNAUTHORIZED, "expired at its end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_and_the_activity_log_record_the_client_address_and_the_servers_time() {
    let app = TestApp::new().await;
    app.set_peer("203.0.113.7");
    app.register("Ada", "ada@example.com", PASSWORD).await;
    let at = app.now().to_rfc3339();
    for table in ["sessions", "activity_logs"] {
        let sql = format!("SELECT count(*) AS n FROM {table} WHERE created_at = '{at}'::timestamptz");
        assert_eq!(app.count(&sql).await, 1, "{table} is dated by the server's clock");
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM sessions WHERE ip = '203.0.113.7'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM activity_logs WHERE action = 'auth.register' AND ip = '203.0.113.7'")
            .await,
        1
    );
}
