//! The OpenAPI document at `/api/openapi.json` tells the truth: it has exactly the router's REST
//! routes, each of its examples is valid under its own schema, its request examples are accepted
//! by the real endpoints, and real answers (successes and errors) match the schemas it gives
//! for their status.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use chrono::TimeDelta;
use ragsites_portal::server::http::rest_routes;
use serde_json::{Value, json};

use crate::support::openapi::Document;
use crate::support::services::{client, post_events};
use crate::support::{PASSWORD, TestApp};

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

/// Every example of the document with the schema it must match: media types' and parameters'
/// `example`/`examples` against their `schema`, schemas' own `examples` against themselves.
fn examples(node: &Value, at: &str, found: &mut Vec<(String, Value, Value)>) {
    match node {
        Value::Object(map) => {
            if let Some(schema) = map.get("schema") {
                if let Some(example) = map.get("example") {
                    found.push((format!("{at}/example"), schema.clone(), example.clone()));
                }
                if let Some(Value::Object(named)) = map.get("examples") {
                    for (name, example) in named {
                        found.push((
                            format!("{at}/examples/{name}"),
                            schema.clone(),
                            example["value"].clone(),
                        ));
                    }
                }
            } else {
                let own = map
                    .get("example")
                    .into_iter()
                    .chain(map.get("examples").and_then(Value::as_array).into_iter().flatten());
                for (i, example) in own.enumerate() {
                    found.push((format!("{at}/examples/{i}"), node.clone(), example.clone()));
                }
            }
            for (key, value) in map {
                if key != "example" && key != "examples" {
                    examples(value, &format!("{at}/{key}"), found);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                examples(item, &format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_openapi_3_1_public_and_cacheable() {
    let app = TestApp::new().await;
    let answer = app.get("/api/openapi.json").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-type"), "application/json");
    assert_eq!(answer.header("cache-control"), "public, max-age=3600");
    let document = answer.json();
    assert_eq!(document["openapi"], "3.1.0");
    let schemes: BTreeSet<&str> = document["components"]["securitySchemes"]
        .as_object()
        .expect("security schemes")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(schemes, BTreeSet::from(["bearer", "ingestion_key", "session_cookie"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_has_every_route_of_the_router_and_no_other() {
    let app = TestApp::new().await;
    let document = Document::served(&app).await;
    let routes: BTreeSet<(String, String)> = rest_routes()
        .into_iter()
        .map(|(method, path)| (method.as_str().to_lowercase(), path.to_owned()))
        .collect();
    let paths = document.0["paths"].as_object().expect("paths");
    let operations: BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .into_iter()
                .filter(|method| item.get(*method).is_some())
                .map(move |method| (method.to_owned(), path.clone()))
        })
        .collect();
    assert_eq!(
        routes.difference(&operations).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routes the document does not describe: add #[utoipa::path] and list them in server::openapi::ApiDoc"
    );
    assert_eq!(
        operations.difference(&routes).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "operations the router does not have"
    );
    for (method, path) in &operations {
        let operation = &paths[path][method];
        let tag = operation["tags"][0].as_str().unwrap_or_default();
        assert!(!tag.is_empty(), "{method} {path} has no tag");
        assert!(
            operation["responses"].as_object().is_some_and(|r| !r.is_empty()),
            "{method} {path} has no responses"
        );
    }
}

/// Every `$ref` of the document names something the document has.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reference_resolves() {
    fn references<'a>(node: &'a Value, found: &mut Vec<&'a str>) {
        match node {
            Value::Object(map) => {
                found.extend(map.get("$ref").and_then(Value::as_str));
                map.values().for_each(|value| references(value, found));
            }
            Value::Array(items) => items.iter().for_each(|item| references(item, found)),
            _ => {}
        }
    }
    let app = TestApp::new().await;
    let document = Document::served(&app).await;
    let mut found = Vec::new();
    references(&document.0, &mut found);
    assert!(found.len() > 50, "few references: {found:?}");
    let dangling: BTreeSet<&str> = found
        .into_iter()
        .filter(|reference| {
            let pointer = reference.strip_prefix('#').unwrap_or(reference);
            document.0.pointer(pointer).is_none()
        })
        .collect();
    assert!(dangling.is_empty(), "references to nothing: {dangling:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_example_matches_its_schema() {
    let app = TestApp::new().await;
    let document = Document::served(&app).await;
    let mut found = Vec::new();
    examples(&document.0, "#", &mut found);
    let failures: Vec<String> = found
        .iter()
        .filter_map(|(at, schema, example)| {
            document
                .check(schema, example)
                .err()
                .map(|errors| format!("{at}: {errors}\n  example: {example}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "examples that do not match their schema:\n{}",
        failures.join("\n")
    );
    // The walk reaches the examples of the main endpoints (it would pass vacuously otherwise).
    let places: BTreeSet<&str> = found.iter().map(|(at, ..)| at.as_str()).collect();
    for expected in [
        "#/components/schemas/LoginBody/examples/0",
        "#/paths//api/v1/services/post/requestBody/content/application/json/example",
        "#/paths//api/v1/events/post/requestBody/content/application/json/example",
        "#/paths//api/v1/events/post/responses/202/content/application/json/example",
        "#/components/responses/NotFound/content/application/json/example",
        "#/components/schemas/Metrics/examples/0",
        "#/components/schemas/ServiceMetrics/examples/0",
    ] {
        assert!(
            places.contains(expected),
            "no example checked at {expected}; found: {places:#?}"
        );
    }
}

/// A schema check that cannot pass everything: a wrong example is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schema_check_refuses_what_the_schemas_refuse() {
    let app = TestApp::new().await;
    let document = Document::served(&app).await;
    let service = json!({ "$ref": "#/components/schemas/Service" });
    let wrong = [
        json!({}),
        json!({ "id": "not-a-uuid", "name": "n", "kind": "chatbot", "status": "active", "config": {},
            "created_at": "2026-11-16T10:30:00Z", "updated_at": "2026-11-16T10:30:00Z" }),
        json!({ "id": "0b7c6f5e-8f7a-4d0e-9c55-2f1f8a0d6b11", "name": "n", "kind": "robot", "status": "active", "config": {},
            "created_at": "2026-11-16T10:30:00Z", "updated_at": "2026-11-16T10:30:00Z" }),
    ];
    for instance in wrong {
        assert!(document.check(&service, &instance).is_err(), "accepted {instance}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documented_request_examples_are_accepted_and_answered_as_documented() {
    let app = TestApp::new().await;
    let document = Document::served(&app).await;

    let register = document.request_example("POST", "/api/auth/register");
    let registered = app.json("POST", "/api/auth/register", &register, &[]).await;
    assert_eq!(registered.status, StatusCode::CREATED, "{}", registered.body);
    document.assert_answer("POST", "/api/auth/register", &registered);
    let token = registered.json()["token"].as_str().expect("a token").to_owned();
    let bearer = format!("Bearer {token}");
    let auth = [("authorization", bearer.as_str())];

    for (method, path) in [("PUT", "/api/user/profile"), ("PUT", "/api/user/preferences")] {
        let answer = app
            .json(method, path, &document.request_example(method, path), &auth)
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{method} {path}: {}", answer.body);
        document.assert_answer(method, path, &answer);
    }

    let new_service = document.request_example("POST", "/api/v1/services");
    let created = app.json("POST", "/api/v1/services", &new_service, &auth).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    document.assert_answer("POST", "/api/v1/services", &created);
    let service = created.json()["id"].as_str().expect("an id").to_owned();

    let key_path = format!("/api/v1/services/{service}/keys");
    let key = document.schema("NewKey")["example"].clone();
    let created_key = app.json("POST", &key_path, &key, &auth).await;
    assert_eq!(created_key.status, StatusCode::CREATED, "{}", created_key.body);
    document.assert_answer("POST", "/api/v1/services/{id}/keys", &created_key);
    let secret = created_key.json()["key"].as_str().expect("a key").to_owned();

    // The documented batch, at the test's clock: every event is accepted.
    let mut batch = document.request_example("POST", "/api/v1/events");
    let events = batch["events"].as_array_mut().expect("events");
    let properties = document.0["components"]["schemas"]["Event"]["properties"]
        .as_object()
        .expect("Event properties");
    for property in properties.keys() {
        assert!(
            events.iter().any(|e| e.get(property).is_some()),
            "the documented batch does not try the field {property}"
        );
    }
    for (i, event) in events.iter_mut().enumerate() {
        event["timestamp"] = json!((app.now() - TimeDelta::minutes(i as i64 + 1)).to_rfc3339());
    }
    let sent = events.len();
    let stored = post_events(&app, &secret, &batch["events"]).await;
    assert_eq!(stored.status, StatusCode::ACCEPTED, "{}", stored.body);
    assert_eq!(
        stored.json(),
        json!({ "accepted": sent, "duplicates": 0, "rejected": [] })
    );
    document.assert_answer("POST", "/api/v1/events", &stored);
    // The documented rating names the documented batch's first event.
    let rating = document.request_example("POST", "/api/v1/feedback");
    let rated = crate::support::services::post_feedback(&app, &secret, &rating).await;
    assert_eq!(rated.status, StatusCode::OK, "{}", rated.body);
    assert_eq!(rated.json(), rating, "answered as stored");
    document.assert_answer("POST", "/api/v1/feedback", &rated);

    let change = document.request_example("PATCH", "/api/v1/services/{id}");
    let changed = app
        .json("PATCH", &format!("/api/v1/services/{service}"), &change, &auth)
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    document.assert_answer("PATCH", "/api/v1/services/{id}", &changed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_answers_match_their_documented_schemas() {
    let app = TestApp::new().await;
    let document = Document::served(&app).await;
    let alpha = client(&app, "alpha@example.com", "Alpha bot").await;
    let batch = json!([
        crate::support::services::event("e1", app.now() - TimeDelta::hours(30), 120, true),
        crate::support::services::event("e2", app.now() - TimeDelta::minutes(5), 480, false),
    ]);
    let stored = post_events(&app, &alpha.key, &batch).await;
    document.assert_answer("POST", "/api/v1/events", &stored);

    let login = app
        .json(
            "POST",
            "/api/auth/login",
            &json!({ "email": "alpha@example.com", "password": PASSWORD }),
            &[],
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    document.assert_answer("POST", "/api/auth/login", &login);
    let bearer = format!("Bearer {}", alpha.token);
    let auth = [("authorization", bearer.as_str())];
    let service = &alpha.service;
    let unknown = uuid::Uuid::new_v4();

    // (path template, the request's path) of GETs answered with the token.
    let gets = [
        ("/api/auth/verify", "/api/auth/verify".to_owned()),
        ("/api/user/profile", "/api/user/profile".to_owned()),
        ("/api/user/preferences", "/api/user/preferences".to_owned()),
        ("/api/v1/services", "/api/v1/services".to_owned()),
        ("/api/v1/services/{id}", format!("/api/v1/services/{service}")),
        ("/api/v1/services/{id}", format!("/api/v1/services/{unknown}")),
        ("/api/v1/services/{id}/keys", format!("/api/v1/services/{service}/keys")),
        (
            "/api/v1/analytics/summary",
            "/api/v1/analytics/summary?range=7d".to_owned(),
        ),
        (
            "/api/v1/analytics/summary",
            "/api/v1/analytics/summary?range=24h&tz=Mars/Olympus".to_owned(),
        ),
        (
            "/api/v1/analytics/summary",
            "/api/v1/analytics/summary?service=not-a-uuid".to_owned(),
        ),
        (
            "/api/v1/analytics/summary",
            format!("/api/v1/analytics/summary?service={unknown}"),
        ),
        (
            "/api/v1/analytics/timeseries",
            "/api/v1/analytics/timeseries?range=24h".to_owned(),
        ),
        (
            "/api/v1/analytics/timeseries",
            "/api/v1/analytics/timeseries?range=30d".to_owned(),
        ),
        (
            "/api/v1/analytics/breakdown",
            "/api/v1/analytics/breakdown?range=7d".to_owned(),
        ),
        ("/api/v1/analytics/activity", "/api/v1/analytics/activity".to_owned()),
        ("/api/analytics/metrics", "/api/analytics/metrics".to_owned()),
        (
            "/api/analytics/metrics",
            "/api/analytics/metrics?range=24h&service=".to_owned() + service,
        ),
        ("/api/analytics/activity", "/api/analytics/activity?days=3".to_owned()),
        ("/api/analytics/activity", "/api/analytics/activity?days=0".to_owned()),
        (
            "/api/analytics/service-usage",
            "/api/analytics/service-usage?range=30d".to_owned(),
        ),
        ("/api/services/{id}/metrics", format!("/api/services/{service}/metrics")),
        ("/api/services/{id}/metrics", format!("/api/services/{unknown}/metrics")),
    ];
    let mut statuses = BTreeSet::new();
    for (template, path) in gets {
        let answer = app.get_with(&path, &auth).await;
        statuses.insert(answer.status.as_u16());
        document.assert_answer("GET", template, &answer);
    }
    // Successes and the errors above were all checked.
    assert_eq!(statuses, BTreeSet::from([200, 400, 404, 422]));

    let anonymous = app.get("/api/v1/services").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    document.assert_answer("GET", "/api/v1/services", &anonymous);
    let wrong = app
        .json(
            "POST",
            "/api/auth/login",
            &json!({ "email": "alpha@example.com", "password": "Wrong!pass1" }),
            &[],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    document.assert_answer("POST", "/api/auth/login", &wrong);
    let invalid = app
        .json(
            "POST",
            "/api/v1/services",
            &json!({ "name": "", "kind": "chatbot" }),
            &auth,
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", invalid.body);
    document.assert_answer("POST", "/api/v1/services", &invalid);
    let keys = app.get_with(&format!("/api/v1/services/{service}/keys"), &auth).await;
    let key_id = keys.json()[0]["id"].as_str().expect("a key id").to_owned();
    let revoke = crate::support::calls::bearer(&alpha.token);
    let revoked = app
        .send(
            axum::http::Request::delete(format!("/api/v1/services/{service}/keys/{key_id}"))
                .header("authorization", revoke)
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    document.assert_answer("DELETE", "/api/v1/services/{id}/keys/{key_id}", &revoked);
    let logout = app.json("POST", "/api/auth/logout", &json!({}), &auth).await;
    assert_eq!(logout.status, StatusCode::OK, "{}", logout.body);
    document.assert_answer("POST", "/api/auth/logout", &logout);
}
