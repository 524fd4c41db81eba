//! Rollups and figures: the rollups equal the raw events, the summary and its percentiles,
//! local days.

use axum::http::StatusCode;
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
    for seed in 0..4u64 {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let batch: Vec<Value> = (0..rng.random_range(1..300))
            .map(|_| {
                // Ids repeat across batches on purpose: resends must not count twice.
                let id = format!("id-{}", rng.random_range(0..600));
                let at = now - Duration::minutes(rng.random_range(0..(60 * 72)));
                let mut e = event(&id, at, rng.random_range(0..5000), rng.random_bool(0.9));
                e["model"] = json!(["a", "b", "c"][rng.random_range(0..3)]);
                e["tokens_in"] = json!(rng.random_range(0..2000));
                e["cost_usd"] = json!(rng.random_range(0..10_000) as f64 / 1_000_000.0);
                e
            })
            .collect();
        assert_eq!(
            post_events(&app, &c.key, &json!(batch)).await.status,
            StatusCode::ACCEPTED
        );
    }
    let mismatches = app
        .count(
            "SELECT count(*) AS n FROM ( \
               SELECT date_trunc('hour', occurred_at) AS bucket, count(*) AS requests, count(*) FILTER (WHERE NOT success) AS errors, \
                      sum(latency_ms) AS latency, sum(tokens_in) AS tin, sum(cost_micros) AS cost FROM events GROUP BY 1 \
             ) raw FULL JOIN metrics m USING (bucket) \
             WHERE raw.requests IS DISTINCT FROM m.requests OR raw.errors IS DISTINCT FROM m.errors \
                OR raw.latency IS DISTINCT FROM m.latency_ms_sum OR raw.tin IS DISTINCT FROM m.tokens_in \
                OR raw.cost IS DISTINCT FROM m.cost_micros \
                OR raw.requests IS DISTINCT FROM (SELECT sum(x) FROM unnest(m.latency_hist) x)",
        )
        .await;
    assert_eq!(
        mismatches, 0,
        "every hourly rollup equals the aggregate of its raw events"
    );
    let by_model = app
        .count(
            "SELECT count(*) AS n FROM (SELECT date_trunc('hour', occurred_at) AS bucket, model, count(*) AS requests FROM events GROUP BY 1, 2) raw \
             FULL JOIN metrics_by_model m USING (bucket, model) WHERE raw.requests IS DISTINCT FROM m.requests",
        )
        .await;
    assert_eq!(by_model, 0, "and so does every per-model rollup");
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
    assert!(
        app.count("SELECT count(*) AS n FROM metrics_daily").await > 1,
        "the batches span days"
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
    // New York leaves daylight saving on 1 November 2026: that local day lasts 25 hours.
    let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    let events = json!([
        event("before", utc("2026-11-01T03:30:00Z"), 10, true), // 31 Oct, 23:30 EDT
        event("first", utc("2026-11-01T04:30:00Z"), 10, true),  // 1 Nov, 00:30 EDT
        event("last", utc("2026-11-02T04:30:00Z"), 10, true),   // 1 Nov, 23:30 EST
        event("next", utc("2026-11-02T05:30:00Z"), 10, true),   // 2 Nov, 00:30 EST
    ]);
    assert_eq!(post_events(&app, &c.key, &events).await.json()["accepted"], 4);
    let query = "range=custom&from=2026-10-31T04:00:00Z&to=2026-11-03T05:00:00Z&tz=America/New_York";
    let series = app
        .get_with(
            &format!("/api/v1/analytics/timeseries?{query}"),
            &[("authorization", &format!("Bearer {}", c.token))],
        )
        .await
        .json();
    assert_eq!(series["bucket"], "day");
    let points: Vec<(String, i64)> = series["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["at"].as_str().unwrap().to_owned(), p["requests"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        points,
        vec![
            ("2026-10-31T04:00:00Z".to_owned(), 1),
            ("2026-11-01T04:00:00Z".to_owned(), 2),
            ("2026-11-02T05:00:00Z".to_owned(), 1),
        ],
        "local midnights, and the 25-hour day holds both of its events"
    );
    // The dashboard's date pickers send calendar days: the same window, read in the time zone.
    let by_days = app
        .get_with(
            "/api/v1/analytics/timeseries?range=custom&from=2026-10-31&to=2026-11-02&tz=America/New_York",
            &[("authorization", &format!("Bearer {}", c.token))],
        )
        .await
        .json();
    assert_eq!(by_days["points"], series["points"]);
    assert_eq!(by_days["points"][1]["local"], "2026-11-01T00:00:00");
    let bad = app
        .get_with(
            "/api/v1/analytics/summary?tz=Mars/Olympus",
            &[("authorization", &format!("Bearer {}", c.token))],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.json()["error"]["fields"]["tz"]
            .as_str()
            .unwrap()
            .contains("Mars/Olympus")
    );
}
