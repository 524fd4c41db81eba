//! Calls as the settings and admin pages make them: server functions, sign-in, the REST API.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{TestApp, TestResponse};

/// Calls server function `name` with form `fields`, as the enhanced page does.
pub async fn call(app: &TestApp, name: &str, fields: &[(&str, &str)], token: &str) -> TestResponse {
    app.server_fn(name, serde_urlencoded::to_string(fields).unwrap(), token)
        .await
}

/// Signs in through the REST API.
pub async fn login(app: &TestApp, email: &str, password: &str) -> TestResponse {
    app.json(
        "POST",
        "/api/auth/login",
        &json!({ "email": email, "password": password }),
        &[],
    )
    .await
}

/// An `Authorization` header's value for `token`.
pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A JSON `PUT` with `token`.
pub async fn put(app: &TestApp, path: &str, body: Value, token: &str) -> TestResponse {
    app.json("PUT", path, &body, &[("authorization", &bearer(token))]).await
}

/// The message on field `name` of a 422, as the REST API (`error`) or a server function
/// (the serialized `AppError`) writes it.
pub fn field(response: &TestResponse, name: &str) -> String {
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.body);
    let json = response.json();
    json["error"]["fields"][name]
        .as_str()
        .or(json["Validation"]["fields"][name].as_str())
        .unwrap_or_else(|| panic!("a message on {name}: {}", response.body))
        .to_owned()
}
