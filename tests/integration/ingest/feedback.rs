//! `POST /api/v1/feedback`: a rating arriving after its event; the last one wins and the rollups
//! count each rated event once.

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::json;

use crate::support::TestApp;
use crate::support::services::{client, event, post_events, post_feedback};

/// The hourly and daily rollups' ratings as `rated/positive/negative`, and the raw events' own.
async fn ratings(app: &TestApp) -> (String, String, String) {
    let sums = |table: &str| {
        format!(
            "SELECT coalesce(sum(rated), 0) || '/' || coalesce(sum(positive), 0) || '/' || coalesce(sum(negative), 0) \
             AS t FROM {table}"
        )
    };
    let raw = "SELECT count(feedback) || '/' || count(*) FILTER (WHERE feedback = 1) || '/' || \
               count(*) FILTER (WHERE feedback = -1) AS t FROM events";
    (
        app.text(&sums("metrics")).await,
        app.text(&sums("metrics_daily")).await,
        app.text(raw).await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_rating_wins_and_counts_once() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let now = app.now();
    let mut rated_at_ingest = event("rated", now - Duration::hours(30), 100, true);
    rated_at_ingest["feedback"] = json!(1);
    let sent = json!([event("answer", now - Duration::hours(2), 100, true), rated_at_ingest]);
    assert_eq!(post_events(&app, &c.key, &sent).await.json()["accepted"], 2);
    assert_eq!(ratings(&app).await, ("1/1/0".into(), "1/1/0".into(), "1/1/0".into()));

    let rate = |id: &str, feedback: i64| json!({ "event_id": id, "feedback": feedback });
    let answer = post_feedback(&app, &c.key, &rate("answer", 1)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        answer.json(),
        json!({ "event_id": "answer", "feedback": 1, "comment": null })
    );
    assert_eq!(ratings(&app).await, ("2/2/0".into(), "2/2/0".into(), "2/2/0".into()));
    // The same rating again changes nothing; a new one replaces it.
    post_feedback(&app, &c.key, &rate("answer", 1)).await;
    assert_eq!(ratings(&app).await.0, "2/2/0");
    let comment = json!({ "event_id": "answer", "feedback": -1, "comment": "Wrong opening hours.\nTwice." });
    assert_eq!(post_feedback(&app, &c.key, &comment).await.status, StatusCode::OK);
    assert_eq!(ratings(&app).await, ("2/1/1".into(), "2/1/1".into(), "2/1/1".into()));
    let stored = "SELECT feedback_comment AS t FROM events WHERE event_id = 'answer'";
    assert_eq!(app.text(stored).await, "Wrong opening hours.\nTwice.");
    // An event rated when ingested, rated again later: still one rated event.
    post_feedback(&app, &c.key, &rate("rated", 0)).await;
    assert_eq!(ratings(&app).await, ("2/0/1".into(), "2/0/1".into(), "2/0/1".into()));
    let minute = "SELECT coalesce(sum(rated), 0) || '/' || coalesce(sum(negative), 0) AS t FROM metrics_minute";
    assert_eq!(
        app.text(minute).await,
        "2/1",
        "the minute rollups of the last two days move too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_ratings_of_one_event_count_it_once() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let sent = json!([event("answer", app.now() - Duration::hours(1), 100, true)]);
    post_events(&app, &c.key, &sent).await;
    let ratings_sent = (0..12).map(|i| {
        let feedback = [1, -1, 0][i % 3];
        let rating = json!({ "event_id": "answer", "feedback": feedback });
        let (app, key) = (&app, &c.key);
        async move { post_feedback(app, key, &rating).await.status }
    });
    for status in futures_util::future::join_all(ratings_sent).await {
        assert_eq!(status, StatusCode::OK);
    }
    let (hourly, daily, raw) = ratings(&app).await;
    assert_eq!(hourly, raw, "the hour holds the last rating, once");
    assert_eq!(daily, raw);
    assert!(raw.starts_with("1/"), "{raw}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_services_event_and_bad_ratings_are_refused() {
    let app = TestApp::new().await;
    let a = client(&app, "a@example.com", "Bot A").await;
    let b = client(&app, "b@example.com", "Bot B").await;
    let sent = json!([event("answer", app.now() - Duration::hours(1), 100, true)]);
    post_events(&app, &a.key, &sent).await;

    let unknown = post_feedback(&app, &a.key, &json!({ "event_id": "nope", "feedback": 1 })).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let foreign = post_feedback(&app, &b.key, &json!({ "event_id": "answer", "feedback": -1 })).await;
    assert_eq!(
        (foreign.status, foreign.body.clone()),
        (unknown.status, unknown.body.clone())
    );
    let no_key = post_feedback(&app, "rsk_nope_nope", &json!({ "event_id": "answer", "feedback": 1 })).await;
    assert_eq!(no_key.status, StatusCode::UNAUTHORIZED);

    let refused = [
        (
            json!({ "event_id": "answer", "feedback": 2 }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "feedback must be -1, 0 or 1",
        ),
        (
            json!({ "event_id": "", "feedback": 1 }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "event_id must be",
        ),
        (
            json!({ "event_id": "answer", "feedback": 1, "comment": "x".repeat(1001) }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "comment must be at most 1000 characters",
        ),
        (
            json!({ "event_id": "answer", "feedback": 1, "comment": "a\u{7}b" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "control characters",
        ),
        (
            json!({ "event_id": "answer" }),
            StatusCode::BAD_REQUEST,
            "missing field `feedback`",
        ),
        (
            json!({ "event_id": "answer", "feedback": 1, "stars": 5 }),
            StatusCode::BAD_REQUEST,
            "unknown field `stars`",
        ),
        (
            json!({ "event_id": "answer", "feedback": "1" }),
            StatusCode::BAD_REQUEST,
            "invalid type",
        ),
    ];
    for (rating, status, message) in refused {
        let answer = post_feedback(&app, &a.key, &rating).await;
        assert_eq!(answer.status, status, "{rating}: {}", answer.body);
        assert!(answer.body.contains(message), "{rating}: {}", answer.body);
    }
    assert_eq!(
        app.count("SELECT count(feedback) AS n FROM events").await,
        0,
        "nothing rated"
    );
    assert_eq!(app.count("SELECT sum(rated)::int8 AS n FROM metrics").await, 0);
}
