//! What ingestion refuses beyond the keys themselves: an archived service's keys, an address
//! guessing keys (before any query), and a client past its plan's quota.

use std::time::Duration;

use axum::http::StatusCode;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;

use crate::support::services::{client, event, post_events};
use crate::support::{TestApp, database_url};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_of_an_archived_service_are_refused_like_unknown_keys() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let unknown = post_events(&app, "rsk_aaaaaaaa_00000000000000000000000000000000", &json!([])).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let archived = app
        .json(
            "PATCH",
            &format!("/api/v1/services/{}", c.service),
            &json!({ "status": "archived" }),
            &[("authorization", &format!("Bearer {}", c.token))],
        )
        .await;
    assert_eq!(archived.json()["status"], "archived", "{}", archived.body);
    let refused = post_events(&app, &c.key, &json!([event("a", app.now(), 1, true)])).await;
    assert_eq!((refused.status, &refused.body), (unknown.status, &unknown.body));
    assert_eq!(app.count("SELECT count(*) AS n FROM events").await, 0);
}

/// 20 refused keys a minute from one address; the next request from it is answered before the
/// database is asked (here: while the keys' table is locked, which would hold any lookup).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_guessing_keys_is_refused_before_any_query() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    app.set_peer("198.51.100.7");
    for n in 0..20 {
        let guess = format!("rsk_guess{n:03}_{}", "0".repeat(32));
        let answer = post_events(&app, &guess, &json!([])).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "guess {n}: {}", answer.body);
    }
    let mut locker = AsyncPgConnection::establish(&database_url(&app.db_name)).await.unwrap();
    locker.begin_test_transaction().await.unwrap();
    diesel::sql_query("LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE")
        .execute(&mut locker)
        .await
        .unwrap();
    let limited = tokio::time::timeout(
        Duration::from_secs(5),
        post_events(&app, &c.key, &json!([event("x", app.now(), 1, true)])),
    )
    .await
    .expect("answered without waiting for the locked table");
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{}", limited.body);
    assert_eq!(limited.header("retry-after"), "3");
    assert_eq!(limited.json()["error"]["code"], "rate_limited");
    drop(locker);

    app.set_peer("198.51.100.8");
    let elsewhere = post_events(&app, &c.key, &json!([event("y", app.now(), 1, true)])).await;
    assert_eq!(elsewhere.status, StatusCode::ACCEPTED, "other addresses go on");
    app.set_peer("198.51.100.7");
    app.advance(chrono::Duration::seconds(3));
    let later = post_events(&app, &c.key, &json!([event("z", app.now(), 1, true)])).await;
    assert_eq!(later.status, StatusCode::ACCEPTED, "{}", later.body);
}

/// Starter allows 100,000 requests a month. Past them, batches get 429 until the period ends,
/// and the billing page says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_quota_is_enforced_at_ingestion_until_the_period_resets() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let mut conn = app.state.pool.get().await.unwrap();
    diesel::sql_query("UPDATE users SET plan_id = (SELECT id FROM plans WHERE name = 'Starter')")
        .execute(&mut conn)
        .await
        .unwrap();
    // 99,998 requests earlier this month (the clock stands at 2026-11-16T10:30Z).
    for table in ["metrics", "metrics_daily"] {
        diesel::sql_query(format!(
            "INSERT INTO {table} (service_id, bucket, requests, errors, latency_ms_sum, tokens_in, tokens_out, \
             cost_micros, latency_hist) VALUES ('{}', '2026-11-02T00:00:00Z', 99998, 0, 0, 0, 0, 0, '{{}}')",
            c.service
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    drop(conn);
    let billing = async || {
        app.get_with(
            "/settings/billing",
            &[("cookie", &format!("ragsites_session={}", c.token))],
        )
        .await
    };
    assert!(!billing().await.body.contains("data-quota=\"used-up\""));

    let batch = json!([event("a", app.now(), 1, true), event("b", app.now(), 1, true)]);
    let under = post_events(&app, &c.key, &batch).await;
    assert_eq!(under.status, StatusCode::ACCEPTED, "{}", under.body);
    let over = post_events(&app, &c.key, &json!([event("c", app.now(), 1, true)])).await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS, "{}", over.body);
    // Until 2026-12-01T00:00Z: 14 days 13.5 hours.
    assert_eq!(
        over.header("retry-after"),
        (14 * 86_400 + 13 * 3_600 + 1_800).to_string()
    );
    assert_eq!(
        over.json(),
        json!({ "error": { "code": "quota_exceeded", "message": "The monthly request quota of your plan \
            (100000 requests) is used up: events are refused until the next billing period starts." } })
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM events").await, 2);
    let page = billing().await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(
            "Your plan&#x27;s 100,000 requests for this period are used up: new events are refused until Dec 1, 2026."
        ) || page.body.contains(
            "Your plan's 100,000 requests for this period are used up: new events are refused until Dec 1, 2026."
        ),
        "{}",
        page.body
    );

    app.advance(chrono::Duration::seconds(14 * 86_400 + 13 * 3_600 + 1_800));
    let next_period = post_events(&app, &c.key, &json!([event("d", app.now(), 1, true)])).await;
    assert_eq!(next_period.status, StatusCode::ACCEPTED, "{}", next_period.body);
}
