//! Tenant isolation at every entry point: each REST route, server function and page the app has
//! is in one table, and client B, calling it with client A's ids, gets the answer an unknown id
//! gets and changes nothing of A's; what B lists is exactly B's own.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use diesel_async::RunQueryDsl;
use http_body_util::BodyExt;
use ragsites_portal::app::App;
use ragsites_portal::server::http::rest_routes;
use serde_json::{Value, json};
use tower::ServiceExt;
use uuid::Uuid;

use crate::support::services::{client, event, post_events};
use crate::support::{PASSWORD, TestApp};

/// What client B can know of A's: everything A owns is found by these ids.
#[derive(Clone)]
struct Ids {
    user: String,
    service: String,
    key: String,
    session: String,
    plan: String,
    /// The first event of the service's and its conversation.
    event: String,
    conversation: String,
    annotation: String,
    share_link: String,
}

impl Ids {
    fn unknown() -> Self {
        let id = || Uuid::new_v4().to_string();
        Self {
            user: id(),
            service: id(),
            key: id(),
            session: id(),
            plan: id(),
            event: id(),
            conversation: id(),
            annotation: "880001234".into(),
            share_link: id(),
        }
    }

    /// `text` with these ids written as their names and without a page's script nonce (new
    /// for each answer), so that answers that differ only in the ids they echo compare equal.
    fn anonymize(&self, text: &str) -> String {
        let nonce = text
            .split_once("nonce=\"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(nonce, _)| nonce)
            .filter(|nonce| !nonce.is_empty());
        let text = nonce.map_or_else(|| text.to_owned(), |nonce| text.replace(nonce, "{nonce}"));
        [
            (&self.user, "{user}"),
            (&self.service, "{service}"),
            (&self.key, "{key}"),
            (&self.session, "{session}"),
            (&self.plan, "{plan}"),
            (&self.event, "{event}"),
            (&self.conversation, "{conversation}"),
            (&self.annotation, "{annotation}"),
            (&self.share_link, "{share_link}"),
        ]
        .into_iter()
        .fold(text, |text, (id, name)| text.replace(id.as_str(), name))
    }
}

/// One request; pages go with B's cookie, the API with B's token.
struct Call {
    method: Method,
    uri: String,
    body: Payload,
}

enum Payload {
    None,
    Json(Value),
    Form(Vec<(&'static str, String)>),
}

fn get(uri: String) -> Call {
    Call {
        method: Method::GET,
        uri,
        body: Payload::None,
    }
}

fn json_call(method: Method, uri: String, body: Value) -> Call {
    Call {
        method,
        uri,
        body: Payload::Json(body),
    }
}

/// A server function, called as the enhanced pages call it.
fn server_fn(name: &str, fields: &[(&'static str, &str)]) -> Call {
    Call {
        method: Method::POST,
        uri: format!("/api/fn/{name}"),
        body: Payload::Form(fields.iter().map(|&(k, v)| (k, v.to_owned())).collect()),
    }
}

struct Reply {
    status: StatusCode,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("JSON expected ({e}): {}", self.body))
    }
}

/// What B can see of B's own, read from the database just before a listing is checked.
struct Own {
    ids: Ids,
    /// B's audit trail, as sorted action names.
    activity: Vec<String>,
    /// B's live sessions, sorted.
    sessions: Vec<String>,
    /// B's p95 latency alert (A's is 4321).
    alert_p95_latency_ms: i64,
}

enum Case {
    /// Takes no tenant data; the reason says why.
    Open(&'static str),
    /// Names things of A's (the first `Ids`; the second are B's own): B gets `StatusCode`, the
    /// same status and body as for ids that do not exist, and A's data stay as they were.
    Foreign(StatusCode, fn(&Ids, &Ids) -> Vec<Call>),
    /// Takes no id: B's answer holds exactly B's own things (and A's data stay as they were).
    Own(fn() -> Call, fn(&Own, &Reply)),
}

/// Requests in the last 24 hours: A's three, B's two.
const A_REQUESTS: usize = 3;
const B_REQUESTS: i64 = 2;
const A_EMAIL: &str = "alpha@example.com";
const A_SERVICE: &str = "Alpha secret bot";
const A_MODEL: &str = "alpha-only-model";
const A_END_USER: &str = "alpha-end-user";
const B_END_USER: &str = "bravo-end-user";
/// The conversation of A's events (B's are of none).
const A_CONVERSATION: &str = "alpha-conversation";
const A_PEER: &str = "198.51.100.7";
const A_ANNOTATION: &str = "alpha-only annotation";
/// The one widget of A's layout of A's service's page.
const A_LAYOUT_TITLE: &str = "Alpha-only widget";
/// A's annotation's id: distinctive, since answers are compared with every id written as text.
const A_ANNOTATION_ID: &str = "770001234";
const A_SHARE_LABEL: &str = "alpha-only-share-label";
const B_EMAIL: &str = "bravo@example.com";
const B_SERVICE: &str = "Bravo bot";
const B_PEER: &str = "192.0.2.20";

/// Why a share link's routes take no tenant's ids: the token is their only authority.
const SHARED: &str = "the link's token is its only authority and names one owner's view; another service id is 404 \
    (sharing::a_link_shows_its_view_read_only_and_nothing_else)";

fn cases() -> Vec<(&'static str, &'static str, Case)> {
    use Case::{Foreign, Open, Own};
    const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;
    const FORBIDDEN: StatusCode = StatusCode::FORBIDDEN;
    const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;
    vec![
        // REST.
        ("GET", "/healthz", Open("reads no tenant data")),
        ("GET", "/readyz", Open("reads no tenant data")),
        ("POST", "/api/auth/register", Open("creates a new account; takes no id")),
        (
            "POST",
            "/api/auth/forgot-password",
            Open("mails a link to the address given, never says whether it has an account"),
        ),
        (
            "POST",
            "/api/auth/reset-password",
            Open("acts only on the account of the mailed token; takes no id"),
        ),
        (
            "POST",
            "/api/auth/confirm-email",
            Open("acts only on the account of the mailed token; takes no id"),
        ),
        (
            "POST",
            "/api/auth/resend-confirmation",
            Open("mails the caller's own address; takes no id"),
        ),
        (
            "POST",
            "/api/auth/login",
            Open("signs in with an email and a password; takes no id"),
        ),
        (
            "POST",
            "/api/auth/login/2fa",
            Open("completes the sign-in its signed challenge names, with a code of that account; takes no id"),
        ),
        (
            "POST",
            "/api/auth/logout",
            Open("ends the caller's own session; takes no id"),
        ),
        (
            "GET",
            "/api/auth/verify",
            Own(
                || get("/api/auth/verify".into()),
                |_, r| assert_eq!(r.json()["user"]["email"], B_EMAIL),
            ),
        ),
        (
            "POST",
            "/api/user/avatar",
            Open("stores a picture as the caller's own; takes no id"),
        ),
        (
            "GET",
            "/auth/oidc/{provider}",
            Open("starts a sign-in with a provider; takes no id"),
        ),
        (
            "POST",
            "/auth/oidc/{provider}/link",
            Open("links a provider to the caller's own account; takes no id"),
        ),
        (
            "GET",
            "/auth/oidc/{provider}/callback",
            Open("finishes the dance its signed cookie holds; takes no id"),
        ),
        (
            "POST",
            "/api/user/avatar/remove",
            Open("removes the caller's own picture; takes no id"),
        ),
        (
            "GET",
            "/avatars/{user}/{name}",
            Foreign(NOT_FOUND, |a, _| {
                vec![get(format!("/avatars/{}/aaaaaaaaaaaaaaaaaaaaaaaa.png", a.user))]
            }),
        ),
        (
            "POST",
            "/api/auth/refresh",
            Own(
                || json_call(Method::POST, "/api/auth/refresh".into(), json!({})),
                |_, r| assert_eq!(r.json()["user"]["email"], B_EMAIL),
            ),
        ),
        (
            "GET",
            "/unsubscribe/{list}/{user}/{token}",
            Open("shows a button only; the mailed HMAC token names the one account and list (alerts::unsubscribe)"),
        ),
        (
            "POST",
            "/unsubscribe/{list}/{user}/{token}",
            Open("turns off one mail of the one account its mailed HMAC token names; another's id fails the MAC"),
        ),
        (
            "POST",
            "/api/v1/events",
            Open("a service's key is its only credential and names the one service it writes to (ingest::keys)"),
        ),
        (
            "POST",
            "/api/v1/feedback",
            Open(
                "the service's key names the one service whose events it rates; another's event is 404 (ingest::feedback)",
            ),
        ),
        (
            "GET",
            "/api/v1/services",
            Own(
                || get("/api/v1/services".into()),
                |own, r| assert_eq!(field_of(&r.json(), "id"), [own.ids.service.as_str()]),
            ),
        ),
        (
            "POST",
            "/api/v1/services",
            Open("creates a service owned by the caller; takes no id"),
        ),
        (
            "GET",
            "/api/v1/services/{id}",
            Foreign(NOT_FOUND, |a, _| vec![get(format!("/api/v1/services/{}", a.service))]),
        ),
        (
            "PATCH",
            "/api/v1/services/{id}",
            Foreign(NOT_FOUND, |a, _| {
                let change = json!({ "name": "Taken", "status": "paused" });
                vec![json_call(
                    Method::PATCH,
                    format!("/api/v1/services/{}", a.service),
                    change,
                )]
            }),
        ),
        (
            "GET",
            "/api/v1/services/{id}/keys",
            Foreign(NOT_FOUND, |a, _| {
                vec![get(format!("/api/v1/services/{}/keys", a.service))]
            }),
        ),
        (
            "POST",
            "/api/v1/services/{id}/keys",
            Foreign(NOT_FOUND, |a, _| {
                let uri = format!("/api/v1/services/{}/keys", a.service);
                vec![json_call(Method::POST, uri, json!({ "name": "stolen" }))]
            }),
        ),
        (
            "DELETE",
            "/api/v1/services/{id}/keys/{key_id}",
            Foreign(NOT_FOUND, |a, b| {
                [&a.service, &b.service]
                    .map(|service| Call {
                        method: Method::DELETE,
                        uri: format!("/api/v1/services/{service}/keys/{}", a.key),
                        body: Payload::None,
                    })
                    .into()
            }),
        ),
        (
            "GET",
            "/api/v1/services/{id}/events",
            Foreign(NOT_FOUND, |a, _| {
                vec![
                    get(format!("/api/v1/services/{}/events", a.service)),
                    get(format!("/api/v1/services/{}/events?status=error&end_user=x", a.service)),
                ]
            }),
        ),
        (
            "GET",
            "/api/v1/services/{id}/events/{event_id}",
            Foreign(NOT_FOUND, |a, b| {
                [&a.service, &b.service]
                    .map(|service| get(format!("/api/v1/services/{service}/events/{}", a.event)))
                    .into()
            }),
        ),
        (
            "GET",
            "/api/v1/services/{id}/conversations/{conversation_id}",
            Foreign(NOT_FOUND, |a, b| {
                [&a.service, &b.service]
                    .map(|service| get(format!("/api/v1/services/{service}/conversations/{}", a.conversation)))
                    .into()
            }),
        ),
        (
            "GET",
            "/api/v1/analytics/report.pdf",
            Foreign(NOT_FOUND, |a, _| {
                vec![get(format!(
                    "/api/v1/analytics/report.pdf?range=24h&service={}",
                    a.service
                ))]
            }),
        ),
        (
            "GET",
            "/api/v1/analytics/report.pdf",
            // Its text is compressed: `pdf::the_report_has_the_summarys_figures_the_annotations_and_the_services`
            // reads B's report back and finds none of A's.
            Own(
                || get("/api/v1/analytics/report.pdf?range=24h".into()),
                |_, r| assert!(r.body.starts_with("%PDF-"), "a PDF"),
            ),
        ),
        (
            "GET",
            "/api/v1/billing/statement.pdf",
            // Compressed like the report's: `pdf::a_months_statement_adds_up_the_events_of_each_service`
            // reads another client's statement back and finds none of the first's.
            Own(
                || get("/api/v1/billing/statement.pdf?month=2026-11".into()),
                |_, r| assert!(r.body.starts_with("%PDF-"), "a PDF"),
            ),
        ),
        (
            "GET",
            "/api/v1/annotations",
            Foreign(NOT_FOUND, |a, _| {
                vec![get(format!("/api/v1/annotations?range=24h&service={}", a.service))]
            }),
        ),
        (
            "GET",
            "/api/v1/annotations",
            Own(
                || get("/api/v1/annotations?range=24h".into()),
                |_, r| assert_eq!(r.json(), json!([]), "B has made none"),
            ),
        ),
        (
            "POST",
            "/api/v1/annotations",
            Foreign(UNPROCESSABLE, |a, _| {
                vec![json_call(
                    Method::POST,
                    "/api/v1/annotations".into(),
                    json!({ "text": "on A's service", "service_id": a.service }),
                )]
            }),
        ),
        (
            "PATCH",
            "/api/v1/annotations/{id}",
            Foreign(NOT_FOUND, |a, _| {
                vec![json_call(
                    Method::PATCH,
                    format!("/api/v1/annotations/{}", a.annotation),
                    json!({ "text": "taken over" }),
                )]
            }),
        ),
        (
            "DELETE",
            "/api/v1/annotations/{id}",
            Foreign(NOT_FOUND, |a, _| {
                vec![Call {
                    method: Method::DELETE,
                    uri: format!("/api/v1/annotations/{}", a.annotation),
                    body: Payload::None,
                }]
            }),
        ),
        (
            "POST",
            "/api/fn/create_annotation",
            Foreign(UNPROCESSABLE, |a, _| {
                vec![server_fn(
                    "create_annotation",
                    &[
                        ("at", ""),
                        ("text", "on A's service"),
                        ("service_id", &a.service),
                        ("back", "/dashboard"),
                    ],
                )]
            }),
        ),
        (
            "POST",
            "/api/fn/update_annotation",
            Foreign(NOT_FOUND, |a, _| {
                vec![server_fn(
                    "update_annotation",
                    &[
                        ("id", &a.annotation),
                        ("at", ""),
                        ("text", "taken over"),
                        ("service_id", ""),
                        ("back", "/dashboard"),
                    ],
                )]
            }),
        ),
        (
            "POST",
            "/api/fn/delete_annotation",
            Foreign(NOT_FOUND, |a, _| {
                vec![server_fn(
                    "delete_annotation",
                    &[("id", &a.annotation), ("back", "/dashboard")],
                )]
            }),
        ),
        (
            "GET",
            "/api/v1/dashboard/layout",
            Own(
                || get("/api/v1/dashboard/layout".into()),
                |_, r| assert_eq!(r.json()["widgets"][0]["title"], "Total requests", "B's default"),
            ),
        ),
        (
            "PUT",
            "/api/v1/dashboard/layout",
            Foreign(UNPROCESSABLE, |a, _| {
                vec![json_call(
                    Method::PUT,
                    "/api/v1/dashboard/layout".into(),
                    json!({"version": 1, "widgets": [{"type": "metric", "title": "A's cost", "size": 1,
                        "figure": "cost", "services": [a.service]}]}),
                )]
            }),
        ),
        (
            "DELETE",
            "/api/v1/dashboard/layout",
            Open("takes no id: resets the caller's own dashboard layout"),
        ),
        (
            "GET",
            "/api/v1/services/{id}/layout",
            Foreign(NOT_FOUND, |a, _| {
                vec![get(format!("/api/v1/services/{}/layout", a.service))]
            }),
        ),
        (
            "PUT",
            "/api/v1/services/{id}/layout",
            Foreign(NOT_FOUND, |a, _| {
                vec![json_call(
                    Method::PUT,
                    format!("/api/v1/services/{}/layout", a.service),
                    json!({"version": 1, "widgets": []}),
                )]
            }),
        ),
        (
            "DELETE",
            "/api/v1/services/{id}/layout",
            Foreign(NOT_FOUND, |a, _| {
                vec![Call {
                    method: Method::DELETE,
                    uri: format!("/api/v1/services/{}/layout", a.service),
                    body: Payload::None,
                }]
            }),
        ),
        (
            "POST",
            "/api/fn/edit_widget",
            Foreign(NOT_FOUND, |a, _| {
                vec![server_fn(
                    "edit_widget",
                    &[
                        ("service", &a.service),
                        ("index", "0"),
                        ("was", A_LAYOUT_TITLE),
                        ("action", "remove"),
                        ("title", ""),
                        ("size", ""),
                        ("back", "/dashboard"),
                    ],
                )]
            }),
        ),
        (
            "POST",
            "/api/fn/add_widget",
            Foreign(NOT_FOUND, |a, _| {
                vec![server_fn(
                    "add_widget",
                    &[("service", &a.service), ("pick", "0"), ("back", "/dashboard")],
                )]
            }),
        ),
        (
            "POST",
            "/api/fn/add_metric",
            Foreign(UNPROCESSABLE, |a, _| {
                vec![server_fn(
                    "add_metric",
                    &[
                        ("service", ""),
                        ("title", "A's cost"),
                        ("figure", "cost"),
                        ("display", "number"),
                        ("size", "1"),
                        ("services[0]", &a.service),
                        ("back", "/dashboard"),
                    ],
                )]
            }),
        ),
        (
            "POST",
            "/api/fn/reset_layout",
            Foreign(NOT_FOUND, |a, _| {
                vec![server_fn(
                    "reset_layout",
                    &[("service", &a.service), ("back", "/dashboard")],
                )]
            }),
        ),
        (
            "POST",
            "/api/fn/reorder_widgets",
            Foreign(NOT_FOUND, |a, _| {
                vec![server_fn("reorder_widgets", &[("service", &a.service), ("order", "0")])]
            }),
        ),
        (
            "GET",
            "/api/v1/analytics/summary",
            Foreign(NOT_FOUND, |a, _| {
                vec![get(format!(
                    "/api/v1/analytics/summary?range=24h&service={}",
                    a.service
                ))]
            }),
        ),
        (
            "GET",
            "/api/v1/analytics/summary",
            Own(
                || get("/api/v1/analytics/summary?range=24h".into()),
                |_, r| assert_eq!(r.json()["total_requests"], B_REQUESTS),
            ),
        ),
        (
            "GET",
            "/api/v1/analytics/conversations",
            Foreign(NOT_FOUND, |a, _| {
                vec![get(format!(
                    "/api/v1/analytics/conversations?range=24h&service={}",
                    a.service
                ))]
            }),
        ),
        (
            "GET",
            "/api/v1/analytics/conversations",
            Own(
                || get("/api/v1/analytics/conversations?range=24h".into()),
                |_, r| {
                    assert_eq!(
                        (r.json()["conversations"].as_i64(), r.json()["turns"].as_i64()),
                        (Some(1), Some(1))
                    )
                },
            ),
        ),
        (
            "GET",
            "/api/v1/analytics/users",
            Foreign(NOT_FOUND, |a, _| {
                vec![get(format!("/api/v1/analytics/users?range=24h&service={}", a.service))]
            }),
        ),
        (
            "GET",
            "/api/v1/analytics/users",
            Own(
                || get("/api/v1/analytics/users?range=24h".into()),
                |_, r| {
                    let users = r.json();
                    assert_eq!(users["unique_end_users"], 1);
                    assert_eq!(field_of(&users["by_requests"], "end_user"), [B_END_USER]);
                    assert_eq!(field_of(&users["by_cost"], "end_user"), [B_END_USER]);
                },
            ),
        ),
        (
            "GET",
            "/api/v1/analytics/timeseries",
            Foreign(NOT_FOUND, |a, _| {
                vec![get(format!(
                    "/api/v1/analytics/timeseries?range=24h&service={}",
                    a.service
                ))]
            }),
        ),
        (
            "GET",
            "/api/v1/analytics/timeseries",
            Own(
                || get("/api/v1/analytics/timeseries?range=24h".into()),
                |_, r| {
                    let points = r.json()["points"].as_array().expect("points").clone();
                    let total: i64 = points.iter().map(|p| p["requests"].as_i64().expect("requests")).sum();
                    assert_eq!(total, B_REQUESTS);
                },
            ),
        ),
        (
            "GET",
            "/api/v1/analytics/breakdown",
            Foreign(NOT_FOUND, |a, _| {
                vec![get(format!(
                    "/api/v1/analytics/breakdown?range=24h&service={}",
                    a.service
                ))]
            }),
        ),
        (
            "GET",
            "/api/v1/analytics/breakdown",
            Own(
                || get("/api/v1/analytics/breakdown?range=24h".into()),
                |_, r| {
                    let breakdown = r.json();
                    assert_eq!(field_of(&breakdown["services"], "name"), [B_SERVICE]);
                    assert_eq!(field_of(&breakdown["models"], "model"), ["model-a"]);
                },
            ),
        ),
        (
            "GET",
            "/api/v1/analytics/activity",
            Own(
                || get("/api/v1/analytics/activity".into()),
                |own, r| assert_eq!(sorted(field_of(&r.json(), "action")), own.activity),
            ),
        ),
        (
            "GET",
            "/api/v1/analytics/export.csv",
            Foreign(NOT_FOUND, |a, _| {
                vec![get(format!(
                    "/api/v1/analytics/export.csv?range=24h&service={}",
                    a.service
                ))]
            }),
        ),
        (
            "GET",
            "/api/v1/analytics/export.csv",
            Own(
                || get("/api/v1/analytics/export.csv?range=24h".into()),
                |_, r| {
                    let rows: Vec<Vec<&str>> = r.body.lines().map(|line| line.split(',').collect()).collect();
                    let total = rows.iter().find(|row| row[0] == "total").expect("a total row");
                    assert_eq!(total[4], B_REQUESTS.to_string(), "{}", r.body);
                    let services: Vec<&str> = rows
                        .iter()
                        .filter(|row| row[0] == "service")
                        .map(|row| row[3])
                        .collect();
                    assert_eq!(services, [B_SERVICE]);
                },
            ),
        ),
        (
            "GET",
            "/api/openapi.json",
            Open("the same public description of the API for everyone"),
        ),
        (
            "GET",
            "/api/analytics/metrics",
            Foreign(NOT_FOUND, |a, _| {
                vec![get(format!("/api/analytics/metrics?range=24h&service={}", a.service))]
            }),
        ),
        (
            "GET",
            "/api/analytics/metrics",
            Own(
                || get("/api/analytics/metrics?range=24h".into()),
                |_, r| assert_eq!(r.json()["totalRequests"], B_REQUESTS),
            ),
        ),
        (
            "GET",
            "/api/analytics/activity",
            Own(
                || get("/api/analytics/activity?days=2".into()),
                |_, r| {
                    let days = r.json().as_array().expect("days").clone();
                    let total: i64 = days.iter().map(|d| d["requests"].as_i64().expect("requests")).sum();
                    assert_eq!(total, B_REQUESTS);
                },
            ),
        ),
        (
            "GET",
            "/api/analytics/service-usage",
            Foreign(NOT_FOUND, |a, _| {
                vec![get(format!(
                    "/api/analytics/service-usage?range=24h&service={}",
                    a.service
                ))]
            }),
        ),
        (
            "GET",
            "/api/analytics/service-usage",
            Own(
                || get("/api/analytics/service-usage?range=24h".into()),
                |_, r| assert_eq!(field_of(&r.json(), "name"), [B_SERVICE]),
            ),
        ),
        (
            "GET",
            "/api/services/{id}/metrics",
            Foreign(NOT_FOUND, |a, _| {
                vec![get(format!("/api/services/{}/metrics", a.service))]
            }),
        ),
        (
            "GET",
            "/api/v1/live",
            Foreign(NOT_FOUND, |a, _| {
                vec![get(format!("/api/v1/live?range=24h&service={}", a.service))]
            }),
        ),
        (
            "GET",
            "/api/v1/live",
            Own(
                || get("/api/v1/live?range=24h".into()),
                |_, r| assert_eq!(first_summary(&r.body)["total_requests"], B_REQUESTS),
            ),
        ),
        (
            "GET",
            "/api/user/profile",
            Own(
                || get("/api/user/profile".into()),
                |_, r| assert_eq!(r.json()["email"], B_EMAIL),
            ),
        ),
        (
            "PUT",
            "/api/user/profile",
            Own(
                || json_call(Method::PUT, "/api/user/profile".into(), json!({ "name": "Bravo B" })),
                |_, r| {
                    assert_eq!(
                        (&r.json()["email"], &r.json()["name"]),
                        (&json!(B_EMAIL), &json!("Bravo B"))
                    )
                },
            ),
        ),
        (
            "GET",
            "/api/user/preferences",
            Own(
                || get("/api/user/preferences".into()),
                |own, r| assert_eq!(r.json()["alert_p95_latency_ms"], own.alert_p95_latency_ms),
            ),
        ),
        (
            "PUT",
            "/api/user/preferences",
            Own(
                || {
                    json_call(
                        Method::PUT,
                        "/api/user/preferences".into(),
                        json!({ "alert_p95_latency_ms": 1500 }),
                    )
                },
                |_, r| assert_eq!(r.json()["alert_p95_latency_ms"], 1500),
            ),
        ),
        // Server functions.
        (
            "POST",
            "/api/fn/sign_in",
            Open("signs in with an email and a password; takes no id"),
        ),
        ("POST", "/api/fn/register", Open("creates a new account; takes no id")),
        (
            "POST",
            "/api/fn/forgot_password",
            Open("mails a link to the address given, never says whether it has an account"),
        ),
        (
            "POST",
            "/api/fn/reset_link_is_live",
            Open("answers only whether the token given is a live link"),
        ),
        (
            "POST",
            "/api/fn/reset_password",
            Open("acts only on the account of the mailed token; takes no id"),
        ),
        (
            "POST",
            "/api/fn/confirmation_link",
            Open("answers only which address the token given would confirm"),
        ),
        (
            "POST",
            "/api/fn/confirm_email",
            Open("acts only on the account of the mailed token; takes no id"),
        ),
        (
            "POST",
            "/api/fn/resend_confirmation",
            Open("mails the caller's own address; takes no id"),
        ),
        (
            "POST",
            "/api/fn/sign_out",
            Open("ends the caller's own session; takes no id"),
        ),
        (
            "POST",
            "/api/fn/identity_providers",
            Open("lists the configured providers; no tenant data"),
        ),
        (
            "POST",
            "/api/fn/load_sign_in_methods",
            Own(
                || server_fn("load_sign_in_methods", &[]),
                |_, r| assert_eq!(r.json()["linked"], json!([]), "B has linked none"),
            ),
        ),
        (
            "POST",
            "/api/fn/unlink_identity",
            Open("finds the id among the caller's own identities only (auth::identities tests another's: 404)"),
        ),
        (
            "POST",
            "/api/fn/load_pending_link",
            Open("reads the identity its signed cookie holds; takes no id"),
        ),
        (
            "POST",
            "/api/fn/confirm_identity_link",
            Open("links the identity of its signed cookie, given that account's password; takes no id"),
        ),
        (
            "POST",
            "/api/fn/complete_two_factor",
            Open("completes the sign-in its signed challenge cookie names; takes no id"),
        ),
        (
            "POST",
            "/api/fn/load_two_factor",
            Own(
                || server_fn("load_two_factor", &[]),
                |_, r| {
                    assert!(r.json()["enabled_since"].is_null(), "B has not set it up");
                    assert!(r.json()["enrolment"].is_null());
                },
            ),
        ),
        (
            "POST",
            "/api/fn/load_api_tokens",
            Own(
                || server_fn("load_api_tokens", &[]),
                |_, r| assert_eq!(r.json()["tokens"], json!([]), "B has made none"),
            ),
        ),
        (
            "POST",
            "/api/fn/create_api_token",
            Open("makes a token for the caller's own account; takes no id"),
        ),
        (
            "POST",
            "/api/fn/dismiss_api_token",
            Open("hides the caller's own new token; takes no id"),
        ),
        (
            "POST",
            "/api/fn/revoke_api_token",
            Foreign(NOT_FOUND, |a, _| vec![server_fn("revoke_api_token", &[("id", &a.key)])]),
        ),
        (
            "POST",
            "/api/fn/load_share_links",
            Own(
                || server_fn("load_share_links", &[]),
                |_, r| assert_eq!(r.json()["links"], json!([]), "B has made none"),
            ),
        ),
        (
            "POST",
            "/api/fn/create_share_link",
            Foreign(NOT_FOUND, |a, _| {
                vec![server_fn(
                    "create_share_link",
                    &[
                        ("label", "stolen"),
                        ("service", &a.service),
                        ("expires", "7d"),
                        ("back", "/dashboard"),
                    ],
                )]
            }),
        ),
        (
            "POST",
            "/api/fn/revoke_share_link",
            Foreign(NOT_FOUND, |a, _| {
                vec![server_fn("revoke_share_link", &[("id", &a.share_link)])]
            }),
        ),
        (
            "POST",
            "/api/fn/dismiss_share_link",
            Open("hides the caller's own new link; takes no id"),
        ),
        ("POST", "/api/fn/load_shared", Open(SHARED)),
        ("POST", "/api/fn/shared_figures_html", Open(SHARED)),
        (
            "POST",
            "/api/fn/unlock_share_link",
            Open("checks the password of the link its token names; guesses are limited per link (sharing)"),
        ),
        ("GET", "/share/{token}/live", Open(SHARED)),
        ("GET", "/share/{token}/export.csv", Open(SHARED)),
        ("GET", "/share/{token}/report.pdf", Open(SHARED)),
        ("GET", "/share/{token}", Open(SHARED)),
        (
            "GET",
            "/settings/sharing",
            Own(
                || get("/settings/sharing".into()),
                |_, r| assert!(r.body.contains("No share links yet")),
            ),
        ),
        (
            "POST",
            "/api/fn/start_two_factor",
            Open("begins a setup on the caller's own account; takes no id"),
        ),
        (
            "POST",
            "/api/fn/confirm_two_factor",
            Open("confirms the caller's own setup; takes no id"),
        ),
        (
            "POST",
            "/api/fn/renew_recovery_codes",
            Open("renews the caller's own codes; takes no id"),
        ),
        (
            "POST",
            "/api/fn/dismiss_recovery_codes",
            Open("hides the caller's own new codes; takes no id"),
        ),
        (
            "POST",
            "/api/fn/disable_two_factor",
            Open("turns off the caller's own; takes no id"),
        ),
        (
            "POST",
            "/api/fn/current_user",
            Own(
                || server_fn("current_user", &[]),
                |_, r| assert_eq!(r.json()["email"], B_EMAIL),
            ),
        ),
        (
            "POST",
            "/api/fn/create_service",
            Open("creates a service owned by the caller; takes no id"),
        ),
        (
            "POST",
            "/api/fn/get_service",
            Foreign(NOT_FOUND, |a, _| vec![server_fn("get_service", &[("id", &a.service)])]),
        ),
        (
            "POST",
            "/api/fn/set_service_status",
            Foreign(NOT_FOUND, |a, _| {
                vec![server_fn(
                    "set_service_status",
                    &[("id", &a.service), ("status", "paused")],
                )]
            }),
        ),
        (
            "POST",
            "/api/fn/list_keys",
            Foreign(NOT_FOUND, |a, _| {
                vec![server_fn("list_keys", &[("service_id", &a.service)])]
            }),
        ),
        (
            "POST",
            "/api/fn/create_key",
            Foreign(NOT_FOUND, |a, _| {
                vec![server_fn(
                    "create_key",
                    &[("service_id", &a.service), ("name", "stolen")],
                )]
            }),
        ),
        (
            "POST",
            "/api/fn/dismiss_key",
            Foreign(NOT_FOUND, |a, _| {
                vec![server_fn("dismiss_key", &[("service_id", &a.service)])]
            }),
        ),
        (
            "POST",
            "/api/fn/revoke_key",
            Foreign(NOT_FOUND, |a, b| {
                [&a.service, &b.service]
                    .map(|service| server_fn("revoke_key", &[("service_id", service), ("key_id", &a.key)]))
                    .into()
            }),
        ),
        (
            "POST",
            "/api/fn/load_events",
            Foreign(NOT_FOUND, |a, _| {
                vec![server_fn(
                    "load_events",
                    &[("service_id", &a.service), ("filters[status]", "success")],
                )]
            }),
        ),
        (
            "POST",
            "/api/fn/load_event",
            Foreign(NOT_FOUND, |a, b| {
                [&a.service, &b.service]
                    .map(|service| server_fn("load_event", &[("service_id", service), ("event_id", &a.event)]))
                    .into()
            }),
        ),
        (
            "POST",
            "/api/fn/load_conversation",
            Foreign(NOT_FOUND, |a, b| {
                [&a.service, &b.service]
                    .map(|service| {
                        server_fn(
                            "load_conversation",
                            &[("service_id", service), ("conversation_id", &a.conversation)],
                        )
                    })
                    .into()
            }),
        ),
        (
            "POST",
            "/api/fn/load_dashboard",
            Foreign(NOT_FOUND, |a, _| {
                vec![server_fn(
                    "load_dashboard",
                    &[("query[range]", "24h"), ("query[service]", &a.service)],
                )]
            }),
        ),
        (
            "POST",
            "/api/fn/load_dashboard",
            Own(
                || server_fn("load_dashboard", &[("query[range]", "24h")]),
                |own, r| {
                    let data = r.json();
                    assert_eq!(data["summary"]["total_requests"], B_REQUESTS);
                    assert_eq!(field_of(&data["breakdown"]["services"], "name"), [B_SERVICE]);
                    assert_eq!(data["services"], json!([[own.ids.service, B_SERVICE]]));
                    assert_eq!(sorted(field_of(&data["activity"], "action")), own.activity);
                },
            ),
        ),
        (
            "POST",
            "/api/fn/figures_html",
            Foreign(NOT_FOUND, |a, _| {
                let query = [
                    ("query[range]", "24h"),
                    ("query[service]", &a.service),
                    ("single", "true"),
                ];
                vec![server_fn("figures_html", &query)]
            }),
        ),
        (
            "POST",
            "/api/fn/figures_html",
            Own(
                || server_fn("figures_html", &[("query[range]", "24h"), ("single", "false")]),
                |_, r| {
                    let html: String = serde_json::from_str(&r.body).expect("a JSON string");
                    assert!(html.contains(B_SERVICE), "{html}");
                },
            ),
        ),
        (
            "POST",
            "/api/fn/load_service_usage",
            Foreign(NOT_FOUND, |a, _| {
                vec![server_fn(
                    "load_service_usage",
                    &[("query[range]", "24h"), ("query[service]", &a.service)],
                )]
            }),
        ),
        (
            "POST",
            "/api/fn/load_service_usage",
            Own(
                || server_fn("load_service_usage", &[("query[range]", "24h")]),
                |_, r| {
                    let usage = r.json();
                    assert_eq!(field_of(&usage, "name"), [B_SERVICE]);
                    assert_eq!(usage[0]["requests"], B_REQUESTS);
                },
            ),
        ),
        (
            "POST",
            "/api/fn/load_profile",
            Own(
                || server_fn("load_profile", &[]),
                |_, r| assert_eq!(r.json()["email"], B_EMAIL),
            ),
        ),
        (
            "POST",
            "/api/fn/save_profile",
            Own(
                || server_fn("save_profile", &[("name", "Bravo C"), ("email", B_EMAIL)]),
                |_, r| assert_eq!(r.json()["email"], B_EMAIL),
            ),
        ),
        (
            "POST",
            "/api/fn/load_preferences",
            Own(
                || server_fn("load_preferences", &[]),
                |own, r| assert_eq!(r.json()["alert_p95_latency_ms"], own.alert_p95_latency_ms),
            ),
        ),
        (
            "POST",
            "/api/fn/save_preferences",
            Own(
                || {
                    let fields = [
                        ("alert_error_rate_pct", "5"),
                        ("alert_p95_latency_ms", "1200"),
                        ("timezone", "UTC"),
                    ];
                    server_fn("save_preferences", &fields)
                },
                |_, r| assert_eq!(r.json()["alert_p95_latency_ms"], 1200),
            ),
        ),
        (
            "POST",
            "/api/fn/change_password",
            Own(
                || {
                    let new = "N3w!password";
                    let fields = [
                        ("current_password", PASSWORD),
                        ("new_password", new),
                        ("confirm_password", new),
                    ];
                    server_fn("change_password", &fields)
                },
                |_, r| assert_eq!(r.json(), 0, "B has no other session to sign out"),
            ),
        ),
        (
            "POST",
            "/api/fn/load_sessions",
            Own(
                || server_fn("load_sessions", &[]),
                |own, r| assert_eq!(sorted(field_of(&r.json(), "id")), own.sessions),
            ),
        ),
        (
            "POST",
            "/api/fn/revoke_session",
            Foreign(NOT_FOUND, |a, _| {
                vec![server_fn("revoke_session", &[("id", &a.session)])]
            }),
        ),
        (
            "POST",
            "/api/fn/revoke_other_sessions",
            Own(
                || server_fn("revoke_other_sessions", &[]),
                |_, r| assert_eq!(r.json(), 0, "B's own only: A's are not B's to sign out"),
            ),
        ),
        (
            "POST",
            "/api/fn/load_activity",
            Own(
                || server_fn("load_activity", &[("page", "1")]),
                |own, r| assert_eq!(sorted(field_of(&r.json()["entries"], "action")), own.activity),
            ),
        ),
        (
            "POST",
            "/api/fn/load_billing",
            Own(
                || server_fn("load_billing", &[]),
                |_, r| assert_eq!(r.json()["current"]["requests"], B_REQUESTS),
            ),
        ),
        (
            "POST",
            "/api/fn/admin_view",
            Foreign(FORBIDDEN, |_, _| vec![server_fn("admin_view", &[])]),
        ),
        (
            "POST",
            "/api/fn/admin_create_client",
            Foreign(FORBIDDEN, |_, _| {
                let fields = [("name", "Mallory"), ("email", "m@example.com"), ("password", PASSWORD)];
                vec![server_fn("admin_create_client", &fields)]
            }),
        ),
        (
            "POST",
            "/api/fn/admin_require_two_factor",
            Foreign(FORBIDDEN, |_, _| {
                vec![server_fn("admin_require_two_factor", &[("required", "on")])]
            }),
        ),
        (
            "POST",
            "/api/fn/admin_assign_plan",
            Foreign(FORBIDDEN, |a, _| {
                vec![server_fn(
                    "admin_assign_plan",
                    &[("user_id", &a.user), ("plan_id", &a.plan)],
                )]
            }),
        ),
        (
            "POST",
            "/api/fn/admin_create_service",
            Foreign(FORBIDDEN, |a, _| {
                let fields = [("user_id", a.user.as_str()), ("name", "Planted"), ("kind", "chatbot")];
                vec![server_fn("admin_create_service", &fields)]
            }),
        ),
        // Pages.
        ("GET", "/", Open("the public landing page")),
        ("GET", "/auth/signin", Open("the public sign-in page")),
        ("GET", "/auth/register", Open("the public registration page")),
        (
            "GET",
            "/auth/link",
            Open("shows the identity its signed cookie holds; takes no id"),
        ),
        (
            "GET",
            "/auth/2fa",
            Open("the public code page of a sign-in; its challenge is in a cookie"),
        ),
        ("GET", "/auth/forgot", Open("the public form asking for a reset link")),
        ("GET", "/auth/reset", Open("the public form using a reset link")),
        (
            "GET",
            "/auth/verify",
            Open("the public page using an address confirmation link"),
        ),
        (
            "GET",
            "/dashboard",
            // The page shows its error state, "Not found.", with a 200.
            Foreign(StatusCode::OK, |a, _| {
                vec![get(format!("/dashboard?range=24h&service={}", a.service))]
            }),
        ),
        (
            "GET",
            "/dashboard",
            Own(
                || get("/dashboard?range=24h".into()),
                |_, r| assert!(r.body.contains(B_SERVICE)),
            ),
        ),
        (
            "GET",
            "/services",
            // The list takes no service filter: with another client's id in the address it is B's own.
            Foreign(StatusCode::OK, |a, _| {
                vec![get(format!("/services?range=24h&service={}", a.service))]
            }),
        ),
        (
            "GET",
            "/services",
            Own(
                || get("/services?range=24h".into()),
                |_, r| assert!(r.body.contains(B_SERVICE)),
            ),
        ),
        (
            "GET",
            "/services/{id}",
            Foreign(NOT_FOUND, |a, _| vec![get(format!("/services/{}", a.service))]),
        ),
        (
            "GET",
            "/services/{id}/events",
            Foreign(NOT_FOUND, |a, _| {
                vec![
                    get(format!("/services/{}/events", a.service)),
                    get(format!("/services/{}/events?feedback=1&channel=web", a.service)),
                ]
            }),
        ),
        (
            "GET",
            "/services/{id}/events/{event_id}",
            Foreign(NOT_FOUND, |a, b| {
                [&a.service, &b.service]
                    .map(|service| get(format!("/services/{service}/events/{}", a.event)))
                    .into()
            }),
        ),
        (
            "GET",
            "/services/{id}/conversations/{conversation_id}",
            Foreign(NOT_FOUND, |a, b| {
                [&a.service, &b.service]
                    .map(|service| get(format!("/services/{service}/conversations/{}", a.conversation)))
                    .into()
            }),
        ),
        ("GET", "/settings", Open("redirects to /settings/profile")),
        (
            "GET",
            "/settings/profile",
            Own(
                || get("/settings/profile".into()),
                |_, r| assert!(r.body.contains(B_EMAIL)),
            ),
        ),
        (
            "GET",
            "/settings/notifications",
            Own(
                || get("/settings/notifications".into()),
                |own, r| {
                    let p95 = format!(r#"value="{}""#, own.alert_p95_latency_ms);
                    assert!(r.body.contains(&p95), "B's p95 alert: {}", r.body);
                },
            ),
        ),
        (
            "GET",
            "/settings/security",
            Own(
                || get("/settings/security".into()),
                |own, r| {
                    for session in &own.sessions {
                        assert!(r.body.contains(session.as_str()), "B's session {session} is listed");
                    }
                    assert!(r.body.contains(B_PEER));
                },
            ),
        ),
        (
            "GET",
            "/settings/billing",
            Own(
                || get("/settings/billing".into()),
                |_, r| assert!(r.body.contains("Usage")),
            ),
        ),
        ("GET", "/admin", Foreign(FORBIDDEN, |_, _| vec![get("/admin".into())])),
    ]
}

/// Every route the app serves: its REST routes, its server functions and its pages.
fn app_routes() -> BTreeSet<(String, String)> {
    let rest = rest_routes()
        .into_iter()
        .map(|(method, path)| (method.to_string(), path.to_owned()));
    let server_fns =
        leptos::server_fn::axum::server_fn_paths().map(|(path, method)| (method.to_string(), path.to_owned()));
    let pages = leptos_axum::generate_route_list(App).into_iter().flat_map(|route| {
        let path = route.path().to_owned();
        let methods: Vec<_> = route.methods().collect();
        methods
            .into_iter()
            .map(move |method| (format!("{method:?}").to_uppercase(), path.clone()))
    });
    rest.chain(server_fns).chain(pages).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_entry_point_lets_a_client_reach_another_clients_data() {
    let cases = cases();
    let covered: BTreeSet<_> = cases
        .iter()
        .map(|(method, path, _)| (method.to_string(), path.to_string()))
        .collect();
    let routes = app_routes();
    assert_eq!(
        routes.difference(&covered).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routes with no isolation case: add one (or an Open entry that says why it takes no tenant data)"
    );
    assert_eq!(
        covered.difference(&routes).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "cases for routes the app does not have"
    );

    let app = TestApp::new().await;
    app.set_peer(A_PEER);
    let alpha = client(&app, A_EMAIL, A_SERVICE).await;
    let events: Vec<Value> = (0..A_REQUESTS)
        .map(|i| {
            let mut e = event(&format!("alpha-event-{i}"), app.now(), 100, true);
            e["model"] = json!(A_MODEL);
            e["end_user"] = json!(A_END_USER);
            e["conversation_id"] = json!(A_CONVERSATION);
            e
        })
        .collect();
    assert_eq!(
        post_events(&app, &alpha.key, &json!(events)).await.status,
        StatusCode::ACCEPTED
    );
    let preferences = json!({ "alert_p95_latency_ms": 4321 });
    let saved = app
        .json(
            "PUT",
            "/api/user/preferences",
            &preferences,
            &[("authorization", &format!("Bearer {}", alpha.token))],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let annotation = json!({ "text": A_ANNOTATION, "at": app.now() - chrono::Duration::hours(1) });
    let annotated = app
        .json(
            "POST",
            "/api/v1/annotations",
            &annotation,
            &[("authorization", &format!("Bearer {}", alpha.key))],
        )
        .await;
    assert_eq!(annotated.status, StatusCode::CREATED, "{}", annotated.body);
    text(
        &app,
        &format!("UPDATE annotations SET id = {A_ANNOTATION_ID} RETURNING id::text AS t"),
    )
    .await;
    let shared = app
        .server_fn(
            "create_share_link",
            format!("label={A_SHARE_LABEL}&expires=7d&back=%2Fdashboard"),
            &alpha.token,
        )
        .await;
    assert_eq!(shared.status, StatusCode::OK, "{}", shared.body);
    let a_layout = json!({"version": 1, "widgets": [{"type": "alerts", "title": A_LAYOUT_TITLE, "size": 4}]});
    let path = format!("/api/v1/services/{}/layout", alpha.service);
    let laid_out = app
        .json(
            "PUT",
            &path,
            &a_layout,
            &[("authorization", &format!("Bearer {}", alpha.token))],
        )
        .await;
    assert_eq!(laid_out.status, StatusCode::OK, "{}", laid_out.body);

    app.set_peer(B_PEER);
    let bravo = client(&app, B_EMAIL, B_SERVICE).await;
    let mut batch = json!([event("b1", app.now(), 100, true), event("b2", app.now(), 300, false)]);
    batch[0]["end_user"] = json!(B_END_USER);
    batch[0]["conversation_id"] = json!("bravo-conversation");
    assert_eq!(post_events(&app, &bravo.key, &batch).await.status, StatusCode::ACCEPTED);

    let a = ids_of(&app, A_EMAIL).await;
    let b = ids_of(&app, B_EMAIL).await;
    let key_prefix = text(
        &app,
        &format!("SELECT prefix AS t FROM api_keys WHERE id = '{}'", a.key),
    )
    .await;
    let markers = [
        a.user.as_str(),
        &a.service,
        &a.key,
        &key_prefix,
        &a.session,
        A_EMAIL,
        A_SERVICE,
        A_MODEL,
        A_END_USER,
        A_PEER,
        &a.event,
        A_CONVERSATION,
        A_ANNOTATION,
        A_SHARE_LABEL,
        &a.share_link,
    ];
    let no_trace_of_a = |what: &str, body: &str| {
        for marker in markers {
            assert!(
                !body.contains(marker),
                "{what}: B's answer shows A's {marker:?}: {body}"
            );
        }
    };

    let before = rows_of(&app, &a).await;
    for (method, path, case) in &cases {
        let what = format!("{method} {path}");
        match case {
            Case::Open(reason) => assert!(!reason.is_empty(), "{what}: say why it is open"),
            Case::Foreign(status, calls) => {
                let unknown = Ids::unknown();
                for (theirs, nobodys) in calls(&a, &b).into_iter().zip(calls(&unknown, &b)) {
                    let what = format!("{what} ({} {})", theirs.method, theirs.uri);
                    let theirs = send(&app, theirs, &bravo.token).await;
                    let nobodys = send(&app, nobodys, &bravo.token).await;
                    assert_eq!(theirs.status, *status, "{what}: {}", theirs.body);
                    assert_eq!(nobodys.status, *status, "{what}, for an unknown id: {}", nobodys.body);
                    let answer = a.anonymize(&theirs.body);
                    assert_same(&answer, &unknown.anonymize(&nobodys.body), &what);
                    no_trace_of_a(&what, &answer);
                    unchanged(&before, &rows_of(&app, &a).await, &what);
                }
            }
            Case::Own(call, check) => {
                let reply = send(&app, call(), &bravo.token).await;
                assert_eq!(reply.status, StatusCode::OK, "{what}: {}", reply.body);
                no_trace_of_a(&what, &reply.body);
                check(&own_of(&app, &b).await, &reply);
                unchanged(&before, &rows_of(&app, &a).await, &what);
            }
        }
    }
}

/// B's answer about A's ids is the answer about ids that do not exist (shown where they part).
fn assert_same(theirs: &str, nobodys: &str, what: &str) {
    if theirs != nobodys {
        let at = theirs.chars().zip(nobodys.chars()).take_while(|(a, b)| a == b).count();
        let around = |text: &str| text.chars().skip(at.saturating_sub(100)).take(300).collect::<String>();
        panic!(
            "{what}: answers differ from an unknown id's at character {at}:\n{}\n---\n{}",
            around(theirs),
            around(nobodys)
        );
    }
}

/// A's rows, table by table, are as they were.
fn unchanged(before: &[String], after: &[String], what: &str) {
    for (before, after) in before.iter().zip(after) {
        assert_eq!(after, before, "{what} changed A's data");
    }
}

/// The values of `field` in an array of objects.
fn field_of<'a>(array: &'a Value, field: &str) -> Vec<&'a str> {
    array
        .as_array()
        .unwrap_or_else(|| panic!("an array: {array}"))
        .iter()
        .map(|item| item[field].as_str().unwrap_or_else(|| panic!("{field} in {item}")))
        .collect()
}

fn sorted(items: Vec<&str>) -> Vec<String> {
    let mut items: Vec<String> = items.into_iter().map(str::to_owned).collect();
    items.sort();
    items
}

/// The first `summary` event of an event stream.
fn first_summary(stream: &str) -> Value {
    let data = stream
        .split("event: summary\ndata: ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap_or_else(|| panic!("a summary event: {stream}"));
    serde_json::from_str(data).expect("JSON data")
}

/// Sends `call` as the holder of `token`. An event stream never ends: it is read up to its
/// first event.
async fn send(app: &TestApp, call: Call, token: &str) -> Reply {
    let page = !call.uri.starts_with("/api/");
    let mut request = Request::builder()
        .method(call.method)
        .uri(&call.uri)
        .header(header::HOST, "portal.test")
        .header(header::ORIGIN, "http://portal.test");
    request = if page {
        request.header(header::COOKIE, format!("ragsites_session={token}"))
    } else {
        request.header(header::AUTHORIZATION, format!("Bearer {token}"))
    };
    let body = match call.body {
        Payload::None => Body::empty(),
        Payload::Json(value) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(value.to_string())
        }
        Payload::Form(fields) => {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(serde_urlencoded::to_string(fields).expect("a form"))
        }
    };
    let mut request = request.body(body).expect("a request");
    let peer = SocketAddr::new(B_PEER.parse().expect("an address"), 50_000);
    request.extensions_mut().insert(ConnectInfo(peer));
    let response = app.router.clone().oneshot(request).await.expect("the router answers");
    let status = response.status();
    let stream = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == "text/event-stream");
    let mut body = response.into_body();
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !(stream && text.contains("event: summary\ndata: ") && text.ends_with('\n')) {
        let frame = tokio::time::timeout_at(deadline, body.frame())
            .await
            .unwrap_or_else(|_| panic!("{}: the whole answer within 10 s: {text}", call.uri));
        match frame {
            Some(frame) => text.push_str(&String::from_utf8_lossy(
                &frame.expect("a frame").into_data().unwrap_or_default(),
            )),
            None => break,
        }
    }
    Reply { status, body: text }
}

async fn text(app: &TestApp, sql: &str) -> String {
    #[derive(diesel::QueryableByName)]
    struct Text {
        #[diesel(sql_type = diesel::sql_types::Text)]
        t: String,
    }
    let mut conn = app.state.pool.get().await.expect("a connection");
    diesel::sql_query(sql).get_result::<Text>(&mut conn).await.expect(sql).t
}

/// The ids of the client at `email` (its one service, key and session) and of a plan.
async fn ids_of(app: &TestApp, email: &str) -> Ids {
    let user = text(app, &format!("SELECT id::text AS t FROM users WHERE email = '{email}'")).await;
    let one = async |sql: String| text(app, &sql).await;
    Ids {
        service: one(format!("SELECT id::text AS t FROM services WHERE user_id = '{user}'")).await,
        key: one(format!(
            "SELECT k.id::text AS t FROM api_keys k JOIN services s ON s.id = k.service_id WHERE s.user_id = '{user}'"
        ))
        .await,
        session: one(format!("SELECT id::text AS t FROM sessions WHERE user_id = '{user}'")).await,
        plan: one("SELECT id::text AS t FROM plans ORDER BY name LIMIT 1".into()).await,
        event: one(format!(
            "SELECT min(e.event_id) AS t FROM events e JOIN services s ON s.id = e.service_id WHERE s.user_id = '{user}'"
        ))
        .await,
        conversation: one(format!(
            "SELECT coalesce(min(e.conversation_id), 'no conversation') AS t FROM events e \
             JOIN services s ON s.id = e.service_id WHERE s.user_id = '{user}'"
        ))
        .await,
        annotation: one(format!(
            "SELECT coalesce(min(id)::text, 'no annotation') AS t FROM annotations WHERE user_id = '{user}'"
        ))
        .await,
        share_link: one(format!(
            "SELECT coalesce(min(id::text), 'no share link') AS t FROM share_links WHERE user_id = '{user}'"
        ))
        .await,
        user,
    }
}

/// B's own audit trail and live sessions as they stand.
async fn own_of(app: &TestApp, b: &Ids) -> Own {
    let list = async |sql: String| {
        let joined = text(app, &sql).await;
        joined
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    Own {
        activity: list(format!(
            "SELECT coalesce(string_agg(action, ',' ORDER BY action), '') AS t FROM activity_logs WHERE user_id = '{}'",
            b.user
        ))
        .await,
        sessions: list(format!(
            "SELECT coalesce(string_agg(id::text, ',' ORDER BY id::text), '') AS t FROM sessions \
             WHERE user_id = '{}' AND revoked_at IS NULL",
            b.user
        ))
        .await,
        alert_p95_latency_ms: text(
            app,
            &format!(
                "SELECT alert_p95_latency_ms::text AS t FROM user_preferences WHERE user_id = '{}'",
                b.user
            ),
        )
        .await
        .parse()
        .expect("a number"),
        ids: b.clone(),
    }
}

/// Every row of A's, table by table: the account, its preferences and sessions, the service,
/// its keys, events and rollups, and the audit trail of both.
async fn rows_of(app: &TestApp, a: &Ids) -> Vec<String> {
    let (user, service) = (&a.user, &a.service);
    let tables = [
        ("users", format!("id = '{user}'")),
        ("user_preferences", format!("user_id = '{user}'")),
        ("sessions", format!("user_id = '{user}'")),
        ("services", format!("user_id = '{user}' OR id = '{service}'")),
        ("api_keys", format!("service_id = '{service}'")),
        ("events", format!("service_id = '{service}'")),
        ("annotations", format!("user_id = '{user}' OR service_id = '{service}'")),
        ("share_links", format!("user_id = '{user}' OR service_id = '{service}'")),
        (
            "dashboard_layouts",
            format!("user_id = '{user}' OR service_id = '{service}'"),
        ),
        ("metrics", format!("service_id = '{service}'")),
        ("metrics_daily", format!("service_id = '{service}'")),
        ("metrics_by_model", format!("service_id = '{service}'")),
        ("metrics_by_error", format!("service_id = '{service}'")),
        (
            "activity_logs",
            format!("user_id = '{user}' OR service_id = '{service}'"),
        ),
    ];
    let mut rows = Vec::new();
    for (table, filter) in tables {
        let sql =
            format!("SELECT coalesce(json_agg(r ORDER BY r::text)::text, '[]') AS t FROM {table} r WHERE {filter}");
        rows.push(format!("{table}: {}", text(app, &sql).await));
    }
    rows
}
