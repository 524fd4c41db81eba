//! Address confirmation and the notices that guard an account, over a real SMTP server: the
//! registration's link (once, 24 hours, resent on request within limits), the banner until it is
//! used, an email change that waits for the new address and tells the old one, and a mail for a
//! sign-in from a browser and address the account has not used in 90 days.

use axum::http::StatusCode;
use chrono::Duration;
use ragsites_portal::mail::outbox::deliver_due;
use serde_json::json;

use crate::support::calls::{bearer, call, login, login_token, put};
use crate::support::smtp::{Received, SmtpSink};
use crate::support::{PASSWORD, TestApp};

const CONFIRM: &str = "Confirm your RagSites Portal address";
const CONFIRM_NEW: &str = "Confirm your new RagSites Portal address";
const CHANGE_NOTICE: &str = "Your RagSites Portal address is being changed";
const NEW_SIGN_IN: &str = "New sign-in to your RagSites Portal account";
const BANNER: &str = "Please confirm your address";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
const FIREFOX_ON_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

async fn app_with(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    TestApp::with_config(|config| config.smtp_url = Some(url)).await
}

/// The token of a mailed confirmation link.
fn token_of(mail: &Received) -> String {
    let url = url::Url::parse(&mail.link()).expect("a link");
    assert_eq!(url.path(), "/auth/verify");
    url.query_pairs()
        .find(|(name, _)| name == "token")
        .map(|(_, token)| token.into_owned())
        .expect("a token in the link")
}

async fn confirm(app: &TestApp, token: &str) -> crate::support::TestResponse {
    app.json("POST", "/api/auth/confirm-email", &json!({ "token": token }), &[])
        .await
}

async fn verified(app: &TestApp, session: &str) -> bool {
    let answer = app
        .get_with("/api/auth/verify", &[("authorization", &bearer(session))])
        .await;
    answer.json()["user"]["email_verified"]
        .as_bool()
        .expect("the user says whether the address is confirmed")
}

#[tokio::test]
async fn registration_mails_a_link_that_confirms_the_address_once() {
    let sink = SmtpSink::start();
    let app = app_with(&sink).await;
    let session = app.register("Ada", "ada@example.com", PASSWORD).await;
    let cookie = format!("ragsites_session={session}");
    assert!(!verified(&app, &session).await);
    let dashboard = app.get_with("/dashboard", &[("cookie", &cookie)]).await;
    assert!(dashboard.body.contains(BANNER), "the banner asks for it");
    assert!(dashboard.body.contains("/api/fn/resend_confirmation"));

    assert_eq!(deliver_due(&app.state).await.unwrap(), 1);
    let mails = sink.received_about(CONFIRM);
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].envelope_to, ["ada@example.com"]);
    let link = mails[0].link();
    let html = mails[0].html.as_deref().expect("an HTML part");
    assert!(html.contains(&link.replace('&', "&amp;")), "{html}");
    assert!(mails[0].text.as_deref().unwrap().contains("24 hours"));
    let token = token_of(&mails[0]);

    // Opening the link asks for a click: a mail scanner that follows links confirms nothing.
    let path = link.trim_start_matches("https://portal.test.example");
    let page = app.get(path).await;
    assert!(page.body.contains("Confirm your address"), "{}", page.body);
    assert!(page.body.contains("ada@example.com"));
    assert!(page.body.contains(&format!("value=\"{token}\"")));
    assert!(!verified(&app, &session).await);

    // Without JavaScript: the button posts the form, the answer is a page that says so.
    let done = app.form_post("/api/fn/confirm_email", &[("token", &token)], &[]).await;
    assert!(done.status.is_redirection(), "{}", done.body);
    assert_eq!(done.header("location"), "/auth/verify?confirmed=address");
    let page = app.get("/auth/verify?confirmed=address").await;
    assert!(page.body.contains("your address is confirmed"), "{}", page.body);
    assert!(verified(&app, &session).await);
    let dashboard = app.get_with("/dashboard", &[("cookie", &cookie)]).await;
    assert!(!dashboard.body.contains(BANNER), "the banner is gone");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM users WHERE email_verified_at = '2026-11-16T10:30:00Z'")
            .await,
        1,
        "confirmed at the server's now"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM activity_logs WHERE action = 'profile.email_verify'")
            .await,
        1
    );

    let again = confirm(&app, &token).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.body);
    assert!(again.body.contains("invalid, used or expired"), "{}", again.body);
    let used = app.get(path).await;
    assert!(used.body.contains("This link no longer works"), "{}", used.body);
    assert!(!used.body.contains("name=\"token\""), "no form for a used link");
    let resent = call(&app, "resend_confirmation", &[], &session).await;
    assert_eq!(resent.status, StatusCode::CONFLICT, "{}", resent.body);
    assert!(resent.body.contains("confirmed already"), "{}", resent.body);
}

#[tokio::test]
async fn a_link_lasts_24_hours_a_new_one_ends_it_and_resending_is_limited() {
    let sink = SmtpSink::start();
    let app = app_with(&sink).await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    deliver_due(&app.state).await.unwrap();
    let expired = token_of(&sink.received_about(CONFIRM)[0]);
    app.advance(Duration::hours(24) + Duration::seconds(1));
    assert_eq!(confirm(&app, &expired).await.status, StatusCode::BAD_REQUEST);
    let session = login_token(&app, "ada@example.com", PASSWORD).await;

    for _ in 0..3 {
        let resent = app
            .json(
                "POST",
                "/api/auth/resend-confirmation",
                &json!({}),
                &[("authorization", &bearer(&session))],
            )
            .await;
        assert_eq!(resent.status, StatusCode::ACCEPTED, "{}", resent.body);
    }
    let limited = call(&app, "resend_confirmation", &[], &session).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{}", limited.body);
    assert!(limited.header("retry-after").parse::<u64>().unwrap() > 0);

    assert_eq!(deliver_due(&app.state).await.unwrap(), 3);
    let tokens: Vec<String> = sink.received_about(CONFIRM).iter().skip(1).map(token_of).collect();
    assert_eq!(tokens.len(), 3);
    for older in &tokens[..2] {
        assert_eq!(
            confirm(&app, older).await.status,
            StatusCode::BAD_REQUEST,
            "a newer link ends it"
        );
    }
    let confirmed = confirm(&app, &tokens[2]).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    assert_eq!(confirmed.json(), json!({ "email": "ada@example.com", "change": false }));
    assert!(verified(&app, &session).await);
}

#[tokio::test]
async fn an_email_change_waits_for_the_new_address_and_tells_the_old_one() {
    let sink = SmtpSink::start();
    let app = app_with(&sink).await;
    let session = app.register("Ada", "ada@example.com", PASSWORD).await;
    deliver_due(&app.state).await.unwrap();
    let own = token_of(&sink.received_about(CONFIRM)[0]);

    app.set_peer("203.0.113.7");
    let moved = json!({ "email": "ada@new.example", "current_password": PASSWORD });
    let saved = put(&app, "/api/user/profile", moved, &session).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.json()["email"], "ada@example.com");
    assert_eq!(saved.json()["pending_email"], "ada@new.example");
    let page = app
        .get_with(
            "/settings/profile",
            &[("cookie", &format!("ragsites_session={session}"))],
        )
        .await;
    assert!(page.body.contains("Waiting for"), "{}", page.body);
    assert!(page.body.contains("ada@new.example"));

    assert_eq!(deliver_due(&app.state).await.unwrap(), 2);
    let link = sink.received_about(CONFIRM_NEW);
    assert_eq!(link.len(), 1);
    assert_eq!(link[0].envelope_to, ["ada@new.example"]);
    let notice = sink.received_about(CHANGE_NOTICE);
    assert_eq!(notice.len(), 1);
    assert_eq!(notice[0].envelope_to, ["ada@example.com"]);
    let text = notice[0].text.as_deref().unwrap();
    assert!(
        text.contains("ada@new.example") && text.contains("203.0.113.7"),
        "{text}"
    );
    assert!(text.contains("2026-11-16 at 10:30 UTC"), "{text}");
    assert!(notice[0].html.as_deref().unwrap().contains("ada@new.example"));

    assert_eq!(
        login(&app, "ada@new.example", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED,
        "not before the new address confirms"
    );
    let page = app.get(&format!("/auth/verify?token={}", token_of(&link[0]))).await;
    assert!(page.body.contains("Confirm your new address"), "{}", page.body);
    let confirmed = confirm(&app, &token_of(&link[0])).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    assert_eq!(confirmed.json(), json!({ "email": "ada@new.example", "change": true }));
    login_token(&app, "ada@new.example", PASSWORD).await;
    assert_eq!(
        login(&app, "ada@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        verified(&app, &session).await,
        "the new address is confirmed by its link"
    );
    assert_eq!(
        confirm(&app, &own).await.status,
        StatusCode::BAD_REQUEST,
        "a link to the old address ends with it"
    );
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM activity_logs WHERE action = 'profile.email_change' \
             AND detail = '{\"from\": \"ada@example.com\", \"to\": \"ada@new.example\"}'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_new_address_taken_meanwhile_is_refused_and_the_account_keeps_its_own() {
    let sink = SmtpSink::start();
    let app = app_with(&sink).await;
    let session = app.register("Ada", "ada@example.com", PASSWORD).await;
    let moved = json!({ "email": "shared@example.com", "current_password": PASSWORD });
    assert_eq!(
        put(&app, "/api/user/profile", moved, &session).await.status,
        StatusCode::OK
    );
    app.register("Bob", "Shared@example.com", PASSWORD).await;
    deliver_due(&app.state).await.unwrap();
    let token = token_of(&sink.received_about(CONFIRM_NEW)[0]);
    let refused = confirm(&app, &token).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.body.contains("Another account took this address"),
        "{}",
        refused.body
    );
    login_token(&app, "ada@example.com", PASSWORD).await;
    login_token(&app, "shared@example.com", PASSWORD).await;
}

/// Signs Ada in through the REST API with this browser.
async fn sign_in_with(app: &TestApp, agent: &str) {
    let body = json!({ "email": "ada@example.com", "password": PASSWORD });
    let response = app
        .json("POST", "/api/auth/login", &body, &[("user-agent", agent)])
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
}

#[tokio::test]
async fn a_sign_in_from_a_browser_and_address_not_used_in_90_days_is_mailed() {
    let sink = SmtpSink::start();
    let app = app_with(&sink).await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    login_token(&app, "ada@example.com", PASSWORD).await;
    deliver_due(&app.state).await.unwrap();
    assert!(
        sink.received_about(NEW_SIGN_IN).is_empty(),
        "the device she registered with is known"
    );

    app.set_peer("203.0.113.7");
    sign_in_with(&app, FIREFOX_ON_WINDOWS).await;
    deliver_due(&app.state).await.unwrap();
    let notices = sink.received_about(NEW_SIGN_IN);
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].envelope_to, ["ada@example.com"]);
    let text = notices[0].text.as_deref().unwrap();
    for expected in ["Firefox on Windows", "203.0.113.7", "2026-11-16 at 10:30 UTC"] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    assert!(notices[0].link().ends_with("/settings/security"));

    // Another browser from the same address is new.
    sign_in_with(&app, IPHONE).await;
    // The same browser (a newer version) from the same address: known now.
    app.advance(Duration::days(89));
    sign_in_with(&app, &FIREFOX_ON_WINDOWS.replace("133.0", "140.0")).await;
    // Another address, or the same one after 90 days without it, is new again.
    app.set_peer("198.51.100.4");
    sign_in_with(&app, FIREFOX_ON_WINDOWS).await;
    app.set_peer("203.0.113.7");
    app.advance(Duration::days(91));
    sign_in_with(&app, FIREFOX_ON_WINDOWS).await;
    deliver_due(&app.state).await.unwrap();
    let texts: Vec<String> = sink
        .received_about(NEW_SIGN_IN)
        .into_iter()
        .map(|mail| mail.text.unwrap_or_default())
        .collect();
    assert_eq!(texts.len(), 4, "{texts:?}");
    assert!(
        texts[1].contains("Safari on iOS, from the address 203.0.113.7"),
        "{}",
        texts[1]
    );
    assert!(texts[2].contains("198.51.100.4"), "{}", texts[2]);
    assert!(
        texts[3].contains("203.0.113.7") && texts[3].contains("2027-05-15"),
        "{}",
        texts[3]
    );
}
