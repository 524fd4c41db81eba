//! Sign-in through an OpenID Connect provider, against a real one (`support::oidc`): new
//! accounts from verified addresses only, links confirmed by the account's password, the
//! security tab's list and unlink, and every forged or stale answer refused with nothing made.

use axum::http::StatusCode;

use crate::support::calls::{call, login};
use crate::support::oidc::{Provider, authorize};
use crate::support::{PASSWORD, TestApp, TestResponse};

async fn app_with(provider: &Provider) -> TestApp {
    let (providers, github) = (provider.config(), provider.github());
    TestApp::with_config(move |config| {
        config.oidc_providers = providers;
        config.github = Some(github);
    })
    .await
}

/// The `name=value` of the cookie `name` the response sets (empty when none).
fn cookie(response: &TestResponse, name: &str) -> String {
    response
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with(&format!("{name}=")) && !c.contains("Max-Age=0"))
        .map(|c| c.split(';').next().unwrap_or("").to_owned())
        .unwrap_or_default()
}

/// A started dance: where the provider is, and the browser's flow cookie.
struct Started {
    authorization_url: String,
    flow: String,
}

async fn start(app: &TestApp, provider: &str, session: Option<&str>) -> Started {
    let response = match session {
        Some(token) => {
            let cookie = format!("ragsites_session={token}");
            let link = format!("/auth/oidc/{provider}/link");
            app.form_post(&link, &[("password", PASSWORD)], &[("cookie", &cookie)])
                .await
        }
        None => {
            app.get_with(&format!("/auth/oidc/{provider}?next=/services"), &[])
                .await
        }
    };
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    let started = Started {
        authorization_url: response.header("location").to_owned(),
        flow: cookie(&response, "ragsites_oidc"),
    };
    assert!(
        started.authorization_url.starts_with("http://127.0.0.1:"),
        "{}",
        started.authorization_url
    );
    let expected = if provider == "github" {
        [
            "state=",
            "code_challenge=",
            "code_challenge_method=S256",
            "scope=read%3Auser+user%3Aemail",
        ]
        .as_slice()
    } else {
        [
            "state=",
            "nonce=",
            "code_challenge=",
            "code_challenge_method=S256",
            "scope=openid",
        ]
        .as_slice()
    };
    for parameter in expected {
        assert!(
            started.authorization_url.contains(parameter),
            "{parameter} in {}",
            started.authorization_url
        );
    }
    assert!(
        !started.flow.is_empty(),
        "the flow is bound to this browser by a cookie"
    );
    started
}

/// The portal's answer to the provider sending the browser back with `cookies`.
async fn back(app: &TestApp, callback: &str, cookies: &[&str]) -> TestResponse {
    let path = callback
        .strip_prefix("https://portal.test.example")
        .expect("a portal URL");
    app.get_with(path, &[("cookie", &cookies.join("; "))]).await
}

async fn sign_in_as(app: &TestApp, login: &str) -> TestResponse {
    let started = start(app, "local", None).await;
    let callback = authorize(&started.authorization_url, login).await;
    back(app, &callback, &[&started.flow]).await
}

/// Confirms the account's address, as its mailed link would.
async fn confirm_address(app: &TestApp, email: &str) {
    let sql = format!(
        "WITH u AS (UPDATE users SET email_verified_at = now() WHERE email = '{email}' RETURNING 1) SELECT count(*) AS n FROM u"
    );
    assert_eq!(app.count(&sql).await, 1);
}

/// The text of the page a refused answer sends the browser back to, with its flash cookie.
async fn refusal(app: &TestApp, response: &TestResponse) -> String {
    refusal_to(app, response, "").await
}

/// `refusal` for a signed-in browser, whose `session` cookie the page needs.
async fn refusal_to(app: &TestApp, response: &TestResponse, session: &str) -> String {
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    assert!(response.session_cookie().is_none(), "no session for a refused answer");
    let cookies = format!("{}; {session}", response.flash_cookie());
    let page = app.get_with(response.header("location"), &[("cookie", &cookies)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_identity_makes_a_client_account_with_a_confirmed_address_and_no_password() {
    let provider = Provider::start();
    let app = app_with(&provider).await;
    let signin = app.get("/auth/signin").await;
    assert!(signin.body.contains("Continue with Local ID"), "{}", signin.body);
    assert!(signin.body.contains(r#"href="/auth/oidc/local""#));

    let response = sign_in_as(&app, "new.client@example.test").await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    assert_eq!(
        response.header("location"),
        "/services",
        "next is kept through the dance"
    );
    let token = response.session_cookie().expect("a session");
    let me = app
        .get_with("/api/auth/verify", &[("authorization", &format!("Bearer {token}"))])
        .await;
    assert_eq!(me.json()["user"]["email"], "new.client@example.test");
    assert_eq!(me.json()["user"]["role"], "client");
    assert_eq!(me.json()["user"]["email_verified"], true);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM users WHERE email = 'new.client@example.test' AND password_hash IS NULL AND name = 'new client'").await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM user_identities WHERE provider = 'local' AND subject = 'new.client@example.test'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM activity_logs WHERE action = 'auth.register' AND detail->>'provider' = 'local'"
        )
        .await,
        1
    );
    // No password: not even the one the timing dummy is made from lets anyone in.
    for password in ["not a real password", PASSWORD, ""] {
        let refused = login(&app, "new.client@example.test", password).await;
        assert_ne!(refused.status, StatusCode::OK, "{password:?}");
    }

    // The same identity again signs in to the same account.
    let again = sign_in_as(&app, "new.client@example.test").await;
    assert!(again.session_cookie().is_some(), "{:?}", again.headers);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM users WHERE email = 'new.client@example.test'")
            .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM activity_logs WHERE action = 'auth.sign_in' AND detail->>'provider' = 'local'"
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unverified_address_makes_no_account() {
    let provider = Provider::start();
    let app = app_with(&provider).await;
    let response = sign_in_as(&app, "unverified-ann@example.test").await;
    let page = refusal(&app, &response).await;
    assert!(page.contains("Local ID has not confirmed an email address"), "{page}");
    assert_eq!(app.count("SELECT count(*) AS n FROM users").await, 0);
    assert_eq!(app.count("SELECT count(*) AS n FROM user_identities").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_or_missing_state_is_refused() {
    let provider = Provider::start();
    let app = app_with(&provider).await;
    let started = start(&app, "local", None).await;
    let callback = authorize(&started.authorization_url, "eve@example.test").await;
    let state = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("a state");
    let forged = callback.replace(&format!("state={state}"), "state=forged-state");
    for (answer, cookies) in [(&forged, vec![started.flow.as_str()]), (&callback, vec![])] {
        let response = back(&app, answer, &cookies).await;
        let page = refusal(&app, &response).await;
        assert!(page.contains("did not start in this browser"), "{page}");
    }
    // Another browser's flow cookie (its own dance) does not fit this answer either.
    let other = start(&app, "local", None).await;
    let response = back(&app, &callback, &[&other.flow]).await;
    assert!(refusal(&app, &response).await.contains("did not start in this browser"));
    assert_eq!(app.count("SELECT count(*) AS n FROM users").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_code_is_refused() {
    let provider = Provider::start();
    let app = app_with(&provider).await;
    let started = start(&app, "local", None).await;
    let callback = authorize(&started.authorization_url, "replay@example.test").await;
    let first = back(&app, &callback, &[&started.flow]).await;
    assert!(first.session_cookie().is_some(), "{}", first.body);
    assert!(
        first.set_cookies().iter().any(|c| c.starts_with("ragsites_oidc=;")
            || c.starts_with("ragsites_oidc=\"\"")
            || (c.starts_with("ragsites_oidc=") && c.contains("Max-Age=0"))),
        "the flow cookie is cleared: {:?}",
        first.set_cookies()
    );
    // The same answer again, even with the old cookie kept: the provider will not trade the code twice.
    let replay = back(&app, &callback, &[&started.flow]).await;
    let page = refusal(&app, &replay).await;
    assert!(page.contains("the code was refused"), "{page}");
    // Nor for a fresh dance of this browser (another state, another PKCE verifier).
    let fresh = start(&app, "local", None).await;
    let code = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let state = url::Url::parse(&fresh.authorization_url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let spliced = format!("https://portal.test.example/auth/oidc/local/callback?code={code}&state={state}");
    let response = back(&app, &spliced, &[&fresh.flow]).await;
    assert!(refusal(&app, &response).await.contains("the code was refused"));
    assert_eq!(app.count("SELECT count(*) AS n FROM sessions").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_token_with_another_nonce_is_refused() {
    let provider = Provider::start();
    let app = app_with(&provider).await;
    let started = start(&app, "local", None).await;
    let mut url = url::Url::parse(&started.authorization_url).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "nonce" {
                "a-nonce-of-another-dance".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    let callback = authorize(url.as_str(), "nonce@example.test").await;
    let response = back(&app, &callback, &[&started.flow]).await;
    let page = refusal(&app, &response).await;
    assert!(page.contains("the ID token is not valid"), "{page}");
    assert_eq!(app.count("SELECT count(*) AS n FROM users").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_token_signed_by_another_key_is_refused() {
    let provider = Provider::start();
    let app = app_with(&provider).await;
    let started = start(&app, "forged", None).await;
    let callback = authorize(&started.authorization_url, "forged@example.test").await;
    let response = back(&app, &callback, &[&started.flow]).await;
    let page = refusal(&app, &response).await;
    assert!(
        page.contains("Forged ID could not confirm who you are (the ID token is not valid)"),
        "{page}"
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM users").await, 0);
    assert_eq!(app.count("SELECT count(*) AS n FROM sessions").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_address_is_linked_only_with_its_password() {
    let provider = Provider::start();
    let app = app_with(&provider).await;
    app.register("Ada", "ada@example.test", PASSWORD).await;
    let response = sign_in_as(&app, "ADA@example.test").await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.header("location"), "/auth/link");
    assert!(response.session_cookie().is_none(), "never signed in silently");
    assert_eq!(app.count("SELECT count(*) AS n FROM user_identities").await, 0);
    let waiting = cookie(&response, "ragsites_link");
    let page = app.get_with("/auth/link", &[("cookie", &waiting)]).await;
    assert!(
        page.body.contains("An account with ada@example.test already exists"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Local ID"));

    let wrong = app
        .form_post(
            "/api/fn/confirm_identity_link",
            &[("password", "Wrong@123456")],
            &[("cookie", &waiting)],
        )
        .await;
    assert_eq!(wrong.header("location"), "/auth/link");
    assert!(wrong.session_cookie().is_none());
    assert_eq!(app.count("SELECT count(*) AS n FROM user_identities").await, 0);

    let right = app
        .form_post(
            "/api/fn/confirm_identity_link",
            &[("password", PASSWORD)],
            &[("cookie", &waiting)],
        )
        .await;
    assert!(right.session_cookie().is_some(), "{:?}", right.headers);
    assert_eq!(right.header("location"), "/services");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM user_identities i JOIN users u ON u.id = i.user_id WHERE u.email = 'ada@example.test'").await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM activity_logs WHERE action = 'identity.link'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM users WHERE email = 'ada@example.test' AND email_verified_at IS NOT NULL")
            .await,
        1,
        "the provider verified Ada's own address"
    );
    // From now on the provider alone signs Ada in.
    let direct = sign_in_as(&app, "ADA@example.test").await;
    assert!(direct.session_cookie().is_some());
    // A stale or missing waiting link links nothing.
    let none = app
        .form_post("/api/fn/confirm_identity_link", &[("password", PASSWORD)], &[])
        .await;
    assert_eq!(none.header("location"), "/auth/link");
    assert!(none.session_cookie().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_security_tab_links_lists_and_unlinks_but_never_the_last_way_in() {
    let provider = Provider::start();
    let app = app_with(&provider).await;
    let ada = app.register("Ada", "ada@example.test", PASSWORD).await;
    let session = format!("ragsites_session={ada}");
    // Linking asks for the password: a session alone adds no way in.
    let link = "/auth/oidc/local/link";
    let wrong = app
        .form_post(link, &[("password", "Wrong@123456")], &[("cookie", &session)])
        .await;
    assert!(cookie(&wrong, "ragsites_oidc").is_empty(), "no dance starts");
    let page = refusal_to(&app, &wrong, &session).await;
    assert!(page.contains("The current password is wrong."), "{page}");
    // An unconfirmed address (anyone may have registered it) links only the provider that
    // verified that very address.
    let started = start(&app, "local", Some(&ada)).await;
    let callback = authorize(&started.authorization_url, "ada.work@example.test").await;
    let unconfirmed = back(&app, &callback, &[&started.flow, &session]).await;
    let page = refusal_to(&app, &unconfirmed, &session).await;
    assert!(page.contains("Confirm your email address first"), "{page}");
    assert_eq!(app.count("SELECT count(*) AS n FROM user_identities").await, 0);
    confirm_address(&app, "ada@example.test").await;

    let started = start(&app, "local", Some(&ada)).await;
    let callback = authorize(&started.authorization_url, "ada.work@example.test").await;
    let linked = back(&app, &callback, &[&started.flow, &session]).await;
    assert_eq!(linked.status, StatusCode::SEE_OTHER);
    assert_eq!(linked.header("location"), "/settings/security?saved=1&form=identities");
    let methods = call(&app, "load_sign_in_methods", &[], &ada).await.json();
    assert_eq!(methods["has_password"], true);
    assert_eq!(methods["linked"][0]["provider"], "local");
    assert_eq!(methods["linked"][0]["email"], "ada.work@example.test");
    assert_eq!(methods["linkable"][0]["name"], "forged", "only what is not linked yet");
    let page = app.get_with("/settings/security", &[("cookie", &session)]).await;
    assert!(
        page.body.contains("Sign-in methods") && page.body.contains("ada.work@example.test"),
        "{}",
        page.body
    );

    // Another account cannot take the same provider account, nor link it twice.
    let bob = app.register("Bob", "bob@example.test", PASSWORD).await;
    confirm_address(&app, "bob@example.test").await;
    let started = start(&app, "local", Some(&bob)).await;
    let callback = authorize(&started.authorization_url, "ada.work@example.test").await;
    let bob_session = format!("ragsites_session={bob}");
    let taken = back(&app, &callback, &[&started.flow, &bob_session]).await;
    let page = refusal_to(&app, &taken, &bob_session).await;
    assert!(page.contains("linked to another portal account"), "{page}");
    // A link dance finished in a browser signed in as someone else links nothing.
    let started = start(&app, "local", Some(&bob)).await;
    let callback = authorize(&started.authorization_url, "bob.other@example.test").await;
    let wrong_browser = back(&app, &callback, &[&started.flow, &session]).await;
    let page = refusal_to(&app, &wrong_browser, &session).await;
    assert!(page.contains("Sign in to the portal first"), "{page}");
    assert_eq!(app.count("SELECT count(*) AS n FROM user_identities").await, 1);

    // Bob cannot unlink Ada's; Ada can (she has a password).
    let id = methods["linked"][0]["id"].as_str().unwrap().to_owned();
    let foreign = call(&app, "unlink_identity", &[("id", &id)], &bob).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let unlinked = call(&app, "unlink_identity", &[("id", &id)], &ada).await;
    assert_eq!(unlinked.status, StatusCode::OK, "{}", unlinked.body);
    assert_eq!(app.count("SELECT count(*) AS n FROM user_identities").await, 0);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM activity_logs WHERE action = 'identity.unlink'")
            .await,
        1
    );

    // An account made by a provider has no other way in: its only link stays.
    let made = sign_in_as(&app, "solo@example.test").await;
    let solo = made.session_cookie().unwrap();
    // Its address through another provider finds no password to ask for: it says how it signs in.
    let started = start(&app, "github", None).await;
    let callback = authorize(&started.authorization_url, "solo@example.test").await;
    let other = back(&app, &callback, &[&started.flow]).await;
    let page = refusal(&app, &other).await;
    assert!(page.contains("already signs in with Local ID"), "{page}");
    let methods = call(&app, "load_sign_in_methods", &[], &solo).await.json();
    assert_eq!(methods["has_password"], false);
    let id = methods["linked"][0]["id"].as_str().unwrap().to_owned();
    let refused = call(&app, "unlink_identity", &[("id", &id)], &solo).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("only way to sign in"), "{}", refused.body);
    assert_eq!(app.count("SELECT count(*) AS n FROM user_identities").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_providers_there_are_no_buttons_and_no_dance() {
    let app = TestApp::new().await;
    assert!(!app.get("/auth/signin").await.body.contains("Continue with"));
    assert!(!app.get("/auth/register").await.body.contains("Continue with"));
    assert_eq!(app.get("/auth/oidc/local").await.status, StatusCode::NOT_FOUND);
    let provider = Provider::start();
    let app = app_with(&provider).await;
    assert_eq!(app.get("/auth/oidc/nope").await.status, StatusCode::NOT_FOUND);
    assert!(app.get("/auth/register").await.body.contains("Continue with Forged ID"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_signs_in_with_its_primary_verified_address() {
    let provider = Provider::start();
    let app = app_with(&provider).await;
    assert!(app.get("/auth/signin").await.body.contains("Continue with GitHub"));
    let started = start(&app, "github", None).await;
    assert!(
        started.authorization_url.contains("/login/oauth/authorize?"),
        "{}",
        started.authorization_url
    );
    let callback = authorize(&started.authorization_url, "Grace.Hopper@example.test").await;
    let response = back(&app, &callback, &[&started.flow]).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    assert!(response.session_cookie().is_some(), "{:?}", response.headers);
    // The primary address (not the other verified one), and GitHub's numeric id as the subject.
    assert_eq!(
        app.text("SELECT u.email || ' ' || i.subject || ' ' || u.name AS t FROM users u JOIN user_identities i ON i.user_id = u.id WHERE i.provider = 'github'").await,
        format!("grace.hopper@example.test {} grace hopper", github_id("Grace.Hopper@example.test"))
    );

    // A replayed code is refused, and an unverified primary address makes nothing.
    let replay = back(&app, &callback, &[&started.flow]).await;
    assert!(refusal(&app, &replay).await.contains("the code was refused"));
    let started = start(&app, "github", None).await;
    let callback = authorize(&started.authorization_url, "unverified-gh@example.test").await;
    let refused = back(&app, &callback, &[&started.flow]).await;
    assert!(
        refusal(&app, &refused)
            .await
            .contains("GitHub has not confirmed an email address")
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM users").await, 1);
}

/// The id the test provider's GitHub face gives a login (as oidc-provider.mjs computes it).
fn github_id(login: &str) -> i64 {
    login.chars().fold(0, |id, c| (id * 31 + c as i64) % (1 << 31))
}
