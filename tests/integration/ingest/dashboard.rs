//! The live figures and the dashboard: updates across processes, the dashboard's server
//! functions, and its page.

use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use axum::http::StatusCode;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::support::services::{client, event, post_events};
use crate::support::{TestApp, database_url};

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

/// Waits until the app's listener has begun to listen `times` times (reconnects included).
async fn listening(app: &TestApp, times: u64) {
    let mut listening = app.state.changes.listening();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        listening.wait_for(|&count| count >= times),
    )
    .await
    .unwrap_or_else(|_| panic!("the listener began to listen {times} times within 10 s"))
    .expect("the listener's signal is open");
}

/// A process's own view of the dashboard, as the page loads it.
async fn dashboard(app: &TestApp, token: &str) -> Value {
    let data = app.server_fn("load_dashboard", "query[range]=24h".into(), token).await;
    assert_eq!(data.status, StatusCode::OK, "{}", data.body);
    data.json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_counters_follow_batches_from_another_server_process() {
    use tower::ServiceExt;
    // Two "processes": two apps with their own pools and LISTEN connections on one database.
    let ingesting = TestApp::new().await;
    let url = crate::support::database_url(&ingesting.db_name);
    let pool = ragsites_portal::server::db::connect(&url, 2).await.unwrap();
    let watching = TestApp::with_pool(pool, ingesting.db_name.clone());
    watching.state.changes.spawn_listener(url);

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
    let dashboard_total = async || dashboard(&watching, &c.token).await["summary"]["total_requests"].clone();
    assert_eq!(dashboard_total().await, 0);
    let mut body = response.into_body();
    assert_eq!(next_summary(&mut body).await["total_requests"], 0);
    // The listener connects in the background: a batch committed before it listens goes unheard.
    listening(&watching, 1).await;

    post_events(
        &ingesting,
        &c.key,
        &json!([event("live-1", ingesting.now(), 120, true)]),
    )
    .await;
    assert_eq!(
        next_summary(&mut body).await["total_requests"],
        1,
        "the other process saw the batch"
    );
    assert_eq!(dashboard_total().await, 1, "the cached figures were dropped");
    post_events(
        &ingesting,
        &c.key,
        &json!([event("live-2", ingesting.now(), 80, false)]),
    )
    .await;
    let latest = next_summary(&mut body).await;
    assert_eq!(latest["total_requests"], 2);
    assert_eq!(latest["success_rate"], 0.5);
    assert_eq!(dashboard_total().await, 2);
    watching.state.changes.shut_down();
}

/// Pausing a service changes its figures (its status is part of them): the cached ones go at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pausing_a_service_drops_its_cached_figures() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    post_events(&app, &c.key, &json!([event("e", app.now(), 100, true)])).await;
    let before = dashboard(&app, &c.token).await;
    assert_eq!(before["breakdown"]["services"][0]["status"], "active");
    assert_eq!(before["summary"]["total_requests"], 1);
    let paused = app
        .json(
            "PATCH",
            &format!("/api/v1/services/{}", c.service),
            &json!({ "status": "paused" }),
            &[("authorization", &format!("Bearer {}", c.token))],
        )
        .await;
    assert_eq!(paused.status, StatusCode::OK, "{}", paused.body);
    let refused = post_events(&app, &c.key, &json!([event("late", app.now(), 100, true)])).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let after = dashboard(&app, &c.token).await;
    assert_eq!(after["breakdown"]["services"][0]["status"], "paused");
    assert_eq!(
        after["summary"]["total_requests"], 1,
        "the refused batch counts nothing"
    );
}

/// A listener that lost its connection may have missed changes: when it listens again, every
/// cached figure goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_reconnect_drops_every_cached_figure() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    post_events(&app, &c.key, &json!([event("e", app.now(), 100, true)])).await;
    // Listening only from now on, no notification of the above can arrive and drop the cache.
    app.state
        .changes
        .spawn_listener(crate::support::database_url(&app.db_name));
    listening(&app, 1).await;
    assert_eq!(
        dashboard(&app, &c.token).await["breakdown"]["services"][0]["name"],
        "Bot"
    );

    // A change that announces nothing: the cached figures still show the old name.
    let mut conn = app.state.pool.get().await.unwrap();
    diesel::sql_query("UPDATE services SET name = 'Renamed unheard'")
        .execute(&mut conn)
        .await
        .unwrap();
    drop(conn);
    let cached = dashboard(&app, &c.token).await;
    assert_eq!(
        cached["breakdown"]["services"][0]["name"], "Bot",
        "served from the cache"
    );

    let listener = format!(
        "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND query = 'LISTEN {}'",
        ragsites_portal::changes::CHANNEL
    );
    assert_eq!(app.count(&listener).await, 1, "one listening connection, ended");
    listening(&app, 2).await;
    let fresh = dashboard(&app, &c.token).await;
    assert_eq!(fresh["breakdown"]["services"][0]["name"], "Renamed unheard");
    assert_eq!(fresh["summary"]["total_requests"], 1);
    app.state.changes.shut_down();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_server_function_is_scoped_to_the_user() {
    let app = TestApp::new().await;
    let a = client(&app, "a@example.com", "A bot").await;
    let b = client(&app, "b@example.com", "B bot").await;
    post_events(&app, &a.key, &json!([event("x", app.now(), 100, true)])).await;
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
    post_events(&app, &a.key, &json!([event("y", app.now(), 100, false)])).await;
    let after = call(&a.token, "query[range]=24h".into()).await.json();
    assert_eq!(after["summary"]["total_requests"], 2);
    assert_eq!(after["breakdown"]["services"][0]["errors"], 1);
    // So does a change to the service itself: its name is part of the figures.
    let renamed = app
        .json(
            "PATCH",
            &format!("/api/v1/services/{}", a.service),
            &json!({ "name": "Renamed" }),
            &[("authorization", &format!("Bearer {}", a.token))],
        )
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
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_figures_are_rendered_for_their_owner_only() {
    let app = TestApp::new().await;
    // The page puts this HTML in place with innerHTML: what a client typed must arrive escaped.
    let a = client(&app, "a@example.com", "A <img src=x onerror=alert(1)> bot").await;
    let b = client(&app, "b@example.com", "B bot").await;
    post_events(
        &app,
        &a.key,
        &json!([event("x", app.now(), 100, true), event("y", app.now(), 300, false)]),
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

/// Messages of the panics in this process that report a reactive value read after its owner
/// was disposed, from the first call on (a panic in a spawned task fails no test by itself).
fn disposal_panics() -> &'static Mutex<Vec<String>> {
    static SEEN: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    SEEN.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info.to_string();
            if message.contains("disposed")
                && let Some(seen) = SEEN.get()
            {
                seen.lock().unwrap_or_else(PoisonError::into_inner).push(message);
            }
            previous(info);
        }));
        Mutex::new(Vec::new())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dashboard_render_abandoned_midway_leaves_nothing_behind() {
    // A page's reactive owner is disposed when its request goes away (a client that leaves, a
    // proxy timeout); the page's data keeps loading in a task of its own. The disposal panic
    // this guards against is a reactive value read by such work after the disposal. Here the
    // request is dropped at a chosen point: while the figures' query waits on a locked table.
    let panics_before = disposal_panics().lock().unwrap().len();
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    post_events(&app, &c.key, &json!([event("e", app.now(), 100, true)])).await;
    let cookie = format!("ragsites_session={}", c.token);

    let mut locker = AsyncPgConnection::establish(&database_url(&app.db_name)).await.unwrap();
    locker.begin_test_transaction().await.unwrap();
    diesel::sql_query("LOCK TABLE user_preferences IN ACCESS EXCLUSIVE MODE")
        .execute(&mut locker)
        .await
        .unwrap();
    let blocked = async {
        let deadline = Instant::now() + Duration::from_secs(10);
        while app
            .count("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%user_preferences%'")
            .await
            == 0
        {
            assert!(Instant::now() < deadline, "the page's query never waited on the lock");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    let headers = [("cookie", cookie.as_str())];
    tokio::select! {
        page = app.get_with("/dashboard?range=24h", &headers) => {
            panic!("the page was sent while its data could not be read: {}", page.status)
        }
        () = blocked => {}
    }
    // The request is gone; its query goes on once the table is free, then gives its connection
    // back: the pool idle again is the sign that the abandoned work has ended.
    drop(locker);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let pool = app.state.pool.state();
        if pool.connections == pool.idle_connections {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the abandoned page's query never ended: {pool:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let page = app.get_with("/dashboard?range=24h", &headers).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("</html>"), "a whole page");
    assert!(
        page.body.contains("1 requests in the last 24 hours"),
        "with its figures"
    );
    let panics = disposal_panics().lock().unwrap()[panics_before..].to_vec();
    assert!(panics.is_empty(), "a disposed value was read: {panics:#?}");
}

/// The statements a request costs in the test's database, counted by `pg_stat_statements`.
async fn statements_of(app: &TestApp, request: impl AsyncFnOnce()) -> i64 {
    let mut conn = AsyncPgConnection::establish(&database_url(&app.db_name)).await.unwrap();
    diesel::sql_query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::sql_query("SELECT pg_stat_statements_reset()")
        .execute(&mut conn)
        .await
        .unwrap();
    request().await;
    #[derive(diesel::QueryableByName)]
    struct Calls {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(
        "SELECT coalesce(sum(calls), 0)::bigint AS n FROM pg_stat_statements \
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND query NOT LIKE '%pg_stat_statements%'",
    )
    .get_result::<Calls>(&mut conn)
    .await
    .unwrap()
    .n
}

/// The dashboard reads its figures in one pass: a view costs a fixed number of statements,
/// whatever the number of services, cards, charts and tables, and fewer once its figures are
/// cached. A part of the page that queried on its own would show here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dashboard_view_costs_a_fixed_number_of_queries() {
    let app = TestApp::new().await;
    let ada = client(&app, "ada@example.com", "Support bot").await;
    let cookie = format!("ragsites_session={}", ada.token);
    let view = async |range: &str| {
        let page = app
            .get_with(&format!("/dashboard?range={range}"), &[("cookie", &cookie)])
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    };
    // The first view of a process also reads what it keeps from then on (the time zone names).
    view("7d").await;
    let mut counts = Vec::new();
    // (A client with a single service has its top end users read too: its window is of one.)
    for more in [1, 3] {
        for n in 0..more {
            let name = format!("Bot {}-{n}", counts.len());
            crate::support::services::create_service(&app, &ada.token, &name).await;
        }
        let services = counts.len() + 1;
        post_events(
            &app,
            &ada.key,
            &json!([event(&format!("e{services}"), app.now(), 100, true)]),
        )
        .await;
        let first = statements_of(&app, async || view("24h").await).await;
        let repeated = statements_of(&app, async || view("24h").await).await;
        counts.push((first, repeated));
    }
    assert_eq!(counts[0], counts[1], "the same with 2 and 5 services: {counts:?}");
    let (first, repeated) = counts[0];
    assert!(repeated < first, "cached figures cost fewer: {counts:?}");
    assert_eq!(
        (first, repeated),
        (20, 10),
        "the statements of a view (its figures computed, then cached)"
    );

    // Widgets read nothing of their own: a layout with custom metrics drawn over time costs one
    // statement more (each service's series, read once for all of them), however many it holds.
    let widget = |i: usize| match i % 4 {
        0 => json!({"type": "metric", "title": format!("M{i}"), "size": 2, "figure": "cost", "display": "line",
            "services": [ada.service]}),
        1 => json!({"type": "metric", "title": format!("N{i}"), "size": 1, "figure": "errors"}),
        2 => json!({"type": "chart", "title": format!("C{i}"), "size": 2, "chart": "latency"}),
        _ => json!({"type": "breakdown", "title": format!("B{i}"), "size": 4, "by": "models"}),
    };
    let bearer = format!("Bearer {}", ada.token);
    let save = async |widgets: Vec<Value>| {
        let layout = json!({"version": 1, "widgets": widgets});
        let saved = app
            .json(
                "PUT",
                "/api/v1/dashboard/layout",
                &layout,
                &[("authorization", &bearer)],
            )
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    };
    let mut with_widgets = Vec::new();
    for n in [2, 24] {
        save((0..n).map(widget).collect()).await;
        with_widgets.push(statements_of(&app, async || view("24h").await).await);
    }
    assert_eq!(with_widgets, [repeated + 1, repeated + 1], "2 widgets, then 24");

    // Widgets with periods of their own cost one pass of figures per period, not per widget:
    // 24 widgets over the view's period, 7 and 30 days read two periods more (computed once,
    // then cached), each period's series of each service once, and the annotations of the two
    // periods their charts mark.
    let periods = [None, Some("7d"), Some("30d")];
    let widgets: Vec<Value> = (0..24)
        .map(|i| {
            let mut w = widget(i);
            if let Some(range) = periods[i % 3] {
                w["range"] = json!(range);
            }
            w
        })
        .collect();
    save(widgets).await;
    let computed = statements_of(&app, async || view("24h").await).await;
    let cached = statements_of(&app, async || view("24h").await).await;
    assert_eq!(
        cached,
        repeated + 3 + 2,
        "three periods' series of each service, and two periods' annotations"
    );
    assert_eq!(
        computed,
        cached + 2 * (first - repeated),
        "two periods more computed once"
    );
}
