//! The client address behind reverse proxies: forwarding headers count only from a peer in
//! `TRUSTED_PROXIES`, and then the right-most hop that is not a trusted proxy is the client.
//! The sessions list and the activity log show what the server took for the client.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

use crate::support::{PASSWORD, TestApp};

/// Registers `email` through the REST API with `headers`; answers the address its session and
/// its activity were recorded with (they must agree).
async fn recorded_ip(app: &TestApp, email: &str, headers: &[(&str, &str)]) -> String {
    let body = json!({ "name": "Ada", "email": email, "password": PASSWORD });
    let response = app.json("POST", "/api/auth/register", &body, headers).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    let user = format!("(SELECT id FROM users WHERE email = '{email}')");
    let session = app
        .text(&format!("SELECT ip AS t FROM sessions WHERE user_id = {user}"))
        .await;
    let activity = app
        .text(&format!(
            "SELECT string_agg(DISTINCT ip, ',') AS t FROM activity_logs WHERE user_id = {user}"
        ))
        .await;
    assert_eq!(session, activity, "the session and the activity log agree");
    session
}

async fn behind_proxies() -> TestApp {
    TestApp::with_config(|config| {
        config.trusted_proxies = ["10.0.0.0/8", "2001:db8:ffff::/48"]
            .iter()
            .map(|net| net.parse().unwrap())
            .collect();
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarding_headers_from_an_untrusted_peer_are_ignored() {
    let app = TestApp::new().await;
    app.set_peer("198.51.100.7");
    let spoofed = [("x-forwarded-for", "203.0.113.9"), ("forwarded", "for=203.0.113.9")];
    assert_eq!(recorded_ip(&app, "ada@example.com", &spoofed).await, "198.51.100.7");
    // A peer inside a private range is trusted only when the operator says so.
    app.set_peer("10.0.0.2");
    assert_eq!(recorded_ip(&app, "bob@example.com", &spoofed).await, "10.0.0.2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() {
    let app = behind_proxies().await;
    app.set_peer("10.0.0.2");
    let one_proxy = [("x-forwarded-for", "203.0.113.9")];
    assert_eq!(recorded_ip(&app, "a@example.com", &one_proxy).await, "203.0.113.9");
    // The client wrote its own X-Forwarded-For; two trusted proxies appended after it.
    let chain = [("x-forwarded-for", "6.6.6.6, 203.0.113.10, 10.1.1.1")];
    assert_eq!(recorded_ip(&app, "b@example.com", &chain).await, "203.0.113.10");
    let quoted_ipv6 = [(
        "forwarded",
        r#"for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=https, for="[2001:db8:ffff::1]""#,
    )];
    assert_eq!(
        recorded_ip(&app, "c@example.com", &quoted_ipv6).await,
        "2001:db8:cafe::17"
    );
    for (n, garbage) in ["not-an-ip", "203.0.113.9, 999.1.1.1", "", "[2001:db8::1"]
        .iter()
        .enumerate()
    {
        let email = format!("g{n}@example.com");
        assert_eq!(
            recorded_ip(&app, &email, &[("x-forwarded-for", garbage)]).await,
            "10.0.0.2",
            "{garbage:?}: the proxy itself, nothing beyond a hop that names no address"
        );
    }
    // An untrusted peer of this application is still believed on nothing.
    app.set_peer("198.51.100.7");
    assert_eq!(recorded_ip(&app, "d@example.com", &one_proxy).await, "198.51.100.7");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_proxy_names_the_scheme_the_origin_must_match() {
    let app = behind_proxies().await;
    app.set_peer("10.0.0.2");
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let put = async |origin: &str, proto: &str| {
        let request = Request::put("/api/user/profile")
            .header("host", "portal.test")
            .header("cookie", format!("ragsites_session={token}"))
            .header("content-type", "application/json")
            .header("origin", origin)
            .header("x-forwarded-for", "203.0.113.9")
            .header("x-forwarded-proto", proto)
            .body(Body::from(r#"{"company": "Engines"}"#))
            .unwrap();
        app.send(request).await.status
    };
    assert_eq!(put("https://portal.test", "https").await, StatusCode::OK);
    assert_eq!(
        put("http://portal.test", "https").await,
        StatusCode::FORBIDDEN,
        "the site is https: an http page is another origin"
    );
    assert_eq!(put("http://portal.test", "http").await, StatusCode::OK);
}
