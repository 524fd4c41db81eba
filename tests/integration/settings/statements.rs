//! Billing figures are sums of the events sent: this period's usage against the plan, the
//! monthly statements of the twelve months before, and the admin's requests this month.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};

use crate::support::calls::{call, login};
use crate::support::services::{client, post_events};
use crate::support::{PASSWORD, TestApp};

/// requests, tokens, cost in micro-dollars.
type Usage = (i64, i64, i64);

/// One event at `at` whose tokens and cost depend on `n`; adds it to `months`.
fn billed_event(n: usize, at: DateTime<Utc>, months: &mut BTreeMap<NaiveDate, Usage>) -> Value {
    let (tokens_in, tokens_out, cost_micros) = (100 + 7 * n as i64, 20 + 3 * n as i64, 1_000 + 137 * n as i64);
    let usage = months.entry(month_of(at)).or_default();
    *usage = (usage.0 + 1, usage.1 + tokens_in + tokens_out, usage.2 + cost_micros);
    json!({ "id": format!("e{n}"), "timestamp": at.to_rfc3339(), "latency_ms": 100, "status": "success",
        "model": "model-a", "tokens_in": tokens_in, "tokens_out": tokens_out, "cost_usd": cost_micros as f64 / 1e6 })
}

fn month_of(at: DateTime<Utc>) -> NaiveDate {
    at.date_naive().with_day(1).unwrap()
}

/// The billing answer's monthly statements, as (month, usage).
fn statements_of(billing: &Value) -> Vec<(String, Usage)> {
    billing["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(statement)
        .collect()
}

/// A statement as (month, requests, tokens, cost in micro-dollars).
fn statement(s: &Value) -> (String, Usage) {
    let micros = (s["cost_usd"].as_f64().unwrap() * 1e6).round() as i64;
    let usage = (s["requests"].as_i64().unwrap(), s["tokens"].as_i64().unwrap(), micros);
    (s["month"].as_str().unwrap().to_owned(), usage)
}

/// The statements expected at `now`: this month's, and the twelve months before with any
/// usage, newest first.
fn expected(months: &BTreeMap<NaiveDate, Usage>, now: DateTime<Utc>) -> ((String, Usage), Vec<(String, Usage)>) {
    let current = month_of(now);
    let first = current - Months::new(12);
    let earlier = months
        .range(first..current)
        .rev()
        .map(|(month, usage)| (month.to_string(), *usage))
        .collect();
    let this_month = months.get(&current).copied().unwrap_or_default();
    ((current.to_string(), this_month), earlier)
}

fn token(response: &crate::support::TestResponse) -> String {
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()["token"].as_str().unwrap().to_owned()
}

/// The admin view's requests this month per client email.
async fn admin_requests(app: &TestApp, admin: &str) -> BTreeMap<String, i64> {
    let view = call(app, "admin_view", &[], admin).await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.body);
    view.json()["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["email"].as_str().unwrap().to_owned(),
                c["period_requests"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_usage_statements_and_the_admin_view_add_up_the_events_sent() {
    let app = TestApp::new().await;
    let ada = client(&app, "ada@example.com", "Ada's bot").await;
    let bob = client(&app, "bob@example.com", "Bob's bot").await;
    app.register("Carol", "carol@example.com", PASSWORD).await;
    app.register("Root", "root@example.com", PASSWORD).await;
    {
        use diesel_async::RunQueryDsl;
        let mut conn = app.state.pool.get().await.unwrap();
        diesel::sql_query("UPDATE users SET role = 'admin' WHERE email = 'root@example.com'")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let admin = token(&login(&app, "root@example.com", PASSWORD).await);

    let view = call(&app, "admin_view", &[], &admin).await.json();
    let starter = view["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Starter")
        .unwrap()
        .clone();
    let ada_id = view["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == "ada@example.com")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let assign = [
        ("user_id", ada_id.as_str()),
        ("plan_id", starter["id"].as_str().unwrap()),
    ];
    assert_eq!(
        call(&app, "admin_assign_plan", &assign, &admin).await.status,
        StatusCode::OK
    );

    // Ada's traffic over four months, all younger than the 90-day retention, with one event on
    // each side of this month's start; none in the months before.
    let now = app.now();
    let period_start = Utc.from_utc_datetime(&month_of(now).and_hms_opt(0, 0, 0).unwrap());
    let instants = [
        now - Duration::days(85),
        now - Duration::days(85) + Duration::hours(1),
        now - Duration::days(60),
        now - Duration::days(60) + Duration::hours(2),
        now - Duration::days(60) + Duration::hours(3),
        now - Duration::days(40),
        now - Duration::days(40) + Duration::hours(1),
        period_start - Duration::seconds(1),
        period_start,
        period_start + Duration::days(1),
        now - Duration::hours(1),
        now - Duration::minutes(5),
    ];
    let mut months = BTreeMap::new();
    let events: Vec<Value> = instants
        .iter()
        .enumerate()
        .map(|(n, at)| billed_event(n, *at, &mut months))
        .collect();
    assert_eq!(months.len(), 4, "the test spans four months: {months:?}");
    assert_eq!(post_events(&app, &ada.key, &json!(events)).await.json()["accepted"], 12);
    let mut bobs_months = BTreeMap::new();
    let bobs: Vec<Value> = [
        period_start - Duration::seconds(1),
        period_start,
        now - Duration::hours(2),
    ]
    .iter()
    .enumerate()
    .map(|(n, at)| billed_event(n, *at, &mut bobs_months))
    .collect();
    assert_eq!(post_events(&app, &bob.key, &json!(bobs)).await.json()["accepted"], 3);

    let billing = call(&app, "load_billing", &[], &ada.token).await;
    assert_eq!(billing.status, StatusCode::OK, "{}", billing.body);
    let billing = billing.json();
    assert_eq!(billing["plan"], starter);
    assert_eq!(
        (
            &billing["plan"]["monthly_request_quota"],
            &billing["plan"]["price_cents"]
        ),
        (&json!(100_000), &json!(4900)),
        "the Starter plan's quota and price"
    );
    let period_end = period_start + Months::new(1);
    let instant = |v: &Value| DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap().to_utc();
    assert_eq!(
        (instant(&billing["period_start"]), instant(&billing["period_end"])),
        (period_start, period_end)
    );
    let (current, earlier) = expected(&months, now);
    assert_eq!(statement(&billing["current"]), current);
    let statements = statements_of(&billing);
    assert_eq!(statements, earlier);
    assert_eq!(statements.len(), 3, "the three months before this one");
    // At the pace so far (elapsed seconds out of the month's), to the end of the month.
    let pace = (period_end - period_start).num_seconds() as f64 / (now - period_start).num_seconds() as f64;
    assert_eq!(
        billing["projected_requests"],
        json!((current.1.0 as f64 * pace).round() as i64)
    );

    let cookie = format!("ragsites_session={}", ada.token);
    let page = app.get_with("/settings/billing", &[("cookie", &cookie)]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!("data-usage=\"{}\"", current.1.0)),
        "the usage figure"
    );
    assert!(page.body.contains("of 100,000 requests"), "against the quota");

    let requests = admin_requests(&app, &admin).await;
    let this_month = |m: &BTreeMap<NaiveDate, Usage>| m.get(&month_of(now)).unwrap().0;
    assert_eq!(requests["ada@example.com"], this_month(&months));
    assert_eq!(requests["bob@example.com"], this_month(&bobs_months));
    assert_eq!(requests["carol@example.com"], 0);

    // Later, the statements hold the twelve months before the current one and no more.
    for later in [9, 10] {
        let at = now + Months::new(later);
        app.advance(at - app.now());
        let ada = token(&login(&app, "ada@example.com", PASSWORD).await);
        let billing = call(&app, "load_billing", &[], &ada).await.json();
        let (current, earlier) = expected(&months, at);
        assert_eq!(statement(&billing["current"]), current);
        assert_eq!(current.1, (0, 0, 0), "no traffic this month");
        let statements = statements_of(&billing);
        assert_eq!(statements, earlier, "{later} months on");
        assert_eq!(statements.len(), if later == 9 { 4 } else { 3 }, "{later} months on");
        let admin = token(&login(&app, "root@example.com", PASSWORD).await);
        assert_eq!(admin_requests(&app, &admin).await["ada@example.com"], 0);
    }
}
