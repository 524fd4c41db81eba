//! Ingestion and keys: batches, their validation and idempotence, and which key writes where.

use axum::http::StatusCode;
use chrono::Duration;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::{Value, json};

use crate::support::services::{client, create_key, create_service, event, post_events, summary};
use crate::support::{PASSWORD, TestApp};

/// The server process id of a database connection.
async fn backend_pid(conn: &mut AsyncPgConnection) -> i32 {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("pg_backend_pid()"))
        .get_result(conn)
        .await
        .unwrap()
}

/// Waits until `count` connections wait for a lock held by the connection `holder`.
async fn waiting_for(app: &TestApp, holder: i32, count: i64) {
    let waiting = format!("SELECT count(*) AS n FROM pg_stat_activity WHERE {holder} = ANY(pg_blocking_pids(pid))");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.count(&waiting).await < count {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{count} connections never waited for {holder}'s lock"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resent_batches_never_count_twice() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let now = app.now();
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

/// Two copies of one batch racing each other store it once: one request or the other takes
/// each event, and the rollups count it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_batches_sent_concurrently_count_once() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let now = app.now();
    let batch: Vec<Value> = (0..200)
        .map(|i| event(&format!("e{i}"), now - Duration::minutes(i), 100, i % 4 != 0))
        .collect();
    let batch = json!(batch);
    // Both requests are held at their first write until both are there, then go together: each
    // has read everything it reads before writing while the other's events were not stored.
    let mut gate = app.state.pool.get().await.unwrap();
    diesel::sql_query("BEGIN").execute(&mut gate).await.unwrap();
    diesel::sql_query("LOCK TABLE events IN SHARE MODE")
        .execute(&mut gate)
        .await
        .unwrap();
    let holder = backend_pid(&mut gate).await;
    let open = async {
        waiting_for(&app, holder, 2).await;
        diesel::sql_query("COMMIT").execute(&mut gate).await.unwrap();
    };
    let ((first, second), ()) = tokio::join!(
        async { tokio::join!(post_events(&app, &c.key, &batch), post_events(&app, &c.key, &batch)) },
        open
    );
    let (first, second) = (first.json(), second.json());
    let accepted = first["accepted"].as_i64().unwrap() + second["accepted"].as_i64().unwrap();
    let duplicates = first["duplicates"].as_i64().unwrap() + second["duplicates"].as_i64().unwrap();
    assert_eq!((accepted, duplicates), (200, 200), "{first} {second}");
    assert_eq!(app.count("SELECT count(*) AS n FROM events").await, 200);
    for rollup in ["metrics", "metrics_daily"] {
        let sums = format!("SELECT (sum(requests) * 1000 + sum(errors))::int8 AS n FROM {rollup}");
        assert_eq!(
            app.count(&sums).await,
            200 * 1000 + 50,
            "{rollup}: 200 requests, 50 errors"
        );
    }
    let figures = summary(&app, &c.token, "range=24h").await.json();
    assert_eq!(figures["total_requests"], 200);
    assert_eq!(figures["errors"], 50);
    assert_eq!(figures["tokens_in"], 200 * 10);
}

/// Whatever is wrong with the key, the answer is the same: nothing tells a prober which keys exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_and_an_unknown_key_get_the_same_401() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let batch = json!({ "events": [event("e", app.now(), 1, true)] }).to_string();
    let send = async |authorization: Option<&str>| {
        let mut request = axum::http::Request::post("/api/v1/events")
            .header("host", "portal.test")
            .header("content-type", "application/json");
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        app.send(request.body(axum::body::Body::from(batch.clone())).unwrap())
            .await
    };
    // Well formed, `rsk_` and 8 characters, `_` and 32: another prefix, then another secret.
    let (prefix, secret) = c.key["rsk_".len()..].split_once('_').unwrap();
    let other_prefix: String = prefix.chars().map(|ch| if ch == 'a' { 'b' } else { 'a' }).collect();
    let unknown = format!("Bearer rsk_{other_prefix}_{secret}");
    let wrong_secret = format!("Bearer rsk_{prefix}_{}", "0".repeat(secret.len()));
    let missing = send(None).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        missing.json(),
        json!({ "error": { "code": "invalid_api_key",
            "message": "Send a live service API key: Authorization: Bearer rsk_…." } })
    );
    for authorization in [unknown.as_str(), wrong_secret.as_str(), "Bearer rsk_short", "Basic abc"] {
        let answer = send(Some(authorization)).await;
        assert_eq!(
            (answer.status, &answer.body),
            (missing.status, &missing.body),
            "{authorization}"
        );
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM events").await, 0);
    assert_eq!(
        send(Some(&format!("Bearer {}", c.key))).await.status,
        StatusCode::ACCEPTED,
        "the real key works"
    );
}

/// The token bucket of each key: a burst of 400 at one instant, then 429 with `Retry-After`,
/// while other keys go on; tokens come back at 200 a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_past_its_burst_is_limited_alone() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let other = create_key(&app, &c.token, &c.service).await;
    let empty = json!([]);
    for n in 0..400 {
        let answer = post_events(&app, &c.key, &empty).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "request {n}: {}", answer.body);
    }
    let limited = post_events(&app, &c.key, &empty).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{}", limited.body);
    assert_eq!(limited.header("retry-after"), "1");
    assert_eq!(limited.json()["error"]["code"], "rate_limited");
    assert_eq!(
        post_events(&app, &other, &empty).await.status,
        StatusCode::ACCEPTED,
        "another key of the same service is not limited"
    );
    // 50 ms at 200 a second: 10 requests, and the 11th waits again.
    app.advance(Duration::milliseconds(50));
    for n in 0..10 {
        let answer = post_events(&app, &c.key, &json!([event(&format!("e{n}"), app.now(), 1, true)])).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "request {n}: {}", answer.body);
    }
    let limited = post_events(&app, &c.key, &empty).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.count("SELECT count(*) AS n FROM events").await, 10);
}

/// A service's kind must be one of the five, and its config's fields are checked one by one,
/// each refusal naming its field; nothing refused is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_service_kinds_and_configs_are_refused_by_field() {
    let app = TestApp::new().await;
    let token = app.register("Client", "a@example.com", PASSWORD).await;
    let bearer = format!("Bearer {token}");
    let create = async |body: Value| {
        app.json("POST", "/api/v1/services", &body, &[("authorization", &bearer)])
            .await
    };
    let robot = create(json!({ "name": "Bot", "kind": "robot" })).await;
    assert_eq!(robot.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", robot.body);
    assert_eq!(robot.json()["error"]["code"], "validation_failed");
    let message = robot.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains(
            "kind: unknown variant `robot`, expected one of `chatbot`, `rag_site`, `voice_agent`, `agent`, `custom`"
        ),
        "{message}"
    );
    let bad_config = json!({
        "description": "d".repeat(501),
        "model": "",
        "endpoint_url": "http://example.com/bot",
    });
    let refused = create(json!({ "name": "Bot", "kind": "agent", "config": bad_config })).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert_eq!(
        refused.json()["error"]["fields"],
        json!({
            "description": "Description must be at most 500 characters.",
            "model": "Model must be 1 to 64 characters.",
            "endpoint_url": "Endpoint URL must be an https:// address.",
        })
    );
    let unknown = create(json!({ "name": "Bot", "kind": "agent", "config": { "temperature": 1 } })).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = unknown.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("config.temperature: unknown field `temperature`"),
        "{message}"
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM services").await, 0);

    // A change is checked the same way, and a refused one changes nothing.
    let id = create_service(&app, &token, "Bot").await;
    let change = app
        .json(
            "PATCH",
            &format!("/api/v1/services/{id}"),
            &json!({ "config": { "endpoint_url": "https://" } }),
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(change.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", change.body);
    assert_eq!(
        change.json()["error"]["fields"],
        json!({ "endpoint_url": "Endpoint URL must be an https:// address." })
    );
    let kept = "SELECT count(*) AS n FROM services WHERE config = '{\"description\": \"test\"}'::jsonb";
    assert_eq!(app.count(kept).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bad_event_does_not_reject_the_good_ones() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let now = app.now();
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
    assert_eq!(
        receipt["rejected"][0]["error"],
        "latency_ms: invalid value: integer `-5`, expected u32"
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM events").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_write_only_to_their_service_and_clients_see_only_their_own() {
    let app = TestApp::new().await;
    let a = client(&app, "a@example.com", "A bot").await;
    let b = client(&app, "b@example.com", "B bot").await;
    post_events(&app, &a.key, &json!([event("x", app.now(), 100, true)])).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_keys_and_paused_services_are_refused() {
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
    let refused = post_events(&app, &c.key, &json!([event("p", app.now(), 1, true)])).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(
        refused.json()["error"]["message"],
        "This service is paused: its events are refused."
    );
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
    let revoked = post_events(&app, &c.key, &json!([event("r", app.now(), 1, true)])).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_service_loses_its_events_and_never_gains_new_ones() {
    let app = TestApp::new().await;
    let gone = client(&app, "gone@example.com", "Bot").await;
    let kept = client(&app, "kept@example.com", "Bot").await;
    let with_user = |id: &str| {
        let mut e = event(id, app.now(), 5, true);
        e["end_user"] = json!(format!("user-{id}"));
        e["conversation_id"] = json!("c1");
        e
    };
    for c in [&gone, &kept] {
        let stored = post_events(&app, &c.key, &json!([with_user("1"), with_user("2")])).await;
        assert_eq!(stored.json()["accepted"], 2, "{}", stored.body);
    }
    let tables = [
        "events",
        "conversations",
        "end_users_hourly",
        "end_users_daily",
        "end_user_ids",
        "end_user_sets_hourly",
        "end_user_sets_daily",
    ];
    let rows_of = async |service: &str| {
        let mut counts = Vec::new();
        for table in tables {
            let sql = format!("SELECT count(*) AS n FROM {table} WHERE service_id = '{service}'");
            counts.push(app.count(&sql).await);
        }
        counts
    };

    // An account deleted by an operator takes its services, their events, conversations and
    // end users with it.
    let mut admin = app.state.pool.get().await.unwrap();
    diesel::sql_query("DELETE FROM users WHERE email = 'gone@example.com'")
        .execute(&mut admin)
        .await
        .unwrap();
    assert_eq!(rows_of(&gone.service).await, [0; 7], "{tables:?}");
    assert_eq!(
        rows_of(&kept.service).await,
        [2, 1, 2, 2, 2, 1, 1],
        "other services keep theirs: {tables:?}"
    );

    // A batch that passed the key check while its service is being deleted waits for the
    // deletion and is refused: no events are left behind for a service that no longer exists.
    diesel::sql_query("BEGIN").execute(&mut admin).await.unwrap();
    let deleted = format!("DELETE FROM services WHERE id = '{}'", kept.service);
    diesel::sql_query(deleted).execute(&mut admin).await.unwrap();
    let deleting = backend_pid(&mut admin).await;
    // With a new end user, numbered before the batch's transaction: refused as well.
    let late = json!([with_user("3")]);
    let refused = post_events(&app, &kept.key, &late);
    let commit = async {
        // Commit only once the batch waits for the deleting transaction.
        waiting_for(&app, deleting, 1).await;
        diesel::sql_query("COMMIT").execute(&mut admin).await.unwrap();
    };
    let (refused, ()) = tokio::join!(refused, commit);
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);
    assert_eq!(rows_of(&kept.service).await, [0; 7], "{tables:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_batches_are_refused_without_writing() {
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
    let many: Vec<Value> = (0..1001).map(|i| event(&format!("m{i}"), app.now(), 1, true)).collect();
    let too_many = send("application/json", json!({ "events": many }).to_string().into_bytes()).await;
    assert_eq!(too_many.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        too_many.json()["error"]["message"],
        "A batch holds at most 1000 events.",
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

/// The activity a service's page lists is that service's: a key made for it shows there, and not
/// on the page of another service of the same client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_created_on_a_service_shows_in_that_services_activity() {
    let app = TestApp::new().await;
    let token = app.register("Client", "a@example.com", PASSWORD).await;
    let keyed = create_service(&app, &token, "Keyed bot").await;
    let quiet = create_service(&app, &token, "Quiet bot").await;
    let key = app
        .json(
            "POST",
            &format!("/api/v1/services/{keyed}/keys"),
            &json!({ "name": "ci" }),
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await;
    assert_eq!(key.status, StatusCode::CREATED, "{}", key.body);

    let cookie = format!("ragsites_session={token}");
    let activity = async |service: &str| {
        let page = app
            .get_with(&format!("/services/{service}"), &[("cookie", &cookie)])
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        recent_activity(&page.body)
    };
    let keyed_activity = activity(&keyed).await;
    assert!(
        keyed_activity.contains("Created an API key"),
        "the key's creation is in its service's activity: {keyed_activity}"
    );
    let quiet_activity = activity(&quiet).await;
    assert!(
        !quiet_activity.contains("Created an API key"),
        "another service's page does not list it: {quiet_activity}"
    );
}

/// A page's "Recent activity" panel: from its heading to the end of its section.
fn recent_activity(page: &str) -> String {
    let start = page
        .find(r#"id="recent-activity""#)
        .unwrap_or_else(|| panic!("a Recent activity panel in the page: {page}"));
    let panel = &page[start..];
    panel[..panel.find("</section>").expect("the end of the panel")].to_owned()
}

/// The service forms are plain posts: a refused one comes back with its error and what was
/// typed, an accepted one opens the new service, and a status change returns to its page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_forms_answer_plain_posts_with_the_next_page() {
    let app = TestApp::new().await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let cookie = format!("ragsites_session={token}");
    let auth = [("cookie", cookie.as_str())];

    let refused = [("name", " "), ("kind", "chatbot"), ("description", "Answers questions")];
    let response = app.form_post("/api/fn/create_service", &refused, &auth).await;
    assert_eq!(response.header("location"), "/services");
    let answer = format!("{cookie}; {}", response.flash_cookie());
    let page = app.get_with("/services", &[("cookie", &answer)]).await;
    assert!(page.body.contains("Name is required."), "the error is on the form");
    assert!(
        page.body.contains(r#"value="Answers questions""#),
        "what was typed is kept"
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM services").await, 0);

    let accepted = [("name", "Support bot"), ("kind", "rag_site"), ("description", "")];
    let response = app.form_post("/api/fn/create_service", &accepted, &auth).await;
    let location = response.header("location").to_owned();
    let service = location.strip_prefix("/services/").expect(&location).to_owned();
    let page = app.get_with(&location, &auth).await;
    assert!(page.body.contains("Support bot") && page.body.contains("RAG site"));
    assert!(!page.body.contains("Resume"), "an active service offers to pause");

    let pause = [("id", service.as_str()), ("status", "paused")];
    let response = app.form_post("/api/fn/set_service_status", &pause, &auth).await;
    assert_eq!(response.header("location"), location, "back to the service's page");
    let paused = "SELECT count(*) AS n FROM services WHERE status = 'paused'";
    assert_eq!(app.count(paused).await, 1);
    let page = app.get_with(&location, &auth).await;
    assert!(page.body.contains("Resume"), "a paused service offers to resume");
}

/// The key panel's plain forms: a new key shows whole on its service's page until its owner says
/// it is copied (or revokes it), never on another page, and only its hash is kept after that.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_forms_show_a_new_key_until_it_is_copied() {
    let app = TestApp::new().await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let service = create_service(&app, &token, "Support bot").await;
    let other = create_service(&app, &token, "Sales bot").await;
    let cookie = format!("ragsites_session={token}");
    let auth = [("cookie", cookie.as_str())];
    let page = format!("/services/{service}");

    let long = "k".repeat(101);
    let refused = app
        .form_post(
            "/api/fn/create_key",
            &[("service_id", &service), ("name", &long)],
            &auth,
        )
        .await;
    assert_eq!(refused.header("location"), format!("{page}?form=keys"));
    let answer = format!("{cookie}; {}", refused.flash_cookie());
    let shown = app.get_with(&format!("{page}?form=keys"), &[("cookie", &answer)]).await;
    assert!(shown.body.contains("Key name must be at most 100 characters."));
    assert_eq!(app.count("SELECT count(*) AS n FROM api_keys").await, 0);

    let made = app
        .form_post("/api/fn/create_key", &[("service_id", &service), ("name", "ci")], &auth)
        .await;
    assert_eq!(made.header("location"), format!("{page}?form=keys#api-keys"));
    let shown = app.get_with(&page, &auth).await;
    let key = shown
        .body
        .split(r#"<code data-secret="">"#)
        .nth(1)
        .expect("the new key")
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    assert!(key.starts_with("rsk_"), "{key}");
    assert!(
        shown.body.contains(&format!("Authorization: Bearer {key}")),
        "a ready request"
    );
    assert_eq!(shown.header("cache-control"), "no-store");
    let elsewhere = app.get_with(&format!("/services/{other}"), &auth).await;
    assert!(!elsewhere.body.contains(&key), "not on another service's page");
    assert_eq!(
        post_events(&app, &key, &json!([event("first", app.now(), 100, true)]))
            .await
            .status,
        StatusCode::ACCEPTED,
        "the key shown works"
    );

    let copied = app
        .form_post("/api/fn/dismiss_key", &[("service_id", &service)], &auth)
        .await;
    assert_eq!(copied.header("location"), format!("{page}?form=keys#api-keys"));
    let after = app.get_with(&page, &auth).await;
    assert!(!after.body.contains(&key) && !after.body.contains("data-secret"));
    assert_eq!(after.header("cache-control"), "private, no-cache");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM api_keys WHERE to_show IS NOT NULL")
            .await,
        0
    );

    let key_id = app.text("SELECT id::text AS t FROM api_keys").await;
    let revoked = app
        .form_post(
            "/api/fn/revoke_key",
            &[("service_id", &service), ("key_id", &key_id)],
            &auth,
        )
        .await;
    assert_eq!(revoked.header("location"), format!("{page}?form=keys#api-keys"));
    assert!(app.get_with(&page, &auth).await.body.contains("revoked"));
    assert_eq!(
        post_events(&app, &key, &json!([event("second", app.now(), 100, true)]))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}
