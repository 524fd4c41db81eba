//! Threshold alerts against a real PostgreSQL and a real SMTP server: events sent through the
//! ingestion API, the evaluator driven by the test's clock, the mail read from the sink.

use axum::http::StatusCode;
use chrono::{Duration, TimeDelta};
use ragsites_portal::alerts::evaluate::{Pass, evaluate};
use ragsites_portal::analytics::histogram;
use ragsites_portal::mail::outbox::deliver_due;
use ragsites_portal::server::db;
use ragsites_portal::server::state::AppState;
use ragsites_portal::ui::format::millis;
use serde_json::{Value, json};

use crate::support::calls::{bearer, put};
use crate::support::services::{Client, client, event, post_events};
use crate::support::smtp::{Received, SmtpSink};
use crate::support::{TestApp, database_url, leptos_options, test_config};

const EMAIL: &str = "ada@example.com";
const SERVICE: &str = "Support bot";

/// An application mailing through `sink`, and a client whose weekly report is off (the test
/// clock stands on a Monday morning: only alert mail is expected).
async fn setup(sink: &SmtpSink) -> (TestApp, Client) {
    let url = sink.url();
    let app = TestApp::with_config(|config| config.smtp_url = Some(url)).await;
    let client = client(&app, EMAIL, SERVICE).await;
    set_preferences(&app, &client, json!({ "weekly_report": false })).await;
    sink.send_and_forget_confirmation(&app).await;
    (app, client)
}

async fn set_preferences(app: &TestApp, client: &Client, body: Value) {
    let response = put(app, "/api/user/preferences", body, &client.token).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
}

async fn preferences(app: &TestApp, client: &Client) -> Value {
    app.get_with("/api/user/preferences", &[("authorization", &bearer(&client.token))])
        .await
        .json()
}

/// Sends `errors` failed and `successes` good events, `latency` ms each, two minutes ago.
async fn send(app: &TestApp, client: &Client, prefix: &str, errors: usize, successes: usize, latency: u32) {
    let at = app.now() - Duration::minutes(2);
    let events: Vec<Value> = (0..errors + successes)
        .map(|i| event(&format!("{prefix}{i}"), at, latency, i >= errors))
        .collect();
    let response = post_events(app, &client.key, &json!(events)).await;
    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.body);
}

async fn pass(app: &TestApp) -> Pass {
    evaluate(&app.state).await.unwrap().expect("no other evaluator runs")
}

fn fired(n: usize) -> Pass {
    Pass {
        fired: n,
        ..Pass::default()
    }
}

/// The unsubscribe address of an alert mail, checked in its header, text and HTML parts.
fn unsubscribe_link(mail: &Received, user_id: &str) -> String {
    let header = mail.header("List-Unsubscribe").expect("a List-Unsubscribe header");
    let prefix = format!("<https://portal.test.example/unsubscribe/alerts/{user_id}/");
    assert!(header.starts_with(&prefix) && header.ends_with('>'), "{header}");
    assert_eq!(
        mail.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let url = header.trim_start_matches('<').trim_end_matches('>').to_owned();
    assert!(mail.text.as_deref().unwrap().contains(&format!("Unsubscribe: {url}")));
    assert!(
        mail.html
            .as_deref()
            .unwrap()
            .contains(&format!("<a href=\"{url}\">Unsubscribe</a>"))
    );
    url
}

async fn user_id(app: &TestApp) -> String {
    app.text(&format!("SELECT id::text AS t FROM users WHERE email = '{EMAIL}'"))
        .await
}

#[tokio::test]
async fn errors_over_the_threshold_fire_once_and_resolve_once_after_15_minutes_under() {
    let sink = SmtpSink::start();
    let (app, client) = setup(&sink).await;
    // 10 errors in 30 requests: 33.3 %, over the default 5 %.
    send(&app, &client, "e", 10, 20, 100).await;
    assert_eq!(pass(&app).await, fired(1));
    assert_eq!(deliver_due(&app.state).await.unwrap(), 1);
    let mail = &sink.received()[0];
    assert_eq!(mail.envelope_to, [EMAIL]);
    assert_eq!(
        mail.subject.as_deref(),
        Some("Alert: error rate of Support bot above 5.0%")
    );
    let said = "The error rate of Support bot is 33.3% over the last 15 minutes (30 requests), above \
                your threshold of 5.0%.";
    assert!(mail.text.as_deref().unwrap().contains(said), "{:?}", mail.text);
    assert!(mail.html.as_deref().unwrap().contains(said), "{:?}", mail.html);
    assert!(
        mail.text
            .as_deref()
            .unwrap()
            .contains("Alert fired at 2026-11-16 10:30 UTC.")
    );
    unsubscribe_link(mail, &user_id(&app).await);
    assert_eq!(
        app.text("SELECT json_build_object('kind', kind, 'threshold', threshold, 'observed', round(observed::numeric, 2), 'open', resolved_at IS NULL)::text AS t FROM alerts").await,
        r#"{"kind" : "error_rate", "threshold" : 5, "observed" : 33.33, "open" : true}"#
    );

    // Every minute: the events stay in the window until 10:43, so the alert stays open and
    // quiet until 15 minutes after that, 10:57, and then resolves once.
    let mut resolved_at = Vec::new();
    for minute in 31..=70 {
        app.advance(TimeDelta::minutes(1));
        let pass = pass(&app).await;
        assert_eq!(pass.fired, 0, "fired again at 10:{minute}");
        if pass.resolved > 0 {
            resolved_at.push((minute, pass.resolved));
        }
    }
    assert_eq!(resolved_at, [(57, 1)]);
    assert_eq!(deliver_due(&app.state).await.unwrap(), 1);
    let received = sink.received();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[1].subject.as_deref(),
        Some("Resolved: error rate of Support bot back under 5.0%")
    );
    assert!(
        received[1]
            .text
            .as_deref()
            .unwrap()
            .contains("Alert resolved at 2026-11-16 10:57 UTC.")
    );
    unsubscribe_link(&received[1], &user_id(&app).await);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM alerts WHERE resolved_at IS NOT NULL")
            .await,
        1
    );
}

#[tokio::test]
async fn fewer_than_20_requests_never_fire_and_the_20th_does() {
    let sink = SmtpSink::start();
    let (app, client) = setup(&sink).await;
    send(&app, &client, "a", 19, 0, 100).await;
    assert_eq!(pass(&app).await, Pass::default());
    assert_eq!(app.count("SELECT count(*) AS n FROM alerts").await, 0);
    send(&app, &client, "b", 1, 0, 100).await;
    assert_eq!(pass(&app).await, fired(1));
    assert_eq!(deliver_due(&app.state).await.unwrap(), 1);
    assert_eq!(
        sink.received()[0].subject.as_deref(),
        Some("Alert: error rate of Support bot above 5.0%")
    );
}

#[tokio::test]
async fn a_p95_over_the_threshold_fires_a_latency_alert() {
    let sink = SmtpSink::start();
    let (app, client) = setup(&sink).await;
    set_preferences(&app, &client, json!({ "alert_p95_latency_ms": 1500 })).await;
    // 20 quick answers and 5 slow ones: the median is quick, the p95 slow, read as the
    // dashboard reads it.
    send(&app, &client, "quick", 0, 20, 100).await;
    send(&app, &client, "slow", 0, 5, 2400).await;
    let mut histogram = Vec::new();
    for latency in [100; 20].into_iter().chain([2400; 5]) {
        histogram::record(&mut histogram, latency);
    }
    let p95 = millis(histogram::quantile(&histogram, 0.95));
    assert_eq!(pass(&app).await, fired(1));
    assert_eq!(deliver_due(&app.state).await.unwrap(), 1);
    let mail = &sink.received()[0];
    assert_eq!(
        mail.subject.as_deref(),
        Some("Alert: p95 latency of Support bot above 1,500 ms")
    );
    let said = format!(
        "The p95 latency of Support bot is {p95} over the last 15 minutes (25 requests), above your \
         threshold of 1,500 ms."
    );
    assert!(mail.text.as_deref().unwrap().contains(&said), "{:?}", mail.text);
    assert_eq!(
        app.text("SELECT kind AS t FROM alerts WHERE resolved_at IS NULL").await,
        "p95_latency"
    );
}

#[tokio::test]
async fn with_alert_mail_off_the_alert_is_recorded_and_nothing_is_sent() {
    let sink = SmtpSink::start();
    let (app, client) = setup(&sink).await;
    set_preferences(&app, &client, json!({ "email_notifications": false })).await;
    send(&app, &client, "e", 30, 0, 100).await;
    assert_eq!(pass(&app).await, fired(1));
    assert_eq!(app.count("SELECT count(*) AS n FROM alerts").await, 1);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM mail_outbox WHERE kind LIKE 'alert%'")
            .await,
        0
    );
    assert_eq!(deliver_due(&app.state).await.unwrap(), 0);
    assert!(sink.received().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_evaluators_racing_on_one_database_fire_one_alert_and_send_one_mail() {
    let sink = SmtpSink::start();
    let (app, client) = setup(&sink).await;
    send(&app, &client, "e", 30, 0, 100).await;
    let other = {
        let mut config = test_config(database_url(&app.db_name));
        config.smtp_url = Some(sink.url());
        let pool = db::connect(&database_url(&app.db_name), 4).await.unwrap();
        TestApp::from_state(AppState::new(leptos_options(), pool, config), app.db_name.clone())
    };
    let (one, two) = tokio::join!(evaluate(&app.state), evaluate(&other.state));
    let fired: usize = [one.unwrap(), two.unwrap()]
        .into_iter()
        .flatten()
        .map(|p| p.fired)
        .sum();
    assert_eq!(fired, 1);
    let (one, two) = tokio::join!(deliver_due(&app.state), deliver_due(&other.state));
    assert_eq!(one.unwrap() + two.unwrap(), 1);
    assert_eq!(app.count("SELECT count(*) AS n FROM alerts").await, 1);
    assert_eq!(sink.received().len(), 1);
}

#[tokio::test]
async fn one_click_unsubscribe_turns_alert_mail_off_and_a_get_or_a_forged_link_does_not() {
    let sink = SmtpSink::start();
    let (app, client) = setup(&sink).await;
    send(&app, &client, "e", 30, 0, 100).await;
    pass(&app).await;
    deliver_due(&app.state).await.unwrap();
    let url = unsubscribe_link(&sink.received()[0], &user_id(&app).await);
    let path = url.trim_start_matches("https://portal.test.example");

    let page = app.get(path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<form method=\"post\"><button type=\"submit\">Unsubscribe</button></form>")
    );
    assert_eq!(
        preferences(&app, &client).await["email_notifications"],
        true,
        "a GET changes nothing"
    );

    let (head, token) = path.rsplit_once('/').unwrap();
    let mut forged = token.to_owned();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    let other_user = format!("/unsubscribe/alerts/{}/{token}", uuid::Uuid::new_v4());
    let other_list = path.replace("/alerts/", "/weekly-report/");
    for bad in [format!("{head}/{forged}"), other_user, other_list, format!("{head}/!!")] {
        assert_eq!(one_click(&app, &bad).await, StatusCode::NOT_FOUND, "{bad}");
        assert_eq!(app.get(&bad).await.status, StatusCode::NOT_FOUND, "{bad}");
    }
    assert_eq!(preferences(&app, &client).await["email_notifications"], true);

    assert_eq!(one_click(&app, path).await, StatusCode::OK);
    let now = preferences(&app, &client).await;
    assert_eq!(
        (&now["email_notifications"], &now["weekly_report"]),
        (&json!(false), &json!(false))
    );
    assert_eq!(
        one_click(&app, path).await,
        StatusCode::OK,
        "again: still off, still fine"
    );
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM activity_logs WHERE action = 'preferences.update' \
             AND detail = '{\"unsubscribed\": \"alerts\", \"by\": \"mail link\"}'"
        )
        .await,
        2,
        "each one-click unsubscribe is in the account's activity log"
    );
}

/// The POST a mail client sends (RFC 8058): no cookie, no token, from its own origin.
async fn one_click(app: &TestApp, path: &str) -> StatusCode {
    let request = axum::http::Request::post(path)
        .header("host", "portal.test")
        .header("origin", "https://mail.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("List-Unsubscribe=One-Click"))
        .unwrap();
    app.send(request).await.status
}

#[tokio::test]
async fn alerts_show_on_their_owners_dashboard_and_service_page_only() {
    let sink = SmtpSink::start();
    let (app, client_a) = setup(&sink).await;
    let client_b = client(&app, "bob@example.com", "Other bot").await;
    set_preferences(&app, &client_a, json!({ "timezone": "Asia/Tokyo" })).await;
    send(&app, &client_a, "e", 30, 0, 100).await;
    pass(&app).await;
    let row = "<td>error rate<!> <span class=\"badge badge--open\">open</span></td><td class=\"num\">5.0%</td>\
               <td class=\"num\">100.0%</td>";
    for path in ["/dashboard".to_owned(), format!("/services/{}", client_a.service)] {
        let seen = page(&app, &client_a, &path).await;
        assert_eq!(seen.status, StatusCode::OK, "{path}");
        assert!(seen.body.contains(row), "{path}: {}", seen.body);
        assert!(
            seen.body.contains(">Nov 16, 19:30</time>"),
            "{path}: 10:30 UTC on Tokyo's clock"
        );
    }
    let theirs = page(&app, &client_b, "/dashboard").await;
    assert!(
        theirs
            .body
            .contains("No alerts: every service stayed within your thresholds.")
    );
    assert!(!theirs.body.contains(SERVICE));
    let foreign = page(&app, &client_b, &format!("/services/{}", client_a.service)).await;
    assert!(!foreign.body.contains("badge--open"));
}

/// A page as the client's browser gets it, with the session cookie.
async fn page(app: &TestApp, client: &Client, path: &str) -> crate::support::TestResponse {
    let cookie = format!("ragsites_session={}", client.token);
    app.get_with(path, &[("cookie", &cookie)]).await
}

#[tokio::test]
async fn minute_rollups_hold_only_the_last_two_days() {
    let sink = SmtpSink::start();
    let (app, client) = setup(&sink).await;
    let old = json!([event("old", app.now() - Duration::days(3), 100, true)]);
    assert_eq!(post_events(&app, &client.key, &old).await.status, StatusCode::ACCEPTED);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM metrics_minute").await,
        0,
        "too old to alert on"
    );
    send(&app, &client, "e", 0, 3, 100).await;
    assert_eq!(
        app.text("SELECT json_build_object('bucket', bucket, 'requests', requests)::text AS t FROM metrics_minute")
            .await,
        r#"{"bucket" : "2026-11-16T10:28:00+00:00", "requests" : 3}"#
    );
    app.advance(Duration::days(2) + Duration::minutes(1));
    pass(&app).await;
    assert_eq!(app.count("SELECT count(*) AS n FROM metrics_minute").await, 0, "pruned");
    assert_eq!(
        app.count("SELECT sum(requests)::int8 AS n FROM metrics").await,
        4,
        "the hourly rollups stay"
    );
}
