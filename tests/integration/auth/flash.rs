//! A refused form's answer travels back in a signed, short-lived cookie read once, never in
//! the URL: no page shows a message written into its address, and no personal data lands in
//! a redirect.

use chrono::Duration;

use crate::support::calls::{sign_in_form, sign_out};
use crate::support::{PASSWORD, TestApp};

const PHISHING: &str = "Your account is locked. Call +1 555 0100";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_written_into_the_url_is_never_shown() {
    let app = TestApp::new().await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let cookie = format!("ragsites_session={token}");
    let error = serde_json::json!({ "Conflict": PHISHING }).to_string();
    let query = serde_urlencoded::to_string([("error", error.as_str()), ("email", "mallory@evil.example")]).unwrap();
    for (path, headers) in [
        ("/auth/signin", vec![]),
        ("/auth/register", vec![]),
        ("/settings/profile", vec![("cookie", cookie.as_str())]),
        ("/services", vec![("cookie", cookie.as_str())]),
    ] {
        let page = app.get_with(&format!("{path}?{query}"), &headers).await;
        assert!(page.status.is_success(), "{path}: {}", page.status);
        assert!(!page.body.contains("555 0100"), "{path} shows a forged message");
        assert!(
            !page.body.contains("mallory@evil.example"),
            "{path} prefills from the URL"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_profile_comes_back_through_the_cookie_once() {
    let app = TestApp::new().await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    let session = format!("ragsites_session={token}");
    let typed = [
        ("name", "Ada Byron"),
        ("email", "ada.byron@example.com"),
        ("bio", "Poetical scientist, friend of engines"),
        ("avatar_url", "ftp://x"),
    ];
    let response = app
        .form_post("/api/fn/save_profile", &typed, &[("cookie", &session)])
        .await;
    let location = response.header("location");
    assert_eq!(location, "/settings/profile", "no error, email or bio in the URL");
    let set_cookie = response
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("ragsites_flash="))
        .expect("a flash cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=60"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    let flash = response.flash_cookie();
    let both = format!("{session}; {flash}");

    let page = app.get_with("/settings/profile", &[("cookie", &both)]).await;
    assert!(
        page.body.contains("The avatar URL must start with https://."),
        "the error"
    );
    assert!(
        page.body.contains(r#"value="ada.byron@example.com""#),
        "the email typed"
    );
    assert!(
        page.body.contains(">Poetical scientist, friend of engines</textarea>"),
        "the bio typed"
    );
    assert!(
        page.headers
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("ragsites_flash=;")),
        "the page that read it removes it"
    );
    // A browser no longer sends it; one that replays it later finds it stale.
    let again = app.get_with("/settings/profile", &[("cookie", &session)]).await;
    assert!(!again.body.contains("The avatar URL must start"), "shown once");
    assert!(!again.body.contains("ada.byron@example.com"));
    app.advance(Duration::seconds(61));
    let replayed = app.get_with("/settings/profile", &[("cookie", &both)]).await;
    assert!(
        !replayed.body.contains("The avatar URL must start"),
        "stale after a minute"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_or_misplaced_flash_shows_nothing() {
    let app = TestApp::new().await;
    let wrong = sign_in_form(&app, "ada@example.com", "nope").await;
    let flash = wrong.flash_cookie();
    let (payload, signature) = flash.split_once('.').expect("payload.signature");
    let shown = |page: &str| page.contains("Invalid email or password.");
    assert!(shown(&app.get_with("/auth/signin", &[("cookie", &flash)]).await.body));

    let tampered = [
        format!("{payload}A.{signature}"),
        format!("{payload}.{}", signature.chars().rev().collect::<String>()),
        payload.to_owned(),
        "ragsites_flash=garbage".to_owned(),
    ];
    for cookie in tampered {
        let page = app.get_with("/auth/signin", &[("cookie", &cookie)]).await;
        assert!(!shown(&page.body), "{cookie}");
        assert!(!page.body.contains("ada@example.com"), "{cookie}");
    }
    let elsewhere = app.get_with("/auth/register", &[("cookie", &flash)]).await;
    assert!(!shown(&elsewhere.body), "a flash shows only on the page it was sent to");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_secure_cookies_the_flash_is_host_prefixed() {
    let app = TestApp::with_config(|config| config.cookie_secure = true).await;
    let wrong = sign_in_form(&app, "ada@example.com", "nope").await;
    let set = wrong
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-ragsites_flash="))
        .unwrap_or_else(|| panic!("a __Host- flash cookie: {:?}", wrong.set_cookies()));
    for attribute in ["; Secure", "; Path=/", "; HttpOnly"] {
        assert!(set.contains(attribute), "{attribute} in {set}");
    }
    assert!(!set.contains("Domain"), "{set}");

    let page = app.get_with("/auth/signin", &[("cookie", &wrong.flash_cookie())]).await;
    assert!(
        page.body.contains("Invalid email or password."),
        "the next page shows it"
    );
    assert!(
        page.set_cookies()
            .iter()
            .any(|c| c.starts_with("__Host-ragsites_flash=;")),
        "and removes it under the same name: {:?}",
        page.set_cookies()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_reads_a_flash_still_clears_a_dead_session_cookie() {
    let app = TestApp::new().await;
    let token = app.register("Ada", "ada@example.com", PASSWORD).await;
    sign_out(&app, &token).await;
    let wrong = sign_in_form(&app, "ada@example.com", "nope").await;
    let cookies = format!("ragsites_session={token}; {}", wrong.flash_cookie());

    let page = app.get_with("/auth/signin", &[("cookie", &cookies)]).await;
    assert!(page.body.contains("Invalid email or password."), "the flash is shown");
    let set = page.set_cookies();
    for cleared in ["ragsites_flash=;", "ragsites_session=;"] {
        assert!(
            set.iter().any(|c| c.starts_with(cleared) && c.contains("Max-Age=0")),
            "{cleared} in {set:?}"
        );
    }
}
