//! Pages and forms: guarded pages, the plain-HTML forms, and server functions that need a
//! session or an admin.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::calls::sign_in_form;
use crate::support::{PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protected_pages_redirect_before_rendering_and_auth_pages_send_users_on() {
    let app = TestApp::new().await;
    let page = app.get_with("/dashboard?range=7d", &[]).await;
    assert!(page.status.is_redirection(), "{}", page.status);
    assert_eq!(page.header("location"), "/auth/signin?next=%2Fdashboard%3Frange%3D7d");
    assert!(!page.body.contains("Dashboard"), "no protected content");
    assert!(app.get_with("/settings/security", &[]).await.status.is_redirection());

    let token = app.register("Ada Lovelace", "ada@example.com", PASSWORD).await;
    let cookie = format!("ragsites_session={token}");
    let dashboard = app.get_with("/dashboard", &[("cookie", &cookie)]).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(
        dashboard.body.contains("Ada Lovelace"),
        "the navbar shows the signed-in user"
    );
    let signin = app.get_with("/auth/signin", &[("cookie", &cookie)]).await;
    assert_eq!(signin.header("location"), "/dashboard");

    let stale = app
        .get_with("/dashboard", &[("cookie", "ragsites_session=not.a.token")])
        .await;
    assert!(stale.status.is_redirection());
    assert!(
        stale.header("set-cookie").contains("Max-Age=0"),
        "a dead cookie is cleared"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_and_admin_pages_send_anonymous_visitors_to_sign_in() {
    let app = TestApp::new().await;
    let service = "/services/00000000-0000-0000-0000-000000000001";
    for (path, next) in [
        ("/services", "%2Fservices"),
        (service, "%2Fservices%2F00000000-0000-0000-0000-000000000001"),
        ("/admin", "%2Fadmin"),
    ] {
        let page = app.get_with(path, &[]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.header("location"), format!("/auth/signin?next={next}"));
        assert_eq!(page.body, "", "{path}: nothing of the page is sent");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_form_sign_in_works_without_javascript() {
    let app = TestApp::new().await;
    app.register("Ada", "ada@example.com", PASSWORD).await;

    let ok = app
        .form_post(
            "/api/fn/sign_in",
            &[
                ("email", "ada@example.com"),
                ("password", PASSWORD),
                ("next", "/settings"),
            ],
            &[],
        )
        .await;
    assert_eq!(ok.status, StatusCode::FOUND);
    assert_eq!(ok.header("location"), "/settings");
    assert!(ok.session_cookie().is_some());

    let offsite = app
        .form_post(
            "/api/fn/sign_in",
            &[
                ("email", "ada@example.com"),
                ("password", PASSWORD),
                ("next", "//evil.test"),
            ],
            &[],
        )
        .await;
    assert_eq!(offsite.header("location"), "/dashboard", "an off-site next is ignored");

    let wrong = sign_in_form(&app, "ada@example.com", "nope").await;
    assert_eq!(wrong.status, StatusCode::FOUND);
    assert_eq!(
        wrong.header("location"),
        "/auth/signin",
        "nothing of the form in the URL"
    );
    let flash = wrong.flash_cookie();
    assert!(!flash.contains("nope"), "the password never travels back");
    assert!(wrong.session_cookie().is_none());
    let page = app.get_with("/auth/signin", &[("cookie", &flash)]).await;
    assert!(
        page.body.contains("Invalid email or password."),
        "the error is shown on the form"
    );
    assert!(
        page.body.contains(r#"value="ada@example.com""#),
        "the email is prefilled"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_form_registration_shows_field_errors() {
    let app = TestApp::new().await;
    let fields = [
        ("name", "Ada"),
        ("email", "ada@example.com"),
        ("password", "weak"),
        ("confirm_password", "weak2"),
    ];
    let response = app.form_post("/api/fn/register", &fields, &[]).await;
    assert_eq!(response.header("location"), "/auth/register");
    let page = app
        .get_with("/auth/register", &[("cookie", &response.flash_cookie())])
        .await;
    assert!(page.body.contains("Password must be at least 8 characters."));
    assert!(page.body.contains("Passwords do not match."));
    assert_eq!(app.count("SELECT count(*) AS n FROM users").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_functions_answer_401_without_a_session() {
    let app = TestApp::new().await;
    let request = axum::http::Request::post("/api/fn/admin_view")
        .header("host", "portal.test")
        .header("origin", "http://portal.test")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_only_functions_refuse_clients_with_403() {
    let app = TestApp::new().await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let call = async |token: &str| {
        let request = axum::http::Request::post("/api/fn/admin_view")
            .header("host", "portal.test")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::empty())
            .unwrap();
        app.send(request).await
    };
    assert_eq!(call(&token).await.status, StatusCode::FORBIDDEN);

    let report = ragsites_portal::server::seed::seed(&app.state, 1, 1.0).await.unwrap();
    let admin = json!({ "email": "admin@ragsites.com", "password": report.admin_password.unwrap() });
    let login = app.json("POST", "/api/auth/login", &admin, &[]).await;
    let admin_token = login.json()["token"].as_str().unwrap().to_owned();
    let overview = call(&admin_token).await;
    assert_eq!(overview.status, StatusCode::OK, "{}", overview.body);
    assert_eq!(overview.json()["overview"]["clients"], 2, "Ada and the demo client");
}
