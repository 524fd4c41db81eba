//! Widgets: each user's layout of the dashboard and of each service's page, validated on the
//! server (by the JSON API and the plain forms alike), drawn in its order from the view's one
//! load, and the custom metrics' figures equal to the analytics API's.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::services::{client, create_service, event, post_events, summary};
use crate::support::{TestApp, TestResponse};

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn put_layout(app: &TestApp, token: &str, path: &str, layout: &Value) -> TestResponse {
    app.json("PUT", path, layout, &[("authorization", &bearer(token))])
        .await
}

async fn get_layout(app: &TestApp, token: &str, path: &str) -> Value {
    let answer = app.get_with(path, &[("authorization", &bearer(token))]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

fn titles(layout: &Value) -> Vec<String> {
    layout["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["title"].as_str().unwrap().to_owned())
        .collect()
}

/// The refusal's message for the layout.
fn refusal(answer: &TestResponse) -> String {
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
    answer.json()["error"]["message"].as_str().unwrap().to_owned()
}

/// The page's widgets in the order it draws them: the text after each one's `widget--` class.
fn widgets_of(page: &str) -> Vec<&str> {
    let figures = &page[page.find(r#"class="widgets""#).expect("the widgets")..];
    figures.split(r#""widget widget--"#).skip(1).collect()
}

/// The titles of a page's widgets, in the order it draws them.
fn drawn(page: &str) -> Vec<String> {
    widgets_of(page)
        .into_iter()
        .map(|widget| {
            // The widget's heading: a card's, a panel's or a chart's, whichever comes first.
            let heading = ["metric__title", "panel__title", "chart__title"]
                .iter()
                .filter_map(|class| widget.find(&format!(r#"class="{class}""#)))
                .min()
                .unwrap_or_else(|| panic!("a title in {widget}"));
            let rest = &widget[heading..];
            let title = &rest[rest.find('>').unwrap() + 1..];
            title[..title.find('<').unwrap()].trim().to_owned()
        })
        .collect()
}

/// The widths of a page's widgets, in columns.
fn sizes(page: &str) -> Vec<u8> {
    widgets_of(page).iter().map(|w| w[..1].parse().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_layout_is_validated_and_kept_per_user_and_view() {
    let app = TestApp::new().await;
    let ada = client(&app, "ada@example.com", "Support bot").await;
    let bob = client(&app, "bob@example.com", "Bob's bot").await;

    let default = get_layout(&app, &ada.token, "/api/v1/dashboard/layout").await;
    assert_eq!(default["version"], 1);
    assert_eq!(
        titles(&default)[..4],
        ["Total requests", "Conversations", "Unique users", "Active services"]
    );
    let service_path = format!("/api/v1/services/{}/layout", ada.service);
    let page_default = get_layout(&app, &ada.token, &service_path).await;
    assert!(
        titles(&page_default).contains(&"Top end users by cost".to_owned()),
        "{page_default}"
    );

    let widget = |extra: Value| {
        let mut w = json!({"title": "W", "size": 2});
        w.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        json!({"version": 1, "widgets": [w]})
    };
    let refused = [
        (
            widget(json!({"type": "gauge"})),
            "unknown variant `gauge`, expected one of `metric`, `chart`, `breakdown`, `activity`, `alerts`",
        ),
        (
            widget(json!({"type": "alerts", "size": 7})),
            "Widget 1 (\"W\"): size 7 is not 1, 2, 3 or 4 columns.",
        ),
        (
            widget(json!({"type": "metric", "figure": "cost", "services": [bob.service]})),
            &format!("Widget 1 (\"W\"): service {} is not one of yours.", bob.service),
        ),
        (
            widget(json!({"type": "metric", "figure": "satisfaction", "display": "line"})),
            "Widget 1 (\"W\"): Satisfaction has no value over time; show it as a number.",
        ),
        (
            widget(json!({"type": "breakdown", "by": "end_users_by_cost"})),
            "Widget 1 (\"W\"): top end users belong on a service's page.",
        ),
        (
            json!({"version": 2, "widgets": []}),
            "Layout version 2 is not supported: this portal reads version 1.",
        ),
        (
            widget(json!({"type": "chart", "chart": "requests", "services": []})),
            "Widget 1 has no field `services` of its type.",
        ),
        (
            widget(json!({"type": "alerts", "title": "Line\nbreak"})),
            "Widget 1: A widget's title is one line of text.",
        ),
    ];
    for (layout, message) in &refused {
        let answer = put_layout(&app, &ada.token, "/api/v1/dashboard/layout", layout).await;
        let status = answer.status;
        let text = answer.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_REQUEST,
            "{status}: {}",
            answer.body
        );
        assert!(text.contains(message), "{text} should say {message}");
    }
    let untouched = get_layout(&app, &ada.token, "/api/v1/dashboard/layout").await;
    assert_eq!(untouched, default, "nothing refused was saved");

    let mine = json!({"version": 1, "widgets": [
        {"type": "alerts", "title": "Open alerts", "size": 4},
        {"type": "metric", "title": "Spend of the bot", "size": 2, "figure": "cost", "services": [ada.service], "display": "number"},
        {"type": "chart", "title": "Traffic", "size": 2, "chart": "requests"},
    ]});
    let saved = put_layout(&app, &ada.token, "/api/v1/dashboard/layout", &mine).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(
        get_layout(&app, &ada.token, "/api/v1/dashboard/layout").await["widgets"],
        mine["widgets"]
    );
    let cookie = format!("ragsites_session={}", ada.token);
    let page = app.get_with("/dashboard?range=24h", &[("cookie", &cookie)]).await;
    assert_eq!(drawn(&page.body), ["Open alerts", "Spend of the bot", "Traffic"]);
    assert_eq!(sizes(&page.body), [4, 2, 2]);

    // Bob's dashboard and Ada's service page keep their own.
    assert_eq!(get_layout(&app, &bob.token, "/api/v1/dashboard/layout").await, default);
    assert_eq!(get_layout(&app, &ada.token, &service_path).await, page_default);
    let elsewhere = json!({"version": 1, "widgets": [
        {"type": "metric", "title": "Other", "size": 1, "figure": "cost", "services": [bob.service]}]});
    let other = put_layout(&app, &ada.token, &service_path, &elsewhere).await;
    assert!(refusal(&other).contains("is not one of yours"));
    let bobs_page = format!("/api/v1/services/{}/layout", bob.service);
    let foreign = put_layout(&app, &ada.token, &bobs_page, &json!({"version": 1, "widgets": []})).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.body);
    let usage = json!({"version": 1, "widgets": [{"type": "breakdown", "title": "U", "size": 4, "by": "services"}]});
    assert!(refusal(&put_layout(&app, &ada.token, &service_path, &usage).await).contains("belongs on the dashboard"));

    let reset = app
        .json(
            "DELETE",
            "/api/v1/dashboard/layout",
            &json!(null),
            &[("authorization", &bearer(&ada.token))],
        )
        .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.body);
    assert_eq!(get_layout(&app, &ada.token, "/api/v1/dashboard/layout").await, default);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customise_forms_work_without_javascript() {
    let app = TestApp::new().await;
    let ada = client(&app, "ada@example.com", "Support bot").await;
    let sales = create_service(&app, &ada.token, "Sales bot").await;
    let cookie = format!("ragsites_session={}", ada.token);
    let signed_in = [("cookie", cookie.as_str())];
    let back = "/dashboard?range=24h";
    let dashboard = async || {
        let page = app.get_with(back, &signed_in).await;
        assert_eq!(page.status, StatusCode::OK);
        page.body
    };
    let before = drawn(&dashboard().await);
    assert_eq!(before.len(), 15, "today's dashboard: {before:?}");

    let edit = async |index: &str, was: &str, action: &str, title: &str, size: &str| {
        let fields = [
            ("service", ""),
            ("index", index),
            ("was", was),
            ("action", action),
            ("title", title),
            ("size", size),
            ("back", back),
        ];
        app.form_post("/api/fn/edit_widget", &fields, &signed_in).await
    };
    let moved = edit("1", "Conversations", "up", "Conversations", "1").await;
    assert_eq!(moved.status, StatusCode::FOUND, "{}", moved.body);
    assert_eq!(moved.header("location"), "/dashboard?range=24h&form=layout#customise");
    assert_eq!(drawn(&dashboard().await)[..2], ["Conversations", "Total requests"]);
    edit("0", "Conversations", "down", "Conversations", "1").await;
    edit("14", "Recent activity", "remove", "", "").await;
    edit("0", "Total requests", "save", "  All requests ", "2").await;
    let page = dashboard().await;
    let now = drawn(&page);
    assert_eq!(now.len(), 14);
    assert_eq!(now[0], "All requests");
    assert!(!now.contains(&"Recent activity".to_owned()));
    assert_eq!(sizes(&page)[..2], [2, 1]);

    // A stale form (another tab moved the widget) changes nothing.
    let stale = edit("0", "Total requests", "remove", "", "").await;
    assert_eq!(stale.header("location"), "/dashboard?range=24h&form=layout#customise");
    let answered = app
        .get_with(
            "/dashboard?range=24h&form=layout",
            &[("cookie", &format!("{cookie}; {}", stale.flash_cookie()))],
        )
        .await;
    assert!(
        answered.body.contains("That widget is no longer there"),
        "the refusal shows on the panel"
    );
    assert_eq!(drawn(&dashboard().await).len(), 14);
    let too_wide = edit("0", "All requests", "save", "All requests", "9").await;
    assert!(too_wide.flash_cookie().contains("flash"), "refused, with its error");

    // The registry's widgets, and a custom metric of one service drawn as a line.
    let added = app
        .form_post(
            "/api/fn/add_widget",
            &[("service", ""), ("pick", "5"), ("back", back)],
            &signed_in,
        )
        .await;
    assert_eq!(added.header("location"), "/dashboard?range=24h&form=layout#customise");
    let metric = [
        ("service", ""),
        ("title", "Sales cost"),
        ("figure", "cost"),
        ("display", "line"),
        ("size", "2"),
        ("services[1]", sales.as_str()),
        ("back", back),
    ];
    let added = app.form_post("/api/fn/add_metric", &metric, &signed_in).await;
    assert_eq!(added.header("location"), "/dashboard?range=24h&form=layout#customise");
    let page = dashboard().await;
    assert_eq!(drawn(&page)[14..], ["Recent activity", "Sales cost"]);
    let layout = get_layout(&app, &ada.token, "/api/v1/dashboard/layout").await;
    assert_eq!(
        layout["widgets"][15],
        json!({"type": "metric", "title": "Sales cost", "size": 2, "figure": "cost", "services": [sales], "display": "line"})
    );
    let refused = [("services[0]", "not-a-service"), ("figure", "happiness"), ("title", "")];
    for (name, value) in refused {
        let mut fields = metric.to_vec();
        fields.retain(|(n, _)| *n != name);
        fields.push((name, value));
        let answer = app.form_post("/api/fn/add_metric", &fields, &signed_in).await;
        assert!(!answer.flash_cookie().is_empty(), "{name}={value} refused");
    }
    let split = metric.map(|(n, v)| if n == "figure" { (n, "satisfaction") } else { (n, v) });
    let answer = app.form_post("/api/fn/add_metric", &split, &signed_in).await;
    let answered = app
        .get_with(
            "/dashboard?range=24h&form=layout",
            &[("cookie", &format!("{cookie}; {}", answer.flash_cookie()))],
        )
        .await;
    assert!(
        answered
            .body
            .contains("Satisfaction cannot be shown for some services only")
    );
    assert_eq!(get_layout(&app, &ada.token, "/api/v1/dashboard/layout").await, layout);

    let reset = app
        .form_post("/api/fn/reset_layout", &[("service", ""), ("back", back)], &signed_in)
        .await;
    assert_eq!(reset.header("location"), "/dashboard?range=24h&form=layout#customise");
    assert_eq!(drawn(&dashboard().await), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_metrics_show_the_figures_of_their_services() {
    let app = TestApp::new().await;
    let ada = client(&app, "ada@example.com", "Support bot").await;
    let now = app.now();
    let events: Vec<Value> = (0..4).map(|i| event(&format!("s{i}"), now, 100, i != 0)).collect();
    post_events(&app, &ada.key, &json!(events)).await;
    let second = create_service(&app, &ada.token, "Sales bot").await;
    let key = crate::support::services::create_key(&app, &ada.token, &second).await;
    post_events(&app, &key, &json!([event("x", now, 300, true)])).await;

    let layout = json!({"version": 1, "widgets": [
        {"type": "metric", "title": "Support requests", "size": 1, "figure": "requests", "services": [ada.service]},
        {"type": "metric", "title": "Support success", "size": 1, "figure": "success_rate", "services": [ada.service]},
        {"type": "metric", "title": "All requests", "size": 1, "figure": "requests"},
        {"type": "metric", "title": "Support over time", "size": 4, "figure": "requests", "display": "bar", "services": [ada.service]},
    ]});
    let saved = put_layout(&app, &ada.token, "/api/v1/dashboard/layout", &layout).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let cookie = format!("ragsites_session={}", ada.token);
    let page = app.get_with("/dashboard?range=24h", &[("cookie", &cookie)]).await.body;
    let value = |title: &str| {
        let card = &page[page.find(&format!(r#"data-metric="{title}""#)).unwrap()..];
        let value = &card[card.find("metric__value\">").unwrap() + "metric__value\">".len()..];
        value[..value.find('<').unwrap()].to_owned()
    };
    let all = summary(&app, &ada.token, "range=24h").await.json();
    assert_eq!(all["total_requests"], 5);
    assert_eq!(value("All requests"), "5");
    assert_eq!(value("Support requests"), "4");
    assert_eq!(value("Support success"), "75.0%");
    // The chart's table holds the support bot's four requests in the current hour.
    let chart = &page[page.find("Support over time").unwrap()..];
    let table = &chart[chart.find("<tbody>").unwrap()..chart.find("</tbody>").unwrap()];
    let cells: Vec<&str> = table
        .split("<td>")
        .skip(1)
        .map(|cell| &cell[..cell.find('<').unwrap()])
        .collect();
    assert_eq!(cells.iter().filter(|c| **c != "0").collect::<Vec<_>>(), [&"4"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_widget_keeps_a_period_of_its_own() {
    let app = TestApp::new().await;
    let ada = client(&app, "ada@example.com", "Support bot").await;
    let now = app.now();
    let days_ago = now - chrono::TimeDelta::days(3);
    let mut events: Vec<Value> = (0..2).map(|i| event(&format!("n{i}"), now, 100, true)).collect();
    events.extend((0..3).map(|i| event(&format!("e{i}"), days_ago, 100, i != 0)));
    post_events(&app, &ada.key, &json!(events)).await;
    assert_eq!(summary(&app, &ada.token, "range=24h").await.json()["total_requests"], 2);
    assert_eq!(summary(&app, &ada.token, "range=7d").await.json()["total_requests"], 5);

    let layout = json!({"version": 1, "widgets": [
        {"type": "metric", "title": "Today", "size": 1, "figure": "requests", "range": "24h"},
        {"type": "metric", "title": "Requests", "size": 1, "figure": "requests"},
        {"type": "chart", "title": "Hourly", "size": 4, "chart": "requests", "range": "24h"},
        {"type": "breakdown", "title": "Errors", "size": 2, "by": "errors", "range": "24h"},
    ]});
    let saved = put_layout(&app, &ada.token, "/api/v1/dashboard/layout", &layout).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let cookie = format!("ragsites_session={}", ada.token);
    let signed_in = [("cookie", cookie.as_str())];
    let page = async |range: &str| {
        app.get_with(&format!("/dashboard?range={range}"), &signed_in)
            .await
            .body
    };
    let value = |page: &str, title: &str| {
        let card = &page[page.find(&format!(r#"data-metric="{title}""#)).expect(title)..];
        let value = &card[card.find("metric__value\">").unwrap() + "metric__value\">".len()..];
        value[..value.find('<').unwrap()].to_owned()
    };
    let widget = |page: &str, title: &str| {
        let at = drawn(page).iter().position(|t| t == title);
        widgets_of(page)[at.unwrap_or_else(|| panic!("{title}"))].to_owned()
    };

    let week = page("7d").await;
    assert_eq!(
        drawn(&week),
        [
            "Today · last 24 hours",
            "Requests",
            "Hourly · last 24 hours",
            "Errors · last 24 hours"
        ]
    );
    assert_eq!(value(&week, "Today · last 24 hours"), "2");
    assert_eq!(value(&week, "Requests"), "5");
    let hourly = widget(&week, "Hourly · last 24 hours");
    assert!(
        hourly.contains("2 requests in the last 24 hours, 0 of them errors"),
        "{hourly}"
    );
    assert!(!widget(&week, "Errors · last 24 hours").contains("timeout"));
    let day = page("24h").await;
    assert_eq!(value(&day, "Today · last 24 hours"), "2");
    assert_eq!(value(&day, "Requests"), "2");

    // The PDF of the week shows each widget over its period.
    let pdf = crate::pdf::text_of(&crate::pdf::report(&app, &ada.token, "range=7d").await);
    assert!(pdf.contains("Today · last 24 hours"), "{pdf}");
    assert!(pdf.contains("Hourly · last 24 hours"), "{pdf}");

    // The forms: the errors table back on the view's period shows the week's timeout.
    let back = "/dashboard?range=7d";
    let edit = async |index: &str, was: &str, title: &str, range: &str| {
        let fields = [
            ("service", ""),
            ("index", index),
            ("was", was),
            ("action", "save"),
            ("title", title),
            ("size", "2"),
            ("range", range),
            ("back", back),
        ];
        app.form_post("/api/fn/edit_widget", &fields, &signed_in).await
    };
    let refused = edit("1", "Requests", "Requests", "custom").await;
    assert!(!refused.flash_cookie().is_empty(), "a custom period is refused");
    edit("3", "Errors", "Errors", "").await;
    edit("1", "Requests", "Requests", "30d").await;
    let kept = get_layout(&app, &ada.token, "/api/v1/dashboard/layout").await;
    assert_eq!(kept["widgets"][1]["range"], "30d");
    assert_eq!(kept["widgets"][3].get("range"), None, "the view's period");
    assert!(widget(&page("7d").await, "Errors").contains("timeout"));
    let metric = [
        ("service", ""),
        ("title", "Cost today"),
        ("figure", "cost"),
        ("display", "line"),
        ("size", "2"),
        ("range", "24h"),
        ("back", back),
    ];
    let added = app.form_post("/api/fn/add_metric", &metric, &signed_in).await;
    assert_eq!(added.status, StatusCode::FOUND, "{}", added.body);
    let kept = get_layout(&app, &ada.token, "/api/v1/dashboard/layout").await;
    assert_eq!(kept["widgets"][4]["range"], "24h");
    assert!(drawn(&page("7d").await).contains(&"Cost today · last 24 hours".to_owned()));

    // The API refuses what no form offers, naming the widget.
    let custom = json!({"version": 1, "widgets": [
        {"type": "metric", "title": "Spend", "size": 1, "figure": "cost", "range": "custom"},
    ]});
    let answer = put_layout(&app, &ada.token, "/api/v1/dashboard/layout", &custom).await;
    assert_eq!(
        refusal(&answer),
        "Widget 1 (\"Spend\"): a widget's own period is 24h, 7d, 30d or 90d."
    );
    let alerts = json!({"version": 1, "widgets": [{"type": "alerts", "title": "Alerts", "size": 4, "range": "24h"}]});
    let answer = put_layout(&app, &ada.token, "/api/v1/dashboard/layout", &alerts).await;
    let message = refusal(&answer);
    assert!(
        message.contains("only metrics, charts and tables have a period of their own"),
        "{message}"
    );

    // A past view lists its period's annotations; the 24-hour chart marks today's, and the PDF
    // lists what its charts mark.
    for (at, text) in [
        (now - chrono::TimeDelta::days(6), "Prompt v2"),
        (now - chrono::TimeDelta::hours(1), "Index rebuilt"),
    ] {
        let note = json!({"at": at.to_rfc3339(), "text": text});
        let made = app
            .json(
                "POST",
                "/api/v1/annotations",
                &note,
                &[("authorization", &bearer(&ada.token))],
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    }
    let from = (now - chrono::TimeDelta::days(8)).date_naive();
    let to = (now - chrono::TimeDelta::days(5)).date_naive();
    let custom = format!("custom&from={from}&to={to}");
    let past = page(&custom).await;
    let listed = &past[past.find(r#"id="annotations""#).expect("the annotations")..];
    assert!(
        listed.contains("Prompt v2") && !listed.contains("Index rebuilt"),
        "{listed}"
    );
    let hourly = widget(&past, "Hourly · last 24 hours");
    assert!(
        hourly.contains("Index rebuilt") && !hourly.contains("Prompt v2"),
        "{hourly}"
    );
    let query = format!("range={custom}");
    let pdf = crate::pdf::text_of(&crate::pdf::report(&app, &ada.token, &query).await);
    assert!(pdf.contains("Prompt v2") && pdf.contains("Index rebuilt"), "{pdf}");
}
