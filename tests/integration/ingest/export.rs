//! The CSV export: its totals equal the summary's, and it stays with its owner.

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::services::{client, event, post_events, summary};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_export_matches_the_summary_and_stays_with_its_owner() {
    let app = TestApp::new().await;
    let a = client(&app, "a@example.com", "=HYPERLINK(\"x\"), bot").await;
    let b = client(&app, "b@example.com", "B bot").await;
    let now = app.now();
    let events: Vec<Value> = (0..40)
        .map(|i| {
            event(
                &format!("e{i}"),
                now - Duration::minutes(i * 30),
                100 + i as u32,
                i % 5 != 0,
            )
        })
        .collect();
    assert_eq!(post_events(&app, &a.key, &json!(events)).await.json()["accepted"], 40);
    let auth = [("authorization", format!("Bearer {}", a.token))];
    let auth: Vec<(&str, &str)> = auth.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let csv = app.get_with("/api/v1/analytics/export.csv?range=24h", &auth).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(
        csv.header("content-disposition")
            .starts_with("attachment; filename=\"ragsites-24h-")
    );
    let summary = summary(&app, &a.token, "range=24h").await.json();
    let rows: Vec<&str> = csv.body.lines().collect();
    assert!(rows[0].starts_with("section,start,end,service,requests,errors,success_rate"));
    // Read from the right: only the service name (left of them) may hold a comma.
    let (requests, errors) = (7, 6);
    let column = |row: &str, from_right: usize| row.rsplit(',').nth(from_right).unwrap().to_owned();
    let total = rows.iter().find(|r| r.starts_with("total,")).unwrap();
    assert_eq!(column(total, requests), summary["total_requests"].to_string());
    assert_eq!(column(total, errors), summary["errors"].to_string());
    let hours: i64 = rows
        .iter()
        .filter(|r| r.starts_with("hour,"))
        .map(|r| column(r, requests).parse::<i64>().unwrap())
        .sum();
    assert_eq!(
        hours,
        summary["total_requests"].as_i64().unwrap(),
        "the hours add up to the total"
    );
    assert_eq!(rows.iter().filter(|r| r.starts_with("hour,")).count(), 24);
    let service_row = rows.iter().find(|r| r.starts_with("service,")).unwrap();
    assert!(
        service_row.contains(",\"'=HYPERLINK(\"\"x\"\"), bot\","),
        "quoted, and not a formula: {service_row}"
    );

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
