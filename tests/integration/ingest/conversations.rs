//! The AI figures (conversations, turns, satisfaction, call time, unique end users, top end
//! users) equal what the raw events say for any window, and the pages show them per kind.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, DurationRound, Utc};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::services::{client, create_key, create_service, event, post_events, summary};

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn custom(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    format!("range=custom&from={}&to={}", utc(from), utc(to))
}

async fn get(app: &TestApp, token: &str, path: &str, query: &str) -> Value {
    let response = app
        .get_with(
            &format!("{path}?{query}"),
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{path}?{query}: {}", response.body);
    response.json()
}

/// What the raw events of `[from, to)` say, in the API's words.
async fn raw_figures(app: &TestApp, from: DateTime<Utc>, to: DateTime<Utc>) -> Value {
    let (from, to) = (from.to_rfc3339(), to.to_rfc3339());
    let conversations = app
        .count(&format!(
            "SELECT count(*) AS n FROM (SELECT conversation_id FROM events WHERE conversation_id IS NOT NULL \
             GROUP BY service_id, conversation_id HAVING min(occurred_at) >= '{from}' AND min(occurred_at) < '{to}') c"
        ))
        .await;
    let mut figures = json!({ "conversations": conversations });
    for (field, what) in [
        ("turns", "count(conversation_id)"),
        ("rated", "count(feedback)"),
        ("positive", "count(*) FILTER (WHERE feedback = 1)"),
        ("negative", "count(*) FILTER (WHERE feedback = -1)"),
        ("duration_ms", "coalesce(sum(duration_ms), 0)"),
        ("cost_micros", "coalesce(sum(cost_micros), 0)"),
        ("unique_end_users", "count(DISTINCT end_user)"),
    ] {
        let sql =
            format!("SELECT ({what})::int8 AS n FROM events WHERE occurred_at >= '{from}' AND occurred_at < '{to}'");
        figures[field] = json!(app.count(&sql).await);
    }
    figures
}

/// Checks the API's figures of one period against the raw events'.
fn assert_period(api: &Value, raw: &Value, what: &str) {
    for field in ["conversations", "turns", "rated", "positive", "negative"] {
        assert_eq!(api[field], raw[field], "{what}: {field}");
    }
    let (conversations, rated, positive, turns) = (
        raw["conversations"].as_i64().unwrap(),
        raw["rated"].as_i64().unwrap(),
        raw["positive"].as_i64().unwrap(),
        raw["turns"].as_i64().unwrap(),
    );
    let cost = raw["cost_micros"].as_i64().unwrap() as f64 / 1e6;
    let close = |field: &str, expected: Option<f64>| match expected {
        None => assert!(api[field].is_null(), "{what}: {field} is none without data: {api}"),
        Some(expected) => {
            let got = api[field]
                .as_f64()
                .unwrap_or_else(|| panic!("{what}: {field} in {api}"));
            assert!((got - expected).abs() < 1e-9, "{what}: {field} {got} vs {expected}");
        }
    };
    let per = |part: f64, whole: i64| (whole > 0).then(|| part / whole as f64);
    close("satisfaction", per(positive as f64, rated));
    close("avg_turns", per(turns as f64, conversations));
    close("cost_per_conversation_usd", per(cost, conversations));
    let minutes = raw["duration_ms"].as_i64().unwrap() as f64 / 60_000.0;
    close("call_minutes", Some(minutes));
    close("cost_per_minute_usd", (minutes > 0.0).then(|| cost / minutes));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversation_and_end_user_figures_equal_the_raw_events_for_awkward_windows() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let now = app.now();
    let mut rng = rand::rngs::StdRng::seed_from_u64(19);
    // Five days of conversations of a few turns minutes to hours apart, many across midnight,
    // end users coming back on several days; batches sent in no particular order.
    let mut events = Vec::new();
    for conversation in 0..160 {
        let start = now - Duration::minutes(rng.random_range(10..(60 * 24 * 5)));
        let user = format!("user {}", rng.random_range(0..25));
        for turn in 0..rng.random_range(1..6) {
            let at = start + Duration::minutes(turn * rng.random_range(1..90));
            if at > now {
                break;
            }
            let mut e = event(&format!("c{conversation}-{turn}"), at, 200, rng.random_bool(0.9));
            e["conversation_id"] = json!(format!("conv-{conversation}"));
            e["end_user"] = json!(user);
            e["feedback"] = json!([Some(-1), Some(0), Some(1), Some(1), None, None][rng.random_range(0..6)]);
            e["duration_ms"] = json!([Some(rng.random_range(1_000..90_000)), None][rng.random_range(0..2)]);
            e["cost_usd"] = json!(rng.random_range(1..5_000) as f64 / 1e6);
            events.push(e);
        }
    }
    // Events that belong to no conversation and name no end user count only as requests.
    events.extend((0..20).map(|i| event(&format!("plain-{i}"), now - Duration::hours(i * 5), 100, true)));
    let mut shuffled = events.clone();
    for i in (1..shuffled.len()).rev() {
        shuffled.swap(i, rng.random_range(0..=i));
    }
    for batch in shuffled.chunks(97) {
        let answer = post_events(&app, &c.key, &json!(batch)).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM events").await, events.len() as i64);

    let hour = |hours_ago: i64| {
        (now - Duration::hours(hours_ago))
            .duration_trunc(Duration::hours(1))
            .unwrap()
    };
    // Edges inside days (whole days in the middle, hours at both ends), one day exactly, hours
    // inside one day, and windows whose previous period reaches before the first event.
    for (from, to) in [(100, 0), (61, 13), (58, 10), (30, 2), (5, 1), (130, 60)] {
        let (from, to) = (hour(from), hour(to));
        let what = format!("{from} to {to}");
        let query = custom(from, to);
        let previous = (from - (to - from), from);
        let (raw, raw_previous) = (
            raw_figures(&app, from, to).await,
            raw_figures(&app, previous.0, previous.1).await,
        );

        let conversations = get(&app, &c.token, "/api/v1/analytics/conversations", &query).await;
        assert_period(&conversations, &raw, &what);
        assert_period(&conversations["previous"], &raw_previous, &format!("before {what}"));
        let (now_count, before) = (
            raw["conversations"].as_i64().unwrap(),
            raw_previous["conversations"].as_i64().unwrap(),
        );
        match before {
            0 => assert!(conversations["change"].is_null(), "{what}: no change from nothing"),
            _ => assert!(
                (conversations["change"].as_f64().unwrap() - (now_count - before) as f64 / before as f64).abs() < 1e-9,
                "{what}: {conversations}"
            ),
        }

        let users = get(&app, &c.token, "/api/v1/analytics/users", &query).await;
        assert_eq!(users["unique_end_users"], raw["unique_end_users"], "{what}");
        assert_eq!(users["previous"], raw_previous["unique_end_users"], "{what}");
        let top = app
            .text(&format!(
                "SELECT coalesce(string_agg(line, ';' ORDER BY requests DESC, end_user COLLATE \"C\"), '') AS t FROM ( \
                   SELECT end_user, count(*) AS requests, end_user || '=' || count(*) || '/' || \
                          count(*) FILTER (WHERE NOT success) || '/' || sum(cost_micros) AS line \
                   FROM events WHERE end_user IS NOT NULL AND occurred_at >= '{}' AND occurred_at < '{}' \
                   GROUP BY end_user ORDER BY count(*) DESC, end_user COLLATE \"C\" LIMIT 10) t",
                from.to_rfc3339(),
                to.to_rfc3339()
            ))
            .await;
        let listed: Vec<String> = users["by_requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                let micros = (u["cost_usd"].as_f64().unwrap() * 1e6).round() as i64;
                format!(
                    "{}={}/{}/{micros}",
                    u["end_user"].as_str().unwrap(),
                    u["requests"],
                    u["errors"]
                )
            })
            .collect();
        assert_eq!(listed.join(";"), top, "{what}: the busiest end users");
        let costs: Vec<f64> = users["by_cost"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["cost_usd"].as_f64().unwrap())
            .collect();
        assert!(
            costs.windows(2).all(|w| w[0] >= w[1]),
            "{what}: costliest first: {costs:?}"
        );

        // The summary carries the same figures.
        let figures = summary(&app, &c.token, &query).await.json();
        assert_period(&figures, &raw, &what);
        assert_eq!(figures["unique_end_users"], raw["unique_end_users"], "{what}");
        assert_eq!(
            figures["previous"]["unique_end_users"], raw_previous["unique_end_users"],
            "{what}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_across_midnight_and_an_end_user_of_two_days_count_once() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let midnight = (app.now() - Duration::days(2))
        .duration_trunc(Duration::days(1))
        .unwrap();
    let minutes = Duration::minutes;
    let turn = |id: &str, at: DateTime<Utc>, conversation: &str, user: &str, feedback: Option<i64>| {
        let mut e = event(id, at, 100, true);
        e["conversation_id"] = json!(conversation);
        e["end_user"] = json!(user);
        e["feedback"] = json!(feedback);
        e
    };
    let events = json!([
        turn("late-1", midnight - minutes(10), "late", "ann", Some(1)),
        turn("late-2", midnight + minutes(10), "late", "ann", Some(-1)),
        turn("early", midnight - minutes(300), "early", "bob", None),
        turn("morning", midnight + minutes(600), "morning", "ann", Some(1)),
    ]);
    assert_eq!(post_events(&app, &c.key, &events).await.json()["accepted"], 4);
    let figures = async |from: DateTime<Utc>, to: DateTime<Utc>| {
        let query = custom(from, to);
        let conversations = get(&app, &c.token, "/api/v1/analytics/conversations", &query).await;
        let users = get(&app, &c.token, "/api/v1/analytics/users", &query).await;
        (
            conversations["conversations"].as_i64().unwrap(),
            conversations["turns"].as_i64().unwrap(),
            users["unique_end_users"].as_i64().unwrap(),
            conversations,
        )
    };
    let hours = Duration::hours;
    // Whole days from the daily sets, three hours at each edge from the hourly ones.
    let (conversations, turns, users, both) = figures(midnight - hours(27), midnight + hours(27)).await;
    assert_eq!(
        (conversations, turns, users),
        (3, 4, 2),
        "the conversation across midnight once, ann of both days once"
    );
    assert_eq!(both["rated"], 3);
    assert!((both["satisfaction"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    assert!((both["avg_turns"].as_f64().unwrap() - 4.0 / 3.0).abs() < 1e-9);
    let (conversations, turns, users, after) = figures(midnight, midnight + hours(24)).await;
    assert_eq!(
        (conversations, turns, users),
        (1, 2, 1),
        "the day after midnight holds a turn of the late conversation but not its start"
    );
    assert_eq!(
        (
            after["previous"]["conversations"].as_i64(),
            after["previous"]["turns"].as_i64()
        ),
        (Some(2), Some(2)),
        "the day before is its previous period: both of its conversations started there"
    );
    let (conversations, _, users, empty) = figures(midnight + hours(12), midnight + hours(13)).await;
    assert_eq!((conversations, users), (0, 0));
    for field in [
        "satisfaction",
        "avg_turns",
        "cost_per_conversation_usd",
        "cost_per_minute_usd",
    ] {
        assert!(
            empty[field].is_null(),
            "{field} of nothing is none, not 0 or NaN: {empty}"
        );
    }
}

/// A service of `kind` of the client with `token`, with a key.
async fn service_of_kind(app: &TestApp, token: &str, name: &str, kind: &str) -> (String, String) {
    let body = json!({ "name": name, "kind": kind });
    let created = app
        .json(
            "POST",
            "/api/v1/services",
            &body,
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let key = create_key(app, token, &id).await;
    (id, key)
}

/// The metric cards' titles and values on a page, in order.
fn cards(html: &str) -> Vec<(String, String)> {
    html.split("data-metric=\"")
        .skip(1)
        .map(|card| {
            let title = card.split('"').next().unwrap().to_owned();
            let value = card
                .split("metric__value\">")
                .nth(1)
                .and_then(|v| v.split('<').next())
                .unwrap_or_default()
                .to_owned();
            (title, value)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_service_kind_shows_its_own_cards_live_updates_too() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Support bot").await;
    let now = app.now();
    // Two conversations of two turns, three answers rated, two of them up; 18 s of call time.
    let batch = |prefix: &str| {
        (0..4)
            .map(|i| {
                let mut e = event(&format!("{prefix}{i}"), now - Duration::minutes(30 + i), 400, i != 3);
                e["conversation_id"] = json!(format!("conv-{}", i / 2));
                e["end_user"] = json!(format!("user-{}", i % 3));
                e["feedback"] = json!([Some(1), Some(1), Some(-1), None][i as usize]);
                e["duration_ms"] = json!(4_500);
                e
            })
            .collect::<Vec<_>>()
    };
    post_events(&app, &c.key, &json!(batch("chat"))).await;
    let mut services = vec![(c.service.clone(), "chatbot")];
    for (name, kind) in [
        ("Docs", "rag_site"),
        ("Phone", "voice_agent"),
        ("Ops", "agent"),
        ("Other", "custom"),
    ] {
        let (id, key) = service_of_kind(&app, &c.token, name, kind).await;
        assert_eq!(post_events(&app, &key, &json!(batch(kind))).await.json()["accepted"], 4);
        services.push((id, kind));
    }
    let cookie = format!("ragsites_session={}", c.token);
    let titles = |cards: &[(String, String)]| cards.iter().map(|(t, _)| t.clone()).collect::<Vec<_>>();
    let generic = [
        "Total requests",
        "Active services",
        "Avg response time",
        "Success rate",
        "Tokens",
        "Cost",
    ];
    for (id, kind) in &services {
        let page = app
            .get_with(&format!("/services/{id}?range=24h"), &[("cookie", &cookie)])
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let shown = cards(&page.body);
        let expected: Vec<&str> = match *kind {
            "chatbot" => vec!["Conversations", "Satisfaction", "Unique users", "Cost per conversation"],
            "rag_site" => vec![
                "Questions",
                "Answered without error",
                "Satisfaction",
                "p95 response time",
            ],
            "voice_agent" => vec!["Calls", "Call minutes", "Satisfaction", "Cost per minute"],
            _ => generic.to_vec(),
        };
        assert_eq!(titles(&shown), expected, "{kind}");
        let value = |title: &str| shown.iter().find(|(t, _)| t == title).map(|(_, v)| v.as_str());
        match *kind {
            "chatbot" => {
                assert_eq!(value("Conversations"), Some("2"));
                assert_eq!(value("Satisfaction"), Some("66.7%"));
                assert_eq!(value("Unique users"), Some("3"));
                assert_eq!(value("Cost per conversation"), Some("$0.0020"));
                assert!(page.body.contains("3 rated"), "satisfaction says how many rated");
            }
            "rag_site" => {
                assert_eq!(value("Questions"), Some("4"));
                assert_eq!(value("Answered without error"), Some("75.0%"));
            }
            "voice_agent" => {
                assert_eq!(value("Calls"), Some("2"));
                assert_eq!(value("Call minutes"), Some("0.3 min"), "18 s");
                assert_eq!(value("Cost per minute"), Some("$0.0133"));
            }
            _ => assert_eq!(value("Total requests"), Some("4")),
        }
        // The live update renders the same cards.
        let live = app
            .server_fn(
                "figures_html",
                format!("query[range]=24h&query[service]={id}&single=true"),
                &c.token,
            )
            .await;
        assert_eq!(live.status, StatusCode::OK, "{}", live.body);
        let html: String = live.json().as_str().unwrap().to_owned();
        assert_eq!(cards(&html), shown, "{kind}: live figures as the page");
    }
    let dashboard = app.get_with("/dashboard?range=24h", &[("cookie", &cookie)]).await;
    let shown = cards(&dashboard.body);
    assert_eq!(
        titles(&shown)[..3],
        ["Total requests", "Conversations", "Unique users"],
        "the overview shows conversations and unique users beside requests"
    );
    assert_eq!(shown[1].1, "10", "two conversations in each of five services");
    assert_eq!(shown[2].1, "15", "an end user id belongs to its service");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_end_users_and_error_kinds_link_to_the_explorer() {
    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let now = app.now();
    let mut events = Vec::new();
    for (i, (user, requests, cost)) in [("ann lee/1&x=y", 3, 0.001), ("bob", 1, 0.5), ("cé#", 2, 0.0)]
        .into_iter()
        .enumerate()
    {
        for n in 0..requests {
            let mut e = event(&format!("{i}-{n}"), now - Duration::minutes(5 + n), 100, n != 0);
            e["end_user"] = json!(user);
            e["cost_usd"] = json!(cost);
            if n == 0 {
                e["error_kind"] = json!(format!("upstream <timeout> & \"{i}\""));
            }
            events.push(e);
        }
    }
    assert_eq!(post_events(&app, &c.key, &json!(events)).await.json()["accepted"], 6);
    let users = get(&app, &c.token, "/api/v1/analytics/users", "range=24h").await;
    let names = |list: &Value| {
        list.as_array()
            .unwrap()
            .iter()
            .map(|u| u["end_user"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&users["by_requests"]), ["ann lee/1&x=y", "cé#", "bob"]);
    assert_eq!(
        names(&users["by_cost"]),
        ["bob", "ann lee/1&x=y"],
        "no cost, not listed by cost"
    );
    assert_eq!(users["by_requests"][0]["errors"], 1);
    assert_eq!(users["by_requests"][0]["service_id"], c.service.as_str());

    let cookie = format!("ragsites_session={}", c.token);
    let page = app
        .get_with(&format!("/services/{}?range=24h", c.service), &[("cookie", &cookie)])
        .await;
    let s = &c.service;
    for href in [
        format!("/services/{s}/events?end_user=ann%20lee%2F1%26x%3Dy"),
        format!("/services/{s}/events?end_user=bob"),
        format!("/services/{s}/events?end_user=c%C3%A9%23"),
        format!("/services/{s}/events?error_kind=upstream%20%3Ctimeout%3E%20%26%20%220%22"),
    ] {
        assert!(page.body.contains(&format!("href=\"{href}\"")), "a link to {href}");
    }
    assert!(page.body.contains("Top end users by requests") && page.body.contains("Top end users by cost"));
    let dashboard = app.get_with("/dashboard?range=24h", &[("cookie", &cookie)]).await;
    assert!(
        !dashboard.body.contains("Top end users"),
        "the overview of all services lists no end users"
    );
}

/// The migration that numbers end users builds the numbers and sets of an existing database
/// from its per-user rows: undone and done again, the figures are the same and a new end user
/// gets the next number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_end_user_sets_are_built_for_an_existing_database() {
    use diesel_async::SimpleAsyncConnection;

    let app = TestApp::new().await;
    let c = client(&app, "a@example.com", "Bot").await;
    let voice = create_service(&app, &c.token, "Voice").await;
    let other = create_key(&app, &c.token, &voice).await;
    let now = app.now();
    for (key, days) in [(&c.key, 9), (&other, 4)] {
        let events: Vec<Value> = (0..60)
            .map(|i| {
                let mut e = event(&format!("e{i}"), now - Duration::hours(i * 24 * days / 60), 100, true);
                e["end_user"] = json!(format!("user-{}", i % 13));
                e
            })
            .collect();
        assert_eq!(post_events(&app, key, &json!(events)).await.json()["accepted"], 60);
    }
    let query = custom(now - Duration::days(7) + Duration::minutes(90), now);
    let users = async || get(&app, &c.token, "/api/v1/analytics/users", &query).await["unique_end_users"].clone();
    let before = users().await;
    let from = (now - Duration::days(7) + Duration::minutes(90)).to_rfc3339();
    let raw = app
        .count(&format!(
            "SELECT count(DISTINCT (service_id, end_user)) AS n FROM events WHERE occurred_at >= '{from}'"
        ))
        .await;
    assert_eq!(
        before, raw,
        "an end user per service: one name in two services counts twice"
    );
    assert!(raw > 13);
    let numbers = "SELECT count(*) AS n FROM end_user_ids";
    assert_eq!(app.count(numbers).await, 26, "13 end users in each of two services");
    let sets =
        "SELECT count(*) AS n FROM (SELECT * FROM end_user_sets_hourly UNION ALL SELECT * FROM end_user_sets_daily) s";
    let sets_before = app.count(sets).await;

    let migration = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/migrations/2026-12-01-000015_end_user_sets"
    );
    for file in ["down.sql", "up.sql"] {
        let sql = std::fs::read_to_string(format!("{migration}/{file}")).unwrap();
        app.state.pool.get().await.unwrap().batch_execute(&sql).await.unwrap();
    }
    assert_eq!(app.count(numbers).await, 26);
    assert_eq!(app.count(sets).await, sets_before, "a set for every hour and day");
    assert_eq!(users().await, before, "the same figure from the rebuilt sets");

    // (A known end user's number is remembered by the process, which a migration precedes.)
    let mut again = event("new", now, 100, true);
    again["end_user"] = json!("someone new");
    assert_eq!(post_events(&app, &c.key, &json!([again])).await.json()["accepted"], 1);
    assert_eq!(app.count(numbers).await, 27);
    assert_eq!(users().await, before.as_i64().unwrap() + 1);
}
