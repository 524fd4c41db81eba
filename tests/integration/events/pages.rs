//! One event whole, one conversation in order, the pages that show them, and who may see them.

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::json;

use super::{Spec, list, page, send};
use crate::support::TestApp;
use crate::support::calls::bearer;
use crate::support::services::{client, event, post_events};

const fn turn(id: &'static str, minutes_ago: i64, feedback: Option<i64>) -> Spec {
    Spec {
        id,
        minutes_ago,
        error_kind: None,
        model: "model-a",
        end_user: Some("ann"),
        conversation: Some("chat 7/ä"),
        channel: Some("phone"),
        feedback,
    }
}

/// A conversation of three turns sent out of order, one of them failed.
const TURNS: [Spec; 3] = [
    turn("t2", 20, Some(-1)),
    Spec {
        error_kind: Some("timeout"),
        ..turn("t3", 10, None)
    },
    turn("t1", 30, Some(1)),
];

fn encode(text: &str) -> String {
    ragsites_portal::ui::format::url_component(text)
}

async fn get(app: &TestApp, token: &str, path: &str) -> crate::support::TestResponse {
    app.get_with(path, &[("authorization", &bearer(token))]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_and_a_conversation_are_shown_whole() {
    let app = TestApp::new().await;
    let ada = client(&app, "ada@example.com", "Voice agent").await;
    send(&app, &ada, &TURNS).await;
    let now = app.now();
    // An id with characters a URL must escape; sent again with a later timestamp, it is a
    // second row: the earliest is the event.
    let odd = "call #1/ü?x=1";
    let mut first = event(odd, now - Duration::hours(2), 640, true);
    first["duration_ms"] = json!(93_000);
    first["end_user"] = json!("+33 6 12");
    let again = event(odd, now - Duration::hours(1), 10, true);
    for e in [first, again] {
        assert_eq!(
            post_events(&app, &ada.key, &json!([e])).await.status,
            StatusCode::ACCEPTED
        );
    }
    let commented = app
        .count(
            "WITH u AS (UPDATE events SET feedback = 1, feedback_comment = 'Spot on, thanks' \
             WHERE event_id = 't1' RETURNING 1) SELECT count(*) AS n FROM u",
        )
        .await;
    assert_eq!(commented, 1);

    let base = format!("/api/v1/services/{}", ada.service);
    let shown = get(&app, &ada.token, &format!("{base}/events/{}", encode(odd))).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    let shown = shown.json();
    assert_eq!(shown["event_id"], odd);
    assert_eq!(shown["latency_ms"], 640, "the earliest of the two rows");
    assert_eq!(
        (&shown["duration_ms"], &shown["end_user"]),
        (&json!(93_000), &json!("+33 6 12"))
    );
    let t1 = get(&app, &ada.token, &format!("{base}/events/t1")).await.json();
    assert_eq!(
        (&t1["feedback"], &t1["feedback_comment"]),
        (&json!(1), &json!("Spot on, thanks"))
    );
    assert_eq!(
        get(&app, &ada.token, &format!("{base}/events/nope")).await.status,
        StatusCode::NOT_FOUND
    );

    let conversation = get(
        &app,
        &ada.token,
        &format!("{base}/conversations/{}", encode("chat 7/ä")),
    )
    .await;
    assert_eq!(conversation.status, StatusCode::OK, "{}", conversation.body);
    let c = conversation.json();
    let order: Vec<&str> = c["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["t1", "t2", "t3"], "oldest first");
    assert_eq!(c["turns"], 3);
    assert_eq!(c["errors"], 1);
    assert_eq!(c["span_ms"], 20 * 60 * 1000);
    assert_eq!((&c["tokens_in"], &c["tokens_out"]), (&json!(30), &json!(15)));
    assert!(
        (c["cost_usd"].as_f64().unwrap() - 0.003).abs() < 1e-9,
        "{}",
        c["cost_usd"]
    );
    assert_eq!((&c["end_users"], &c["channels"]), (&json!(["ann"]), &json!(["phone"])));
    assert_eq!(
        get(&app, &ada.token, &format!("{base}/conversations/other"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The pages, without JavaScript: the list links each event and conversation, which open.
    let service_page = page(&app, &ada.token, &format!("/services/{}", ada.service)).await;
    assert!(
        service_page
            .body
            .contains(&format!("href=\"/services/{}/events\"", ada.service))
    );
    let listed = page(&app, &ada.token, &format!("/services/{}/events", ada.service)).await;
    assert_eq!(listed.status, StatusCode::OK);
    let event_href = format!("/services/{}/events/{}", ada.service, encode(odd));
    let conversation_href = format!("/services/{}/conversations/{}", ada.service, encode("chat 7/ä"));
    assert!(listed.body.contains(&event_href), "{}", listed.body);
    assert!(listed.body.contains(&conversation_href));
    let whole = page(&app, &ada.token, &event_href).await;
    assert_eq!(whole.status, StatusCode::OK, "{}", whole.body);
    for text in ["call #1/ü?x=1", "640 ms", "+33 6 12", "93.0 s"] {
        assert!(whole.body.contains(text), "{text}: {}", whole.body);
    }
    let commented = page(&app, &ada.token, &format!("/services/{}/events/t1", ada.service)).await;
    assert!(commented.body.contains("Spot on, thanks"));
    let talk = page(&app, &ada.token, &conversation_href).await;
    assert_eq!(talk.status, StatusCode::OK, "{}", talk.body);
    let at = |id: &str| {
        talk.body
            .find(&format!("/events/{id}\""))
            .unwrap_or_else(|| panic!("{id} listed: {}", talk.body))
    };
    assert!(at("t1") < at("t2") && at("t2") < at("t3"), "oldest first");
    assert!(
        talk.body.contains("Turns") && talk.body.contains("$0.0030"),
        "{}",
        talk.body
    );
    let missing = page(&app, &ada.token, &format!("/services/{}/events/nope", ada.service)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_clients_service_event_or_conversation_is_not_found() {
    let app = TestApp::new().await;
    let ada = client(&app, "ada@example.com", "Ada's bot").await;
    send(&app, &ada, &TURNS).await;
    let bob = client(&app, "bob@example.com", "Bob's bot").await;
    send(&app, &bob, &TURNS[..1]).await;
    let unknown = uuid::Uuid::new_v4().to_string();
    let conversation = encode("chat 7/ä");
    // Bob asks for Ada's things through Ada's service id and through his own: each answer is
    // the one a service, event or conversation that does not exist gets.
    let asks = |service: &str| {
        [
            format!("/api/v1/services/{service}/events"),
            format!("/api/v1/services/{service}/events?status=error"),
            format!("/api/v1/services/{service}/events/t3"),
            format!("/api/v1/services/{service}/conversations/{conversation}"),
        ]
    };
    for (theirs, nobodys) in asks(&ada.service).into_iter().zip(asks(&unknown)) {
        let theirs_answer = get(&app, &bob.token, &theirs).await;
        let nobodys_answer = get(&app, &bob.token, &nobodys).await;
        assert_eq!(theirs_answer.status, StatusCode::NOT_FOUND, "{theirs}");
        assert_eq!(theirs_answer.body, nobodys_answer.body, "{theirs}");
        let page_path = theirs.replace("/api/v1", "");
        let html = page(&app, &bob.token, &page_path).await;
        assert_eq!(html.status, StatusCode::NOT_FOUND, "{page_path}");
        assert!(!html.body.contains("Ada's bot"));
    }
    // Through Bob's own service, Ada's event is simply not there.
    let through_his = get(&app, &bob.token, &format!("/api/v1/services/{}/events/t3", bob.service)).await;
    let no_such = get(&app, &bob.token, &format!("/api/v1/services/{}/events/t9", bob.service)).await;
    assert_eq!(through_his.status, StatusCode::NOT_FOUND);
    assert_eq!(through_his.body, no_such.body);
    let own = list(&app, &bob.token, &bob.service, "").await.json();
    assert_eq!(super::ids(&own), ["t2"], "Bob's own event only");
    // The conversation Bob holds under the same id is his own one turn.
    let his = get(
        &app,
        &bob.token,
        &format!("/api/v1/services/{}/conversations/{conversation}", bob.service),
    )
    .await;
    assert_eq!(his.json()["turns"], 1);

    // An admin sees every client's events, as every service.
    let promoted = app
        .count(
            "WITH u AS (UPDATE users SET role = 'admin' WHERE email = 'bob@example.com' RETURNING 1) \
             SELECT count(*) AS n FROM u",
        )
        .await;
    assert_eq!(promoted, 1);
    let seen = list(&app, &bob.token, &ada.service, "").await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    assert_eq!(super::ids(&seen.json()), ["t3", "t2", "t1"]);
}
