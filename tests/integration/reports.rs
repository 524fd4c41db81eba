//! The weekly report against a real PostgreSQL and a real SMTP server: due from Monday 08:00 on
//! the client's clock, sent once per week across passes and restarts, with the analytics API's
//! figures for the same window.

use axum::http::StatusCode;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use ragsites_portal::alerts::evaluate::evaluate;
use ragsites_portal::alerts::report::{service_line, totals};
use ragsites_portal::analytics::Summary;
use ragsites_portal::mail::outbox::deliver_due;
use ragsites_portal::server::db;
use ragsites_portal::server::state::AppState;
use serde_json::{Value, json};

use crate::support::calls::{bearer, put};
use crate::support::services::{Client, client, create_key, create_service, event, post_events, summary};
use crate::support::smtp::SmtpSink;
use crate::support::{TestApp, database_url, leptos_options, test_config};

async fn app_with(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    TestApp::with_config(|config| config.smtp_url = Some(url)).await
}

/// A client in `tz` who gets no alert mail (only reports are expected here), the mail
/// confirming the address sent and forgotten.
async fn client_in(app: &TestApp, sink: &SmtpSink, email: &str, tz: &str) -> Client {
    let client = client(app, email, "Support bot").await;
    let body = json!({ "timezone": tz, "email_notifications": false });
    let response = put(app, "/api/user/preferences", body, &client.token).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    sink.send_and_forget_confirmation(app).await;
    client
}

async fn reports(app: &TestApp) -> usize {
    evaluate(&app.state)
        .await
        .unwrap()
        .expect("no other evaluator runs")
        .reports
}

/// `n` events with `key` at `at`, the first `errors` of them failed, latencies 100, 200, ….
async fn send(app: &TestApp, key: &str, prefix: &str, at: DateTime<Utc>, n: usize, errors: usize) {
    let events: Vec<Value> = (0..n)
        .map(|i| event(&format!("{prefix}{i}"), at, 100 * (i as u32 + 1), i >= errors))
        .collect();
    let response = post_events(app, key, &json!(events)).await;
    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.body);
}

fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0).unwrap()
}

async fn summary_of(app: &TestApp, client: &Client, window: &str) -> Summary {
    let response = summary(app, &client.token, window).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    serde_json::from_value(response.json()).unwrap()
}

#[tokio::test]
async fn the_report_comes_from_monday_8_local_once_with_the_dashboards_figures() {
    let sink = SmtpSink::start();
    let app = app_with(&sink).await;
    // Los Angeles: the test clock's Monday 10:30 UTC is 02:30 there, before the report is due.
    let client = client_in(&app, &sink, "ada@example.com", "America/Los_Angeles").await;
    let other_service = create_service(&app, &client.token, "Docs search").await;
    let other_key = create_key(&app, &client.token, &other_service).await;
    // The report's week: Nov 9 to 15 in Los Angeles, [Nov 9 08:00, Nov 16 08:00) UTC.
    send(&app, &client.key, "prev", at(5, 12, 0), 8, 1).await;
    send(&app, &client.key, "this", at(12, 12, 0), 12, 3).await;
    send(&app, &other_key, "docs", at(14, 9, 0), 5, 0).await;
    // At the edges: the week before's last minute, this week's first and last, next week's first.
    send(&app, &client.key, "before", at(9, 7, 59), 1, 1).await;
    send(&app, &client.key, "first", at(9, 8, 0), 1, 0).await;
    send(&app, &client.key, "last", at(16, 7, 59), 1, 0).await;
    send(&app, &client.key, "after", at(16, 8, 0), 1, 0).await;

    assert_eq!(reports(&app).await, 0, "02:30 in Los Angeles");
    app.advance(at(16, 15, 59) - app.now());
    assert_eq!(reports(&app).await, 0, "07:59 in Los Angeles");
    app.advance(TimeDelta::minutes(1));
    assert_eq!(reports(&app).await, 1, "08:00 in Los Angeles");
    assert_eq!(reports(&app).await, 0, "a second pass");
    let restarted = {
        let mut config = test_config(database_url(&app.db_name));
        config.smtp_url = Some(sink.url());
        config.fixed_clock = Some(app.now() + TimeDelta::hours(3));
        let pool = db::connect(&database_url(&app.db_name), 4).await.unwrap();
        TestApp::from_state(AppState::new(leptos_options(), pool, config), app.db_name.clone())
    };
    assert_eq!(reports(&restarted).await, 0, "a restarted process");
    assert_eq!(deliver_due(&app.state).await.unwrap(), 1);
    assert_eq!(deliver_due(&restarted.state).await.unwrap(), 0);

    let received = sink.received();
    assert_eq!(received.len(), 1);
    let mail = &received[0];
    assert_eq!(mail.envelope_to, ["ada@example.com"]);
    assert_eq!(
        mail.subject.as_deref(),
        Some("Your RagSites Portal weekly report (Nov 9 to Nov 15, 2026)")
    );
    let text = mail.text.as_deref().unwrap();
    let html = mail.html.as_deref().unwrap();
    // What the test sent: 19 requests this week (3 errors), 9 the week before (2 errors), each
    // with 15 tokens and $0.001.
    for line in [
        "Requests: 19 (previous 7 days: 9)",
        "Success rate: 84.2% (previous 7 days: 77.8%)",
        "Tokens: 285 (previous 7 days: 135)",
        "Cost: $0.02 (previous 7 days: $0.01)",
        "timeout: 3",
        "None.",
    ] {
        assert!(text.contains(line), "{line:?} in {text}");
        assert!(html.contains(line), "{line:?} in {html}");
    }
    // And every figure is the summary API's for the same window.
    let window = "range=custom&from=2026-11-09T08:00:00Z&to=2026-11-16T08:00:00Z&tz=America/Los_Angeles";
    let all = summary_of(&app, &client, window).await;
    assert_eq!(all.current.total_requests, 19);
    for line in totals(&all.current, &all.previous) {
        assert!(text.contains(&line), "{line:?} in {text}");
    }
    for (service, name) in [(&client.service, "Support bot"), (&other_service, "Docs search")] {
        let one = summary_of(&app, &client, &format!("{window}&service={service}")).await;
        let line = format!("{name}: {}", service_line(&one.current, &one.previous));
        assert!(text.contains(&line), "{line:?} in {text}");
    }
    let unsubscribe = mail.header("List-Unsubscribe").unwrap();
    assert!(unsubscribe.starts_with("<https://portal.test.example/unsubscribe/weekly-report/"));
    assert_eq!(
        mail.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );

    // One click turns the report off, and only the report.
    let path = unsubscribe
        .trim_start_matches("<https://portal.test.example")
        .trim_end_matches('>');
    let request = axum::http::Request::post(path)
        .header("host", "portal.test")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("List-Unsubscribe=One-Click"))
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::OK);
    let preferences = app
        .get_with("/api/user/preferences", &[("authorization", &bearer(&client.token))])
        .await
        .json();
    assert_eq!(preferences["weekly_report"], false);
    assert_eq!(preferences["email_notifications"], false, "as the client set it");
    assert_eq!(preferences["timezone"], "America/Los_Angeles", "the rest unchanged");
    app.advance(TimeDelta::days(7));
    assert_eq!(reports(&app).await, 0, "unsubscribed");
}

#[tokio::test]
async fn a_client_in_tokyo_gets_the_report_at_8_in_tokyo() {
    let sink = SmtpSink::start();
    let app = app_with(&sink).await;
    client_in(&app, &sink, "ken@example.com", "Asia/Tokyo").await;
    // Monday 10:30 UTC is 19:30 in Tokyo: this week's report is due already.
    assert_eq!(reports(&app).await, 1);
    // The next: Monday Nov 23 08:00 in Tokyo, Sunday 23:00 UTC.
    app.advance(at(22, 22, 59) - app.now());
    assert_eq!(reports(&app).await, 0);
    app.advance(TimeDelta::minutes(1));
    assert_eq!(reports(&app).await, 1);
    assert_eq!(deliver_due(&app.state).await.unwrap(), 2);
    let subjects: Vec<_> = sink.received().into_iter().filter_map(|m| m.subject).collect();
    assert_eq!(
        subjects,
        [
            "Your RagSites Portal weekly report (Nov 9 to Nov 15, 2026)",
            "Your RagSites Portal weekly report (Nov 16 to Nov 22, 2026)",
        ]
    );
}
