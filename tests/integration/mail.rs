//! The mail outbox against a real SMTP server: a mail is sent once, a temporary refusal is
//! tried again later, a permanent one is recorded, an SMTP server that is down leaves the mail
//! pending without touching the request that queued it, and two workers never send one row twice.

use axum::http::StatusCode;
use chrono::Duration;
use ragsites_portal::mail::outbox::{MAX_ATTEMPTS, deliver_due};
use ragsites_portal::server::db;
use ragsites_portal::server::state::AppState;
use serde_json::json;

use crate::support::calls::login;
use crate::support::smtp::{SmtpSink, silent_server, unreachable_url};
use crate::support::{PASSWORD, TestApp, database_url, leptos_options, test_config};

/// Registers `email`, which queues the mail confirming it: one outbox row.
async fn queue_mail(app: &TestApp, email: &str) {
    app.register("Ada", email, PASSWORD).await;
}

async fn outbox_row(app: &TestApp) -> serde_json::Value {
    let row = app
        .text("SELECT json_build_object('status', status, 'attempts', attempts, 'last_error', last_error)::text AS t FROM mail_outbox")
        .await;
    serde_json::from_str(&row).unwrap()
}

#[tokio::test]
async fn a_temporary_refusal_is_tried_again_later_and_the_mail_arrives_once() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = TestApp::with_config(|config| config.smtp_url = Some(url)).await;
    queue_mail(&app, "tempfail-once@example.com").await;

    assert_eq!(deliver_due(&app.state).await.unwrap(), 1);
    let row = outbox_row(&app).await;
    assert_eq!(row["status"], "pending");
    assert_eq!(row["attempts"], 1);
    assert!(row["last_error"].as_str().unwrap().contains("451"), "{row}");
    assert!(sink.received().is_empty());

    assert_eq!(deliver_due(&app.state).await.unwrap(), 0, "not due before its back-off");
    app.advance(Duration::minutes(1));
    assert_eq!(deliver_due(&app.state).await.unwrap(), 1);
    assert_eq!(outbox_row(&app).await["status"], "sent");
    app.advance(Duration::hours(3));
    assert_eq!(deliver_due(&app.state).await.unwrap(), 0);
    assert_eq!(sink.received().len(), 1, "sent once");
}

#[tokio::test]
async fn a_permanent_refusal_is_recorded_with_the_servers_answer() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = TestApp::with_config(|config| config.smtp_url = Some(url)).await;
    queue_mail(&app, "reject@example.com").await;
    assert_eq!(deliver_due(&app.state).await.unwrap(), 1);
    let row = outbox_row(&app).await;
    assert_eq!(row["status"], "failed");
    assert_eq!(row["attempts"], 1);
    let error = row["last_error"].as_str().unwrap();
    assert!(error.contains("550") && error.contains("No such mailbox"), "{error}");
    app.advance(Duration::hours(3));
    assert_eq!(deliver_due(&app.state).await.unwrap(), 0, "never tried again");
}

#[tokio::test]
async fn an_smtp_server_that_is_down_leaves_the_mail_pending_until_the_attempts_run_out() {
    let url = unreachable_url();
    let app = TestApp::with_config(|config| config.smtp_url = Some(url)).await;
    queue_mail(&app, "ada@example.com").await;
    for attempt in 1..MAX_ATTEMPTS {
        assert_eq!(deliver_due(&app.state).await.unwrap(), 1);
        let row = outbox_row(&app).await;
        assert_eq!(
            (row["status"].as_str(), row["attempts"].as_i64()),
            (Some("pending"), Some(attempt.into()))
        );
        app.advance(Duration::hours(1));
    }
    assert_eq!(deliver_due(&app.state).await.unwrap(), 1);
    let row = outbox_row(&app).await;
    assert_eq!(row["status"], "failed", "{row}");
    assert_eq!(row["attempts"], MAX_ATTEMPTS);
}

#[tokio::test]
async fn two_workers_send_each_mail_once() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = TestApp::with_config(|config| config.smtp_url = Some(url)).await;
    for n in 0..6 {
        queue_mail(&app, &format!("user{n}@example.com")).await;
    }
    let (a, b) = tokio::join!(deliver_due(&app.state), deliver_due(&app.state));
    assert_eq!(a.unwrap() + b.unwrap(), 6);
    let mut recipients: Vec<String> = sink.received().into_iter().flat_map(|m| m.envelope_to).collect();
    recipients.sort();
    let expected: Vec<String> = (0..6).map(|n| format!("user{n}@example.com")).collect();
    assert_eq!(recipients, expected);
}

#[tokio::test]
async fn without_smtp_mail_is_written_to_the_mail_directory() {
    let dir = tempfile::tempdir().unwrap();
    let mail_dir = dir.path().join("mail");
    let app = TestApp::with_config(|config| config.mail_dir = mail_dir.clone()).await;
    queue_mail(&app, "ada@example.com").await;
    assert_eq!(deliver_due(&app.state).await.unwrap(), 1);
    let forgot = json!({ "email": "ada@example.com" });
    let response = app.json("POST", "/api/auth/forgot-password", &forgot, &[]).await;
    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.body);
    assert_eq!(deliver_due(&app.state).await.unwrap(), 1);
    let files: Vec<_> = std::fs::read_dir(&mail_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files.iter().all(|file| file.extension().unwrap() == "eml"));
    let eml: Vec<String> = files
        .iter()
        .map(|file| std::fs::read_to_string(file).unwrap())
        .collect();
    let reset = eml
        .iter()
        .find(|eml| eml.contains("Subject: Reset your RagSites Portal password"))
        .unwrap_or_else(|| panic!("a reset mail in {eml:?}"));
    assert!(reset.contains("To: ada@example.com"), "{reset}");
    assert!(
        reset.contains("https://portal.test.example/auth/reset?token="),
        "{reset}"
    );
    let statuses = app.text("SELECT string_agg(status, ',') AS t FROM mail_outbox").await;
    assert_eq!(statuses, "sent,sent");
}

#[tokio::test]
async fn a_mail_whose_link_expired_before_it_could_be_sent_is_not_sent() {
    let url = unreachable_url();
    let app = TestApp::with_config(|config| config.smtp_url = Some(url)).await;
    queue_mail(&app, "ada@example.com").await;
    let forgot = json!({ "email": "ada@example.com" });
    let response = app.json("POST", "/api/auth/forgot-password", &forgot, &[]).await;
    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.body);
    assert_eq!(
        deliver_due(&app.state).await.unwrap(),
        2,
        "both tried, the server is down"
    );

    app.advance(Duration::minutes(31));
    assert_eq!(deliver_due(&app.state).await.unwrap(), 2);
    let rows = app
        .text(
            "SELECT string_agg(kind || ' ' || status || ' ' || attempts || ' ' || coalesce(last_error, ''), E'\\n' ORDER BY id) AS t \
             FROM mail_outbox",
        )
        .await;
    let rows: Vec<&str> = rows.lines().collect();
    assert!(rows[0].starts_with("confirm_address pending 2 "), "{rows:?}");
    assert!(
        rows[1].starts_with("password_reset failed 2 not sent: the link it carries expired"),
        "the reset link lasts 30 minutes: {rows:?}"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM mail_outbox WHERE text_body <> '' AND status = 'failed'")
            .await,
        0,
        "its link is not kept"
    );
}

#[tokio::test]
async fn refused_smtp_credentials_keep_the_mail_until_they_are_fixed() {
    let sink = SmtpSink::start();
    let wrong = sink.url().replace("smtp://", "smtp://portal:wrong@");
    let app = TestApp::with_config(|config| config.smtp_url = Some(wrong)).await;
    queue_mail(&app, "ada@example.com").await;
    assert_eq!(deliver_due(&app.state).await.unwrap(), 1);
    let row = outbox_row(&app).await;
    assert_eq!(
        (row["status"].as_str(), row["attempts"].as_i64()),
        (Some("pending"), Some(1))
    );
    assert!(row["last_error"].as_str().unwrap().contains("535"), "{row}");
    assert!(sink.received().is_empty());

    // The operator fixes SMTP_URL; the restarted process sends what waited.
    let mut config = test_config(database_url(&app.db_name));
    config.smtp_url = Some(sink.url().replace("smtp://", "smtp://portal:secret@"));
    config.fixed_clock = Some(app.now());
    let pool = db::connect(&database_url(&app.db_name), 2).await.unwrap();
    let fixed = TestApp::from_state(AppState::new(leptos_options(), pool, config), app.db_name.clone());
    fixed.advance(Duration::minutes(1));
    assert_eq!(deliver_due(&fixed.state).await.unwrap(), 1);
    assert_eq!(sink.received_about("Confirm your RagSites Portal address").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_smtp_server_that_never_answers_holds_nothing_up() {
    let (_listener, url) = silent_server();
    let app = TestApp::with_config(|config| {
        config.smtp_url = Some(url);
        config.smtp_timeout = std::time::Duration::from_secs(1);
    })
    .await;
    queue_mail(&app, "ada@example.com").await;
    let (handled, signed_in) = tokio::join!(deliver_due(&app.state), async {
        // While the worker waits on the silent server, requests go on.
        login(&app, "ada@example.com", PASSWORD).await
    });
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    assert_eq!(handled.unwrap(), 1, "given up on for now");
    let row = outbox_row(&app).await;
    assert_eq!(
        (row["status"].as_str(), row["attempts"].as_i64()),
        (Some("pending"), Some(1))
    );
    assert_eq!(row["last_error"], "no answer within 1s");
}
