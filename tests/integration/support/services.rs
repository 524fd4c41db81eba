//! A client with services and keys, and the events their keys send.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{PASSWORD, TestApp, TestResponse};

/// A client with one service and a key for it.
pub struct Client {
    pub token: String,
    pub service: String,
    pub key: String,
}

/// Registers a client at `email` with a service named `service` and a key for it.
pub async fn client(app: &TestApp, email: &str, service: &str) -> Client {
    let token = app.register("Client", email, PASSWORD).await;
    let service = create_service(app, &token, service).await;
    let key = create_key(app, &token, &service).await;
    Client { token, service, key }
}

/// Creates a chatbot service through the REST API and returns its id.
pub async fn create_service(app: &TestApp, token: &str, name: &str) -> String {
    let bearer = format!("Bearer {token}");
    let body = json!({ "name": name, "kind": "chatbot", "config": { "description": "test" } });
    let response = app
        .json("POST", "/api/v1/services", &body, &[("authorization", &bearer)])
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response.json()["id"].as_str().unwrap().to_owned()
}

/// Creates a key for `service` and returns its secret.
pub async fn create_key(app: &TestApp, token: &str, service: &str) -> String {
    let response = post_key(app, token, service).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    let key = response.json()["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("rsk_"));
    key
}

/// Asks the REST API for a new key for `service`: the whole answer.
pub async fn post_key(app: &TestApp, token: &str, service: &str) -> TestResponse {
    let bearer = format!("Bearer {token}");
    app.json(
        "POST",
        &format!("/api/v1/services/{service}/keys"),
        &json!({}),
        &[("authorization", &bearer)],
    )
    .await
}

/// Sends a batch with `key`, as a client's service does.
pub async fn post_events(app: &TestApp, key: &str, events: &Value) -> TestResponse {
    let request = axum::http::Request::post("/api/v1/events")
        .header("host", "portal.test")
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(json!({ "events": events }).to_string()))
        .unwrap();
    app.send(request).await
}

/// Rates an event with `key`, as a client's service does for its end user.
pub async fn post_feedback(app: &TestApp, key: &str, rating: &Value) -> TestResponse {
    let request = axum::http::Request::post("/api/v1/feedback")
        .header("host", "portal.test")
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(rating.to_string()))
        .unwrap();
    app.send(request).await
}

/// One event at `at`: a success, or an error of kind `timeout`.
pub fn event(id: &str, at: DateTime<Utc>, latency: u32, ok: bool) -> Value {
    let mut e = json!({ "id": id, "timestamp": at.to_rfc3339(), "latency_ms": latency,
        "status": if ok { "success" } else { "error" }, "model": "model-a", "tokens_in": 10, "tokens_out": 5, "cost_usd": 0.001 });
    if !ok {
        e["error_kind"] = json!("timeout");
    }
    e
}

/// The analytics summary for `query`, as the client with `token` sees it.
pub async fn summary(app: &TestApp, token: &str, query: &str) -> TestResponse {
    app.get_with(
        &format!("/api/v1/analytics/summary?{query}"),
        &[("authorization", &format!("Bearer {token}"))],
    )
    .await
}
