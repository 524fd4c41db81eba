//! A month of believable traffic for the demo services, sent through the ingestion path
//! (validation, then `ingest::backend::store`). Event ids come from the hour and a counter and
//! the randomness is seeded by the hour, so seeding again adds only the hours since last time.

use chrono::{DateTime, Datelike, Duration, DurationRound, TimeDelta, Timelike, Utc, Weekday};
use diesel_async::AsyncPgConnection;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use uuid::Uuid;

use crate::ingest::numbers::EndUserNumbers;
use crate::ingest::{backend, validate};

/// How one demo service behaves.
pub struct Profile {
    /// Requests in a busy weekday hour.
    pub peak_per_hour: f64,
    pub median_latency_ms: f64,
    pub models: &'static [(&'static str, f64)],
    pub tokens_in: u32,
    pub tokens_out: u32,
    pub talk: Talk,
    /// Where its end users reach it, with the share of each.
    pub channels: &'static [(&'static str, f64)],
    /// The share of answers its end users rate.
    pub rated: f64,
}

/// How the service's conversations go.
#[derive(Clone, Copy)]
pub enum Talk {
    /// A chat: a few turns, a minute or a few apart.
    Chat,
    /// Mostly single questions, some with a follow-up or two.
    Questions,
    /// A call of 1 to 8 turns lasting 30 s to 10 min, each turn carrying its share of the length.
    Call,
}

pub const PROFILES: [Profile; 3] = [
    Profile {
        peak_per_hour: 140.0,
        median_latency_ms: 850.0,
        models: &[("gpt-4o-mini", 0.000_000_6), ("claude-3-haiku", 0.000_001_25)],
        tokens_in: 900,
        tokens_out: 220,
        talk: Talk::Chat,
        channels: &[("web", 0.6), ("whatsapp", 0.25), ("slack", 0.15)],
        rated: 0.35,
    },
    Profile {
        peak_per_hour: 70.0,
        median_latency_ms: 1_600.0,
        models: &[("gpt-4o", 0.000_01), ("text-embedding-3-small", 0.000_000_02)],
        tokens_in: 3_200,
        tokens_out: 380,
        talk: Talk::Questions,
        channels: &[("web", 0.85), ("slack", 0.15)],
        rated: 0.25,
    },
    Profile {
        peak_per_hour: 18.0,
        median_latency_ms: 420.0,
        models: &[("whisper-large-v3", 0.000_002), ("gpt-4o-mini", 0.000_000_6)],
        tokens_in: 300,
        tokens_out: 90,
        talk: Talk::Call,
        channels: &[("phone", 1.0)],
        rated: 0.2,
    },
];

/// The end users of a demo service: 400 at scale 1, growing with the square root of the scale
/// (a service with 100 times the traffic has 10 times the users, each coming back more often).
pub fn end_user_pool(scale: f64) -> u32 {
    (400.0 * scale.sqrt()).round().max(1.0) as u32
}

/// Share of the peak by hour of day (UTC, business hours around 09–18).
fn daily_curve(hour: u32) -> f64 {
    const CURVE: [f64; 24] = [
        0.08, 0.05, 0.04, 0.04, 0.05, 0.08, 0.15, 0.3, 0.55, 0.8, 0.95, 1.0, 0.9, 0.95, 1.0, 0.95, 0.85, 0.7, 0.5, 0.4,
        0.32, 0.25, 0.18, 0.12,
    ];
    CURVE[hour as usize % 24]
}

/// Incidents: hours (counted back from now) with error spikes or slow answers.
fn incident(hours_ago: i64, service: usize) -> (f64, f64) {
    match (hours_ago, service) {
        // A provider outage on the chatbot: a third of requests time out.
        (200..=203, 0) => (0.35, 2.5),
        // A slow index rebuild on the RAG site.
        (430..=441, 1) => (0.04, 3.2),
        // A brief spike on every service.
        (600..=601, _) => (0.2, 1.8),
        _ => (0.01, 1.0),
    }
}

/// Sends `days` of traffic ending at `now` for each `(service id, profile)`, at `scale` times the
/// profiles' rates (1 for the demo; larger to build benchmark data sets); returns events stored.
pub async fn fill(
    conn: &mut AsyncPgConnection,
    services: &[(Uuid, &Profile)],
    now: DateTime<Utc>,
    days: i64,
    scale: f64,
) -> diesel::QueryResult<usize> {
    let this_hour = now.duration_trunc(TimeDelta::hours(1)).unwrap_or(now);
    let oldest = now - Duration::days(days + 1);
    let mut stored = 0;
    let known = EndUserNumbers::default();
    for (index, (service_id, profile)) in services.iter().enumerate() {
        let mut batch = Vec::new();
        // Whole hours only: seeding again within the hour adds nothing.
        for hours_ago in (1..=days * 24).rev() {
            let hour = this_hour - Duration::hours(hours_ago);
            for event in hour_of_traffic(index, profile, scale, hour, hours_ago, this_hour) {
                if let Ok(valid) = validate::event(&event, now, oldest) {
                    batch.push(valid);
                }
            }
            while batch.len() >= 1_000 {
                stored += backend::store(conn, &known, *service_id, &batch[..1_000], now).await?;
                batch.drain(..1_000);
            }
        }
        stored += backend::store(conn, &known, *service_id, &batch, now).await?;
    }
    Ok(stored)
}

/// The events of the conversations that start in `hour`. A conversation's turns may run into
/// the next hours; those from `until` on (the current hour: whole hours only) are left for a
/// later seed.
fn hour_of_traffic(
    service: usize,
    profile: &Profile,
    scale: f64,
    hour: DateTime<Utc>,
    hours_ago: i64,
    until: DateTime<Utc>,
) -> Vec<serde_json::Value> {
    let mut rng = StdRng::seed_from_u64((hour.timestamp() as u64) ^ ((service as u64) << 48));
    let weekend = matches!(hour.weekday(), Weekday::Sat | Weekday::Sun);
    let rate = scale * profile.peak_per_hour * daily_curve(hour.hour()) * if weekend { 0.45 } else { 1.0 };
    let count = (rate * rng.random_range(0.8..1.2)).round() as usize;
    let (error_rate, slowdown) = incident(hours_ago, service);
    // Answers rated during an incident are rated worse.
    let unhappy = if error_rate > 0.05 || slowdown > 1.5 { 0.4 } else { 0.08 };
    let pool = end_user_pool(scale);
    let mut events = Vec::with_capacity(count + 8);
    let mut conversation = 0;
    while events.len() < count {
        let start = hour + Duration::seconds(rng.random_range(0..3600));
        // Some end users come back much more often than others.
        let end_user = format!("user-{}", (f64::from(pool) * rng.random::<f64>().powi(2)) as u32);
        let channel = pick(&mut rng, profile.channels);
        let conversation_id = format!("conv-{}-{conversation}", hour.timestamp());
        conversation += 1;
        let turns = turns(&mut rng, profile.talk);
        for (at, duration_ms) in turns {
            let at = start + at;
            let n = events.len();
            let spread: f64 = (0..4).map(|_| rng.random_range(-0.5..0.5)).sum();
            // A log-normal-like spread: most answers near the median, a long slow tail.
            let latency = (profile.median_latency_ms * slowdown * spread.exp()).round().max(1.0);
            let failed = rng.random_bool(error_rate);
            let (model, price) = profile.models[usize::from(rng.random_bool(0.3))];
            let tokens_in = (f64::from(profile.tokens_in) * rng.random_range(0.4..1.6)) as u32;
            let tokens_out = if failed {
                0
            } else {
                (f64::from(profile.tokens_out) * rng.random_range(0.4..1.6)) as u32
            };
            let mut event = json!({
                "id": format!("demo-{}-{n}", hour.timestamp()),
                "timestamp": at.to_rfc3339(),
                "latency_ms": latency as u64,
                "status": if failed { "error" } else { "success" },
                "model": model,
                "tokens_in": tokens_in,
                "tokens_out": tokens_out,
                "cost_usd": f64::from(tokens_in + tokens_out) * price,
                "end_user": end_user,
                "conversation_id": conversation_id,
                "channel": channel,
            });
            if let Some(duration_ms) = duration_ms {
                event["duration_ms"] = json!(duration_ms);
            }
            if rng.random_bool(profile.rated) {
                let bad = if failed { 0.8 } else { unhappy };
                let roll: f64 = rng.random();
                event["feedback"] = json!(if roll < bad {
                    -1
                } else if roll < bad + 0.07 {
                    0
                } else {
                    1
                });
            }
            if failed {
                event["error_kind"] = json!(if slowdown > 2.0 {
                    "upstream_timeout"
                } else {
                    "rate_limited"
                });
            }
            if at < until {
                events.push(event);
            } else {
                // Its number is kept: the event comes with the same id once its time has come.
                events.push(serde_json::Value::Null);
            }
        }
    }
    events.retain(|e| !e.is_null());
    events
}

/// When each turn of a conversation comes after its start, and for a call each turn's share
/// of the call length (the shares add up to the call's length).
fn turns(rng: &mut StdRng, talk: Talk) -> Vec<(Duration, Option<u32>)> {
    match talk {
        Talk::Chat => {
            let n = rng.random_range(1..=3) + rng.random_range(0..=4);
            let mut at = Duration::zero();
            (0..n)
                .map(|_| {
                    let turn = (at, None);
                    at += Duration::seconds(rng.random_range(30..300));
                    turn
                })
                .collect()
        }
        Talk::Questions => {
            let n = if rng.random_bool(0.75) {
                1
            } else {
                rng.random_range(2..=3)
            };
            (0..n)
                .map(|i| (Duration::seconds(i * rng.random_range(60..240)), None))
                .collect()
        }
        Talk::Call => {
            let n: u32 = rng.random_range(1..=8);
            let length_ms: u32 = rng.random_range(30_000..=600_000);
            let share = length_ms / n;
            (0..n)
                .map(|i| {
                    let last = i + 1 == n;
                    let duration = if last { length_ms - share * (n - 1) } else { share };
                    (Duration::milliseconds(i64::from(share * i)), Some(duration))
                })
                .collect()
        }
    }
}

/// One of `choices` by their weights (which add up to 1).
fn pick(rng: &mut StdRng, choices: &[(&'static str, f64)]) -> &'static str {
    let mut roll: f64 = rng.random();
    for &(choice, weight) in choices {
        if roll < weight {
            return choice;
        }
        roll -= weight;
    }
    choices.last().map_or("web", |&(choice, _)| choice)
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use chrono::TimeZone;

    use super::*;

    #[test]
    fn an_hour_of_demo_traffic_is_the_same_every_time_and_talks_like_its_kind() {
        let hour = Utc.with_ymd_and_hms(2026, 11, 10, 14, 0, 0).unwrap();
        let now = hour + Duration::days(1);
        for (service, profile) in PROFILES.iter().enumerate() {
            let events = hour_of_traffic(service, profile, 4.0, hour, 20, now);
            assert_eq!(
                events,
                hour_of_traffic(service, profile, 4.0, hour, 20, now),
                "deterministic"
            );
            let mut conversations: HashMap<&str, Vec<&serde_json::Value>> = HashMap::new();
            for e in &events {
                conversations
                    .entry(e["conversation_id"].as_str().unwrap())
                    .or_default()
                    .push(e);
            }
            let ids: HashSet<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
            assert_eq!(ids.len(), events.len(), "event ids are unique");
            for conversation in conversations.values() {
                let user = &conversation[0]["end_user"];
                assert!(
                    conversation.iter().all(|e| &e["end_user"] == user),
                    "one end user a conversation"
                );
                let number: u32 = user.as_str().unwrap()["user-".len()..].parse().unwrap();
                assert!(number < end_user_pool(4.0), "{user} is in the pool");
            }
            let rated = events.iter().filter(|e| e.get("feedback").is_some()).count() as f64;
            let share = rated / events.len() as f64;
            assert!((0.1..0.45).contains(&share), "{share} of answers rated");
            let turns: Vec<usize> = conversations.values().map(Vec::len).collect();
            let single = turns.iter().filter(|&&n| n == 1).count() as f64 / turns.len() as f64;
            match profile.talk {
                Talk::Chat => assert!(turns.iter().all(|&n| (1..=7).contains(&n)) && single < 0.3),
                Talk::Questions => assert!(single > 0.6, "mostly single questions: {single}"),
                Talk::Call => {
                    for call in conversations.values() {
                        assert!(call.len() <= 8);
                        let length: u64 = call.iter().map(|e| e["duration_ms"].as_u64().unwrap()).sum();
                        assert!((30_000..=600_000).contains(&length), "a call of {length} ms");
                        assert!(call.iter().all(|e| e["channel"] == "phone"));
                    }
                }
            }
        }
        assert_eq!(end_user_pool(1.0), 400);
        assert_eq!(end_user_pool(100.0), 4_000);
    }

    #[test]
    fn turns_of_the_current_hour_wait_for_a_later_seed_with_their_ids() {
        let hour = Utc.with_ymd_and_hms(2026, 11, 10, 14, 0, 0).unwrap();
        let profile = &PROFILES[0];
        let early = hour_of_traffic(0, profile, 2.0, hour, 1, hour + Duration::hours(1));
        let later = hour_of_traffic(0, profile, 2.0, hour, 1, hour + Duration::hours(3));
        assert!(early.len() < later.len());
        assert!(
            early.iter().all(|e| later.contains(e)),
            "the same events, with the same ids"
        );
    }
}
