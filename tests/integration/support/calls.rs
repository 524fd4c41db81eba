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

/// Signs in through the REST API and returns the new session's token.
pub async fn login_token(app: &TestApp, email: &str, password: &str) -> String {
    let response = login(app, email, password).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()["token"].as_str().expect("a token").to_owned()
}

/// Signs the session of `token` out through the REST API.
pub async fn sign_out(app: &TestApp, token: &str) {
    let response = app
        .json(
            "POST",
            "/api/auth/logout",
            &json!({}),
            &[("authorization", &bearer(token))],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
}

/// What `GET /api/auth/verify` answers for `token`.
pub async fn verify(app: &TestApp, token: &str) -> StatusCode {
    app.get_with("/api/auth/verify", &[("authorization", &bearer(token))])
        .await
        .status
}

/// The fields of the password change form.
pub fn password_change<'a>(current: &'a str, new: &'a str, confirm: &'a str) -> [(&'static str, &'a str); 3] {
    [
        ("current_password", current),
        ("new_password", new),
        ("confirm_password", confirm),
    ]
}

/// Signs in through the plain form, as a browser without JavaScript does (a refused one comes
/// back with a flash cookie).
pub async fn sign_in_form(app: &TestApp, email: &str, password: &str) -> TestResponse {
    app.form_post("/api/fn/sign_in", &[("email", email), ("password", password)], &[])
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
