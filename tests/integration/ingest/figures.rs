//! Rollups and figures: the rollups equal the raw events, the summary and its percentiles,
//! local days.

use axum::http::StatusCode;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::services::{client, event, post_events, summary};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollups_equal_the_raw_events_over_random_batches() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let now = app.now();
    // What must be stored: each id once, at the time it is always sent with.
    let mut stored: HashMap<String, DateTime<Utc>> = HashMap::new();
    for seed in 0..4u64 {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let batch: Vec<Value> = (0..rng.random_range(1..300))
            .map(|_| {
                // Ids repeat across batches on purpose: resends (the same event, the same id at
                // the same time) must not count twice.
                let id = format!("id-{}", rng.random_range(0..600));
                let at = *stored
                    .entry(id.clone())
                    .or_insert(now - Duration::minutes(rng.random_range(0..(60 * 72))));
                let mut e = event(&id, at, rng.random_range(0..5000), rng.random_bool(0.9));
                // Some events name no model; failed ones have one of two kinds, or none.
                e["model"] = json!([Some("a"), Some("b"), Some("c"), None][rng.random_range(0..4)]);
                e["tokens_in"] = json!(rng.random_range(0..2000));
                e["tokens_out"] = json!(rng.random_range(0..2000));
                e["cost_usd"] = json!(rng.random_range(0..10_000) as f64 / 1_000_000.0);
                if e["status"] == "error" {
                    e["error_kind"] = json!([Some("timeout"), Some("rate_limit"), None][rng.random_range(0..3)]);
                }
                e
            })
            .collect();
        assert_eq!(
            post_events(&app, &c.key, &json!(batch)).await.status,
            StatusCode::ACCEPTED
        );
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM events").await,
        stored.len() as i64,
        "each id once"
    );
    let mismatches = app
        .count(
            "SELECT count(*) AS n FROM ( \
               SELECT service_id, date_trunc('hour', occurred_at) AS bucket, count(*) AS requests, \
                      count(*) FILTER (WHERE NOT success) AS errors, sum(latency_ms) AS latency, \
                      sum(tokens_in) AS tin, sum(tokens_out) AS tout, sum(cost_micros) AS cost \
               FROM events GROUP BY 1, 2 \
             ) raw FULL JOIN metrics m USING (service_id, bucket) \
             WHERE raw.requests IS DISTINCT FROM m.requests OR raw.errors IS DISTINCT FROM m.errors \
                OR raw.latency IS DISTINCT FROM m.latency_ms_sum OR raw.tin IS DISTINCT FROM m.tokens_in \
                OR raw.tout IS DISTINCT FROM m.tokens_out OR raw.cost IS DISTINCT FROM m.cost_micros \
                OR raw.requests IS DISTINCT FROM (SELECT sum(x) FROM unnest(m.latency_hist) x)",
        )
        .await;
    assert_eq!(
        mismatches, 0,
        "every hourly rollup equals the aggregate of its raw events"
    );
    let by_model = app
        .count(
            "SELECT count(*) AS n FROM ( \
               SELECT service_id, date_trunc('hour', occurred_at) AS bucket, model, count(*) AS requests, \
                      count(*) FILTER (WHERE NOT success) AS errors, sum(tokens_in) AS tin, \
                      sum(tokens_out) AS tout, sum(cost_micros) AS cost \
               FROM events WHERE model IS NOT NULL GROUP BY 1, 2, 3 \
             ) raw FULL JOIN metrics_by_model m USING (service_id, bucket, model) \
             WHERE raw.requests IS DISTINCT FROM m.requests OR raw.errors IS DISTINCT FROM m.errors \
                OR raw.tin IS DISTINCT FROM m.tokens_in OR raw.tout IS DISTINCT FROM m.tokens_out \
                OR raw.cost IS DISTINCT FROM m.cost_micros",
        )
        .await;
    assert_eq!(by_model, 0, "and so does every per-model rollup, in every column");
    let by_error = app
        .count(
            "SELECT count(*) AS n FROM ( \
               SELECT service_id, date_trunc('hour', occurred_at) AS bucket, error_kind, count(*) AS errors \
               FROM events WHERE NOT success GROUP BY 1, 2, 3 \
             ) raw FULL JOIN metrics_by_error m USING (service_id, bucket, error_kind) \
             WHERE raw.errors IS DISTINCT FROM m.errors",
        )
        .await;
    assert_eq!(by_error, 0, "and every per-error-kind rollup");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM events WHERE NOT success AND error_kind IS NULL")
            .await,
        0,
        "a failure without a kind is stored as \"unknown\""
    );
    let days = app
        .count(
            "SELECT count(*) AS n FROM ( \
               SELECT service_id, date_trunc('day', bucket, 'UTC') AS bucket, sum(requests) AS requests, sum(errors) AS errors, \
                      sum(latency_ms_sum) AS latency, sum(tokens_out) AS tout, sum(cost_micros) AS cost \
               FROM metrics GROUP BY 1, 2 \
             ) h FULL JOIN metrics_daily d USING (service_id, bucket) \
             WHERE h.requests IS DISTINCT FROM d.requests OR h.errors IS DISTINCT FROM d.errors \
                OR h.latency IS DISTINCT FROM d.latency_ms_sum OR h.tout IS DISTINCT FROM d.tokens_out \
                OR h.cost IS DISTINCT FROM d.cost_micros",
        )
        .await;
    // The histograms bucket by bucket (a bucket missing from one side counts as 0).
    let histogram_buckets = app
        .count(
            "WITH h AS ( \
               SELECT service_id, date_trunc('day', bucket, 'UTC') AS bucket, i, sum(x) AS n \
               FROM metrics, unnest(latency_hist) WITH ORDINALITY AS u(x, i) GROUP BY 1, 2, 3 \
             ), d AS ( \
               SELECT service_id, bucket, i, x AS n FROM metrics_daily, unnest(latency_hist) WITH ORDINALITY AS u(x, i) \
             ) \
             SELECT count(*) AS n FROM h FULL JOIN d USING (service_id, bucket, i) \
             WHERE coalesce(h.n, 0) <> coalesce(d.n, 0)",
        )
        .await;
    assert_eq!(
        histogram_buckets, 0,
        "every daily histogram equals the sum of its hours'"
    );
    assert_eq!(days, 0, "every daily rollup equals its hours, histogram included");
    let days_sent: HashSet<_> = stored.values().map(|at| at.date_naive()).collect();
    assert_eq!(
        app.count("SELECT count(*) AS n FROM metrics_daily").await,
        days_sent.len() as i64,
        "a daily rollup for each UTC day of the events"
    );

    // Windows that start and end inside days read whole days from the daily rollups and the
    // edges from the hourly ones: their totals still equal the raw events'.
    let bearer = format!("Bearer {}", c.token);
    for (from_hours, to_hours) in [(80, 0), (61, 13), (30, 2), (5, 1)] {
        let hour = |h: i64| {
            let t = now - Duration::hours(h);
            Utc.timestamp_opt(t.timestamp() - t.timestamp() % 3600, 0).unwrap()
        };
        let (from, to) = (hour(from_hours), hour(to_hours));
        let url = format!(
            "/api/v1/analytics/summary?range=custom&from={}&to={}",
            from.format("%Y-%m-%dT%H:%M:%SZ"),
            to.format("%Y-%m-%dT%H:%M:%SZ")
        );
        let summary = app.get_with(&url, &[("authorization", &bearer)]).await.json();
        let raw = app
            .count(&format!(
                "SELECT count(*) AS n FROM events WHERE occurred_at >= '{}' AND occurred_at < '{}'",
                from.to_rfc3339(),
                to.to_rfc3339()
            ))
            .await;
        assert_eq!(summary["total_requests"], raw, "{from} to {to}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn summary_compares_with_the_previous_period_and_percentiles_are_close() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let to = app.now() - Duration::hours(1);
    let to = Utc.timestamp_opt(to.timestamp() - to.timestamp() % 3600, 0).unwrap();
    let from = to - Duration::hours(10);
    let mut latencies = Vec::new();
    let mut current = Vec::new();
    for i in 0..400u32 {
        let latency = 20 + (i * 37) % 900;
        latencies.push(latency);
        current.push(event(
            &format!("c{i}"),
            from + Duration::minutes(i64::from(i)),
            latency,
            i % 10 != 0,
        ));
    }
    let previous: Vec<Value> = (0..100)
        .map(|i| event(&format!("p{i}"), from - Duration::minutes(i + 1), 100, true))
        .collect();
    post_events(&app, &c.key, &json!(current)).await;
    post_events(&app, &c.key, &json!(previous)).await;

    let query = format!(
        "range=custom&from={}&to={}",
        from.to_rfc3339().replace('+', "%2B"),
        to.to_rfc3339().replace('+', "%2B")
    );
    let figures = summary(&app, &c.token, &query).await.json();
    assert_eq!(figures["total_requests"], 400, "{figures}");
    assert_eq!(figures["previous"]["total_requests"], 100);
    assert_eq!(figures["success_rate"], 0.9);
    assert_eq!(figures["previous"]["success_rate"], 1.0);
    assert_eq!(figures["active_services"], 1);
    assert_eq!(figures["tokens_in"], 4000);
    assert!((figures["cost_usd"].as_f64().unwrap() - 0.4).abs() < 1e-9);
    latencies.sort_unstable();
    for (field, q) in [
        ("p50_latency_ms", 0.5),
        ("p95_latency_ms", 0.95),
        ("p99_latency_ms", 0.99),
    ] {
        let exact = f64::from(latencies[(q * 400.0_f64).ceil() as usize - 1]);
        let estimate = figures[field].as_f64().unwrap();
        assert!(
            (estimate - exact).abs() / exact < 0.03,
            "{field}: {estimate} vs exact {exact}"
        );
    }
    let avg = f64::from(latencies.iter().sum::<u32>()) / 400.0;
    assert!((figures["avg_latency_ms"].as_f64().unwrap() - avg).abs() < 1e-6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn days_are_local_days_across_a_daylight_saving_change() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    // The last local day in New York before the clock's day that lasted 25 hours (daylight
    // saving ended), as the instant of its midnight; PostgreSQL's time zone data decides.
    let now = app.now();
    let midnight = app
        .count(&format!(
            "SELECT extract(epoch FROM d AT TIME ZONE 'America/New_York')::int8 AS n \
             FROM generate_series(date_trunc('day', '{now}'::timestamptz AT TIME ZONE 'America/New_York') - interval '85 days', \
                                  date_trunc('day', '{now}'::timestamptz AT TIME ZONE 'America/New_York') - interval '2 days', \
                                  interval '1 day') AS d \
             WHERE (d + interval '1 day') AT TIME ZONE 'America/New_York' - d AT TIME ZONE 'America/New_York' \
                   = interval '25 hours' \
             ORDER BY d DESC LIMIT 1",
            now = now.to_rfc3339()
        ))
        .await;
    let midnight = Utc.timestamp_opt(midnight, 0).unwrap();
    let (day_before, next_midnight) = (midnight - Duration::hours(24), midnight + Duration::hours(25));
    let day_after_next = next_midnight + Duration::hours(24);
    let minutes = Duration::minutes;
    let events = json!([
        event("before", midnight - minutes(30), 10, true), // 23:30 the day before
        event("first", midnight + minutes(30), 10, true),  // 00:30, daylight saving time
        event("last", next_midnight - minutes(30), 10, true), // 23:30, standard time
        event("next", next_midnight + minutes(30), 10, true), // 00:30 the day after
    ]);
    assert_eq!(post_events(&app, &c.key, &events).await.json()["accepted"], 4);
    let utc = |at: DateTime<Utc>| at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let query = format!(
        "range=custom&from={}&to={}&tz=America/New_York",
        utc(day_before),
        utc(day_after_next)
    );
    let series = app
        .get_with(
            &format!("/api/v1/analytics/timeseries?{query}"),
            &[("authorization", &format!("Bearer {}", c.token))],
        )
        .await
        .json();
    assert_eq!(series["bucket"], "day");
    assert_eq!(series["tz"], "America/New_York");
    let points: Vec<(String, String, i64)> = series["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["at"].as_str().unwrap().to_owned(),
                p["local"].as_str().unwrap().to_owned(),
                p["requests"].as_i64().unwrap(),
            )
        })
        .collect();
    // New York is behind UTC: its midnights fall on the same UTC date.
    let local = |at: DateTime<Utc>| at.format("%Y-%m-%dT00:00:00").to_string();
    assert_eq!(
        points,
        vec![
            (utc(day_before), local(day_before), 1),
            (utc(midnight), local(midnight), 2),
            (utc(next_midnight), local(next_midnight), 1),
        ],
        "local midnights, and the 25-hour day holds both of its events"
    );
    // The dashboard's date pickers send calendar days: the same window, read in the time zone.
    let by_days = app
        .get_with(
            &format!(
                "/api/v1/analytics/timeseries?range=custom&from={}&to={}&tz=America/New_York",
                day_before.format("%Y-%m-%d"),
                next_midnight.format("%Y-%m-%d")
            ),
            &[("authorization", &format!("Bearer {}", c.token))],
        )
        .await
        .json();
    assert_eq!(by_days["points"], series["points"]);
    let bad = app
        .get_with(
            "/api/v1/analytics/summary?tz=Mars/Olympus",
            &[("authorization", &format!("Bearer {}", c.token))],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad.json()["error"]["fields"]["tz"],
        "Unknown time zone \"Mars/Olympus\"."
    );
}

/// The AI fields over random batches, late events and resends included: each conversation is
/// counted once, in the hour and day of its earliest event; turns, ratings and call time add up;
/// the end users of every hour and day, with their figures, equal the raw events', and so do the
/// sets of their numbers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversations_end_users_and_feedback_equal_the_raw_events() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let now = app.now();
    for seed in 0..5u64 {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let batch: Vec<Value> = (0..rng.random_range(1..250))
            .map(|_| {
                let id = format!("id-{}", rng.random_range(0..500));
                // Conversations over several hours, their events arriving in any order.
                let at = now - Duration::minutes(rng.random_range(0..(60 * 50)));
                let mut e = event(&id, at, rng.random_range(0..5000), rng.random_bool(0.9));
                if rng.random_bool(0.7) {
                    e["conversation_id"] = json!(format!("conv-{}", rng.random_range(0..60)));
                }
                if rng.random_bool(0.8) {
                    e["end_user"] = json!(format!("user-{}", rng.random_range(0..30)));
                }
                e["feedback"] = json!([Some(-1), Some(0), Some(1), None][rng.random_range(0..4)]);
                e["duration_ms"] = json!([Some(rng.random_range(0..600_000)), None][rng.random_range(0..2)]);
                e["cost_usd"] = json!(rng.random_range(0..10_000) as f64 / 1_000_000.0);
                e
            })
            .collect();
        assert_eq!(
            post_events(&app, &c.key, &json!(batch)).await.status,
            StatusCode::ACCEPTED
        );
    }
    let hourly = app
        .count(
            "WITH starts AS ( \
               SELECT service_id, bucket, count(*) AS n FROM ( \
                 SELECT service_id, date_trunc('hour', min(occurred_at), 'UTC') AS bucket \
                 FROM events WHERE conversation_id IS NOT NULL GROUP BY service_id, conversation_id \
               ) firsts GROUP BY 1, 2 \
             ), raw AS ( \
               SELECT service_id, date_trunc('hour', occurred_at, 'UTC') AS bucket, \
                      count(conversation_id) AS turns, count(feedback) AS rated, \
                      count(*) FILTER (WHERE feedback = 1) AS positive, \
                      count(*) FILTER (WHERE feedback = -1) AS negative, \
                      coalesce(sum(duration_ms), 0) AS duration \
               FROM events GROUP BY 1, 2 \
             ) \
             SELECT count(*) AS n FROM raw FULL JOIN metrics m USING (service_id, bucket) \
             WHERE raw.turns IS DISTINCT FROM m.turns OR raw.rated IS DISTINCT FROM m.rated \
                OR raw.positive IS DISTINCT FROM m.positive OR raw.negative IS DISTINCT FROM m.negative \
                OR raw.duration IS DISTINCT FROM m.duration_ms_sum \
                OR coalesce((SELECT n FROM starts s WHERE s.service_id = m.service_id AND s.bucket = m.bucket), 0) \
                   IS DISTINCT FROM m.conversations",
        )
        .await;
    assert_eq!(
        hourly, 0,
        "every hour's conversations, turns, ratings and call time equal the raw events'"
    );
    assert!(app.count("SELECT sum(conversations)::int8 AS n FROM metrics").await > 0);
    assert_eq!(
        app.count("SELECT sum(conversations)::int8 AS n FROM metrics").await,
        app.count("SELECT count(DISTINCT conversation_id) AS n FROM events")
            .await,
        "each conversation counted once"
    );
    let daily = app
        .count(
            "SELECT count(*) AS n FROM ( \
               SELECT service_id, date_trunc('day', bucket, 'UTC') AS bucket, sum(conversations) AS c, \
                      sum(turns) AS t, sum(rated) AS r, sum(positive) AS p, sum(negative) AS ng, \
                      sum(duration_ms_sum) AS d \
               FROM metrics GROUP BY 1, 2 \
             ) h FULL JOIN metrics_daily m USING (service_id, bucket) \
             WHERE h.c IS DISTINCT FROM m.conversations OR h.t IS DISTINCT FROM m.turns \
                OR h.r IS DISTINCT FROM m.rated OR h.p IS DISTINCT FROM m.positive \
                OR h.ng IS DISTINCT FROM m.negative OR h.d IS DISTINCT FROM m.duration_ms_sum",
        )
        .await;
    assert_eq!(daily, 0, "and every day's equal its hours'");
    for (table, unit) in [("end_users_hourly", "hour"), ("end_users_daily", "day")] {
        let mismatches = app
            .count(&format!(
                "SELECT count(*) AS n FROM ( \
                   SELECT service_id, date_trunc('{unit}', occurred_at, 'UTC') AS bucket, end_user, \
                          count(*) AS requests, count(*) FILTER (WHERE NOT success) AS errors, \
                          sum(cost_micros) AS cost \
                   FROM events WHERE end_user IS NOT NULL GROUP BY 1, 2, 3 \
                 ) raw FULL JOIN {table} u USING (service_id, bucket, end_user) \
                 WHERE raw.requests IS DISTINCT FROM u.requests OR raw.errors IS DISTINCT FROM u.errors \
                    OR raw.cost IS DISTINCT FROM u.cost_micros"
            ))
            .await;
        assert_eq!(mismatches, 0, "{table} equals the raw events' end users");
    }
    for (table, unit) in [("end_user_sets_hourly", "hour"), ("end_user_sets_daily", "day")] {
        let mismatches = app
            .count(&format!(
                "SELECT count(*) AS n FROM ( \
                   SELECT e.service_id, date_trunc('{unit}', e.occurred_at, 'UTC') AS bucket, \
                          array_agg(DISTINCT i.id ORDER BY i.id) AS end_users \
                   FROM events e JOIN end_user_ids i USING (service_id, end_user) GROUP BY 1, 2 \
                 ) raw FULL JOIN {table} s USING (service_id, bucket) \
                 WHERE raw.end_users IS DISTINCT FROM s.end_users"
            ))
            .await;
        assert_eq!(mismatches, 0, "{table} holds the raw events' end users");
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM end_user_ids").await,
        app.count("SELECT count(DISTINCT end_user) AS n FROM events").await,
        "a number for each end user"
    );
}
