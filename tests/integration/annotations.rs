//! Annotations: made by API (a session, an API token or a service's key) and by the dashboard's
//! plain forms, drawn on the charts of the views they belong to, changed by their owner only.

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::{Value, json};

use crate::auth::api_tokens::make as make_token;
use crate::support::services::{create_key, create_service};
use crate::support::{PASSWORD, TestApp, TestResponse};

async fn annotate(app: &TestApp, bearer: &str, body: Value) -> TestResponse {
    app.json(
        "POST",
        "/api/v1/annotations",
        &body,
        &[("authorization", &format!("Bearer {bearer}"))],
    )
    .await
}

/// The annotation marks drawn on a page's charts.
fn marks(page: &str) -> usize {
    page.matches(r#"class="chart__mark""#).count() + page.matches(r#"class="chart__mark chart__mark--end""#).count()
}

fn field_error(response: &TestResponse, field: &str) -> String {
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.body);
    response.json()["error"]["fields"][field]
        .as_str()
        .unwrap_or_else(|| panic!("an error on {field}: {}", response.body))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn annotations_are_drawn_on_their_views_and_changed_by_their_owner_only() {
    let app = TestApp::new().await;
    let ada = app.register("Ada Lovelace", "ada@example.com", PASSWORD).await;
    let bot = create_service(&app, &ada, "Support bot").await;
    let other_bot = create_service(&app, &ada, "Sales bot").await;
    let bob = app.register("Bob Babbage", "bob@example.com", PASSWORD).await;
    let bobs = create_service(&app, &bob, "Bob's bot").await;
    let at = app.now() - Duration::hours(2);

    let on_bot = annotate(
        &app,
        &ada,
        json!({ "text": "  Prompt v42 deployed ", "at": at, "service_id": bot }),
    )
    .await;
    assert_eq!(on_bot.status, StatusCode::CREATED, "{}", on_bot.body);
    let on_bot = on_bot.json();
    assert_eq!(on_bot["text"], "Prompt v42 deployed", "trimmed");
    assert_eq!(on_bot["service_name"], "Support bot");
    assert_eq!(
        on_bot["local"],
        at.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string(),
        "UTC by default"
    );
    let everywhere = annotate(&app, &ada, json!({ "text": "Index rebuilt" })).await;
    assert_eq!(everywhere.status, StatusCode::CREATED, "{}", everywhere.body);
    assert_eq!(everywhere.json()["at"], json!(app.now()), "now when no time is given");
    let on_other = annotate(
        &app,
        &ada,
        json!({ "text": "Sales script changed", "at": at, "service_id": other_bot }),
    )
    .await;
    assert_eq!(on_other.status, StatusCode::CREATED, "{}", on_other.body);

    // Bad input names its field and writes nothing.
    let refused = [
        (json!({ "text": "   " }), "text"),
        (json!({ "text": "x".repeat(201) }), "text"),
        (json!({ "text": "two\nlines" }), "text"),
        (json!({ "text": "too old", "at": "1999-12-31T23:00:00Z" }), "at"),
        (
            json!({ "text": "too far", "at": app.now() + Duration::days(400) }),
            "at",
        ),
        (json!({ "text": "not mine", "service_id": bobs }), "service_id"),
    ];
    for (body, field) in refused {
        assert!(
            !field_error(&annotate(&app, &ada, body.clone()).await, field).is_empty(),
            "{body}"
        );
    }
    let unknown_field = annotate(&app, &ada, json!({ "text": "x", "colour": "red" })).await;
    assert_eq!(
        unknown_field.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unknown_field.body
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM annotations").await, 3);

    // The dashboard draws all three; the Support bot's page its own and the one for every view.
    let cookie = format!("ragsites_session={ada}");
    let dashboard = app.get_with("/dashboard?range=24h", &[("cookie", &cookie)]).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert_eq!(marks(&dashboard.body), 2 * 3, "three marks on both charts");
    for text in ["Prompt v42 deployed", "Index rebuilt", "Sales script changed"] {
        assert!(dashboard.body.contains(text), "{text} on the dashboard");
    }
    let page = app
        .get_with(&format!("/services/{bot}?range=24h"), &[("cookie", &cookie)])
        .await;
    assert_eq!(marks(&page.body), 2 * 2);
    assert!(
        !page.body.contains("Sales script changed"),
        "another service's stays off"
    );
    let listed = app
        .get_with(
            &format!("/api/v1/annotations?range=24h&service={bot}"),
            &[("authorization", &format!("Bearer {ada}"))],
        )
        .await
        .json();
    let texts: Vec<_> = listed.as_array().unwrap().iter().map(|a| a["text"].clone()).collect();
    assert_eq!(
        texts,
        [json!("Prompt v42 deployed"), json!("Index rebuilt")],
        "oldest first"
    );
    // The export lists them after the figures, formulas defused.
    let formula = annotate(&app, &ada, json!({ "text": "=HYPERLINK(\"http://x\")", "at": at })).await;
    assert_eq!(formula.status, StatusCode::CREATED, "{}", formula.body);
    let csv = app
        .get_with(
            &format!("/api/v1/analytics/export.csv?range=24h&service={bot}"),
            &[("authorization", &format!("Bearer {ada}"))],
        )
        .await;
    let rows: Vec<&str> = csv.body.lines().filter(|l| l.starts_with("annotation,")).collect();
    let stamp = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(
        rows,
        [
            format!("annotation,{stamp},{stamp},Support bot,,,,,,,,,,,,,,Prompt v42 deployed"),
            format!("annotation,{stamp},{stamp},all services,,,,,,,,,,,,,,\"'=HYPERLINK(\"\"http://x\"\")\""),
            format!(
                "annotation,{},{},all services,,,,,,,,,,,,,,Index rebuilt",
                app.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                app.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        ],
        "{}",
        csv.body
    );
    let formula_id = formula.json()["id"].as_i64().unwrap();
    let gone = app
        .json(
            "DELETE",
            &format!("/api/v1/annotations/{formula_id}"),
            &json!({}),
            &[("authorization", &format!("Bearer {ada}"))],
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);

    // Outside the period: not drawn.
    let week_ago = app
        .get_with(
            "/dashboard?range=custom&from=2026-11-01&to=2026-11-02",
            &[("cookie", &cookie)],
        )
        .await;
    assert!(
        week_ago.body.contains(r#"data-chart="requests""#),
        "the charts are drawn"
    );
    assert_eq!(marks(&week_ago.body), 0);

    // Bob sees none of them and can change none.
    let bobs_dashboard = app
        .get_with(
            "/dashboard?range=24h",
            &[("cookie", &format!("ragsites_session={bob}"))],
        )
        .await;
    assert!(
        !bobs_dashboard.body.contains("Prompt v42"),
        "not on another client's dashboard"
    );
    let id = on_bot["id"].as_i64().unwrap();
    let bob_auth = format!("Bearer {bob}");
    let patch = app
        .json(
            "PATCH",
            &format!("/api/v1/annotations/{id}"),
            &json!({ "text": "mine now" }),
            &[("authorization", &bob_auth)],
        )
        .await;
    assert_eq!(patch.status, StatusCode::NOT_FOUND);
    let delete = app
        .json(
            "DELETE",
            &format!("/api/v1/annotations/{id}"),
            &json!({}),
            &[("authorization", &bob_auth)],
        )
        .await;
    assert_eq!(delete.status, StatusCode::NOT_FOUND);

    // Ada changes and deletes hers.
    let ada_auth = format!("Bearer {ada}");
    let changed = app
        .json(
            "PATCH",
            &format!("/api/v1/annotations/{id}"),
            &json!({ "text": "Prompt v42 rolled back", "at": at, "service_id": bot }),
            &[("authorization", &ada_auth)],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.json()["text"], "Prompt v42 rolled back");
    // What a change leaves out stays; `null` makes it one for every view.
    let patch = async |body: Value| {
        app.json(
            "PATCH",
            &format!("/api/v1/annotations/{id}"),
            &body,
            &[("authorization", &ada_auth)],
        )
        .await
        .json()
    };
    let text_only = patch(json!({ "text": "Prompt v42 rolled back at 9" })).await;
    assert_eq!(text_only["at"], json!(at), "the time stays");
    assert_eq!(text_only["service_id"], json!(bot), "the service stays");
    let everywhere_now = patch(json!({ "service_id": null })).await;
    assert_eq!(everywhere_now["service_id"], Value::Null);
    assert_eq!(everywhere_now["text"], "Prompt v42 rolled back at 9");
    let deleted = app
        .json(
            "DELETE",
            &format!("/api/v1/annotations/{id}"),
            &json!({}),
            &[("authorization", &ada_auth)],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(app.count("SELECT count(*) AS n FROM annotations").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipeline_annotates_its_service_with_the_services_key() {
    let app = TestApp::new().await;
    let ada = app.register("Ada Lovelace", "ada@example.com", PASSWORD).await;
    let bot = create_service(&app, &ada, "Support bot").await;
    let other_bot = create_service(&app, &ada, "Sales bot").await;
    let key = create_key(&app, &ada, &bot).await;

    let posted = annotate(&app, &key, json!({ "text": "Deployed build 1234" })).await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.body);
    assert_eq!(posted.json()["service_id"], json!(bot), "the key's own service");
    assert_eq!(posted.json()["editable"], true, "its owner's");
    let elsewhere = annotate(&app, &key, json!({ "text": "x", "service_id": other_bot })).await;
    assert!(!field_error(&elsewhere, "service_id").is_empty());
    let forged = annotate(
        &app,
        "rsk_aaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        json!({ "text": "x" }),
    )
    .await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED, "{}", forged.body);
    let anonymous = app
        .json("POST", "/api/v1/annotations", &json!({ "text": "x" }), &[])
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    // A read-only API token cannot write one; a write token can.
    let reader = make_token(&app, &ada, "Reader", "read", "never").await;
    let read_only = annotate(&app, &reader, json!({ "text": "x" })).await;
    assert_eq!(read_only.status, StatusCode::FORBIDDEN, "{}", read_only.body);
    let writer = make_token(&app, &ada, "Deploys", "write", "never").await;
    let written = annotate(&app, &writer, json!({ "text": "Tagged v2", "service_id": other_bot })).await;
    assert_eq!(written.status, StatusCode::CREATED, "{}", written.body);
    assert_eq!(app.count("SELECT count(*) AS n FROM annotations").await, 2);
    let page = app
        .get_with(
            &format!("/services/{bot}?range=24h"),
            &[("cookie", &format!("ragsites_session={ada}"))],
        )
        .await;
    assert!(page.body.contains("Deployed build 1234"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panels_forms_work_without_javascript() {
    let app = TestApp::new().await;
    let ada = app.register("Ada Lovelace", "ada@example.com", PASSWORD).await;
    let bot = create_service(&app, &ada, "Support bot").await;
    let cookie = format!("ragsites_session={ada}");
    let signed_in = [("cookie", cookie.as_str()), ("referer", "http://portal.test/dashboard")];
    let back = "/dashboard?range=24h";
    let local = (app.now() - Duration::hours(3))
        .naive_utc()
        .format("%Y-%m-%dT%H:%M")
        .to_string();

    let added = app
        .form_post(
            "/api/fn/create_annotation",
            &[
                ("at", &local),
                ("text", "Index rebuilt"),
                ("service_id", &bot),
                ("back", back),
            ],
            &signed_in,
        )
        .await;
    assert_eq!(
        added.header("location"),
        "/dashboard?range=24h#annotations",
        "{}",
        added.body
    );
    let page = app.get_with(back, &[("cookie", &cookie)]).await;
    assert!(page.body.contains("Index rebuilt"));
    assert_eq!(marks(&page.body), 2);
    let stored = app
        .text("SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI') AS t FROM annotations")
        .await;
    assert_eq!(stored, local, "the typed time on the client's clock (UTC here)");
    let id = app.text("SELECT id::text AS t FROM annotations").await;

    // A refused post comes back to the view with its message and what was typed.
    let refused = app
        .form_post(
            "/api/fn/create_annotation",
            &[
                ("at", "yesterday"),
                ("text", "Kept text"),
                ("service_id", ""),
                ("back", back),
            ],
            &signed_in,
        )
        .await;
    let answered = "/dashboard?range=24h&form=annotations";
    assert_eq!(
        refused.header("location"),
        answered,
        "back to the view, naming the panel"
    );
    let answer = app
        .get_with(
            answered,
            &[("cookie", &format!("{cookie}; {}", refused.flash_cookie()))],
        )
        .await;
    assert!(
        answer.body.contains("Give the time as a date and a time of day."),
        "the field's message"
    );
    assert!(answer.body.contains(r#"value="Kept text""#), "the text typed stays");

    // An outside address is never where a form leads.
    let away = app
        .form_post(
            "/api/fn/update_annotation",
            &[
                ("id", &id),
                ("at", &local),
                ("text", "Index rebuilt twice"),
                ("service_id", ""),
                ("back", "//evil.example/"),
            ],
            &signed_in,
        )
        .await;
    assert_eq!(away.header("location"), "/dashboard#annotations");
    assert_eq!(
        app.text("SELECT text AS t FROM annotations").await,
        "Index rebuilt twice"
    );
    assert_eq!(
        app.text("SELECT coalesce(service_id::text, 'none') AS t FROM annotations")
            .await,
        "none"
    );

    // The edit form shows minutes: sending the same minute back keeps the seconds.
    let precise = app.now() - Duration::hours(5) + Duration::seconds(17);
    let posted = annotate(&app, &ada, json!({ "text": "Cache warmed", "at": precise })).await;
    let precise_id = posted.json()["id"].to_string();
    let minute = precise.naive_utc().format("%Y-%m-%dT%H:%M").to_string();
    let fields = [
        ("id", precise_id.as_str()),
        ("at", &minute),
        ("text", "Cache warmed up"),
        ("service_id", ""),
        ("back", back),
    ];
    app.form_post("/api/fn/update_annotation", &fields, &signed_in).await;
    let kept = app
        .text(&format!("SELECT to_char(at AT TIME ZONE 'UTC', 'HH24:MI:SS') || ' ' || text AS t FROM annotations WHERE id = {precise_id}"))
        .await;
    assert_eq!(kept, format!("{} Cache warmed up", precise.format("%H:%M:%S")));
    app.json(
        "DELETE",
        &format!("/api/v1/annotations/{precise_id}"),
        &json!({}),
        &[("authorization", &format!("Bearer {ada}"))],
    )
    .await;

    let deleted = app
        .form_post("/api/fn/delete_annotation", &[("id", &id), ("back", back)], &signed_in)
        .await;
    assert_eq!(deleted.header("location"), "/dashboard?range=24h#annotations");
    assert_eq!(app.count("SELECT count(*) AS n FROM annotations").await, 0);
}
