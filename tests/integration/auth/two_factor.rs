//! Two-factor sign-in: setting it up with the secret the page shows, the REST and form sign-in
//! with codes computed here (HMAC-SHA-1 of our own, not the server's library), replays, recovery
//! codes, the shared limit on guesses, turning it off, and admins made to set it up.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha1::Sha1;

use crate::support::calls::{bearer, call, field, login, verify};
use crate::support::{PASSWORD, TestApp, TestResponse};

/// RFC 6238 with SHA-1, six digits, 30-second steps.
fn code_at(secret: &[u8], at: DateTime<Utc>) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).unwrap();
    mac.update(&(at.timestamp() as u64 / 30).to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let value = u32::from_be_bytes(digest[offset..offset + 4].try_into().unwrap()) & 0x7fff_ffff;
    format!("{:06}", value % 1_000_000)
}

/// RFC 4648 base32, as the page shows the secret (in groups, spaces ignored).
fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut buffer, mut out) = (0u32, 0u64, Vec::new());
    for c in text.bytes().filter(|c| *c != b' ' && *c != b'=') {
        let value = ALPHABET.iter().position(|a| *a == c).expect("a base32 sign") as u64;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}

#[test]
fn our_codes_are_the_rfc_6238_vectors() {
    let at = |s| DateTime::from_timestamp(s, 0).unwrap();
    assert_eq!(code_at(b"12345678901234567890", at(59)), "287082");
    assert_eq!(code_at(b"12345678901234567890", at(1_111_111_109)), "081804");
    assert_eq!(base32_decode("GEZD GNBV GY3T QOJQ"), b"1234567890");
}

async fn status(app: &TestApp, token: &str) -> Value {
    let response = call(app, "load_two_factor", &[], token).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()
}

/// Sets two-factor sign-in up for the account of `token`; returns its secret and recovery codes.
async fn enrol(app: &TestApp, token: &str) -> (Vec<u8>, Vec<String>) {
    let started = call(app, "start_two_factor", &[], token).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let shown = status(app, token).await;
    let secret = base32_decode(shown["enrolment"]["secret"].as_str().expect("a secret shown"));
    assert_eq!(secret.len(), 20);
    assert!(
        shown["enrolment"]["qr_svg"].as_str().unwrap().starts_with("<svg"),
        "{shown}"
    );
    let wrong = call(app, "confirm_two_factor", &[("code", "000000")], token).await;
    assert!(field(&wrong, "code").contains("not right"));
    let confirmed = call(
        app,
        "confirm_two_factor",
        &[("code", &code_at(&secret, app.now()))],
        token,
    )
    .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    let on = status(app, token).await;
    assert!(on["enabled_since"].is_string(), "{on}");
    assert_eq!(on["recovery_codes_left"], 10);
    let codes: Vec<String> = serde_json::from_value(on["new_recovery_codes"].clone()).unwrap();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

async fn challenge(app: &TestApp, email: &str) -> String {
    let response = login(app, email, PASSWORD).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.json()["two_factor_required"], true, "{}", response.body);
    assert!(response.session_cookie().is_none(), "no session before the code");
    response.json()["challenge"].as_str().unwrap().to_owned()
}

async fn second_factor(app: &TestApp, challenge: &str, code: &str) -> TestResponse {
    app.json(
        "POST",
        "/api/auth/login/2fa",
        &json!({ "challenge": challenge, "code": code }),
        &[],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_completes_a_sign_in_once_and_a_recovery_code_once() {
    let app = TestApp::new().await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let (secret, recovery) = enrol(&app, &token).await;
    let stored = format!(
        "SELECT count(*) AS n FROM recovery_codes WHERE code_hash = sha256(convert_to('{}', 'UTF8'))",
        recovery[0].replace('-', "")
    );
    assert_eq!(app.count(&stored).await, 1, "only the SHA-256 of each code is kept");
    assert_eq!(app.count("SELECT count(*) AS n FROM recovery_codes").await, 10);

    // The code that confirmed the setup was spent there; the next step's code works once.
    let first = challenge(&app, "ada@example.com").await;
    let replayed = second_factor(&app, &first, &code_at(&secret, app.now())).await;
    assert!(field(&replayed, "code").contains("already used"));
    app.advance(Duration::seconds(30));
    let code = code_at(&secret, app.now());
    let signed_in = second_factor(&app, &first, &code).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    let session = signed_in.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(verify(&app, &session).await, StatusCode::OK);
    assert!(signed_in.session_cookie().is_some());
    let again = second_factor(&app, &challenge(&app, "ada@example.com").await, &code).await;
    assert!(
        field(&again, "code").contains("already used"),
        "a code cannot be replayed"
    );

    // A code of the step before or after still works (clock drift), two steps off does not.
    app.advance(Duration::seconds(30));
    let late = second_factor(
        &app,
        &challenge(&app, "ada@example.com").await,
        &code_at(&secret, app.now() + Duration::seconds(30)),
    )
    .await;
    assert_eq!(late.status, StatusCode::OK, "{}", late.body);
    app.advance(Duration::seconds(90));
    let far = second_factor(
        &app,
        &challenge(&app, "ada@example.com").await,
        &code_at(&secret, app.now() - Duration::seconds(60)),
    )
    .await;
    assert_eq!(far.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", far.body);

    // A recovery code works in any case, once.
    let upper = recovery[3].to_uppercase();
    let recovered = second_factor(&app, &challenge(&app, "ada@example.com").await, &upper).await;
    assert_eq!(recovered.status, StatusCode::OK, "{}", recovered.body);
    let reused = second_factor(&app, &challenge(&app, "ada@example.com").await, &recovery[3]).await;
    assert!(field(&reused, "code").contains("already used"));
    let left = status(&app, recovered.json()["token"].as_str().unwrap()).await;
    assert_eq!(left["recovery_codes_left"], 9);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM activity_logs WHERE action = 'auth.sign_in' AND detail->>'second_factor' = 'recovery_code'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_challenge_is_not_a_session_and_expires() {
    let app = TestApp::new().await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let (secret, _) = enrol(&app, &token).await;
    let first = challenge(&app, "ada@example.com").await;
    assert_eq!(
        verify(&app, &first).await,
        StatusCode::UNAUTHORIZED,
        "a challenge opens nothing"
    );
    let as_challenge = second_factor(&app, &token, &code_at(&secret, app.now() + Duration::seconds(30))).await;
    assert!(field(&as_challenge, "code").contains("took too long: sign in again"));
    app.advance(Duration::minutes(6));
    let stale = second_factor(&app, &first, &code_at(&secret, app.now())).await;
    assert!(field(&stale, "code").contains("took too long"));
    let wrong_password = login(&app, "ada@example.com", "Wr0ng!pass").await;
    assert_eq!(
        wrong_password.status,
        StatusCode::UNAUTHORIZED,
        "the password still comes first"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_codes_count_against_the_sign_in_limit() {
    let app = TestApp::new().await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let (secret, _) = enrol(&app, &token).await;
    let pending = challenge(&app, "ada@example.com").await;
    let wrong = if code_at(&secret, app.now()) == "123456" {
        "654321"
    } else {
        "123456"
    };
    for attempt in 1..=10 {
        let refused = second_factor(&app, &pending, wrong).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "attempt {attempt}: {}",
            refused.body
        );
    }
    app.advance(Duration::seconds(30));
    let limited = second_factor(&app, &pending, &code_at(&secret, app.now())).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{}", limited.body);
    let password = login(&app, "ada@example.com", PASSWORD).await;
    assert_eq!(
        password.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the same limit as passwords"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM activity_logs WHERE action = 'auth.sign_in_failed' AND detail->>'reason' = 'wrong_code'")
            .await,
        10
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_forms_sign_in_with_a_code_without_javascript() {
    let app = TestApp::new().await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let (secret, _) = enrol(&app, &token).await;
    let password = app
        .form_post(
            "/api/fn/sign_in",
            &[
                ("email", "ada@example.com"),
                ("password", PASSWORD),
                ("next", "/services"),
            ],
            &[],
        )
        .await;
    assert_eq!(password.header("location"), "/auth/2fa?next=%2Fservices");
    assert!(password.session_cookie().is_none(), "{:?}", password.set_cookies());
    let cookie = password
        .set_cookies()
        .into_iter()
        .find(|c| c.contains("ragsites_2fa="))
        .expect("the challenge cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(password.set_cookies().iter().any(|c| c.contains("HttpOnly")));
    let page = app.get_with("/auth/2fa?next=%2Fservices", &[("cookie", &cookie)]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Enter your code"), "{}", page.body);

    app.advance(Duration::seconds(30));
    let wrong = app
        .form_post(
            "/api/fn/complete_two_factor",
            &[("code", "12345"), ("next", "/services")],
            &[("cookie", &cookie)],
        )
        .await;
    assert_eq!(wrong.header("location"), "/auth/2fa?next=%2Fservices");
    let shown = app
        .get_with(
            "/auth/2fa?next=%2Fservices",
            &[("cookie", &format!("{cookie}; {}", wrong.flash_cookie()))],
        )
        .await;
    assert!(shown.body.contains("That code is not right"), "{}", shown.body);

    let code = code_at(&secret, app.now());
    let done = app
        .form_post(
            "/api/fn/complete_two_factor",
            &[("code", &code), ("next", "/services")],
            &[("cookie", &cookie)],
        )
        .await;
    assert_eq!(done.header("location"), "/services");
    let session = done.session_cookie().expect("a session");
    assert_eq!(verify(&app, &session).await, StatusCode::OK);
    assert!(
        done.set_cookies().iter().any(|c| c.contains("ragsites_2fa=;")),
        "{:?}",
        done.set_cookies()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn turning_it_off_takes_the_password_and_a_code() {
    let app = TestApp::new().await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let (secret, recovery) = enrol(&app, &token).await;
    let renewed = call(&app, "renew_recovery_codes", &[("renew_password", PASSWORD)], &token).await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.body);
    let fresh: Vec<String> = serde_json::from_value(status(&app, &token).await["new_recovery_codes"].clone()).unwrap();
    assert!(!fresh.contains(&recovery[0]));
    let old = second_factor(&app, &challenge(&app, "ada@example.com").await, &recovery[0]).await;
    assert!(field(&old, "code").contains("not right"), "old codes stop working");
    let dismissed = call(&app, "dismiss_recovery_codes", &[], &token).await;
    assert_eq!(dismissed.status, StatusCode::OK);
    assert!(status(&app, &token).await["new_recovery_codes"].is_null());

    app.advance(Duration::seconds(30));
    let code = code_at(&secret, app.now());
    let no_password = call(
        &app,
        "disable_two_factor",
        &[("disable_password", "Wr0ng!pass"), ("code", &code)],
        &token,
    )
    .await;
    assert!(field(&no_password, "disable_password").contains("wrong"));
    let no_code = call(
        &app,
        "disable_two_factor",
        &[("disable_password", PASSWORD), ("code", "000000")],
        &token,
    )
    .await;
    assert!(field(&no_code, "code").contains("not right"));
    let off = call(
        &app,
        "disable_two_factor",
        &[("disable_password", PASSWORD), ("code", &code)],
        &token,
    )
    .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    assert_eq!(
        app.count("SELECT (SELECT count(*) FROM two_factor) + (SELECT count(*) FROM recovery_codes) AS n")
            .await,
        0
    );
    let plain = login(&app, "ada@example.com", PASSWORD).await;
    assert!(plain.json()["token"].is_string(), "{}", plain.body);
    let trail = app
        .text("SELECT string_agg(action, ',' ORDER BY id) AS t FROM activity_logs WHERE action LIKE 'two_factor.%'")
        .await;
    assert_eq!(trail, "two_factor.enable,two_factor.recovery_codes,two_factor.disable");
    let notices =
        "SELECT count(*) AS n FROM mail_outbox WHERE kind = 'two_factor_changed' AND recipient = 'ada@example.com'";
    assert_eq!(
        app.count(notices).await,
        2,
        "a notice when it was turned on, one when off"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_is_sent_to_set_it_up_when_the_portal_requires_it() {
    let app = TestApp::new().await;
    let admin = app.register("Root", "root@example.com", PASSWORD).await;
    app.count("WITH u AS (UPDATE users SET role = 'admin' WHERE email = 'root@example.com' RETURNING 1) SELECT count(*) AS n FROM u")
        .await;
    let client = app.register("Ada", "ada@example.com", PASSWORD).await;
    let refused = call(&app, "admin_require_two_factor", &[("required", "on")], &client).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let set = call(&app, "admin_require_two_factor", &[("required", "on")], &admin).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let policy = "SELECT count(*) AS n FROM activity_logs WHERE action = 'admin.two_factor_policy' AND detail->>'required' = 'true'";
    assert_eq!(app.count(policy).await, 1, "the admin's change is in the trail");

    let dashboard = app.get_with("/dashboard", &[("authorization", &bearer(&admin))]).await;
    assert_eq!(dashboard.status, StatusCode::SEE_OTHER, "{}", dashboard.body);
    assert_eq!(dashboard.header("location"), "/settings/security?form=two-factor");
    let security = app
        .get_with("/settings/security", &[("authorization", &bearer(&admin))])
        .await;
    assert_eq!(security.status, StatusCode::OK);
    assert!(
        security
            .body
            .contains("requires two-factor authentication for admin accounts")
    );
    let clients_free = app.get_with("/dashboard", &[("authorization", &bearer(&client))]).await;
    assert_eq!(clients_free.status, StatusCode::OK, "clients are not asked");
    // The REST API's data is closed to that admin too, with a reason; a client's is not.
    let api = app
        .get_with("/api/user/profile", &[("authorization", &bearer(&admin))])
        .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN, "{}", api.body);
    assert_eq!(api.json()["error"]["code"], "two_factor_required");
    let api = app
        .get_with("/api/v1/services", &[("authorization", &bearer(&admin))])
        .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN, "{}", api.body);
    let clients_api = app
        .get_with("/api/user/profile", &[("authorization", &bearer(&client))])
        .await;
    assert_eq!(clients_api.status, StatusCode::OK);

    let (secret, _) = enrol(&app, &admin).await;
    let now_free = app.get_with("/admin", &[("authorization", &bearer(&admin))]).await;
    assert_eq!(now_free.status, StatusCode::OK);
    let api_free = app
        .get_with("/api/user/profile", &[("authorization", &bearer(&admin))])
        .await;
    assert_eq!(api_free.status, StatusCode::OK);
    app.advance(Duration::seconds(30));
    let code = code_at(&secret, app.now());
    let kept = call(
        &app,
        "disable_two_factor",
        &[("disable_password", PASSWORD), ("code", &code)],
        &admin,
    )
    .await;
    assert_eq!(kept.status, StatusCode::CONFLICT, "{}", kept.body);
}
