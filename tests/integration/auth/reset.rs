//! Password reset by mail, end to end over a real SMTP server: the request, the mail, the link
//! (once, 30 minutes), the new password, every session ended, the notice.

use axum::http::StatusCode;
use chrono::Duration;
use ragsites_portal::mail::outbox::deliver_due;
use serde_json::json;

use crate::support::calls::{login, login_token, verify};
use crate::support::smtp::SmtpSink;
use crate::support::{PASSWORD, TestApp};

const NEW_PASSWORD: &str = "N3w!password";
const RESET: &str = "Reset your RagSites Portal password";

async fn app_with(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    TestApp::with_config(|config| config.smtp_url = Some(url)).await
}

async fn forgot(app: &TestApp, email: &str) -> serde_json::Value {
    let response = app
        .json("POST", "/api/auth/forgot-password", &json!({ "email": email }), &[])
        .await;
    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.body);
    response.json()
}

async fn reset(app: &TestApp, token: &str, password: &str) -> crate::support::TestResponse {
    let body = json!({ "token": token, "password": password, "confirm_password": password });
    app.json("POST", "/api/auth/reset-password", &body, &[]).await
}

/// Ada registered (her session token) and mailed a reset link (its token), through the sink.
async fn ada_with_mailed_link() -> (SmtpSink, TestApp, String, String) {
    let sink = SmtpSink::start();
    let app = app_with(&sink).await;
    let session = app.register("Ada", "ada@example.com", PASSWORD).await;
    forgot(&app, "ada@example.com").await;
    deliver_due(&app.state).await.unwrap();
    let token = token_of(&sink.received_about(RESET)[0].link());
    (sink, app, session, token)
}

fn token_of(link: &str) -> String {
    let url = url::Url::parse(link).expect("a link");
    assert_eq!(url.path(), "/auth/reset");
    url.query_pairs()
        .find(|(name, _)| name == "token")
        .map(|(_, token)| token.into_owned())
        .expect("a token in the link")
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_and_ends_every_session() {
    let sink = SmtpSink::start();
    let app = app_with(&sink).await;
    let first = app.register("Ada", "ada@example.com", PASSWORD).await;
    let second = login_token(&app, "ada@example.com", PASSWORD).await;

    let answer = forgot(&app, "ADA@example.com ").await;
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("If an account uses that address")
    );
    assert!(sink.received().is_empty(), "nothing is sent inside the request");
    assert_eq!(
        deliver_due(&app.state).await.unwrap(),
        2,
        "the reset link and the registration's"
    );
    let mails = sink.received_about(RESET);
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.envelope_to, ["ada@example.com"]);
    assert!(mail.from.as_deref().unwrap().contains("portal@test.example"));
    let link = mail.link();
    let html = mail.html.as_deref().expect("an HTML part");
    assert!(
        html.contains(&link.replace('&', "&amp;")),
        "the HTML part carries the link: {html}"
    );
    let token = token_of(&link);
    assert!(token.len() >= 43, "32 random bytes, encoded: {token}");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM password_resets WHERE token_hash = sha256('{token}'::bytea)"
        ))
        .await,
        1,
        "only the token's SHA-256 is stored"
    );

    let response = reset(&app, &token, NEW_PASSWORD).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(
        verify(&app, &first).await,
        StatusCode::UNAUTHORIZED,
        "every session ended"
    );
    assert_eq!(verify(&app, &second).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        login(&app, "ada@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    login_token(&app, "ada@example.com", NEW_PASSWORD).await;
    assert_eq!(
        app.count("SELECT count(*) AS n FROM activity_logs WHERE action = 'password.reset'")
            .await,
        1
    );

    let again = reset(&app, &token, "An0ther!pass").await;
    assert_eq!(
        again.status,
        StatusCode::BAD_REQUEST,
        "a link works once: {}",
        again.body
    );
    assert!(again.body.contains("invalid, used or expired"), "{}", again.body);

    deliver_due(&app.state).await.unwrap();
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM mail_outbox WHERE text_body LIKE '%{token}%' OR html_body LIKE '%{token}%'"
        ))
        .await,
        0,
        "a sent mail's link is not kept"
    );
    let notice = sink.received().pop().expect("a notice");
    assert_eq!(
        notice.subject.as_deref(),
        Some("Your RagSites Portal password was changed")
    );
    assert!(notice.text.as_deref().unwrap().contains("192.0.2.10"), "{notice:?}");
    assert!(notice.link().ends_with("/auth/forgot"));
}

#[tokio::test]
async fn an_unknown_address_gets_the_same_answer_and_no_mail() {
    let sink = SmtpSink::start();
    let app = app_with(&sink).await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    let known = forgot(&app, "ada@example.com").await;
    let unknown = forgot(&app, "nobody@example.com").await;
    assert_eq!(known, unknown);
    deliver_due(&app.state).await.unwrap();
    let recipients: Vec<_> = sink
        .received_about(RESET)
        .into_iter()
        .flat_map(|m| m.envelope_to)
        .collect();
    assert_eq!(recipients, ["ada@example.com"]);
}

#[tokio::test]
async fn a_link_expires_after_30_minutes_and_a_newer_one_or_a_sign_in_ends_it() {
    let sink = SmtpSink::start();
    let app = app_with(&sink).await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    let next_token = || async {
        deliver_due(&app.state).await.unwrap();
        token_of(&sink.received_about(RESET).pop().expect("a mail").link())
    };

    forgot(&app, "ada@example.com").await;
    let expired = next_token().await;
    app.advance(Duration::minutes(31));
    assert_eq!(
        reset(&app, &expired, NEW_PASSWORD).await.status,
        StatusCode::BAD_REQUEST
    );

    forgot(&app, "ada@example.com").await;
    let older = next_token().await;
    forgot(&app, "ada@example.com").await;
    let newer = next_token().await;
    assert_eq!(
        reset(&app, &older, NEW_PASSWORD).await.status,
        StatusCode::BAD_REQUEST,
        "a newer link ends it"
    );

    login_token(&app, "ada@example.com", PASSWORD).await;
    assert_eq!(
        reset(&app, &newer, NEW_PASSWORD).await.status,
        StatusCode::BAD_REQUEST,
        "a sign-in ends it"
    );
    login_token(&app, "ada@example.com", PASSWORD).await;
}

#[tokio::test]
async fn a_weak_password_is_refused_and_the_link_still_works() {
    let (_sink, app, _, token) = ada_with_mailed_link().await;
    let weak = reset(&app, &token, "short").await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", weak.body);
    assert!(weak.body.contains("at least 8 characters"), "{}", weak.body);
    assert_eq!(reset(&app, &token, NEW_PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn reset_mails_are_rate_limited_per_address() {
    let sink = SmtpSink::start();
    let app = app_with(&sink).await;
    for _ in 0..3 {
        forgot(&app, "ada@example.com").await;
    }
    let limited = app
        .json(
            "POST",
            "/api/auth/forgot-password",
            &json!({ "email": "ada@example.com" }),
            &[],
        )
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{}", limited.body);
    assert!(limited.header("retry-after").parse::<u64>().unwrap() > 0);
}

#[tokio::test]
async fn without_javascript_the_forgot_and_reset_forms_work() {
    let sink = SmtpSink::start();
    let app = app_with(&sink).await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    let page = app.get("/auth/signin").await;
    assert!(
        page.body.contains("href=\"/auth/forgot\""),
        "the sign-in page links to it"
    );

    let sent = app
        .form_post("/api/fn/forgot_password", &[("email", "ada@example.com")], &[])
        .await;
    assert!(sent.status.is_redirection(), "{}", sent.body);
    assert_eq!(sent.header("location"), "/auth/forgot?sent=1");
    let page = app.get("/auth/forgot?sent=1").await;
    assert!(page.body.contains("we have sent it a link"), "{}", page.body);

    deliver_due(&app.state).await.unwrap();
    let link = sink.received_about(RESET)[0].link();
    let path = link.trim_start_matches("https://portal.test.example");
    let form = app.get(path).await;
    assert_eq!(form.status, StatusCode::OK);
    let token = token_of(&link);
    assert!(
        form.body.contains(&format!("value=\"{token}\"")),
        "the form carries the token"
    );

    let done = app
        .form_post(
            "/api/fn/reset_password",
            &[
                ("token", &token),
                ("password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
            &[],
        )
        .await;
    assert!(done.status.is_redirection(), "{}", done.body);
    assert_eq!(done.header("location"), "/auth/signin?reset=1");
    let signin = app.get("/auth/signin?reset=1").await;
    assert!(signin.body.contains("Your password was changed"), "{}", signin.body);
    login_token(&app, "ada@example.com", NEW_PASSWORD).await;

    let used = app.get(path).await;
    assert!(used.body.contains("This link no longer works"), "{}", used.body);
    assert!(!used.body.contains("name=\"password\""), "no form for a used link");
    let made_up = app.get("/auth/reset?token=not-a-token").await;
    assert!(made_up.body.contains("This link no longer works"));
}

#[tokio::test]
async fn two_uses_of_one_link_at_once_set_one_password() {
    let (_sink, app, _, token) = ada_with_mailed_link().await;
    let (a, b) = tokio::join!(reset(&app, &token, NEW_PASSWORD), reset(&app, &token, "An0ther!pass"));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::BAD_REQUEST],
        "{} / {}",
        a.body,
        b.body
    );
    let winner = if a.status == StatusCode::OK {
        NEW_PASSWORD
    } else {
        "An0ther!pass"
    };
    login_token(&app, "ada@example.com", winner).await;
    assert_eq!(
        app.count("SELECT count(*) AS n FROM activity_logs WHERE action = 'password.reset'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_password_or_email_change_ends_a_mailed_link() {
    let (_sink, app, token, link) = ada_with_mailed_link().await;
    let fields = crate::support::calls::password_change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD);
    let changed = crate::support::calls::call(&app, "change_password", &fields, &token).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(reset(&app, &link, "An0ther!pass").await.status, StatusCode::BAD_REQUEST);
}
