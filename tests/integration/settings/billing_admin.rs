//! Billing and the admin view: usage matches the analytics, and only admins manage clients.

use axum::http::StatusCode;
use serde_json::Value;

use crate::support::calls::{bearer, call, field, login};
use crate::support::{PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billing_usage_equals_the_analytics_total_for_the_period() {
    let app = TestApp::new().await;
    ragsites_portal::server::seed::seed(&app.state, 3, 1.0).await.unwrap();
    let demo = login(&app, "demo@ragsites.com", "Demo@123456").await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let billing = call(&app, "load_billing", &[], &demo).await;
    assert_eq!(billing.status, StatusCode::OK, "{}", billing.body);
    let billing = billing.json();
    assert_eq!(billing["plan"]["name"], "Growth");
    let (start, end) = (
        billing["period_start"].as_str().unwrap(),
        billing["period_end"].as_str().unwrap(),
    );
    let query = format!(
        "/api/v1/analytics/summary?range=custom&from={}&to={}",
        start.replace('+', "%2B"),
        end.replace('+', "%2B")
    );
    let summary = app.get_with(&query, &[("authorization", &bearer(&demo))]).await;
    assert_eq!(summary.status, StatusCode::OK, "{}", summary.body);
    let requests = billing["current"]["requests"].as_i64().unwrap();
    assert!(requests > 0, "the seed sent traffic this period: {billing}");
    assert_eq!(requests, summary.json()["total_requests"].as_i64().unwrap());
    assert!(billing["projected_requests"].as_i64().unwrap() >= requests);

    let ada = app.register("Ada", "ada@example.com", PASSWORD).await;
    let empty = call(&app, "load_billing", &[], &ada).await.json();
    assert_eq!(empty["plan"], Value::Null);
    assert_eq!(empty["current"]["requests"], 0, "another client's usage is not Ada's");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_clients_and_clients_cannot() {
    let app = TestApp::new().await;
    let report = ragsites_portal::server::seed::seed(&app.state, 1, 1.0).await.unwrap();
    let admin = login(&app, "admin@ragsites.com", &report.admin_password.unwrap())
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let ada = app.register("Ada", "ada@example.com", PASSWORD).await;

    let new_client = [
        ("name", "Carol"),
        ("email", "carol@example.com"),
        ("password", PASSWORD),
        ("plan_id", ""),
    ];
    assert_eq!(
        call(&app, "admin_create_client", &new_client, &ada).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(call(&app, "admin_view", &[], &ada).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM users WHERE email = 'carol@example.com'")
            .await,
        0
    );

    let weak = [
        ("name", "Carol"),
        ("email", "carol@example.com"),
        ("password", "weak"),
        ("plan_id", ""),
    ];
    field(&call(&app, "admin_create_client", &weak, &admin).await, "password");
    let created = call(&app, "admin_create_client", &new_client, &admin).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_eq!(login(&app, "carol@example.com", PASSWORD).await.status, StatusCode::OK);
    let again = call(&app, "admin_create_client", &new_client, &admin).await;
    assert!(field(&again, "email").contains("already"));

    let view = call(&app, "admin_view", &[], &admin).await.json();
    let carol = view["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == "carol@example.com")
        .unwrap()
        .clone();
    assert_eq!(carol["plan"], Value::Null);
    let scale = view["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Scale")
        .unwrap();
    let (carol_id, scale_id) = (carol["id"].as_str().unwrap(), scale["id"].as_str().unwrap());
    let assign = [("user_id", carol_id), ("plan_id", scale_id)];
    assert_eq!(
        call(&app, "admin_assign_plan", &assign, &ada).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&app, "admin_assign_plan", &assign, &admin).await.status,
        StatusCode::OK
    );
    let bogus = [
        ("user_id", carol_id),
        ("plan_id", "00000000-0000-0000-0000-000000000000"),
    ];
    field(&call(&app, "admin_assign_plan", &bogus, &admin).await, "plan_id");

    let service = [("user_id", carol_id), ("name", "Carol's bot"), ("kind", "chatbot")];
    assert_eq!(
        call(&app, "admin_create_service", &service, &ada).await.status,
        StatusCode::FORBIDDEN
    );
    let made = call(&app, "admin_create_service", &service, &admin).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let view = call(&app, "admin_view", &[], &admin).await.json();
    let carol = view["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == "carol@example.com")
        .unwrap()
        .clone();
    assert_eq!(
        (carol["plan"].as_str(), carol["services"].as_i64()),
        (Some("Scale"), Some(1))
    );
    let carol_token = login(&app, "carol@example.com", PASSWORD).await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let services = app
        .get_with("/api/v1/services", &[("authorization", &bearer(&carol_token))])
        .await
        .json();
    assert_eq!(services.as_array().map(Vec::len), Some(1), "{services}");

    let page = app
        .get_with("/admin", &[("cookie", &format!("ragsites_session={ada}"))])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = app
        .get_with("/admin", &[("cookie", &format!("ragsites_session={admin}"))])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("carol@example.com"));
}
