//! Services, keys, ingestion, rollups and the analytics built on them.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::support::TestApp;

const PASSWORD: &str = "Str0ng!pass";

/// A client with one service and a key for it.
struct Client {
    token: String,
    service: String,
    key: String,
}

async fn client(app: &TestApp, email: &str, service: &str) -> Client {
    let token = app.register("Client", email, PASSWORD).await;
    let service = create_service(app, &token, service).await;
    let key = create_key(app, &token, &service).await;
    Client { token, service, key }
}

async fn create_service(app: &TestApp, token: &str, name: &str) -> String {
    let bearer = format!("Bearer {token}");
    let body = json!({ "name": name, "kind": "chatbot", "config": { "description": "test" } });
    let response = app
        .json("POST", "/api/v1/services", &body, &[("authorization", &bearer)])
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response.json()["id"].as_str().unwrap().to_owned()
}

async fn create_key(app: &TestApp, token: &str, service: &str) -> String {
    let bearer = format!("Bearer {token}");
    let response = app
        .json(
            "POST",
            &format!("/api/v1/services/{service}/keys"),
            &json!({}),
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    let key = response.json()["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("rsk_"));
    key
}

async fn post_events(app: &TestApp, key: &str, events: &Value) -> crate::support::TestResponse {
    let request = axum::http::Request::post("/api/v1/events")
        .header("host", "portal.test")
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(json!({ "events": events }).to_string()))
        .unwrap();
    app.send(request).await
}

fn event(id: &str, at: DateTime<Utc>, latency: u32, ok: bool) -> Value {
    let mut e = json!({ "id": id, "timestamp": at.to_rfc3339(), "latency_ms": latency,
        "status": if ok { "success" } else { "error" }, "model": "model-a", "tokens_in": 10, "tokens_out": 5, "cost_usd": 0.001 });
    if !ok {
        e["error_kind"] = json!("timeout");
    }
    e
}

async fn summary(app: &TestApp, token: &str, query: &str) -> crate::support::TestResponse {
    app.get_with(
        &format!("/api/v1/analytics/summary?{query}"),
        &[("authorization", &format!("Bearer {token}"))],
    )
    .await
}

pub async fn resent_batches_never_count_twice() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let now = Utc::now();
    let batch = json!([
        event("e1", now, 100, true),
        event("e2", now, 200, false),
        event("e2", now, 200, false)
    ]);
    let first = post_events(&app, &c.key, &batch).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.body);
    assert_eq!(first.json(), json!({ "accepted": 2, "duplicates": 1, "rejected": [] }));
    let again = post_events(&app, &c.key, &batch).await;
    assert_eq!(again.json(), json!({ "accepted": 0, "duplicates": 3, "rejected": [] }));
    assert_eq!(
        app.count("SELECT coalesce(sum(requests), 0)::int8 AS n FROM metrics")
            .await,
        2
    );
    let figures = summary(&app, &c.token, "range=24h").await.json();
    assert_eq!(figures["total_requests"], 2);
    assert_eq!(figures["success_rate"], 0.5);
}

pub async fn one_bad_event_does_not_reject_the_good_ones() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let now = Utc::now();
    let mut bad = event("e2", now, 1, true);
    bad["latency_ms"] = json!(-5);
    let response = post_events(
        &app,
        &c.key,
        &json!([event("e1", now, 100, true), bad, event("e3", now, 50, true)]),
    )
    .await;
    let receipt = response.json();
    assert_eq!(receipt["accepted"], 2);
    assert_eq!(receipt["rejected"][0]["index"], 1);
    assert!(receipt["rejected"][0]["error"].as_str().unwrap().contains("latency_ms"));
    assert_eq!(app.count("SELECT count(*) AS n FROM events").await, 2);
}

pub async fn keys_write_only_to_their_service_and_clients_see_only_their_own() {
    let app = TestApp::new().await;
    let a = client(&app, "a@example.com", "A bot").await;
    let b = client(&app, "b@example.com", "B bot").await;
    post_events(&app, &a.key, &json!([event("x", Utc::now(), 100, true)])).await;
    assert_eq!(summary(&app, &a.token, "range=24h").await.json()["total_requests"], 1);
    assert_eq!(
        summary(&app, &b.token, "range=24h").await.json()["total_requests"],
        0,
        "B sees nothing of A's"
    );

    let as_b = format!("Bearer {}", b.token);
    let foreign = app
        .get_with(&format!("/api/v1/services/{}", a.service), &[("authorization", &as_b)])
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let foreign = summary(&app, &b.token, &format!("range=24h&service={}", a.service)).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let foreign = app
        .get_with(
            &format!("/api/v1/services/{}/keys", a.service),
            &[("authorization", &as_b)],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let patch = app
        .json(
            "PATCH",
            &format!("/api/v1/services/{}", a.service),
            &json!({ "name": "mine" }),
            &[("authorization", &as_b)],
        )
        .await;
    assert_eq!(patch.status, StatusCode::NOT_FOUND);
    let list = app
        .get_with("/api/v1/services", &[("authorization", &as_b)])
        .await
        .json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(
        app.get_with("/api/v1/analytics/summary", &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
}

pub async fn revoked_keys_and_paused_services_are_refused() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let bearer = format!("Bearer {}", c.token);
    let paused = app
        .json(
            "PATCH",
            &format!("/api/v1/services/{}", c.service),
            &json!({ "status": "paused" }),
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(paused.json()["status"], "paused");
    let refused = post_events(&app, &c.key, &json!([event("p", Utc::now(), 1, true)])).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.json()["error"]["message"].as_str().unwrap().contains("paused"));
    app.json(
        "PATCH",
        &format!("/api/v1/services/{}", c.service),
        &json!({ "status": "active" }),
        &[("authorization", &bearer)],
    )
    .await;

    let keys = app
        .get_with(
            &format!("/api/v1/services/{}/keys", c.service),
            &[("authorization", &bearer)],
        )
        .await
        .json();
    let key_id = keys[0]["id"].as_str().unwrap().to_owned();
    assert!(keys[0].get("key").is_none(), "a listed key has no secret");
    let request = axum::http::Request::delete(format!("/api/v1/services/{}/keys/{key_id}", c.service))
        .header("host", "portal.test")
        .header("authorization", &bearer)
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::OK);
    let revoked = post_events(&app, &c.key, &json!([event("r", Utc::now(), 1, true)])).await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        revoked.json()["error"]["code"],
        "invalid_api_key",
        "the same answer as an unknown key"
    );
    assert_eq!(
        post_events(&app, "rsk_nothere_x", &json!([])).await.status,
        StatusCode::UNAUTHORIZED,
        "a malformed key"
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM events").await, 0);
}

pub async fn a_deleted_service_loses_its_events_and_never_gains_new_ones() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::new().await;
    let gone = client(&app, "gone@example.com", "Bot").await;
    let kept = client(&app, "kept@example.com", "Bot").await;
    for c in [&gone, &kept] {
        let stored = post_events(
            &app,
            &c.key,
            &json!([event("1", Utc::now(), 5, true), event("2", Utc::now(), 5, true)]),
        )
        .await;
        assert_eq!(stored.json()["accepted"], 2, "{}", stored.body);
    }
    let events_of = |service: &str| format!("SELECT count(*) AS n FROM events WHERE service_id = '{service}'");

    // An account deleted by an operator takes its services and their events with it.
    let mut admin = app.state.pool.get().await.unwrap();
    diesel::sql_query("DELETE FROM users WHERE email = 'gone@example.com'")
        .execute(&mut admin)
        .await
        .unwrap();
    assert_eq!(app.count(&events_of(&gone.service)).await, 0);
    assert_eq!(
        app.count(&events_of(&kept.service)).await,
        2,
        "other services keep theirs"
    );

    // A batch that passed the key check while its service is being deleted waits for the
    // deletion and is refused: no events are left behind for a service that no longer exists.
    diesel::sql_query("BEGIN").execute(&mut admin).await.unwrap();
    let deleted = format!("DELETE FROM services WHERE id = '{}'", kept.service);
    diesel::sql_query(deleted).execute(&mut admin).await.unwrap();
    let late = json!([event("3", Utc::now(), 5, true)]);
    let refused = post_events(&app, &kept.key, &late);
    let commit = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        diesel::sql_query("COMMIT").execute(&mut admin).await.unwrap();
    };
    let (refused, ()) = tokio::join!(refused, commit);
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);
    assert_eq!(app.count(&events_of(&kept.service)).await, 0);
}

pub async fn unreadable_batches_are_refused_without_writing() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let send = async |content_type: &str, body: Vec<u8>| {
        let request = axum::http::Request::post("/api/v1/events")
            .header("host", "portal.test")
            .header("authorization", format!("Bearer {}", c.key))
            .header("content-type", content_type)
            .body(axum::body::Body::from(body))
            .unwrap();
        app.send(request).await
    };
    assert_eq!(
        send("text/plain", b"{}".to_vec()).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    assert_eq!(
        send("application/json", b"{\"events\": [".to_vec()).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        send("application/json", vec![b'{', 0xff, 0xfe, b'}']).await.status,
        StatusCode::BAD_REQUEST,
        "invalid UTF-8"
    );
    let deep = format!("{{\"events\": [{}{}]}}", "[".repeat(5000), "]".repeat(5000));
    assert_eq!(
        send("application/json", deep.into_bytes()).await.status,
        StatusCode::BAD_REQUEST,
        "deep JSON"
    );
    let many: Vec<Value> = (0..1001)
        .map(|i| event(&format!("m{i}"), Utc::now(), 1, true))
        .collect();
    let too_many = send("application/json", json!({ "events": many }).to_string().into_bytes()).await;
    assert_eq!(too_many.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        too_many.json()["error"]["message"].as_str().unwrap().contains("1000"),
        "{}",
        too_many.body
    );
    let huge = format!("{{\"events\": [{{\"id\": \"{}\"}}]}}", "x".repeat(1_100_000));
    assert_eq!(
        send("application/json", huge.into_bytes()).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM events").await, 0);
}

pub async fn rollups_equal_the_raw_events_over_random_batches() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let now = Utc::now();
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
                      sum(latency_ms_sum) AS latency, sum(tokens_out) AS tout, sum(cost_micros) AS cost, hist_sum(latency_hist) AS hist \
               FROM metrics GROUP BY 1, 2 \
             ) h FULL JOIN metrics_daily d USING (service_id, bucket) \
             WHERE h.requests IS DISTINCT FROM d.requests OR h.errors IS DISTINCT FROM d.errors \
                OR h.latency IS DISTINCT FROM d.latency_ms_sum OR h.tout IS DISTINCT FROM d.tokens_out \
                OR h.cost IS DISTINCT FROM d.cost_micros OR h.hist IS DISTINCT FROM d.latency_hist",
        )
        .await;
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

pub async fn summary_compares_with_the_previous_period_and_percentiles_are_close() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let to = Utc::now() - Duration::hours(1);
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

pub async fn days_are_local_days_across_a_daylight_saving_change() {
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

/// Reads the next `summary` event of an SSE body, within five seconds.
async fn next_summary(body: &mut axum::body::Body) -> Value {
    use http_body_util::BodyExt;
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        if let Some(start) = text.find("event: summary\ndata: ") {
            let rest = &text[start + "event: summary\ndata: ".len()..];
            if let Some(end) = rest.find('\n') {
                return serde_json::from_str(&rest[..end]).unwrap();
            }
        }
        let frame = tokio::time::timeout_at(deadline, body.frame())
            .await
            .expect("an event within 5 s");
        let data = frame
            .expect("the stream is open")
            .unwrap()
            .into_data()
            .unwrap_or_default();
        text.push_str(&String::from_utf8_lossy(&data));
    }
}

pub async fn live_counters_follow_batches_from_another_server_process() {
    use tower::ServiceExt;
    // Two "processes": two apps with their own pools and LISTEN connections on one database.
    let ingesting = TestApp::new().await;
    let url = crate::support::database_url(&ingesting.db_name);
    let pool = ragsites_portal::server::db::connect(&url, 2).await.unwrap();
    let watching = TestApp::with_pool(pool, ingesting.db_name.clone());
    watching.state.live.spawn_listener(url, watching.state.figures.clone());

    let c = client(&ingesting, "a@example.com", "Bot").await;
    let request = axum::http::Request::get("/api/v1/live?range=24h")
        .header("host", "portal.test")
        .header("authorization", format!("Bearer {}", c.token))
        .body(axum::body::Body::empty())
        .unwrap();
    let response = watching.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    // The watching process caches the dashboard's figures; the other process's batches must
    // drop them.
    let dashboard_total = async || {
        let data = watching
            .server_fn("load_dashboard", "query[range]=24h".into(), &c.token)
            .await;
        data.json()["summary"]["total_requests"].clone()
    };
    assert_eq!(dashboard_total().await, 0);
    let mut body = response.into_body();
    assert_eq!(next_summary(&mut body).await["total_requests"], 0);
    // The listener connects in the background: give it a moment before the first batch.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    post_events(&ingesting, &c.key, &json!([event("live-1", Utc::now(), 120, true)])).await;
    assert_eq!(
        next_summary(&mut body).await["total_requests"],
        1,
        "the other process saw the batch"
    );
    assert_eq!(dashboard_total().await, 1, "the cached figures were dropped");
    post_events(&ingesting, &c.key, &json!([event("live-2", Utc::now(), 80, false)])).await;
    let latest = next_summary(&mut body).await;
    assert_eq!(latest["total_requests"], 2);
    assert_eq!(latest["success_rate"], 0.5);
    assert_eq!(dashboard_total().await, 2);
    watching.state.live.shut_down();
}

pub async fn the_dashboard_server_function_is_scoped_to_the_user() {
    let app = TestApp::new().await;
    let a = client(&app, "a@example.com", "A bot").await;
    let b = client(&app, "b@example.com", "B bot").await;
    post_events(&app, &a.key, &json!([event("x", Utc::now(), 100, true)])).await;
    let call = async |token: &str, body: String| app.server_fn("load_dashboard", body, token).await;
    let defaults = call(&a.token, String::new()).await;
    assert_eq!(
        defaults.status,
        StatusCode::OK,
        "no query at all is the default view: {}",
        defaults.body
    );
    let own = call(&a.token, "query[range]=24h".into()).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert_eq!(own.json()["summary"]["total_requests"], 1);
    assert_eq!(own.json()["breakdown"]["services"][0]["name"], "A bot");
    // Figures are cached per view; a batch of this process drops them at once.
    post_events(&app, &a.key, &json!([event("y", Utc::now(), 100, false)])).await;
    let after = call(&a.token, "query[range]=24h".into()).await.json();
    assert_eq!(after["summary"]["total_requests"], 2);
    assert_eq!(after["breakdown"]["services"][0]["errors"], 1);
    // So does a change to the service itself: its name is part of the figures.
    let renamed = app
        .server_fn("rename_service", format!("id={}&name=Renamed", a.service), &a.token)
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let after = call(&a.token, "query[range]=24h".into()).await.json();
    assert_eq!(after["breakdown"]["services"][0]["name"], "Renamed");
    let others = call(&b.token, format!("query[range]=24h&query[service]={}", a.service)).await;
    assert_eq!(others.status, StatusCode::NOT_FOUND, "{}", others.body);
    let mine = call(&b.token, "query[range]=24h".into()).await.json();
    assert_eq!(mine["summary"]["total_requests"], 0);
    assert_eq!(
        mine["breakdown"]["services"].as_array().unwrap().len(),
        1,
        "only B's own service"
    );
}

/// What a live update swaps in: the figures as the page renders them, for the caller only.
pub async fn the_live_figures_are_rendered_for_their_owner_only() {
    let app = TestApp::new().await;
    // The page puts this HTML in place with innerHTML: what a client typed must arrive escaped.
    let a = client(&app, "a@example.com", "A <img src=x onerror=alert(1)> bot").await;
    let b = client(&app, "b@example.com", "B bot").await;
    post_events(
        &app,
        &a.key,
        &json!([event("x", Utc::now(), 100, true), event("y", Utc::now(), 300, false)]),
    )
    .await;
    let call = async |token: &str, body: String| app.server_fn("figures_html", body, token).await;
    let own = call(&a.token, "query[range]=24h&single=false".into()).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    let html: String = serde_json::from_str(&own.body).expect("a JSON string");
    assert!(html.contains(r#"data-metric="Total requests""#), "{html}");
    assert!(html.contains(r#"data-chart="requests""#), "{html}");
    assert!(html.contains("A &lt;img src=x onerror=alert(1)&gt; bot"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("B bot"), "{html}");
    let others = call(
        &b.token,
        format!("query[range]=24h&query[service]={}&single=true", a.service),
    )
    .await;
    assert_eq!(others.status, StatusCode::NOT_FOUND, "{}", others.body);
    let new_client = app.register("Cy", "c@example.com", "Str0ng!pass").await;
    let empty: String = serde_json::from_str(&call(&new_client, "single=false".into()).await.body).unwrap();
    assert!(empty.contains("No services yet"), "{empty}");
    let anonymous = app
        .server_fn("figures_html", "single=false".into(), "not-a-token")
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{}", anonymous.body);
}

pub async fn csv_export_matches_the_summary_and_stays_with_its_owner() {
    let app = TestApp::new().await;
    let a = client(&app, "a@example.com", "=HYPERLINK(\"x\"), bot").await;
    let b = client(&app, "b@example.com", "B bot").await;
    let now = Utc::now();
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

pub async fn the_dashboard_page_renders_whole_every_time() {
    // A signal written while the server rendered (the figures' busy state) used to dispose the
    // page mid-response now and then (a few in a thousand renders, more once figures are
    // cached and arrive at once): render it many times.
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    post_events(&app, &c.key, &json!([event("e", Utc::now(), 100, true)])).await;
    let cookie = format!("ragsites_session={}", c.token);
    for _ in 0..300 {
        let page = app.get_with("/dashboard?range=24h", &[("cookie", &cookie)]).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("</html>"), "a whole page");
        assert!(page.body.contains("__INCOMPLETE_CHUNKS"), "with its data for hydration");
        assert!(
            page.body.contains("1 requests in the last 24 hours"),
            "with its figures"
        );
    }
}
