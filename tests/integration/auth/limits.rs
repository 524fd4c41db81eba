//! The limits on guessing passwords: per client address across accounts, on the current password
//! of a signed-in user, and the end of a lock-out on the server's clock.

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::json;

use crate::support::calls::{bearer, call, field, login, put};
use crate::support::{PASSWORD, TestApp, TestResponse};

const WRONG: &str = "Wr0ng!pass";

/// A 429 whose `Retry-After` is exactly `seconds`.
fn assert_limited(response: &TestResponse, seconds: u64) {
    assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS, "{}", response.body);
    assert_eq!(response.header("retry-after"), seconds.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_current_passwords_are_limited_per_user_like_sign_ins() {
    let app = TestApp::new().await;
    let ada = app.register("Ada", "ada@example.com", PASSWORD).await;
    let bob = app.register("Bob", "bob@example.com", PASSWORD).await;
    let change = |current: &'static str| {
        [
            ("current_password", current),
            ("new_password", "N3w!passw"),
            ("confirm_password", "N3w!passw"),
        ]
    };
    for attempt in 0..10 {
        let wrong = call(&app, "change_password", &change(WRONG), &ada).await;
        assert!(
            field(&wrong, "current_password").contains("wrong"),
            "attempt {attempt} is refused, not limited"
        );
    }
    // Every failure happened at the same instant on the fixed clock: the whole window remains.
    assert_limited(&call(&app, "change_password", &change(PASSWORD), &ada).await, 900);
    let email_change = json!({ "email": "ada2@example.com", "current_password": PASSWORD });
    assert_limited(&put(&app, "/api/user/profile", email_change, &ada).await, 900);

    // Bob's count is his own, and the email change counts its failures the same way.
    let bob_change = json!({ "email": "bob2@example.com", "current_password": WRONG });
    for attempt in 0..10 {
        let wrong = put(&app, "/api/user/profile", bob_change.clone(), &bob).await;
        assert!(
            field(&wrong, "current_password").contains("wrong"),
            "attempt {attempt} is refused, not limited"
        );
    }
    let right = json!({ "email": "bob2@example.com", "current_password": PASSWORD });
    assert_limited(&put(&app, "/api/user/profile", right, &bob).await, 900);

    assert_eq!(login(&app, "ada@example.com", PASSWORD).await.status, StatusCode::OK);
    let profile = app
        .get_with("/api/user/profile", &[("authorization", &bearer(&bob))])
        .await;
    assert_eq!(profile.json()["email"], "bob@example.com", "nothing changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_on_many_accounts_lock_out_their_address_only() {
    let app = TestApp::new().await;
    for n in 0..=10 {
        app.register("User", &format!("user{n}@example.com"), PASSWORD).await;
    }
    app.set_peer("198.51.100.1");
    for n in 0..10 {
        let wrong = login(&app, &format!("user{n}@example.com"), WRONG).await;
        assert_eq!(
            wrong.status,
            StatusCode::UNAUTHORIZED,
            "account {n} has one failure only"
        );
    }
    // user10 never failed: only the address is over its limit.
    assert_limited(&login(&app, "user10@example.com", PASSWORD).await, 900);

    app.set_peer("203.0.113.7");
    assert_eq!(login(&app, "user10@example.com", PASSWORD).await.status, StatusCode::OK);
    assert_eq!(
        login(&app, "user0@example.com", PASSWORD).await.status,
        StatusCode::OK,
        "an account with one failure signs in from another address"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_out_ends_when_its_oldest_failure_leaves_the_window() {
    let app = TestApp::new().await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    let start = app.now();
    for minute in 0..10 {
        if minute > 0 {
            app.advance(Duration::minutes(1));
        }
        let wrong = login(&app, "ada@example.com", WRONG).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.now(), start + Duration::minutes(9));
    // The oldest failure, at `start`, keeps the account locked until start + 15 minutes.
    assert_limited(&login(&app, "ada@example.com", PASSWORD).await, 6 * 60);
    app.advance(Duration::minutes(6) - Duration::seconds(1));
    assert_limited(&login(&app, "ada@example.com", PASSWORD).await, 1);
    app.advance(Duration::seconds(1));
    assert_eq!(login(&app, "ada@example.com", PASSWORD).await.status, StatusCode::OK);
}
