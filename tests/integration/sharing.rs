//! Read-only share links: made from a view's plain form, shown once, opened by anyone with the
//! token (no session needed or set), kept to their view, counted, protected by a password with
//! limited guesses, revoked or expired with a 410 page, and their live views ended at once.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Duration;
use serde_json::json;

use crate::support::live::{Live, WITHIN, listen};
use crate::support::services::{client, create_service, event, post_events};
use crate::support::{PASSWORD, TestApp, TestResponse};

/// Makes a share link through the view's plain form (as a browser without JavaScript does) and
/// answers its address, read from the sharing tab (`/share/rsl_…`, with the range if any).
async fn share(app: &TestApp, token: &str, fields: &[(&str, &str)]) -> String {
    let cookie = format!("ragsites_session={token}");
    let mut form = fields.to_vec();
    for default in [("expires", "7d"), ("back", "/dashboard")] {
        if !fields.iter().any(|(name, _)| *name == default.0) {
            form.push(default);
        }
    }
    let made = app
        .form_post("/api/fn/create_share_link", &form, &[("cookie", &cookie)])
        .await;
    assert_eq!(made.header("location"), "/settings/sharing?form=share-links#new-link");
    let tab = app.get_with("/settings/sharing", &[("cookie", &cookie)]).await;
    let (_, shown) = tab
        .body
        .split_once(r#"<code data-secret="">"#)
        .unwrap_or_else(|| panic!("the new link's address: {}", tab.body));
    let whole = &shown[..shown.find('<').unwrap()];
    let (base, address) = whole.split_at(whole.find("/share/").unwrap());
    assert_eq!(
        base,
        app.state.config.app_url.as_str().trim_end_matches('/'),
        "a whole address"
    );
    address.replace("&amp;", "&")
}

/// The link's password form, posted without JavaScript.
async fn unlock(app: &TestApp, token: &str, password: &str) -> TestResponse {
    let fields = [("token", token), ("password", password), ("query", "range=24h")];
    app.form_post("/api/fn/unlock_share_link", &fields, &[]).await
}

/// The token of an address made by `share`.
fn token_of(address: &str) -> &str {
    address["/share/".len()..].split('?').next().unwrap()
}

/// A GET as a visitor: no cookie but the ones given.
async fn visit(app: &TestApp, path: &str, cookie: Option<&str>) -> TestResponse {
    let headers: Vec<(&str, &str)> = cookie.into_iter().map(|c| ("cookie", c)).collect();
    app.get_with(path, &headers).await
}

async fn visits(app: &TestApp, token: &str) -> i64 {
    let prefix = token.split('_').nth(1).unwrap();
    app.count(&format!(
        "SELECT visits AS n FROM share_links WHERE prefix = '{prefix}'"
    ))
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_shows_its_view_read_only_and_nothing_else() {
    let app = TestApp::new().await;
    let ada = client(&app, "ada@example.com", "Support bot").await;
    let sales = create_service(&app, &ada.token, "Sales bot").await;
    let bob = client(&app, "bob@example.com", "Bob's bot").await;
    let now = app.now();
    let batch = json!([event("a1", now, 120, true), event("a2", now, 480, false)]);
    assert_eq!(post_events(&app, &ada.key, &batch).await.status, StatusCode::ACCEPTED);

    let board = share(&app, &ada.token, &[("label", "Acme board"), ("range", "24h")]).await;
    assert!(
        board.ends_with("?range=24h"),
        "the view's range rides in the address: {board}"
    );
    let token = token_of(&board).to_owned();
    assert!(token.starts_with("rsl_"));
    let stored = app
        .count(&format!(
            "SELECT count(*) AS n FROM share_links WHERE encode(secret_hash, 'escape') LIKE '%{token}%'"
        ))
        .await;
    assert_eq!(stored, 0, "only the token's hash is kept");

    // A visitor with no cookie sees the view, read-only, and gets no cookie.
    let page = visit(&app, &board, None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.set_cookies().is_empty(), "{:?}", page.set_cookies());
    for shown in [
        "Acme board",
        "Shared by Client",
        "Support bot",
        "Sales bot",
        "Read-only",
        "leptos-island",
    ] {
        assert!(page.body.contains(shown), "{shown:?} on the shared page");
    }
    for hidden in [
        "Bob's bot",
        "/settings",
        "/services/",
        "/admin",
        "Sign out",
        "Export CSV",
        "Download PDF",
        "ada@example.com",
        "create_annotation",
        "rsk_",
    ] {
        assert!(!page.body.contains(hidden), "{hidden:?} on the shared page");
    }
    // The figures are the owner's for the same window.
    let summary = app
        .get_with(
            "/api/v1/analytics/summary?range=24h",
            &[("authorization", &format!("Bearer {}", ada.token))],
        )
        .await
        .json();
    assert_eq!(summary["total_requests"], 2);
    assert!(page.body.contains("2 requests in the last 24 hours, 1 of them errors"));

    // Its services only: one of them by filter, another client's is 404 like an unknown one.
    let one = visit(&app, &format!("/share/{token}?range=24h&service={sales}"), None).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    for foreign in [bob.service.as_str(), "8d3b7c8e-0000-4000-8000-000000000000"] {
        let refused = visit(&app, &format!("/share/{token}?service={foreign}"), None).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{foreign}");
        assert!(!refused.body.contains("Support bot"));
    }
    assert_eq!(visits(&app, &token).await, 2, "the two views that opened");
    let csv = visit(&app, &format!("/share/{token}/export.csv"), None).await;
    assert_eq!(csv.status, StatusCode::NOT_FOUND, "downloads were not allowed");

    // A service's link shows that service, and no other by its address.
    let support = share(
        &app,
        &ada.token,
        &[
            ("label", "Support only"),
            ("service", &ada.service),
            ("allow_export", "on"),
        ],
    )
    .await;
    let support_token = token_of(&support).to_owned();
    let page = visit(&app, &support, None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Support bot"));
    assert!(
        !page.body.contains("Sales bot"),
        "{}",
        &page.body[page.body.find("Sales bot").unwrap() - 300..][..400]
    );
    assert!(page.body.contains("Export CSV") && page.body.contains("Download PDF"));
    let other = visit(&app, &format!("/share/{support_token}?service={sales}"), None).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let csv = visit(&app, &format!("/share/{support_token}/export.csv?range=24h"), None).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert!(csv.body.contains("Support bot") && !csv.body.contains("Sales bot"));
    let pdf = visit(&app, &format!("/share/{support_token}/report.pdf?range=24h"), None).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with("%PDF-"));
    let other_csv = visit(
        &app,
        &format!("/share/{support_token}/export.csv?service={sales}"),
        None,
    )
    .await;
    assert_eq!(other_csv.status, StatusCode::NOT_FOUND);

    // An unknown token is 404; a forged one of the right shape too.
    let forged = format!("/share/rsl_{}_{}", &token[4..12], "a".repeat(32));
    for path in ["/share/nothing", forged.as_str()] {
        assert_eq!(visit(&app, path, None).await.status, StatusCode::NOT_FOUND, "{path}");
    }

    // Bob can neither list nor revoke Ada's links.
    let bobs_cookie = format!("ragsites_session={}", bob.token);
    let id = app
        .text("SELECT id::text AS t FROM share_links ORDER BY created_at LIMIT 1")
        .await;
    app.form_post("/api/fn/revoke_share_link", &[("id", &id)], &[("cookie", &bobs_cookie)])
        .await;
    let bobs_tab = app.get_with("/settings/sharing", &[("cookie", &bobs_cookie)]).await;
    assert!(bobs_tab.body.contains("No share links yet") && !bobs_tab.body.contains("Acme board"));
    assert_eq!(visit(&app, &board, None).await.status, StatusCode::OK, "still working");

    // Revoked by Ada: 410 with a clear page, and the list says so.
    let adas_cookie = format!("ragsites_session={}", ada.token);
    let revoked = app
        .form_post("/api/fn/revoke_share_link", &[("id", &id)], &[("cookie", &adas_cookie)])
        .await;
    assert_eq!(
        revoked.header("location"),
        "/settings/sharing?form=share-links#share-links-title"
    );
    let gone = visit(&app, &board, None).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(
        gone.body
            .contains("This share link was revoked by the person who shared it.")
    );
    assert!(!gone.body.contains("Support bot"));
    let tab = app.get_with("/settings/sharing", &[("cookie", &adas_cookie)]).await;
    assert!(tab.body.contains("revoked"), "{}", tab.body);
    assert!(
        !tab.body.contains("http://portal.test/share/"),
        "a revoked link's address is not shown again"
    );

    // Expired: 410 too, saying when. The new link's whole token is forgotten once its time to
    // be shown has passed (the hourly retention task).
    let brief = share(&app, &ada.token, &[("label", "For a day"), ("expires", "1d")]).await;
    let shown = "SELECT count(*) AS n FROM share_links WHERE to_show IS NOT NULL";
    assert_eq!(app.count(shown).await, 1);
    app.advance(Duration::minutes(10));
    let mut conn = app.state.pool.get().await.unwrap();
    ragsites_portal::server::forget_shown_secrets(&mut conn, app.now())
        .await
        .unwrap();
    drop(conn);
    assert_eq!(app.count(shown).await, 0);
    assert_eq!(visit(&app, &brief, None).await.status, StatusCode::OK);
    app.advance(Duration::days(1));
    let expired = visit(&app, &brief, None).await;
    assert_eq!(expired.status, StatusCode::GONE);
    assert!(expired.body.contains("This share link expired on"), "{}", expired.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_share_form_refuses_bad_input_and_writes_nothing() {
    let app = TestApp::new().await;
    let ada = app.register("Ada Lovelace", "ada@example.com", PASSWORD).await;
    let bob = app.register("Bob Babbage", "bob@example.com", PASSWORD).await;
    let bobs = create_service(&app, &bob, "Bob's bot").await;
    let cookie = format!("ragsites_session={ada}");
    let back = "/dashboard?range=30d";
    let long = "x".repeat(81);
    let refused = [
        (vec![("label", "   "), ("expires", "7d")], "label", "Name the link"),
        (
            vec![("label", long.as_str()), ("expires", "7d")],
            "label",
            "Name the link",
        ),
        (vec![("label", "Board"), ("expires", "forever")], "expires", "how long"),
        (
            vec![("label", "Board"), ("expires", "7d"), ("share_password", "short")],
            "share_password",
            "8 to 72 characters",
        ),
        (
            vec![("label", "Board"), ("expires", "7d"), ("service", "nope")],
            "service",
            "one of your services",
        ),
    ];
    for (mut fields, field, message) in refused {
        fields.push(("back", back));
        let answer = app
            .form_post("/api/fn/create_share_link", &fields, &[("cookie", &cookie)])
            .await;
        assert_eq!(answer.header("location"), "/dashboard?range=30d&form=share", "{field}");
        let again = app
            .get_with(
                "/dashboard?range=30d&form=share",
                &[("cookie", &format!("{cookie}; {}", answer.flash_cookie()))],
            )
            .await;
        assert!(again.body.contains(message), "{field}: {message:?} on the page");
        assert!(
            again.body.contains(r#"<details open class="share-menu">"#),
            "{field}: the form is open: {}",
            &again.body[again.body.find("share-menu").unwrap_or(100) - 100..][..300]
        );
    }
    // Another client's service is unknown.
    let answer = app
        .server_fn(
            "create_share_link",
            format!("label=Stolen&expires=7d&service={bobs}&back=%2Fdashboard"),
            &ada,
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);
    assert_eq!(app.count("SELECT count(*) AS n FROM share_links").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_is_asked_once_per_browser_and_guesses_are_limited() {
    let app = TestApp::new().await;
    let ada = client(&app, "ada@example.com", "Support bot").await;
    let address = share(
        &app,
        &ada.token,
        &[("label", "Investors"), ("share_password", "correct horse battery")],
    )
    .await;
    let token = token_of(&address).to_owned();

    let locked = visit(&app, &address, None).await;
    assert_eq!(locked.status, StatusCode::OK);
    assert!(locked.body.contains("protected by a password"));
    assert!(!locked.body.contains("Support bot"), "no figures before the password");
    assert_eq!(visits(&app, &token).await, 0);
    let live = visit(&app, &format!("/share/{token}/live"), None).await;
    assert_eq!(live.status, StatusCode::UNAUTHORIZED);

    // A wrong password comes back to the form with its message; nothing is granted.
    let wrong = unlock(&app, &token, "wrong guess").await;
    assert_eq!(wrong.header("location"), format!("/share/{token}?range=24h"));
    assert!(!wrong.set_cookies().iter().any(|c| c.starts_with("ragsites_share=")));
    let again = visit(&app, &format!("/share/{token}?range=24h"), Some(&wrong.flash_cookie())).await;
    assert!(
        again.body.contains("That is not this link&#x27;s password.")
            || again.body.contains("That is not this link's password.")
    );

    // The right one opens the view in this browser only, with a cookie of the link's own.
    let right = unlock(&app, &token, "correct horse battery").await;
    assert_eq!(
        right.header("location"),
        format!("/share/{token}?range=24h"),
        "back to the view asked for"
    );
    let grant = right
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("ragsites_share="))
        .expect("the link's cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(right.session_cookie().is_none(), "no session is made");
    let open = visit(&app, &address, Some(&grant)).await;
    assert!(open.body.contains("Support bot"), "{}", open.body);
    assert_eq!(visits(&app, &token).await, 1);
    assert!(
        !visit(&app, &address, None).await.body.contains("Support bot"),
        "another browser"
    );

    // Ten wrong guesses from one address, then even the right password waits there.
    app.set_peer("203.0.113.9");
    for _ in 0..10 {
        unlock(&app, &token, "wrong guess").await;
    }
    let limited = unlock(&app, &token, "correct horse battery").await;
    let page = visit(
        &app,
        &format!("/share/{token}?range=24h"),
        Some(&limited.flash_cookie()),
    )
    .await;
    assert!(page.body.contains("Too many attempts"), "{}", page.body);
    assert!(!limited.set_cookies().iter().any(|c| c.starts_with("ragsites_share=")));
    app.set_peer("203.0.113.10");
    let elsewhere = unlock(&app, &token, "correct horse battery").await;
    assert!(
        elsewhere.set_cookies().iter().any(|c| c.starts_with("ragsites_share=")),
        "another address"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_view_updates_live_and_revoking_the_link_ends_it_at_once() {
    let app = TestApp::new().await;
    listen(&app).await;
    let ada = client(&app, "ada@example.com", "Support bot").await;
    let address = share(&app, &ada.token, &[("label", "Wall screen")]).await;
    let token = token_of(&address).to_owned();
    let request = || {
        Request::get(format!("/share/{token}/live?range=24h"))
            .header("host", "portal.test")
            .body(Body::empty())
            .unwrap()
    };
    let mut live = Live::open(&app, request()).await;
    post_events(&app, &ada.key, &json!([event("new", app.now(), 100, true)])).await;
    assert_eq!(live.summary(WITHIN).await["total_requests"], 1);

    let id = app.text("SELECT id::text AS t FROM share_links").await;
    let cookie = format!("ragsites_session={}", ada.token);
    app.form_post("/api/fn/revoke_share_link", &[("id", &id)], &[("cookie", &cookie)])
        .await;
    assert_eq!(live.ended().await, "revoked");
    let refused = app.send(request()).await;
    assert_eq!(refused.status, StatusCode::GONE);
    assert_eq!(app.state.changes.slots().open_count(), 0);
}
