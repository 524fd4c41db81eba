//! The events table partitioned by month: retention by whole months, idempotency across months,
//! and the migration that converted an existing table in place.

use chrono::{DateTime, Datelike, Duration, DurationRound, TimeZone, Utc};
use diesel_async::SimpleAsyncConnection;
use serde_json::json;

use crate::support::TestApp;
use crate::support::services::{client, event, post_events, summary};

/// The hourly retention job: a month of raw events goes whole once it lies wholly before the
/// window; a month partly inside stays, the rollups stay, and so do the figures of the old hours.
/// An event resent after its month went is refused as too old, never stored again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_drops_whole_months_and_keeps_their_figures() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let days = app.state.config.event_retention_days;
    let start = app.now();
    let oldest = start - Duration::days(i64::from(days));
    let month_after = |at: DateTime<Utc>| {
        let first = Utc.with_ymd_and_hms(at.year(), at.month(), 1, 0, 0, 0).unwrap();
        (first + Duration::days(32)).with_day(1).unwrap()
    };
    // "old" in the oldest month still kept, "kept" in the next month, "recent" now.
    let old_at = oldest + Duration::hours(1);
    let next_month = month_after(old_at);
    let kept_at = next_month + Duration::days(3);
    let sent = json!([
        event("old", old_at, 100, true),
        event("kept", kept_at, 300, false),
        event("recent", start - Duration::hours(1), 50, true),
    ]);
    assert_eq!(post_events(&app, &c.key, &sent).await.json()["accepted"], 3);
    let hour = old_at.duration_trunc(Duration::hours(1)).unwrap();
    let old_hour = format!(
        "range=custom&from={}&to={}",
        hour.format("%Y-%m-%dT%H:%M:%SZ"),
        (hour + Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ")
    );
    let before = summary(&app, &c.token, &old_hour).await.json();
    assert_eq!(before["total_requests"], 1, "{before}");

    let drop_expired = async || {
        let mut conn = app.state.pool.get().await.unwrap();
        ragsites_portal::ingest::backend::drop_expired(&mut conn, app.now(), days)
            .await
            .unwrap()
    };
    assert_eq!(drop_expired().await, 0, "no month lies wholly before the window yet");
    // The window's start passes the end of the old month, not the end of the next.
    app.advance(next_month - oldest + Duration::hours(1));
    assert_eq!(drop_expired().await, 1);
    assert_eq!(drop_expired().await, 0, "once");
    let ids = "SELECT count(*) AS n FROM events WHERE event_id IN ('kept', 'recent')";
    assert_eq!(app.count(ids).await, 2);
    assert_eq!(app.count("SELECT count(*) AS n FROM events").await, 2);
    for rollup in ["metrics", "metrics_daily"] {
        let requests = format!("SELECT sum(requests)::int8 AS n FROM {rollup}");
        assert_eq!(app.count(&requests).await, 3, "{rollup} keeps every event");
    }
    // The session has expired by now.
    let token = crate::support::calls::login_token(&app, "a@example.com", crate::support::PASSWORD).await;
    let after = summary(&app, &token, &old_hour).await.json();
    assert_eq!(after, before, "the old hour's figures are unchanged");

    let resent = post_events(&app, &c.key, &sent).await.json();
    assert_eq!(
        (resent["accepted"].as_i64(), resent["duplicates"].as_i64()),
        (Some(0), Some(2)),
        "{resent}"
    );
    let refused = resent["rejected"].to_string();
    assert!(refused.contains("older than the retention window"), "{resent}");
    assert_eq!(app.count("SELECT count(*) AS n FROM events").await, 2);
}

/// Idempotency across month partitions: a batch spanning two months sent again counts nothing,
/// and part of it sent again with new events counts only those.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resent_event_counts_once_across_months() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let now = app.now();
    let first_of_month = Utc.with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0).unwrap();
    let batch = json!([
        event("before-midnight", first_of_month - Duration::seconds(1), 100, true),
        event("after-midnight", first_of_month, 100, true),
    ]);
    let first = post_events(&app, &c.key, &batch).await.json();
    assert_eq!(first["accepted"], 2, "{first}");
    let partitions = "SELECT count(DISTINCT tableoid) AS n FROM events";
    assert_eq!(app.count(partitions).await, 2, "one event in each month's partition");
    let again = post_events(&app, &c.key, &batch).await.json();
    assert_eq!(
        (again["accepted"].as_i64(), again["duplicates"].as_i64()),
        (Some(0), Some(2)),
        "{again}"
    );
    // Half of a batch resent with the other half new: only the new half counts.
    let mixed = json!([batch[1], event("later", first_of_month + Duration::hours(2), 100, true)]);
    let mixed = post_events(&app, &c.key, &mixed).await.json();
    assert_eq!(
        (mixed["accepted"].as_i64(), mixed["duplicates"].as_i64()),
        (Some(1), Some(1)),
        "{mixed}"
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM events").await, 3);
    let requests = "SELECT sum(requests)::int8 AS n FROM metrics";
    assert_eq!(app.count(requests).await, 3, "the rollups count each event once");
}

/// The migration converts a table of events in place: undone, the events go back to one plain
/// table; done again, every row lands in its month's partition and the end-user sets are rebuilt
/// from them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migration_converts_existing_events_in_place() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let now = app.now();
    let sent: Vec<_> = (0..40)
        .map(|i| {
            let mut e = event(&format!("e{i}"), now - Duration::days(i), 100 + i as u32, i % 5 != 0);
            e["end_user"] = json!(format!("user-{}", i % 7));
            e
        })
        .collect();
    assert_eq!(post_events(&app, &c.key, &json!(sent)).await.json()["accepted"], 40);
    let migration = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/2026-12-01-000013_ai_events");
    let run = async |file: &str| {
        let sql = std::fs::read_to_string(format!("{migration}/{file}")).unwrap();
        let mut conn = app.state.pool.get().await.unwrap();
        conn.batch_execute(&sql).await.unwrap();
    };
    let events = "SELECT count(*) AS n FROM events";
    let partitioned = "SELECT count(*) AS n FROM pg_partitioned_table WHERE partrelid = 'events'::regclass";
    let sets = "SELECT count(*) AS n FROM end_users_daily";
    let sets_before = app.count(sets).await;
    assert!(sets_before > 0);

    run("down.sql").await;
    assert_eq!(app.count(partitioned).await, 0, "undone: one plain table");
    assert_eq!(app.count(events).await, 40);
    run("up.sql").await;
    assert_eq!(app.count(partitioned).await, 1);
    assert_eq!(app.count(events).await, 40, "every event kept");
    let months = "SELECT count(DISTINCT date_trunc('month', occurred_at, 'UTC')) AS n FROM events";
    let partitions_used = "SELECT count(DISTINCT tableoid) AS n FROM events";
    assert_eq!(
        app.count(partitions_used).await,
        app.count(months).await,
        "a partition per month"
    );
    assert_eq!(
        app.count(sets).await,
        sets_before,
        "the end-user sets rebuilt from the events"
    );
    // And the converted table takes new events, and knows the old ones.
    let again = post_events(&app, &c.key, &json!([sent[3], event("new", now, 100, true)]))
        .await
        .json();
    assert_eq!(
        (again["accepted"].as_i64(), again["duplicates"].as_i64()),
        (Some(1), Some(1)),
        "{again}"
    );
}
