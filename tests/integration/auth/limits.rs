//! The limits on guessing passwords: per account and address, per address across accounts, per
//! account across addresses (a ceiling, then a growing delay), on the current password of a
//! signed-in user, with parallel requests, across server processes, and the end of a lock-out
//! on the server's clock.

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::json;

use futures_util::future::join_all;

use crate::support::calls::{bearer, call, field, login, password_change, put};
use crate::support::{PASSWORD, TestApp, TestResponse};

const WRONG: &str = "Wr0ng!pass";

/// A sign-in to `email` with a wrong password, refused (401) rather than limited.
async fn assert_refused(app: &TestApp, email: &str, what: impl std::fmt::Display) {
    let wrong = login(app, email, WRONG).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{what}: {}", wrong.body);
}

/// A sign-in to `email` with its password, let in.
async fn assert_signs_in(app: &TestApp, email: &str, why: &str) {
    let response = login(app, email, PASSWORD).await;
    assert_eq!(response.status, StatusCode::OK, "{why}: {}", response.body);
}

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
    let change = |current| password_change(current, "N3w!passw", "N3w!passw");
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

    assert_signs_in(&app, "ada@example.com", "Ada's sign-in is not locked").await;
    let profile = app
        .get_with("/api/user/profile", &[("authorization", &bearer(&bob))])
        .await;
    assert_eq!(profile.json()["email"], "bob@example.com", "nothing changed");
}

/// Registers `count` accounts user0@… from addresses of their own (registration is limited per
/// address), then comes back to the default address.
async fn register_users(app: &TestApp, count: usize) {
    for n in 0..count {
        app.set_peer(&format!("10.0.{}.{}", n / 200, n % 200 + 1));
        app.register("User", &format!("user{n}@example.com"), PASSWORD).await;
    }
    app.set_peer(crate::support::DEFAULT_PEER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_on_many_accounts_lock_out_their_address_only() {
    let app = TestApp::new().await;
    register_users(&app, 31).await;
    app.set_peer("198.51.100.1");
    for n in 0..30 {
        assert_refused(
            &app,
            &format!("user{n}@example.com"),
            format!("account {n} has one failure only"),
        )
        .await;
    }
    // user30 never failed: only the address is over its limit.
    assert_limited(&login(&app, "user30@example.com", PASSWORD).await, 900);

    app.set_peer("203.0.113.7");
    assert_signs_in(&app, "user30@example.com", "from another address").await;
    assert_signs_in(
        &app,
        "user0@example.com",
        "an account with one failure signs in from another address",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_from_one_address_do_not_lock_the_owner_out_from_another() {
    let app = TestApp::new().await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    app.register("Bob", "bob@example.com", PASSWORD).await;
    app.set_peer("198.51.100.1");
    for attempt in 0..10 {
        assert_refused(&app, "ada@example.com", format!("attempt {attempt}")).await;
    }
    assert_limited(&login(&app, "ada@example.com", PASSWORD).await, 900);
    assert_signs_in(
        &app,
        "bob@example.com",
        "the address is locked out of Ada's account only",
    )
    .await;
    app.set_peer("203.0.113.7");
    assert_signs_in(
        &app,
        "ada@example.com",
        "the owner signs in from an address without failures",
    )
    .await;
}

/// 40 wrong passwords sent at once: each is counted before its hash is compared, so no more
/// than the limit are ever checked; the others wait their turn and find the limit reached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_sign_ins_get_no_more_guesses_checked_than_the_limit() {
    let app = TestApp::new().await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    let answers = join_all((0..40).map(|_| login(&app, "ada@example.com", WRONG))).await;
    let checked = answers.iter().filter(|r| r.status == StatusCode::UNAUTHORIZED).count();
    assert_eq!(checked, 10, "guesses checked");
    for limited in answers.iter().filter(|r| r.status != StatusCode::UNAUTHORIZED) {
        assert_limited(limited, 900);
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM activity_logs WHERE action = 'auth.sign_in_failed'")
            .await,
        10
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_current_passwords_get_no_more_checked_than_the_limit() {
    let app = TestApp::new().await;
    let ada = app.register("Ada", "ada@example.com", PASSWORD).await;
    let fields = password_change(WRONG, "N3w!passw", "N3w!passw");
    let email_change = json!({ "email": "ada2@example.com", "current_password": WRONG });
    let answers = join_all((0..40).map(|n| {
        let email_change = email_change.clone();
        let ada = ada.clone();
        let app = &app;
        let fields = &fields;
        async move {
            if n % 2 == 0 {
                call(app, "change_password", fields, &ada).await
            } else {
                put(app, "/api/user/profile", email_change, &ada).await
            }
        }
    }))
    .await;
    let checked = answers
        .iter()
        .filter(|r| r.status == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    assert_eq!(checked, 10, "current passwords checked");
    for limited in answers.iter().filter(|r| r.status != StatusCode::UNPROCESSABLE_ENTITY) {
        assert_limited(limited, 900);
    }
}

/// Many addresses guessing one account: past 100 failures in a day, each further attempt waits
/// twice as long as the one before after the last, up to 5 minutes, even with the password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distributed_guessing_meets_the_account_ceiling_and_a_growing_delay() {
    let app = TestApp::new().await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    for address in 0..10 {
        app.set_peer(&format!("198.51.100.{address}"));
        for attempt in 0..10 {
            assert_refused(&app, "ada@example.com", format!("attempt {attempt} from {address}")).await;
        }
    }
    for (step, wait) in [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300].into_iter().enumerate() {
        app.set_peer(&format!("203.0.113.{step}"));
        assert_limited(&login(&app, "ada@example.com", PASSWORD).await, wait);
        app.advance(Duration::seconds(wait as i64 - 1));
        assert_limited(&login(&app, "ada@example.com", PASSWORD).await, 1);
        app.advance(Duration::seconds(1));
        assert_refused(&app, "ada@example.com", format!("step {step} is checked")).await;
    }
    app.set_peer("192.0.2.99");
    app.advance(Duration::minutes(5));
    assert_signs_in(&app, "ada@example.com", "the owner gets in once the delay has passed").await;
    app.advance(Duration::minutes(5));
    assert_signs_in(&app, "ada@example.com", "a successful sign-in gives its attempt back").await;
    app.advance(Duration::hours(24));
    app.set_peer("198.51.100.0");
    assert_signs_in(&app, "ada@example.com", "a day later the count starts again").await;
}

/// Two server processes on one database: the counts are in PostgreSQL, so failures through
/// one process count on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_through_one_process_count_on_another() {
    let one = TestApp::new().await;
    let other = TestApp::with_pool(one.state.pool.clone(), one.db_name.clone());
    one.register("Ada", "ada@example.com", PASSWORD).await;
    for attempt in 0..10 {
        let process = if attempt % 2 == 0 { &one } else { &other };
        assert_refused(process, "ada@example.com", format!("attempt {attempt}")).await;
    }
    assert_limited(&login(&one, "ada@example.com", PASSWORD).await, 900);
    assert_limited(&login(&other, "ada@example.com", PASSWORD).await, 900);
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
        assert_refused(&app, "ada@example.com", format!("minute {minute}")).await;
    }
    assert_eq!(app.now(), start + Duration::minutes(9));
    // The oldest failure, at `start`, keeps the account locked until start + 15 minutes.
    assert_limited(&login(&app, "ada@example.com", PASSWORD).await, 6 * 60);
    app.advance(Duration::minutes(6) - Duration::seconds(1));
    assert_limited(&login(&app, "ada@example.com", PASSWORD).await, 1);
    app.advance(Duration::seconds(1));
    assert_signs_in(&app, "ada@example.com", "the lock-out has ended").await;
}

/// The counters stay bounded: one whose window has ended is deleted by a later attempt (of any
/// key), and an attempt for a key counts afresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_whose_window_has_ended_are_deleted() {
    let app = TestApp::new().await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    app.set_peer("198.51.100.1");
    assert_refused(&app, "ada@example.com", "Ada's first failure").await;
    let ada = "SELECT count(*) AS n FROM auth_limits WHERE key LIKE '%198.51.100.1%' OR key LIKE '%ada@%'";
    assert_eq!(app.count(ada).await, 3, "account at address, address, account");
    app.advance(Duration::hours(24));
    app.set_peer("203.0.113.7");
    assert_refused(&app, "bob@example.com", "an unknown account's failure").await;
    assert_eq!(app.count(ada).await, 0, "Ada's counters are gone");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM auth_limits").await,
        3,
        "Bob's three (the registration's counter has ended too)"
    );
}
