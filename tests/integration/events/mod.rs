//! The event explorer: its filters, keyset pages, checks, pages and who may see what.

mod filters;
mod pages;

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::calls::bearer;
use crate::support::services::{Client, event, post_events};

/// One event as the tests describe it.
#[derive(Clone, Copy)]
struct Spec {
    id: &'static str,
    minutes_ago: i64,
    /// `None`: a success.
    error_kind: Option<&'static str>,
    model: &'static str,
    end_user: Option<&'static str>,
    conversation: Option<&'static str>,
    channel: Option<&'static str>,
    feedback: Option<i64>,
}

impl Spec {
    fn at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - Duration::minutes(self.minutes_ago)
    }

    fn json(&self, now: DateTime<Utc>) -> Value {
        let mut e = event(self.id, self.at(now), 120, self.error_kind.is_none());
        e["model"] = json!(self.model);
        if let Some(kind) = self.error_kind {
            e["error_kind"] = json!(kind);
        }
        for (name, value) in [
            ("end_user", self.end_user),
            ("conversation_id", self.conversation),
            ("channel", self.channel),
        ] {
            if let Some(value) = value {
                e[name] = json!(value);
            }
        }
        if let Some(feedback) = self.feedback {
            e["feedback"] = json!(feedback);
        }
        e
    }
}

/// Sends `specs` with the client's key.
async fn send(app: &TestApp, client: &Client, specs: &[Spec]) {
    let now = app.now();
    let events: Vec<Value> = specs.iter().map(|s| s.json(now)).collect();
    let sent = post_events(app, &client.key, &json!(events)).await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{}", sent.body);
    assert_eq!(sent.json()["accepted"], specs.len(), "{}", sent.body);
}

/// `GET /api/v1/services/{service}/events?{query}` as the holder of `token`.
async fn list(app: &TestApp, token: &str, service: &str, query: &str) -> crate::support::TestResponse {
    app.get_with(
        &format!("/api/v1/services/{service}/events?{query}"),
        &[("authorization", &bearer(token))],
    )
    .await
}

/// The ids of a list answer, in its order.
fn ids(answer: &Value) -> Vec<String> {
    answer["events"]
        .as_array()
        .unwrap_or_else(|| panic!("events: {answer}"))
        .iter()
        .map(|e| e["event_id"].as_str().expect("an id").to_owned())
        .collect()
}

/// A page as the browser asks for it, with the session cookie.
async fn page(app: &TestApp, token: &str, path: &str) -> crate::support::TestResponse {
    app.get_with(path, &[("cookie", &format!("ragsites_session={token}"))])
        .await
}
