//! Where sign-in sends the browser: `next` only when it stays on this site, whatever tricks it
//! holds, and never a dropped connection. Through the real sign-in form, as a plain post and as
//! the enhanced server-function call.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::support::{PASSWORD, TestApp, TestResponse};

/// `next` as it travels in the form body, raw (already form-encoded).
const TRICKS: [&str; 14] = [
    "/%09/evil.example",
    "/%0A/evil.example",
    "/%01",
    "/%7F",
    "/%25%30%31",
    "/%5C/evil.example",
    "/%5C%5Cevil.example",
    "https:evil.example",
    "https%3A%2F%2Fevil.example",
    "%2F%2Fevil.example",
    "%2F%5C%2Fevil.example",
    "%2F.%2F%2Fevil.example",
    "%2F%09%2Fevil.example",
    "%2F%5C%5Cevil.example",
];

async fn sign_in(app: &TestApp, raw_next: &str, plain: bool) -> TestResponse {
    let body = format!(
        "email=ada%40example.com&password={}&next={raw_next}",
        urlencode(PASSWORD)
    );
    let mut request = Request::post("/api/fn/sign_in")
        .header("host", "portal.test")
        .header("origin", "http://portal.test")
        .header("content-type", "application/x-www-form-urlencoded");
    if plain {
        request = request.header("accept", "text/html,application/xhtml+xml");
    }
    app.send(request.body(Body::from(body)).unwrap()).await
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)]).unwrap()[1..].to_owned()
}

/// A browser following `location` from this site stays on it.
fn stays_on_site(location: &str) -> bool {
    let site = url::Url::parse("http://portal.test/").unwrap();
    location.starts_with('/')
        && !location.starts_with("//")
        && !location.contains('\\')
        && site.join(location).is_ok_and(|to| to.origin() == site.origin())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_never_redirects_off_site_whatever_next_holds() {
    let app = TestApp::new().await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    for raw in TRICKS {
        let plain = sign_in(&app, raw, true).await;
        assert_eq!(plain.status, StatusCode::FOUND, "{raw}: {}", plain.body);
        let location = plain.header("location");
        assert!(stays_on_site(location), "{raw} -> {location}");
        assert!(plain.session_cookie().is_some(), "{raw}: signed in");

        let enhanced = sign_in(&app, raw, false).await;
        assert_eq!(enhanced.status, StatusCode::OK, "{raw}: {}", enhanced.body);
        let next: String = serde_json::from_str(&enhanced.body).expect("the path as JSON");
        assert!(stays_on_site(&next), "{raw} -> {next}");
    }
    let kept = sign_in(&app, "%2Fservices%3Frange%3D7d", true).await;
    assert_eq!(
        kept.header("location"),
        "/services?range=7d",
        "a path on this site is kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_sign_in_keeps_a_safe_next_only() {
    let app = TestApp::new().await;
    let refused = |next: &'static str| {
        let app = &app;
        async move {
            let body = format!("email=ada%40example.com&password=nope&next={next}");
            let request = Request::post("/api/fn/sign_in")
                .header("host", "portal.test")
                .header("origin", "http://portal.test")
                .header("accept", "text/html")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap();
            app.send(request).await
        }
    };
    assert_eq!(
        refused("%2Fsettings").await.header("location"),
        "/auth/signin?next=%2Fsettings"
    );
    assert_eq!(
        refused("%2F%01").await.header("location"),
        "/auth/signin?next=%2Fdashboard",
        "an unsafe next is not carried back"
    );
}
