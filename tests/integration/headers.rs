//! Security headers: the CSP and its per-request script nonce, the headers every answer
//! carries, HSTS and the `__Host-` cookie with `COOKIE_SECURE`, and `no-store` on answers that
//! carry a token or a key's secret.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::services::{create_service, post_key};
use crate::support::{PASSWORD, TestApp, TestResponse};

const EVERY_ANSWER: [(&str, &str); 4] = [
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    (
        "permissions-policy",
        "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), \
         hid=(), magnetometer=(), microphone=(), midi=(), payment=(), publickey-credentials-get=(), \
         screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()",
    ),
];

/// The nonce the CSP of `page` names, after checking the rest of the policy.
fn csp_nonce(page: &TestResponse) -> String {
    let policy = page.header("content-security-policy");
    let nonce = policy
        .split_once("'nonce-")
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(nonce, _)| nonce.to_owned())
        .unwrap_or_else(|| panic!("a script nonce in {policy:?}"));
    assert!(nonce.len() >= 22, "at least 128 random bits: {nonce}");
    let expected = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         style-src-attr 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    assert_eq!(policy, expected);
    nonce
}

fn assert_every_answer_headers(response: &TestResponse, what: &str) {
    for (name, value) in EVERY_ANSWER {
        assert_eq!(response.header(name), value, "{name} on {what}");
    }
}

/// Every `<script` of `html` carries `nonce="{nonce}"`; answers how many there are.
fn scripts_with_nonce(html: &str, nonce: &str) -> usize {
    let tags: Vec<&str> = html
        .match_indices("<script")
        .map(|(at, _)| &html[at..at + html[at..].find('>').expect("a closed tag")])
        .collect();
    for tag in &tags {
        assert!(tag.contains(&format!(" nonce=\"{nonce}\"")), "{tag}");
    }
    tags.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_api_answers_and_not_found_pages_carry_the_security_headers() {
    let app = TestApp::new().await;
    let page = app.get_with("/", &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header("content-type").starts_with("text/html"));
    csp_nonce(&page);
    assert_every_answer_headers(&page, "a page");

    let missing = app.get_with("/no/such/page", &[]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    csp_nonce(&missing);
    assert_every_answer_headers(&missing, "a 404 page");

    let api = app.get_with("/api/auth/verify", &[]).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert!(api.header("content-type").starts_with("application/json"));
    assert_every_answer_headers(&api, "an API error");
    assert_eq!(
        api.header("content-security-policy"),
        "",
        "a JSON answer runs no script"
    );

    for response in [&page, &missing, &api] {
        assert_eq!(
            response.header("strict-transport-security"),
            "",
            "no HSTS over plain http"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_script_carries_the_fresh_nonce_the_policy_names() {
    let app = TestApp::new().await;
    let token = app.register("Ada Lovelace", "ada@example.com", PASSWORD).await;
    create_service(&app, &token, "Support bot").await;
    let cookie = format!("ragsites_session={token}");
    let mut nonces = Vec::new();
    for (path, headers) in [
        ("/", vec![]),
        ("/", vec![]),
        ("/auth/signin", vec![]),
        ("/dashboard", vec![("cookie", cookie.as_str())]),
        ("/no/such/page", vec![]),
    ] {
        let page = app.get_with(path, &headers).await;
        assert!(
            page.status == StatusCode::OK || page.status == StatusCode::NOT_FOUND,
            "{path}: {}",
            page.status
        );
        let nonce = csp_nonce(&page);
        assert!(
            scripts_with_nonce(&page.body, &nonce) >= 1,
            "{path} hydrates its islands"
        );
        assert!(
            !page.body.contains("<style"),
            "{path}: the CSP allows no inline <style>"
        );
        nonces.push(nonce);
    }
    let mut distinct = nonces.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), nonces.len(), "one nonce per request: {nonces:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_cookie_secure_hsts_is_sent_and_the_session_cookie_is_host_prefixed() {
    let app = TestApp::with_config(|config| config.cookie_secure = true).await;
    let body = json!({ "name": "Ada", "email": "ada@example.com", "password": PASSWORD });
    let registered = app.json("POST", "/api/auth/register", &body, &[]).await;
    assert_eq!(registered.status, StatusCode::CREATED);
    let set = registered.header("set-cookie");
    assert!(set.starts_with("__Host-ragsites_session="), "{set}");
    for part in ["; Secure", "; Path=/"] {
        assert!(set.contains(part), "{part} in {set}");
    }
    assert!(!set.contains("Domain"), "a __Host- cookie has no Domain: {set}");
    let token = registered.session_cookie().expect("a session cookie");

    for path in ["/", "/api/auth/verify", "/no/such/page"] {
        let response = app.get_with(path, &[]).await;
        assert_eq!(
            response.header("strict-transport-security"),
            "max-age=31536000; includeSubDomains",
            "{path}"
        );
        assert_every_answer_headers(&response, path);
    }

    let host = format!("__Host-ragsites_session={token}");
    let dashboard = app.get_with("/dashboard", &[("cookie", &host)]).await;
    assert_eq!(dashboard.status, StatusCode::OK, "the configured name is read");
    let plain = format!("ragsites_session={token}");
    let refused = app.get_with("/dashboard", &[("cookie", &plain)]).await;
    assert!(
        refused.status.is_redirection(),
        "the other name is not: {}",
        refused.status
    );

    let signed_out = app
        .json("POST", "/api/auth/logout", &json!({}), &[("cookie", &host)])
        .await;
    assert_eq!(signed_out.status, StatusCode::OK, "{}", signed_out.body);
    let cleared = signed_out.header("set-cookie");
    assert!(cleared.starts_with("__Host-ragsites_session=;"), "{cleared}");
    assert!(
        cleared.contains("Max-Age=0") && cleared.contains("; Secure"),
        "{cleared}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_carrying_a_token_or_a_key_secret_are_never_stored() {
    let app = TestApp::new().await;
    let body = json!({ "name": "Ada", "email": "ada@example.com", "password": PASSWORD });
    let registered = app.json("POST", "/api/auth/register", &body, &[]).await;
    let login = json!({ "email": "ada@example.com", "password": PASSWORD });
    let signed_in = app.json("POST", "/api/auth/login", &login, &[]).await;
    let form_sign_in = app
        .form_post(
            "/api/fn/sign_in",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
            &[],
        )
        .await;
    assert!(form_sign_in.session_cookie().is_some(), "{}", form_sign_in.status);
    let form_register = app
        .form_post(
            "/api/fn/register",
            &[
                ("name", "Grace"),
                ("email", "grace@example.com"),
                ("password", PASSWORD),
                ("confirm_password", PASSWORD),
            ],
            &[],
        )
        .await;
    assert!(form_register.session_cookie().is_some(), "{}", form_register.status);

    let token = registered.json()["token"].as_str().unwrap().to_owned();
    let service = create_service(&app, &token, "Support bot").await;
    let bearer = format!("Bearer {token}");
    let rest_key = post_key(&app, &token, &service).await;
    assert_eq!(rest_key.status, StatusCode::CREATED, "{}", rest_key.body);
    let made = app
        .form_post(
            "/api/fn/create_key",
            &[("service_id", service.as_str())],
            &[("cookie", &format!("ragsites_session={token}"))],
        )
        .await;
    assert_eq!(
        made.header("location"),
        format!("/services/{service}?form=keys#api-keys")
    );
    let key_page = app
        .get_with(
            &format!("/services/{service}"),
            &[("cookie", &format!("ragsites_session={token}"))],
        )
        .await;
    assert!(key_page.body.contains("rsk_"), "the new key is on its page");

    for (what, response) in [
        ("REST registration", &registered),
        ("REST sign-in", &signed_in),
        ("form sign-in", &form_sign_in),
        ("form registration", &form_register),
        ("REST key creation", &rest_key),
        ("the page showing a new key", &key_page),
    ] {
        assert_eq!(response.header("cache-control"), "no-store", "{what}");
    }
    let listed = app
        .get_with(
            &format!("/api/v1/services/{service}/keys"),
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(
        listed.header("cache-control"),
        "private, no-cache",
        "no secret in a key list"
    );
}
