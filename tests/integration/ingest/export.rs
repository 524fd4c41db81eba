//! The CSV export: its totals equal the summary's, and it stays with its owner.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::services::{client, event, post_events, summary};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_export_matches_the_summary_and_stays_with_its_owner() {
    let app = TestApp::new().await;
    let a = client(&app, "a@example.com", "=HYPERLINK(\"x\"), bot").await;
    let b = client(&app, "b@example.com", "B bot").await;
    let now = app.now();
    // Two events every half hour back from now, one in five an error.
    let sent: Vec<(DateTime<Utc>, bool)> = (0..40).map(|i| (now - Duration::minutes(i * 30), i % 5 != 0)).collect();
    let events: Vec<Value> = sent
        .iter()
        .enumerate()
        .map(|(i, &(at, ok))| {
            let mut e = event(&format!("e{i}"), at, 100 + i as u32, ok);
            if i % 4 == 0 {
                e["conversation_id"] = json!(format!("c{}", i % 3));
                e["end_user"] = json!(format!("u{}", i % 5));
                e["feedback"] = json!(if i % 8 == 0 { 1 } else { -1 });
                e["duration_ms"] = json!(90_000);
            }
            e
        })
        .collect();
    assert_eq!(post_events(&app, &a.key, &json!(events)).await.json()["accepted"], 40);
    let auth = [("authorization", format!("Bearer {}", a.token))];
    let auth: Vec<(&str, &str)> = auth.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let csv = app.get_with("/api/v1/analytics/export.csv?range=24h", &auth).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.header("content-type"), "text/csv; charset=utf-8");
    // The window is the 24 whole hours up to the end of the current one.
    let hour = |at: DateTime<Utc>| at.duration_trunc(Duration::hours(1)).unwrap();
    let to = hour(now) + Duration::hours(1);
    assert_eq!(
        csv.header("content-disposition"),
        format!("attachment; filename=\"ragsites-24h-{}.csv\"", to.format("%Y%m%d"))
    );
    let summary = summary(&app, &a.token, "range=24h").await.json();
    let rows: Vec<&str> = csv.body.lines().collect();
    assert!(rows[0].starts_with("section,start,end,service,requests,errors,success_rate"));
    // Read from the right, past the annotation column (empty on figure rows): only the service
    // name (left of them) may hold a comma.
    let (requests, errors) = (12, 11);
    let column = |row: &str, from_right: usize| row.rsplit(',').nth(from_right + 1).unwrap().to_owned();
    let errors_sent = sent.iter().filter(|(_, ok)| !ok).count();
    assert_eq!(errors_sent, 8);
    let total = rows.iter().find(|r| r.starts_with("total,")).unwrap();
    assert_eq!(column(total, requests), "40");
    assert_eq!(column(total, errors), errors_sent.to_string());
    assert_eq!(summary["total_requests"], 40);
    assert_eq!(summary["errors"], errors_sent);
    // The period's conversations, end users, ratings and call time, as the summary has them.
    let ai: Vec<String> = (0..5).rev().map(|i| column(total, i)).collect();
    let satisfaction = summary["satisfaction"].as_f64().unwrap();
    assert_eq!(
        ai,
        [
            summary["conversations"].to_string(),
            summary["unique_end_users"].to_string(),
            summary["rated"].to_string(),
            format!("{satisfaction:.4}"),
            format!("{:.2}", summary["call_minutes"].as_f64().unwrap()),
        ]
    );
    assert_eq!(
        ai,
        ["3", "5", "10", "0.5000", "15.00"],
        "ten events of three conversations, five users"
    );
    // Each hour's row: its start, its end, and the events sent in it.
    let time = |at: DateTime<Utc>| at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let expected: Vec<String> = (0..24)
        .map(|h| {
            let start = to - Duration::hours(24 - h);
            let in_hour: Vec<bool> = sent
                .iter()
                .filter(|(at, _)| hour(*at) == start)
                .map(|(_, ok)| *ok)
                .collect();
            let failed = in_hour.iter().filter(|ok| !**ok).count();
            format!(
                "{},{},{},{}",
                time(start),
                time(start + Duration::hours(1)),
                in_hour.len(),
                failed
            )
        })
        .collect();
    let hours: Vec<String> = rows
        .iter()
        .filter(|r| r.starts_with("hour,"))
        .map(|r| {
            let fields: Vec<&str> = r.split(',').collect();
            format!(
                "{},{},{},{}",
                fields[1],
                fields[2],
                column(r, requests),
                column(r, errors)
            )
        })
        .collect();
    assert_eq!(hours, expected, "every hour of the window, with its own events");
    let service_row = rows.iter().find(|r| r.starts_with("service,")).unwrap();
    assert!(
        service_row.contains(",\"'=HYPERLINK(\"\"x\"\"), bot\","),
        "quoted, and not a formula: {service_row}"
    );
    // Latencies 100 to 139 ms; each event has 10 tokens in and 5 out, and costs $0.001.
    let average = (0..40).map(|i| 100.0 + f64::from(i)).sum::<f64>() / 40.0;
    let figures = format!(",40,{errors_sent},0.8000,{average:.4},,,600,0.040000,,,,,,");
    assert!(service_row.ends_with(&figures), "{service_row}");

    let theirs = app
        .get_with(
            &format!("/api/v1/analytics/export.csv?range=24h&service={}", a.service),
            &[("authorization", &format!("Bearer {}", b.token))],
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/api/v1/analytics/export.csv").await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// A spreadsheet may split lines on `;`, a tab or `|` and ignore the quotes: no piece of the
/// file may start a formula whatever it splits on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_export_defuses_formulas_whatever_the_separator() {
    let app = TestApp::new().await;
    let a = client(&app, "a@example.com", "x;=HYPERLINK(\"http://evil\")|@SUM(1)").await;
    post_events(&app, &a.key, &json!([event("e", app.now(), 100, true)])).await;
    let csv = app
        .get_with(
            &format!("/api/v1/analytics/export.csv?range=24h&service={}", a.service),
            &[("authorization", &format!("Bearer {}", a.token))],
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert!(csv.body.contains("x;'=HYPERLINK"), "{}", csv.body);
    for piece in csv.body.split([',', ';', '\t', '|', '\r', '\n']) {
        let piece = piece.trim_start_matches('"');
        assert!(!piece.starts_with(['=', '+', '-', '@']), "{piece:?} in {}", csv.body);
    }
}
