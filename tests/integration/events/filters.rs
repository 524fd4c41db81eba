//! Each filter narrows to exactly its events; pages cover every event once; bad filters are
//! named.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::{Value, json};

use super::{Spec, ids, list, page, send};
use crate::support::TestApp;
use crate::support::services::{client, post_events};

const fn spec(id: &'static str, minutes_ago: i64) -> Spec {
    Spec {
        id,
        minutes_ago,
        error_kind: None,
        model: "model-a",
        end_user: None,
        conversation: None,
        channel: None,
        feedback: None,
    }
}

/// Events that differ in every field the explorer filters by, from minutes to 40 days ago.
const SPECS: [Spec; 10] = [
    Spec {
        end_user: Some("ann"),
        conversation: Some("c1"),
        channel: Some("web"),
        feedback: Some(1),
        ..spec("e01", 5)
    },
    Spec {
        error_kind: Some("timeout"),
        end_user: Some("ann"),
        conversation: Some("c1"),
        channel: Some("web"),
        feedback: Some(-1),
        ..spec("e02", 30)
    },
    Spec {
        model: "model-b",
        end_user: Some("bob"),
        conversation: Some("c2"),
        channel: Some("phone"),
        feedback: Some(0),
        ..spec("e03", 90)
    },
    Spec {
        error_kind: Some("rate_limited"),
        model: "model-b",
        end_user: Some("bob"),
        channel: Some("whatsapp"),
        ..spec("e04", 60 * 20)
    },
    Spec {
        end_user: Some("ann"),
        conversation: Some("c1"),
        channel: Some("web"),
        ..spec("e05", 60 * 30)
    },
    Spec {
        error_kind: Some("timeout"),
        channel: Some("phone"),
        feedback: Some(-1),
        ..spec("e06", 60 * 24 * 3)
    },
    Spec {
        model: "model-b",
        end_user: Some("cy"),
        feedback: Some(1),
        ..spec("e07", 60 * 24 * 10)
    },
    spec("e08", 60 * 24 * 40),
    Spec {
        end_user: Some("ann"),
        conversation: Some("c3"),
        ..spec("e09", 60 * 24 * 40 + 1)
    },
    Spec {
        error_kind: Some("timeout"),
        model: "model-b",
        ..spec("e10", 60 * 24 * 60)
    },
];

/// The ids of `SPECS` that `keep` keeps, newest first.
fn expected(keep: impl Fn(&Spec) -> bool) -> Vec<String> {
    let mut specs: Vec<&Spec> = SPECS.iter().filter(|s| keep(s)).collect();
    specs.sort_by_key(|s| (s.minutes_ago, std::cmp::Reverse(s.id)));
    specs.into_iter().map(|s| s.id.to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_filter_narrows_to_exactly_its_events() {
    let app = TestApp::new().await;
    let ada = client(&app, "ada@example.com", "Explorer bot").await;
    send(&app, &ada, &SPECS).await;
    let now = app.now();
    // Days are read in the user's time zone: 2026-11-06 in Tokyo starts at 15:00 UTC the day before.
    let tokyo = crate::support::calls::put(
        &app,
        "/api/user/preferences",
        json!({ "timezone": "Asia/Tokyo" }),
        &ada.token,
    )
    .await;
    assert_eq!(tokyo.status, StatusCode::OK, "{}", tokyo.body);
    let day = |d: i64| {
        (now - Duration::days(d))
            .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap())
            .date_naive()
    };
    let in_tokyo_days = |s: &Spec, first: i64, last: i64| {
        let local = s
            .at(now)
            .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap())
            .date_naive();
        local >= day(first) && local <= day(last)
    };
    let cases: Vec<(String, Vec<String>)> = vec![
        (String::new(), expected(|_| true)),
        ("status=error".into(), expected(|s| s.error_kind.is_some())),
        ("status=success".into(), expected(|s| s.error_kind.is_none())),
        (
            "error_kind=timeout".into(),
            expected(|s| s.error_kind == Some("timeout")),
        ),
        (
            "error_kind=rate_limited".into(),
            expected(|s| s.error_kind == Some("rate_limited")),
        ),
        ("model=model-b".into(), expected(|s| s.model == "model-b")),
        ("end_user=ann".into(), expected(|s| s.end_user == Some("ann"))),
        ("end_user=nobody".into(), Vec::new()),
        ("conversation=c1".into(), expected(|s| s.conversation == Some("c1"))),
        ("channel=phone".into(), expected(|s| s.channel == Some("phone"))),
        ("feedback=1".into(), expected(|s| s.feedback == Some(1))),
        ("feedback=0".into(), expected(|s| s.feedback == Some(0))),
        ("feedback=-1".into(), expected(|s| s.feedback == Some(-1))),
        ("feedback=none".into(), expected(|s| s.feedback.is_none())),
        ("range=24h".into(), expected(|s| s.minutes_ago <= 24 * 60)),
        ("range=7d".into(), expected(|s| s.minutes_ago <= 7 * 24 * 60)),
        (
            "range=30d&from=2000-01-01".into(),
            expected(|s| s.minutes_ago <= 30 * 24 * 60),
        ),
        (
            format!("from={}&to={}", day(12), day(2)),
            expected(|s| in_tokyo_days(s, 12, 2)),
        ),
        (
            format!(
                "range=custom&from={}",
                (now - Duration::hours(21)).to_rfc3339().replace('+', "%2B")
            ),
            expected(|s| s.minutes_ago <= 21 * 60),
        ),
        (format!("to={}", day(39)), expected(|s| in_tokyo_days(s, 1000, 39))),
        // Filters together narrow together; empty ones (as a GET form sends them) are none.
        (
            "status=error&end_user=ann&model=&channel=&feedback=".into(),
            expected(|s| s.error_kind.is_some() && s.end_user == Some("ann")),
        ),
    ];
    for (query, want) in cases {
        let answer = list(&app, &ada.token, &ada.service, &query).await;
        assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
        let answer = answer.json();
        assert_eq!(ids(&answer), want, "?{query}");
        assert_eq!(answer["next_cursor"], Value::Null, "?{query}: one page");
    }
    // Rows carry every field the table shows, and local times in the user's zone.
    let first = list(&app, &ada.token, &ada.service, "conversation=c2").await.json();
    let row = &first["events"][0];
    assert_eq!(first["tz"], "Asia/Tokyo");
    assert_eq!(
        (
            &row["model"],
            &row["end_user"],
            &row["channel"],
            &row["feedback"],
            &row["tokens_in"]
        ),
        (&json!("model-b"), &json!("bob"), &json!("phone"), &json!(0), &json!(10))
    );
    let at = SPECS[2].at(now);
    let local = (at + Duration::hours(9))
        .naive_utc()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    assert_eq!(row["local_time"], json!(local));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyset_pages_return_every_event_exactly_once() {
    let app = TestApp::new().await;
    let ada = client(&app, "ada@example.com", "Busy bot").await;
    let now = app.now();
    // 131 events, most sharing one of four timestamps: the cursor must settle ties by id.
    let mut all = Vec::new();
    let mut batch = Vec::new();
    for n in 0..131 {
        let at = if n < 120 {
            now - Duration::minutes(10 * (n % 4))
        } else {
            now - Duration::hours(n)
        };
        let mut e = crate::support::services::event(&format!("ev-{n:03}"), at, 100, n % 3 != 0);
        if n % 2 == 0 {
            e["end_user"] = json!("even");
        }
        all.push((at, format!("ev-{n:03}"), n % 2 == 0));
        batch.push(e);
    }
    let sent = post_events(&app, &ada.key, &json!(batch)).await;
    assert_eq!(sent.json()["accepted"], 131, "{}", sent.body);
    all.sort_by(|a, b| (b.0, &b.1).cmp(&(a.0, &a.1)));
    for (query, keep) in [("", None), ("end_user=even&", Some(true))] {
        let want: Vec<String> = all
            .iter()
            .filter(|(_, _, even)| keep.is_none_or(|k| k == *even))
            .map(|(_, id, _)| id.clone())
            .collect();
        let mut seen = Vec::new();
        let mut cursor = String::new();
        let mut pages = 0;
        loop {
            let answer = list(&app, &ada.token, &ada.service, &format!("{query}cursor={cursor}")).await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
            let answer = answer.json();
            let page = ids(&answer);
            assert!(page.len() <= 50, "a page holds at most 50 events");
            seen.extend(page);
            pages += 1;
            match answer["next_cursor"].as_str() {
                Some(next) => cursor = next.to_owned(),
                None => break,
            }
        }
        assert_eq!(seen, want, "?{query}: every event once, newest first");
        assert_eq!(pages, want.len().div_ceil(50), "?{query}");
        let unique: BTreeSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len());
    }

    // Without JavaScript: the page's "Older events →" link leads on, "Newest" back.
    let mut path = format!("/services/{}/events", ada.service);
    let mut listed = 0;
    for n in 0..3 {
        let html = page(&app, &ada.token, &path).await;
        assert_eq!(html.status, StatusCode::OK, "{path}");
        listed += html
            .body
            .matches(&format!("href=\"/services/{}/events/ev-", ada.service))
            .count();
        assert_eq!(html.body.contains(">Newest</a>"), n > 0, "{path}");
        let older = html
            .body
            .split("rel=\"next\"")
            .next()
            .and_then(|before| before.rsplit("href=\"").next())
            .and_then(|href| href.split('"').next())
            .filter(|_| html.body.contains("rel=\"next\""))
            .map(|href| href.replace("&amp;", "&"));
        match older {
            Some(href) => path = href,
            None => {
                assert_eq!(n, 2, "three pages");
                break;
            }
        }
    }
    assert_eq!(listed, 131, "the pages list every event once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_filters_are_refused_naming_the_field() {
    let app = TestApp::new().await;
    let ada = client(&app, "ada@example.com", "Explorer bot").await;
    send(&app, &ada, &SPECS[..2]).await;
    let long = "x".repeat(129);
    let cases = [
        ("status=failed".to_owned(), "status"),
        ("feedback=2".into(), "feedback"),
        ("feedback=yes".into(), "feedback"),
        ("from=yesterday".into(), "from"),
        ("to=2026-13-01".into(), "to"),
        ("from=2026-11-10&to=2026-11-01".into(), "to"),
        ("range=1y".into(), "range"),
        ("cursor=not-a-cursor".into(), "cursor"),
        (format!("end_user={long}"), "end_user"),
        (format!("conversation={long}"), "conversation"),
        (format!("error_kind={long}"), "error_kind"),
        (format!("model={long}"), "model"),
        (format!("channel={long}"), "channel"),
    ];
    for (query, field) in &cases {
        let answer = list(&app, &ada.token, &ada.service, query).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "?{query}: {}",
            answer.body
        );
        let message = answer.json()["error"]["fields"][field]
            .as_str()
            .unwrap_or_else(|| panic!("?{query}: a message on {field}: {}", answer.body))
            .to_owned();
        assert!(message.starts_with(field), "?{query}: {message}");
    }
    // Several wrong at once: each is named.
    let both = list(&app, &ada.token, &ada.service, "status=x&feedback=x").await.json();
    assert!(both["error"]["fields"]["status"].is_string() && both["error"]["fields"]["feedback"].is_string());
    // A parameter the explorer does not have is a bad request, not silently ignored.
    let unknown = list(&app, &ada.token, &ada.service, "colour=red").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.body);
    assert!(unknown.body.contains("colour"), "{}", unknown.body);

    // The page says what is wrong in place, next to the filter, and keeps what was typed.
    let path = format!("/services/{}/events?status=error&end_user={long}", ada.service);
    let html = page(&app, &ada.token, &path).await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(
        html.body.contains("end_user must be at most 128 characters."),
        "{}",
        html.body
    );
    assert!(html.body.contains("field field--invalid"), "the field is marked");
    assert!(html.body.contains(&format!("value=\"{long}\"")), "what was typed stays");
    assert!(!html.body.contains("/events/e01"), "no events are listed");
    let cursor = page(
        &app,
        &ada.token,
        &format!("/services/{}/events?cursor=%21%21", ada.service),
    )
    .await;
    assert!(
        cursor.body.contains("cursor is not one this explorer gave"),
        "{}",
        cursor.body
    );
}
