//! Live streams end with their session (sign-out, sign-out everywhere else, expiry), in this
//! process and in another one on the same database, and their number is capped.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::calls::{login_token, password_change, sign_out};
use crate::support::live::{Live, WITHIN, listen, live_request};
use crate::support::services::{Client, client, event, post_events};
use crate::support::{PASSWORD, TestApp, database_url};

/// A new app whose listener listens, and a client with a service and a key.
async fn listening_app() -> (TestApp, Client) {
    let app = TestApp::new().await;
    listen(&app).await;
    let client = client(&app, "a@example.com", "Bot").await;
    (app, client)
}

/// Sends one event through `app` with `key`, and `live` shows it within `WITHIN`.
async fn assert_follows_a_new_event(app: &TestApp, key: &str, live: &mut Live, why: &str) {
    post_events(app, key, &json!([event("new", app.now(), 100, true)])).await;
    assert_eq!(live.summary(WITHIN).await["total_requests"], 1, "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_ends_the_sessions_live_streams_within_a_second() {
    let (app, c) = listening_app().await;
    let laptop = login_token(&app, "a@example.com", PASSWORD).await;
    let (first, second) = (
        Live::open(&app, live_request(&c.token)).await,
        Live::open(&app, live_request(&c.token)).await,
    );
    let mut other = Live::open(&app, live_request(&laptop)).await;
    assert_eq!(app.state.changes.slots().open_count(), 3);

    sign_out(&app, &c.token).await;
    assert_eq!(first.ended().await, "signed_out");
    assert_eq!(second.ended().await, "signed_out");
    assert_eq!(app.state.changes.slots().open_count(), 1, "their slots are free");
    assert_follows_a_new_event(&app, &c.key, &mut other, "another session's stream goes on").await;
    app.state.changes.shut_down();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_everywhere_else_and_a_new_password_end_the_other_streams() {
    let (app, c) = listening_app().await;
    let phone = login_token(&app, "a@example.com", PASSWORD).await;
    let mut own = Live::open(&app, live_request(&c.token)).await;
    let elsewhere = Live::open(&app, live_request(&phone)).await;
    let revoked = app.server_fn("revoke_other_sessions", String::new(), &c.token).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    assert_eq!(elsewhere.ended().await, "signed_out");

    let tablet = login_token(&app, "a@example.com", PASSWORD).await;
    let elsewhere = Live::open(&app, live_request(&tablet)).await;
    let new_password = "N3w!password";
    let changed = app
        .server_fn(
            "change_password",
            serde_urlencoded::to_string(password_change(PASSWORD, new_password, new_password)).unwrap(),
            &c.token,
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(elsewhere.ended().await, "signed_out");

    assert_follows_a_new_event(&app, &c.key, &mut own, "the kept session's stream goes on").await;
    app.state.changes.shut_down();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_stream_ends_when_its_session_expires() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let live = Live::open(&app, live_request(&c.token)).await;
    app.advance(app.state.config.jwt_expires_in);
    assert_eq!(live.ended().await, "expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_on_another_process_follows_its_events_and_ends_with_its_session() {
    // Two "processes": two apps with their own pools and listeners on one database.
    let a = TestApp::new().await;
    let url = database_url(&a.db_name);
    let pool = ragsites_portal::server::db::connect(&url, 2).await.unwrap();
    let b = TestApp::with_pool(pool, a.db_name.clone());
    listen(&a).await;
    listen(&b).await;
    let c = client(&a, "a@example.com", "Bot").await;
    let mut on_b = Live::open(&b, live_request(&c.token)).await;

    assert_follows_a_new_event(&a, &c.key, &mut on_b, "B's stream shows A's batch").await;
    sign_out(&a, &c.token).await;
    assert_eq!(on_b.ended().await, "signed_out", "A's sign-out ends B's stream");
    assert_eq!(b.state.changes.slots().open_count(), 0);
    a.state.changes.shut_down();
    b.state.changes.shut_down();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_live_streams_are_capped_per_user_and_per_process() {
    let app = TestApp::with_config(|config| {
        config.live_streams_per_user = 2;
        config.live_streams_max = 3;
    })
    .await;
    let (a, b, c) = (
        app.register("A", "a@example.com", PASSWORD).await,
        app.register("B", "b@example.com", PASSWORD).await,
        app.register("C", "c@example.com", PASSWORD).await,
    );
    let refused = async |token: &str| {
        let response = app.send(live_request(token)).await;
        assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS, "{}", response.body);
        assert_eq!(response.header("retry-after"), "30");
        assert_eq!(response.json()["error"]["code"], "too_many_streams");
    };
    let first = Live::open(&app, live_request(&a)).await;
    let _second = Live::open(&app, live_request(&a)).await;
    refused(&a).await;
    let _b = Live::open(&app, live_request(&b)).await;
    refused(&c).await;
    drop(first);
    assert_eq!(
        app.state.changes.slots().open_count(),
        2,
        "a closed stream frees its place"
    );
    let _c = Live::open(&app, live_request(&c)).await;
    refused(&a).await;
}
