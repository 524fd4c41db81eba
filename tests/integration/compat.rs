//! The original contract's analytics API (`/api/analytics/*`, `/api/services/{id}/metrics`)
//! answers the v1 API's figures for the same window, in the original's names and units.

use axum::http::StatusCode;
use chrono::{FixedOffset, NaiveDate, TimeDelta};
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::calls::{bearer, put};
use crate::support::openapi::Document;
use crate::support::services::{client, create_key, create_service, event, post_events};

/// The JSON of a GET answered 200 and as the document says.
async fn fetch(app: &TestApp, document: &Document, template: &str, path: &str, token: &str) -> Value {
    let answer = app.get_with(path, &[("authorization", &bearer(token))]).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
    document.assert_answer("GET", template, &answer);
    answer.json()
}

/// Successes in percent, as the test computes it from what it sent.
fn percent(successes: i64, requests: i64) -> f64 {
    successes as f64 * 100.0 / requests as f64
}

/// v1's 0-to-1 success rate, in percent (the same figure, rounded differently).
fn assert_same_rate(compat: &Value, v1: &Value, what: &str) {
    let (compat, v1) = (compat.as_f64().expect("a rate"), v1.as_f64().expect("a rate"));
    assert!((compat - v1 * 100.0).abs() < 1e-9, "{what}: {compat} % vs {v1}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compat_figures_equal_the_v1_figures_of_the_same_window() {
    let app = TestApp::new().await;
    let document = Document::served(&app).await;
    let alpha = client(&app, "alpha@example.com", "Alpha bot").await;
    let beta = create_service(&app, &alpha.token, "Beta site").await;
    let beta_key = create_key(&app, &alpha.token, &beta).await;
    let now = app.now();
    let (hour, day) = (TimeDelta::hours(1), TimeDelta::days(1));
    let alpha_events = json!([
        event("a1", now - TimeDelta::minutes(10), 100, true),
        event("a2", now - TimeDelta::minutes(20), 300, false),
        event("a3", now - hour, 200, true),
        event("a4", now - day * 2, 400, true),
        event("a5", now - day * 2 - hour, 600, true),
    ]);
    let beta_events = json!([
        event("b1", now - day * 3, 1000, false),
        event("b2", now - day * 3, 500, true)
    ]);
    for (key, events) in [(&alpha.key, &alpha_events), (&beta_key, &beta_events)] {
        assert_eq!(post_events(&app, key, events).await.status, StatusCode::ACCEPTED);
    }
    let token = &alpha.token;

    let metrics = fetch(
        &app,
        &document,
        "/api/analytics/metrics",
        "/api/analytics/metrics",
        token,
    )
    .await;
    let summary = fetch(
        &app,
        &document,
        "/api/v1/analytics/summary",
        "/api/v1/analytics/summary",
        token,
    )
    .await;
    assert_eq!(
        metrics,
        json!({ "totalRequests": 7, "activeServices": 2, "avgResponseTime": 3100.0 / 7.0, "successRate": percent(5, 7) })
    );
    assert_eq!(metrics["totalRequests"], summary["total_requests"]);
    assert_eq!(metrics["activeServices"], summary["active_services"]);
    assert_eq!(metrics["avgResponseTime"], summary["avg_latency_ms"]);
    assert_same_rate(&metrics["successRate"], &summary["success_rate"], "metrics");

    // The last 7 days of UTC (the user's zone until set), today included.
    let today = now.date_naive();
    let first = today - TimeDelta::days(6);
    let activity = fetch(
        &app,
        &document,
        "/api/analytics/activity",
        "/api/analytics/activity?days=7",
        token,
    )
    .await;
    let series = fetch(
        &app,
        &document,
        "/api/v1/analytics/timeseries",
        &format!("/api/v1/analytics/timeseries?range=custom&from={first}&to={today}"),
        token,
    )
    .await;
    let per_day = |value: &Value, day: &str, requests: &str| -> Vec<(String, i64)> {
        let items = value.as_array().expect("an array");
        items
            .iter()
            .map(|item| {
                (
                    item[day].as_str().expect("a day")[..10].to_owned(),
                    item[requests].as_i64().expect("requests"),
                )
            })
            .collect()
    };
    let expected: Vec<(String, i64)> = [0, 0, 0, 2, 2, 0, 3]
        .into_iter()
        .enumerate()
        .map(|(i, requests)| ((first + TimeDelta::days(i as i64)).to_string(), requests))
        .collect();
    assert_eq!(per_day(&activity, "day", "requests"), expected);
    assert_eq!(per_day(&series["points"], "local", "requests"), expected);

    let usage = fetch(
        &app,
        &document,
        "/api/analytics/service-usage",
        "/api/analytics/service-usage",
        token,
    )
    .await;
    let breakdown = fetch(
        &app,
        &document,
        "/api/v1/analytics/breakdown",
        "/api/v1/analytics/breakdown",
        token,
    )
    .await;
    let (usage, services) = (
        usage.as_array().expect("usage"),
        breakdown["services"].as_array().expect("services"),
    );
    assert_eq!(usage.len(), 2);
    assert_eq!(services.len(), 2);
    for (compat, v1) in usage.iter().zip(services) {
        for (ours, theirs) in [
            ("serviceId", "service_id"),
            ("name", "name"),
            ("kind", "kind"),
            ("status", "status"),
            ("requests", "requests"),
            ("errors", "errors"),
            ("avgResponseTime", "avg_latency_ms"),
            ("tokens", "tokens"),
            ("costUsd", "cost_usd"),
        ] {
            assert_eq!(compat[ours], v1[theirs], "service-usage {ours} of {}", v1["name"]);
        }
        assert_same_rate(&compat["successRate"], &v1["success_rate"], "service-usage");
    }
    assert_eq!(
        (
            &usage[0]["name"],
            &usage[0]["successRate"],
            &usage[1]["name"],
            &usage[1]["successRate"]
        ),
        (
            &json!("Alpha bot"),
            &json!(percent(4, 5)),
            &json!("Beta site"),
            &json!(percent(1, 2))
        )
    );

    let service = &alpha.service;
    let figures = fetch(
        &app,
        &document,
        "/api/services/{id}/metrics",
        &format!("/api/services/{service}/metrics?range=30d"),
        token,
    )
    .await;
    let summary = fetch(
        &app,
        &document,
        "/api/v1/analytics/summary",
        &format!("/api/v1/analytics/summary?range=30d&service={service}"),
        token,
    )
    .await;
    for (ours, theirs) in [
        ("totalRequests", "total_requests"),
        ("errors", "errors"),
        ("avgResponseTime", "avg_latency_ms"),
        ("p95ResponseTime", "p95_latency_ms"),
        ("costUsd", "cost_usd"),
    ] {
        assert_eq!(figures[ours], summary[theirs], "service metrics {ours}");
    }
    assert_same_rate(&figures["successRate"], &summary["success_rate"], "service metrics");
    let tokens =
        summary["tokens_in"].as_i64().expect("tokens in") + summary["tokens_out"].as_i64().expect("tokens out");
    assert_eq!(
        (&figures["serviceId"], &figures["name"], &figures["kind"]),
        (&json!(service), &json!("Alpha bot"), &json!("chatbot"))
    );
    assert_eq!(
        (
            figures["totalRequests"].as_i64(),
            figures["tokens"].as_i64(),
            figures["successRate"].as_f64()
        ),
        (Some(5), Some(tokens), Some(percent(4, 5)))
    );
    assert_eq!(tokens, 5 * 15);
    assert_eq!(
        figures["timestamp"]
            .as_str()
            .map(|t| t.parse::<chrono::DateTime<chrono::Utc>>().ok()),
        Some(Some(now))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_counts_the_days_of_the_users_time_zone() {
    let app = TestApp::new().await;
    let document = Document::served(&app).await;
    let alpha = client(&app, "alpha@example.com", "Alpha bot").await;
    let saved = put(
        &app,
        "/api/user/preferences",
        json!({ "timezone": "America/New_York" }),
        &alpha.token,
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    // New York is 5 hours behind UTC in November: 8 hours ago was yesterday there.
    let now = app.now();
    let events = json!([
        event("late", now - TimeDelta::hours(8), 100, true),
        event("now", now, 100, true)
    ]);
    assert_eq!(
        post_events(&app, &alpha.key, &events).await.status,
        StatusCode::ACCEPTED
    );
    let new_york = FixedOffset::west_opt(5 * 3600).expect("an offset");
    let today = now.with_timezone(&new_york).date_naive();
    assert_eq!(
        (now - TimeDelta::hours(8)).with_timezone(&new_york).date_naive(),
        today.pred_opt().unwrap()
    );
    let day = |d: NaiveDate| d.to_string();
    let activity = fetch(
        &app,
        &document,
        "/api/analytics/activity",
        "/api/analytics/activity?days=2",
        &alpha.token,
    )
    .await;
    assert_eq!(
        activity,
        json!([{ "day": day(today.pred_opt().unwrap()), "requests": 1 }, { "day": day(today), "requests": 1 }])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_days_must_be_a_whole_number_from_1_to_365() {
    let app = TestApp::new().await;
    let alpha = client(&app, "alpha@example.com", "Alpha bot").await;
    let auth = bearer(&alpha.token);
    for days in ["0", "366", "-1", "abc", "1.5", ""] {
        let answer = app
            .get_with(
                &format!("/api/analytics/activity?days={days}"),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "days={days}: {}", answer.body);
        assert_eq!(
            answer.json(),
            json!({ "error": { "code": "bad_request", "message": "days must be a whole number from 1 to 365." } })
        );
    }
    let today = app.now().date_naive();
    for (query, days) in [("?days=365", 365), ("?days=1", 1), ("", 7)] {
        let answer = app
            .get_with(&format!("/api/analytics/activity{query}"), &[("authorization", &auth)])
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
        let entries = answer.json();
        let entries = entries.as_array().expect("entries");
        assert_eq!(entries.len(), days, "{query}");
        let first = (today - TimeDelta::days(days as i64 - 1)).to_string();
        assert_eq!(
            (&entries[0]["day"], &entries[days - 1]["day"]),
            (&json!(first), &json!(today.to_string()))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compat_routes_need_a_session() {
    let app = TestApp::new().await;
    let service = uuid::Uuid::new_v4();
    for path in [
        "/api/analytics/metrics".to_owned(),
        "/api/analytics/activity".to_owned(),
        "/api/analytics/service-usage".to_owned(),
        format!("/api/services/{service}/metrics"),
    ] {
        let answer = app.get(&path).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}: {}", answer.body);
        assert_eq!(answer.json()["error"]["code"], "unauthorized");
    }
}
