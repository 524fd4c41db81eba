//! The sign-in and registration forms fuzzed through the real router: arbitrary bytes and
//! arbitrary field values never make a 5xx nor a dropped request, and a redirect never leaves
//! the site. 2,000 cases, or `PROPTEST_CASES` (the benchmark runs 100,000).

use axum::body::Body;
use axum::http::Request;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::support::TestApp;

#[derive(Debug, Clone)]
enum Input {
    Bytes(Vec<u8>),
    Fields {
        email: String,
        password: String,
        name: String,
        next: String,
    },
}

fn inputs() -> impl Strategy<Value = (bool, bool, Input)> {
    let fields = (any::<String>(), any::<String>(), any::<String>(), any::<String>()).prop_map(
        |(email, password, name, next)| Input::Fields {
            email,
            password,
            name,
            next,
        },
    );
    let input = prop_oneof![any::<Vec<u8>>().prop_map(Input::Bytes), fields];
    (any::<bool>(), any::<bool>(), input)
}

fn body(input: &Input) -> Vec<u8> {
    match input {
        Input::Bytes(bytes) => bytes.clone(),
        Input::Fields {
            email,
            password,
            name,
            next,
        } => serde_urlencoded::to_string([
            ("name", name),
            ("email", email),
            ("password", password),
            ("confirm_password", password),
            ("next", next),
        ])
        .expect("form encoding")
        .into_bytes(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_and_registration_take_any_input() {
    let app = TestApp::new().await;
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok());
    let mut runner = TestRunner::new(Config::with_cases(cases.unwrap_or(2_000)));
    let site = url::Url::parse("http://portal.test/").unwrap();
    let outcome = runner.run(&inputs(), |(register, plain, input)| {
        let path = if register {
            "/api/fn/register"
        } else {
            "/api/fn/sign_in"
        };
        let mut request = Request::post(path)
            .header("host", "portal.test")
            .header("origin", "http://portal.test")
            .header("content-type", "application/x-www-form-urlencoded");
        if plain {
            request = request.header("accept", "text/html");
        }
        let request = request.body(Body::from(body(&input))).unwrap();
        let response = tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(app.send(request)));
        prop_assert!(
            !response.status.is_server_error(),
            "{path}: {} {}",
            response.status,
            response.body
        );
        let location = response.header("location");
        if !location.is_empty() {
            let to = site.join(location).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(to.origin(), site.origin(), "{} -> {}", path, location);
        }
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}
