//! One event at a time: every field checked, with a message naming it.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::Value;

/// An event that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidEvent {
    pub event_id: String,
    pub occurred_at: DateTime<Utc>,
    pub latency_ms: u32,
    pub success: bool,
    pub error_kind: Option<String>,
    pub model: Option<String>,
    pub tokens_in: u32,
    pub tokens_out: u32,
    pub cost_micros: i64,
    pub end_user: Option<String>,
    pub conversation_id: Option<String>,
    pub channel: Option<String>,
    pub duration_ms: Option<u32>,
    pub feedback: Option<Feedback>,
}

/// An end user's rating of an answer: thumbs down, neutral, thumbs up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feedback {
    Negative = -1,
    Neutral = 0,
    Positive = 1,
}

impl Feedback {
    /// `-1`, `0` or `1`, with a message naming `field` otherwise.
    pub fn from_number(value: i64, field: &str) -> Result<Self, String> {
        match value {
            -1 => Ok(Self::Negative),
            0 => Ok(Self::Neutral),
            1 => Ok(Self::Positive),
            _ => Err(format!("{field} must be -1, 0 or 1")),
        }
    }
}

/// A request body as sent: `{"events": [...]}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    events: Vec<Value>,
}

/// The events of a request body, each still to be checked by `event`.
pub fn batch(body: &[u8]) -> Result<Vec<Value>, String> {
    serde_json::from_slice::<Batch>(body)
        .map(|batch| batch.events)
        .map_err(|e| format!("The body is not a valid batch: {e}"))
}

/// An event as sent: the types come from serde, the ranges from `event`. Missing and `null`
/// fields are `None` alike.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent<'a> {
    id: Option<String>,
    #[serde(borrow)]
    timestamp: Option<&'a str>,
    latency_ms: Option<u32>,
    status: Option<Status>,
    error_kind: Option<String>,
    model: Option<String>,
    tokens_in: Option<u32>,
    tokens_out: Option<u32>,
    cost_usd: Option<f64>,
    end_user: Option<String>,
    conversation_id: Option<String>,
    channel: Option<String>,
    duration_ms: Option<u32>,
    feedback: Option<i64>,
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Status {
    Success,
    Error,
}

const MAX_LATENCY_MS: u32 = 3_600_000;
const MAX_TOKENS: u32 = 10_000_000;
const MAX_COST_USD: f64 = 10_000.0;

/// A refusal's message at most: serde quotes the value it refused, which may be long.
const MAX_MESSAGE_CHARS: usize = 200;

/// Checks one event against `now` and the oldest time still kept.
pub fn event(value: &Value, now: DateTime<Utc>, oldest: DateTime<Utc>) -> Result<ValidEvent, String> {
    checked(value, now, oldest).map_err(|message| match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message,
    })
}

fn checked(value: &Value, now: DateTime<Utc>, oldest: DateTime<Utc>) -> Result<ValidEvent, String> {
    // serde would also take an array, its items as the fields in order.
    if !value.is_object() {
        return Err("an event must be a JSON object".into());
    }
    // The path of a refusal (which field) is only worked out for a refused event: tracking it
    // costs an allocation per field.
    let raw = RawEvent::deserialize(value)
        .or_else(|_| serde_path_to_error::deserialize(value).map_err(|error| error.to_string()))?;
    let event_id = text(raw.id, "id", 128)?.ok_or("id is required")?;
    let timestamp = raw.timestamp.ok_or("timestamp is required (RFC 3339)")?;
    let occurred_at = DateTime::parse_from_rfc3339(timestamp)
        .map_err(|_| format!("timestamp {timestamp:?} is not RFC 3339"))?
        .with_timezone(&Utc);
    if occurred_at > now + Duration::minutes(5) {
        return Err("timestamp is more than 5 minutes in the future".into());
    }
    if occurred_at < oldest {
        return Err("timestamp is older than the retention window".into());
    }
    let latency_ms = whole(raw.latency_ms, "latency_ms", MAX_LATENCY_MS)?.ok_or("latency_ms is required")?;
    let success = match raw.status {
        Some(status) => status == Status::Success,
        None => return Err("status must be \"success\" or \"error\"".into()),
    };
    let error_kind = text(raw.error_kind, "error_kind", 64)?;
    if success && error_kind.is_some() {
        return Err("error_kind is only for events with status \"error\"".into());
    }
    let cost_micros = match raw.cost_usd {
        None => 0,
        Some(usd) if (0.0..=MAX_COST_USD).contains(&usd) => (usd * 1_000_000.0).round() as i64,
        Some(_) => return Err(format!("cost_usd must be a number from 0 to {MAX_COST_USD}")),
    };
    Ok(ValidEvent {
        event_id,
        occurred_at,
        latency_ms,
        success,
        error_kind: if success {
            None
        } else {
            error_kind.or_else(|| Some("unknown".into()))
        },
        model: text(raw.model, "model", 64)?,
        tokens_in: whole(raw.tokens_in, "tokens_in", MAX_TOKENS)?.unwrap_or(0),
        tokens_out: whole(raw.tokens_out, "tokens_out", MAX_TOKENS)?.unwrap_or(0),
        cost_micros,
        end_user: text(raw.end_user, "end_user", 128)?,
        conversation_id: text(raw.conversation_id, "conversation_id", 128)?,
        channel: text(raw.channel, "channel", 32)?,
        duration_ms: whole(raw.duration_ms, "duration_ms", MAX_LATENCY_MS)?,
        feedback: raw.feedback.map(|n| Feedback::from_number(n, "feedback")).transpose()?,
    })
}

/// An optional string field of 1 to `max` characters, without control characters.
fn text(value: Option<String>, name: &str, max: usize) -> Result<Option<String>, String> {
    match value {
        Some(s) if s.is_empty() || s.chars().count() > max || s.chars().any(char::is_control) => {
            Err(format!("{name} must be a string of 1 to {max} characters"))
        }
        value => Ok(value),
    }
}

/// An optional whole number from 0 to `max` (serde has refused negative and fractional ones).
fn whole(value: Option<u32>, name: &str, max: u32) -> Result<Option<u32>, String> {
    match value {
        Some(n) if n > max => Err(format!("{name} must be a whole number from 0 to {max}")),
        value => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-16T10:30:00Z")
            .expect("a date")
            .to_utc()
    }

    fn check(value: Value) -> Result<ValidEvent, String> {
        event(&value, now(), now() - Duration::days(90))
    }

    #[test]
    fn every_field_is_checked_by_name() {
        let good = json!({ "id": "e1", "timestamp": now().to_rfc3339(), "latency_ms": 120, "status": "success",
            "model": "gpt-x", "tokens_in": 10, "tokens_out": 20, "cost_usd": 0.0012, "end_user": "u1" });
        let event = check(good.clone()).unwrap();
        assert_eq!(event.cost_micros, 1200);
        assert_eq!((event.tokens_in, event.tokens_out, event.success), (10, 20, true));
        let bad = |field: &str, value: Value, message: &str| {
            let mut e = good.clone();
            e[field] = value;
            let error = check(e).unwrap_err();
            assert!(error.contains(field) && error.contains(message), "{field}: {error}");
        };
        bad("id", json!(""), "id must be a string of 1 to 128 characters");
        bad("id", json!("x".repeat(129)), "id must be");
        bad("id", json!(7), "expected a string");
        bad("id", Value::Null, "id is required");
        bad("timestamp", json!("yesterday"), "not RFC 3339");
        bad("timestamp", json!(1_700_000_000), "invalid type");
        bad(
            "timestamp",
            json!((now() + Duration::minutes(5) + Duration::seconds(1)).to_rfc3339()),
            "future",
        );
        bad(
            "timestamp",
            json!((now() - Duration::days(90) - Duration::seconds(1)).to_rfc3339()),
            "retention",
        );
        bad("latency_ms", json!(-1), "expected u32");
        bad("latency_ms", json!(1.5), "expected u32");
        bad(
            "latency_ms",
            json!(3_600_001),
            "latency_ms must be a whole number from 0 to 3600000",
        );
        bad(
            "status",
            json!("ok"),
            "unknown variant `ok`, expected `success` or `error`",
        );
        bad("status", Value::Null, "status must be");
        bad("error_kind", json!("timeout"), "only for events with status");
        bad("model", json!(""), "model must be a string of 1 to 64 characters");
        bad("model", json!("a\u{7}b"), "model must be");
        bad("tokens_in", json!("10"), "invalid type: string \"10\", expected u32");
        bad(
            "tokens_out",
            json!(10_000_001),
            "tokens_out must be a whole number from 0 to 10000000",
        );
        bad("cost_usd", json!(-0.5), "cost_usd must be a number from 0 to 10000");
        bad("cost_usd", json!(10_000.01), "cost_usd must be");
        bad("cost_usd", json!("1"), "expected f64");
        bad(
            "end_user",
            json!("u".repeat(129)),
            "end_user must be a string of 1 to 128 characters",
        );
        bad(
            "conversation_id",
            json!("c".repeat(129)),
            "conversation_id must be a string of 1 to 128 characters",
        );
        bad(
            "channel",
            json!("w".repeat(33)),
            "channel must be a string of 1 to 32 characters",
        );
        bad("channel", json!(""), "channel must be");
        bad("duration_ms", json!(-5), "expected u32");
        bad(
            "duration_ms",
            json!(3_600_001),
            "duration_ms must be a whole number from 0 to 3600000",
        );
        bad("feedback", json!(2), "feedback must be -1, 0 or 1");
        bad("feedback", json!(0.5), "expected i64");
        bad("feedback", json!("1"), "expected i64");

        let mut ai = good.clone();
        for (field, value) in [
            ("conversation_id", json!("conv-1")),
            ("channel", json!("whatsapp")),
            ("duration_ms", json!(95_000)),
            ("feedback", json!(-1)),
        ] {
            ai[field] = value;
        }
        let ai = check(ai).unwrap();
        assert_eq!(
            (
                ai.conversation_id.as_deref(),
                ai.channel.as_deref(),
                ai.duration_ms,
                ai.feedback
            ),
            (Some("conv-1"), Some("whatsapp"), Some(95_000), Some(Feedback::Negative))
        );

        for edge in [now() + Duration::minutes(5), now() - Duration::days(90)] {
            let mut e = good.clone();
            e["timestamp"] = json!(edge.to_rfc3339());
            assert_eq!(
                check(e).map(|e| e.occurred_at),
                Ok(edge),
                "the limits themselves are kept"
            );
        }

        let mut error = good.clone();
        error["status"] = json!("error");
        let error = check(error).unwrap();
        assert_eq!((error.success, error.error_kind.as_deref()), (false, Some("unknown")));
        let mut missing = good.clone();
        missing.as_object_mut().unwrap().remove("latency_ms");
        assert_eq!(check(missing).unwrap_err(), "latency_ms is required");
        let unknown = check(json!({ "id": "e", "surprise": 1 })).unwrap_err();
        assert!(unknown.contains("unknown field `surprise`"), "{unknown}");
        let not_an_object = check(json!([1, 2])).unwrap_err();
        assert_eq!(not_an_object, "an event must be a JSON object");
    }
}

/// The parser and the checks on arbitrary input: never a panic, always a short message, and
/// whatever passes holds to every rule. `PROPTEST_CASES` sets the number of cases (the
/// benchmark runs 100,000).
#[cfg(test)]
mod fuzz {
    use proptest::collection::{btree_map, vec};
    use proptest::prelude::*;
    use serde_json::{Map, Number, json};

    use super::*;

    fn config() -> ProptestConfig {
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(2_000);
        ProptestConfig::with_cases(cases)
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-16T10:30:00Z")
            .expect("a date")
            .to_utc()
    }

    const FIELDS: [&str; 14] = [
        "id",
        "timestamp",
        "latency_ms",
        "status",
        "error_kind",
        "model",
        "tokens_in",
        "tokens_out",
        "cost_usd",
        "end_user",
        "conversation_id",
        "channel",
        "duration_ms",
        "feedback",
    ];

    /// Any JSON value, numbers of every kind and strings that are sometimes almost right.
    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
            ".{0,140}".prop_map(Value::String),
            prop_oneof![
                Just("success"),
                Just("error"),
                Just("2026-11-16T10:29:00Z"),
                Just("2026-11-16T10:29:00+14:00"),
                Just("1969-12-31T23:59:60Z"),
            ]
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 48, 8, |inner| {
            prop_oneof![
                vec(inner.clone(), 0..6).prop_map(Value::Array),
                btree_map(field(), inner, 0..10).prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
            ]
        })
    }

    /// Mostly the event's own field names, sometimes anything.
    fn field() -> impl Strategy<Value = String> {
        prop_oneof![4 => proptest::sample::select(FIELDS.to_vec()).prop_map(String::from), 1 => ".{0,12}"]
    }

    /// What every answer must be: a valid event within the rules, or a short one-line message.
    fn holds(result: Result<ValidEvent, String>) -> Result<(), TestCaseError> {
        match result {
            Ok(e) => {
                prop_assert!((1..=128).contains(&e.event_id.chars().count()));
                prop_assert!(e.occurred_at <= now() + Duration::minutes(5));
                prop_assert!(e.occurred_at >= now() - Duration::days(90));
                prop_assert!(e.latency_ms <= MAX_LATENCY_MS);
                prop_assert!(e.tokens_in <= MAX_TOKENS && e.tokens_out <= MAX_TOKENS);
                prop_assert!((0..=10_000_000_000).contains(&e.cost_micros));
                prop_assert_eq!(e.success, e.error_kind.is_none());
                prop_assert!(e.channel.is_none_or(|c| (1..=32).contains(&c.chars().count())));
                prop_assert!(e.duration_ms.is_none_or(|d| d <= MAX_LATENCY_MS));
            }
            Err(message) => {
                prop_assert!(!message.is_empty() && !message.contains('\n'), "{:?}", message);
                prop_assert!(message.chars().count() <= MAX_MESSAGE_CHARS + 1, "{:?}", message);
            }
        }
        Ok(())
    }

    fn check(value: &Value) -> Result<ValidEvent, String> {
        event(value, now(), now() - Duration::days(90))
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn arbitrary_bytes_never_panic(body in vec(any::<u8>(), 0..600)) {
            if let Ok(events) = batch(&body) {
                for value in &events {
                    holds(check(value))?;
                }
            }
        }

        #[test]
        fn arbitrary_json_never_panics(value in value()) {
            holds(check(&value))?;
            let body = json!({ "events": [value] }).to_string();
            let events = batch(body.as_bytes());
            prop_assert!(events.is_ok(), "{:?}", events);
        }

        #[test]
        fn arbitrary_fields_of_an_event_never_panic(fields in btree_map(field(), value(), 0..12)) {
            let value = Value::Object(fields.into_iter().collect());
            holds(check(&value))?;
            let body = json!({ "events": [value] }).to_string();
            prop_assert!(batch(body.as_bytes()).is_ok());
        }
    }
}
