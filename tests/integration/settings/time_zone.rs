//! The time zone preference sets the buckets of the dashboard, the analytics API and the CSV
//! export: days start at local midnight and hours at local whole hours, in a zone whose offset
//! is not a whole number of hours.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, DurationRound, FixedOffset, NaiveTime, Utc};
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::calls::{bearer, call, put};
use crate::support::services::{client, event, post_events};

/// (start, requests) of each point of a series.
fn points(series: &Value) -> Vec<(DateTime<Utc>, i64)> {
    series["points"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| {
            let at = DateTime::parse_from_rfc3339(p["at"].as_str().unwrap())
                .unwrap()
                .to_utc();
            (at, p["requests"].as_i64().unwrap())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_time_zone_preference_sets_the_buckets_of_the_dashboard_and_the_export() {
    let app = TestApp::new().await;
    let c = client(&app, "ada@example.com", "Bot").await;
    let saved = put(
        &app,
        "/api/user/preferences",
        json!({ "timezone": "Asia/Kolkata" }),
        &c.token,
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);

    // India is at UTC+5:30 all year: today's local midnight is 18:30 UTC yesterday.
    let india = FixedOffset::east_opt(5 * 3600 + 30 * 60).unwrap();
    let midnight = app
        .now()
        .with_timezone(&india)
        .date_naive()
        .and_time(NaiveTime::MIN)
        .and_local_timezone(india)
        .unwrap()
        .to_utc();
    // Two events late yesterday and three early today, local time. Each is in the first half of
    // its UTC hour: the rollups are hourly, and a half-hour zone's hours begin mid-hour.
    let minutes = [-25, -20, 35, 40, 45];
    let events: Vec<Value> = minutes
        .iter()
        .map(|m| event(&format!("e{m}"), midnight + Duration::minutes(*m), 100, true))
        .collect();
    assert_eq!(post_events(&app, &c.key, &json!(events)).await.json()["accepted"], 5);

    // The dashboard's 7 days: eight local days, the last two holding the events.
    let days: Vec<(DateTime<Utc>, i64)> = (-7..=0)
        .map(|d| {
            let count = match d {
                -1 => 2,
                0 => 3,
                _ => 0,
            };
            (midnight + Duration::days(d), count)
        })
        .collect();
    let dashboard = call(&app, "load_dashboard", &[("query[range]", "7d")], &c.token).await;
    assert_eq!(dashboard.status, StatusCode::OK, "{}", dashboard.body);
    let series = &dashboard.json()["series"];
    assert_eq!(
        (series["bucket"].as_str(), series["tz"].as_str()),
        (Some("day"), Some("Asia/Kolkata"))
    );
    assert_eq!(points(series), days);
    let local_midnight = midnight.with_timezone(&india).naive_local();
    assert_eq!(
        series["points"][7]["local"],
        local_midnight.format("%Y-%m-%dT%H:%M:%S").to_string()
    );

    // 24 hours: local hours, which start at half past the UTC hour.
    let auth = [("authorization", bearer(&c.token))];
    let auth: Vec<(&str, &str)> = auth.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let hours = app
        .get_with("/api/v1/analytics/timeseries?range=24h", &auth)
        .await
        .json();
    assert_eq!(hours["bucket"], "hour");
    let expected: Vec<(DateTime<Utc>, i64)> = (-8..=16)
        .map(|h| {
            let count = match h {
                -1 => 2,
                0 => 3,
                _ => 0,
            };
            (midnight + Duration::hours(h), count)
        })
        .collect();
    assert_eq!(points(&hours), expected);

    // The export's day rows: each from one local midnight to the next (the last to the window's end).
    let csv = app.get_with("/api/v1/analytics/export.csv?range=7d", &auth).await;
    assert_eq!(csv.status, StatusCode::OK);
    let rows: Vec<(String, String, i64)> = csv
        .body
        .lines()
        .filter(|r| r.starts_with("day,"))
        .map(|r| {
            let cells: Vec<&str> = r.split(',').collect();
            (cells[1].to_owned(), cells[2].to_owned(), cells[4].parse().unwrap())
        })
        .collect();
    let end_of_window = app.now().duration_trunc(Duration::hours(1)).unwrap() + Duration::hours(1);
    let text = |at: DateTime<Utc>| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let expected: Vec<(String, String, i64)> = days
        .iter()
        .map(|(start, count)| {
            let end = (*start + Duration::days(1)).min(end_of_window);
            (text(*start), text(end), *count)
        })
        .collect();
    assert_eq!(rows, expected);
}
