//! The origin check on state-changing requests that carry the session cookie: an opaque
//! (`null`) origin or a foreign referer is refused on server functions and REST alike.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::support::{PASSWORD, TestApp, TestResponse};

/// How a page sends the request: a plain form post (answered with a redirect), an enhanced
/// server-function call (answered with JSON), or a JSON call to the REST API.
#[derive(Clone, Copy, Debug)]
enum How {
    FormPost,
    ServerFn,
    Json,
}

struct Case {
    method: &'static str,
    path: &'static str,
    how: How,
    body: &'static str,
    /// The status when the request comes from the portal itself.
    accepted: StatusCode,
}

const CASES: [Case; 5] = [
    Case {
        method: "POST",
        path: "/api/fn/save_profile",
        how: How::FormPost,
        body: "name=Mallory&email=ada%40example.com",
        accepted: StatusCode::FOUND,
    },
    Case {
        method: "POST",
        path: "/api/fn/save_profile",
        how: How::ServerFn,
        body: "name=Mallory&email=ada%40example.com",
        accepted: StatusCode::OK,
    },
    Case {
        method: "PUT",
        path: "/api/user/profile",
        how: How::Json,
        body: r#"{"name": "Mallory"}"#,
        accepted: StatusCode::OK,
    },
    Case {
        method: "POST",
        path: "/api/v1/services",
        how: How::Json,
        body: r#"{"name": "Mallory's bot", "kind": "chatbot"}"#,
        accepted: StatusCode::CREATED,
    },
    // Last: accepted, it ends the session.
    Case {
        method: "POST",
        path: "/api/auth/logout",
        how: How::Json,
        body: "{}",
        accepted: StatusCode::OK,
    },
];

async fn send(app: &TestApp, case: &Case, cookie: &str, source: &[(&str, &str)]) -> TestResponse {
    let mut request = Request::builder()
        .method(case.method)
        .uri(case.path)
        .header("host", "portal.test")
        .header("cookie", cookie);
    request = match case.how {
        How::FormPost => request
            .header("accept", "text/html,application/xhtml+xml")
            .header("content-type", "application/x-www-form-urlencoded"),
        How::ServerFn => request.header("content-type", "application/x-www-form-urlencoded"),
        How::Json => request.header("content-type", "application/json"),
    };
    for (name, value) in source {
        request = request.header(*name, *value);
    }
    app.send(request.body(Body::from(case.body)).expect("request")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_null_origin_or_a_foreign_referer_with_the_cookie_changes_nothing() {
    let app = TestApp::new().await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let cookie = format!("ragsites_session={token}");
    let user = "SELECT row_to_json(u)::text AS t FROM users u";
    let before = app.text(user).await;
    let foreign = [
        vec![("origin", "null")],
        vec![("referer", "https://evil.test/form")],
        vec![("origin", "null"), ("referer", "https://evil.test/form")],
        // A referer that only starts with the portal's name is another site.
        vec![("referer", "http://portal.test.evil.test/form")],
    ];
    for case in &CASES {
        for source in &foreign {
            let response = send(&app, case, &cookie, source).await;
            let what = format!("{} {} {:?} from {source:?}", case.method, case.path, case.how);
            assert_eq!(response.status, StatusCode::FORBIDDEN, "{what}: {}", response.body);
            assert_eq!(response.json()["error"]["code"], "forbidden", "{what}");
        }
    }
    assert_eq!(app.text(user).await, before, "the profile is unchanged");
    assert_eq!(app.count("SELECT count(*) AS n FROM services").await, 0);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM sessions WHERE revoked_at IS NULL")
            .await,
        1,
        "still signed in"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM activity_logs").await,
        1,
        "only the registration"
    );

    // The same requests from the portal's own pages go through.
    for case in &CASES {
        let response = send(&app, case, &cookie, &[("referer", "http://portal.test/settings")]).await;
        let what = format!("{} {} {:?}", case.method, case.path, case.how);
        assert_eq!(response.status, case.accepted, "{what}: {}", response.body);
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM services").await, 1);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM sessions WHERE revoked_at IS NULL")
            .await,
        0
    );
}
