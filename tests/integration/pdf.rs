//! The PDF reports, read back with poppler's `pdftotext`: the same figures as the summary API
//! and the page for the same window, the annotations, the services, and nobody else's.

use std::process::Command;

use axum::http::StatusCode;
use chrono::Duration;
use ragsites_portal::ui::format::{count, millis, percent};
use serde_json::json;

use crate::support::services::{client, create_service, event, post_events, summary};
use crate::support::{TestApp, TestResponse};

/// The text of a PDF, laid out as on the page.
pub fn text_of(pdf: &TestResponse) -> String {
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.body);
    assert_eq!(pdf.header("content-type"), "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, &pdf.bytes).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by scripts/setup.sh --test)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

pub async fn report(app: &TestApp, token: &str, query: &str) -> TestResponse {
    app.get_with(
        &format!("/api/v1/analytics/report.pdf?{query}"),
        &[("authorization", &format!("Bearer {token}"))],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_has_the_summarys_figures_the_annotations_and_the_services() {
    let app = TestApp::new().await;
    let ada = client(&app, "ada@example.com", "Support bot").await;
    let sales = create_service(&app, &ada.token, "Sales agent").await;
    let events: Vec<_> = (0..37)
        .map(|i| {
            event(
                &format!("e{i}"),
                app.now() - Duration::minutes(10 + i * 20),
                100 + i as u32 * 7,
                i % 9 != 0,
            )
        })
        .collect();
    assert_eq!(
        post_events(&app, &ada.key, &json!(events)).await.status,
        StatusCode::ACCEPTED
    );
    let annotated = app
        .json(
            "POST",
            "/api/v1/annotations",
            &json!({ "text": "Prompt v42 deployed", "at": app.now() - Duration::hours(3) }),
            &[("authorization", &format!("Bearer {}", ada.key))],
        )
        .await;
    assert_eq!(annotated.status, StatusCode::CREATED, "{}", annotated.body);

    let pdf = report(&app, &ada.token, "range=24h").await;
    assert_eq!(
        pdf.header("content-disposition"),
        format!(
            "attachment; filename=\"ragsites-report-24h-{}.pdf\"",
            app.now().format("%Y%m%d")
        )
    );
    let text = text_of(&pdf);
    let figures = summary(&app, &ada.token, "range=24h").await.json();
    let total = figures["total_requests"].as_i64().unwrap();
    assert_eq!(total, 37);
    for expected in [
        "Report: All services".to_owned(),
        "Client (ada@example.com)".to_owned(),
        "Total requests".to_owned(),
        count(total),
        format!("{} errors", count(figures["errors"].as_i64().unwrap())),
        percent(figures["success_rate"].as_f64()),
        millis(figures["avg_latency_ms"].as_f64()),
        format!("p95 {}", millis(figures["p95_latency_ms"].as_f64())),
        "Prompt v42 deployed (Support bot)".to_owned(),
        "Support bot".to_owned(),
        "Sales agent".to_owned(),
        "timeout".to_owned(),
        "model-a".to_owned(),
        "Page 1 of".to_owned(),
    ] {
        assert!(text.contains(&expected), "{expected:?} in the report:\n{text}");
    }
    // The same figure words as the page for the same window.
    let page = app
        .get_with(
            "/dashboard?range=24h",
            &[("cookie", &format!("ragsites_session={}", ada.token))],
        )
        .await;
    for card in ["Total requests", "Success rate", "Avg response time", "Tokens", "Cost"] {
        let value = page
            .body
            .split(&format!(r#"data-metric="{card}""#))
            .nth(1)
            .and_then(|rest| rest.split(r#"<p class="metric__value">"#).nth(1))
            .and_then(|rest| rest.split('<').next())
            .unwrap_or_else(|| panic!("the {card} card on the page"));
        assert!(text.contains(value), "{card}: {value:?} in the report");
    }

    // A service page's report: its own cards (a chatbot's), not the other service.
    let service = report(
        &app,
        &ada.token,
        &format!("range=24h&service={}&service_page=true", ada.service),
    )
    .await;
    let text = text_of(&service);
    assert!(text.contains("Report: Support bot"));
    for card in ["Conversations", "Satisfaction", "Unique users", "Cost per conversation"] {
        assert!(text.contains(card), "{card} in the service's report");
    }
    assert!(!text.contains("Sales agent"));
    let other = report(&app, &ada.token, &format!("range=24h&service={sales}")).await;
    assert!(
        !text_of(&other).contains("Prompt v42"),
        "a service annotation stays on its service"
    );

    // The report follows the view's layout: its widgets, their titles, their order.
    let layout = json!({"version": 1, "widgets": [
        {"type": "breakdown", "title": "Where the errors are", "size": 2, "by": "errors"},
        {"type": "metric", "title": "Spend so far", "size": 1, "figure": "cost"},
        {"type": "chart", "title": "Traffic", "size": 2, "chart": "requests"},
    ]});
    let saved = app
        .json(
            "PUT",
            "/api/v1/dashboard/layout",
            &layout,
            &[("authorization", &format!("Bearer {}", ada.token))],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let laid_out = text_of(&report(&app, &ada.token, "range=24h").await);
    let at = |text: &str| {
        laid_out
            .find(text)
            .unwrap_or_else(|| panic!("{text:?} in:\n{laid_out}"))
    };
    assert!(at("Spend so far") < at("Where the errors are") && at("Where the errors are") < at("Traffic"));
    for gone in ["Total requests", "Usage by service", "Models"] {
        assert!(!laid_out.contains(gone), "{gone} is not in the layout");
    }

    // Nobody else's, and not without signing in.
    let bob = client(&app, "bob@example.com", "Bob's bot").await;
    let foreign = report(&app, &bob.token, &format!("range=24h&service={}", ada.service)).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let bobs = text_of(&report(&app, &bob.token, "range=24h").await);
    assert!(!bobs.contains("Support bot") && !bobs.contains("Prompt v42"));
    assert_eq!(
        app.get("/api/v1/analytics/report.pdf").await.status,
        StatusCode::UNAUTHORIZED
    );
    let bad = report(&app, &ada.token, "range=century").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_report_goes_on_over_pages() {
    let app = TestApp::new().await;
    let ada = client(&app, "ada@example.com", "Service 00").await;
    for i in 1..60 {
        create_service(&app, &ada.token, &format!("Service {i:02}")).await;
    }
    let text = text_of(&report(&app, &ada.token, "range=7d").await);
    let pages: usize = text
        .split("Page 1 of ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("numbered pages: {text}"));
    assert!(pages >= 3, "sixty services need pages: {pages}");
    assert!(text.contains(&format!("Page {pages} of {pages}")));
    for i in 0..60 {
        assert!(text.contains(&format!("Service {i:02}")), "service {i} listed");
    }
    // The table's heading is repeated on the page it goes on to.
    let headings = text
        .lines()
        .filter(|line| line.split_whitespace().take(3).eq(["Service", "Requests", "Errors"]))
        .count();
    assert!(headings >= 2, "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_months_statement_adds_up_the_events_of_each_service() {
    let app = TestApp::new().await;
    let ada = client(&app, "ada@example.com", "Support bot").await;
    let events: Vec<_> = (0..12)
        .map(|i| event(&format!("e{i}"), app.now() - Duration::hours(i), 100, true))
        .collect();
    assert_eq!(
        post_events(&app, &ada.key, &json!(events)).await.status,
        StatusCode::ACCEPTED
    );
    let statement = async |month: &str| {
        let path = format!("/api/v1/billing/statement.pdf?month={month}");
        app.get_with(&path, &[("authorization", &format!("Bearer {}", ada.token))])
            .await
    };
    let month = app.now().format("%Y-%m").to_string();
    let pdf = statement(&month).await;
    assert_eq!(
        pdf.header("content-disposition"),
        format!("attachment; filename=\"ragsites-statement-{month}.pdf\"")
    );
    let text = text_of(&pdf);
    assert!(
        text.contains(&format!("Statement: {}", app.now().format("%B %Y"))),
        "{text}"
    );
    // Twelve events of ten tokens in and five out, $0.001 each.
    let row = |name: &str| {
        text.lines()
            .find(|line| line.trim_start().starts_with(name))
            .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| panic!("a {name} row: {text}"))
    };
    assert_eq!(row("Support bot"), "Support bot 12 180 $0.01");
    assert_eq!(row("Total"), "Total 12 180 $0.01");

    let empty = text_of(&statement("2026-01").await);
    let total = empty
        .lines()
        .find(|line| line.trim_start().starts_with("Total"))
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "));
    assert_eq!(
        total.as_deref(),
        Some("Total 0 0 $0.00"),
        "a month without traffic: {empty}"
    );
    for bad in ["2099-01", "2026-13", "soon"] {
        assert_eq!(statement(bad).await.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let missing = app
        .get_with(
            "/api/v1/billing/statement.pdf",
            &[("authorization", &format!("Bearer {}", ada.token))],
        )
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    // Another client's statement holds none of these.
    let bob = client(&app, "bob@example.com", "Bob's bot").await;
    let theirs = app
        .get_with(
            &format!("/api/v1/billing/statement.pdf?month={month}"),
            &[("authorization", &format!("Bearer {}", bob.token))],
        )
        .await;
    let theirs = text_of(&theirs);
    assert!(
        !theirs.contains("Support bot") && theirs.contains("Client (bob@example.com)"),
        "{theirs}"
    );
}
