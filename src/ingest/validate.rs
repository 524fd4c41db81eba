//! One event at a time: every field checked, with a message naming it.

use chrono::{DateTime, Duration, Utc};
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
}

const FIELDS: [&str; 10] = [
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
];
const MAX_LATENCY_MS: u64 = 3_600_000;
const MAX_TOKENS: u64 = 10_000_000;
const MAX_COST_USD: f64 = 10_000.0;

/// Checks one event against `now` and the oldest time still kept.
pub fn event(value: &Value, now: DateTime<Utc>, oldest: DateTime<Utc>) -> Result<ValidEvent, String> {
    let object = value.as_object().ok_or("an event must be a JSON object")?;
    if let Some(unknown) = object.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(format!("unknown field {unknown:?}"));
    }
    let event_id = text(object.get("id"), "id", 128)?.ok_or("id is required")?;
    let timestamp = object
        .get("timestamp")
        .and_then(Value::as_str)
        .ok_or("timestamp is required (RFC 3339)")?;
    let occurred_at = DateTime::parse_from_rfc3339(timestamp)
        .map_err(|_| format!("timestamp {timestamp:?} is not RFC 3339"))?
        .with_timezone(&Utc);
    if occurred_at > now + Duration::minutes(5) {
        return Err("timestamp is more than 5 minutes in the future".into());
    }
    if occurred_at < oldest {
        return Err("timestamp is older than the retention window".into());
    }
    let latency_ms = whole(object.get("latency_ms"), "latency_ms", MAX_LATENCY_MS)?.ok_or("latency_ms is required")?;
    let success = match object.get("status").and_then(Value::as_str) {
        Some("success") => true,
        Some("error") => false,
        _ => return Err("status must be \"success\" or \"error\"".into()),
    };
    let error_kind = text(object.get("error_kind"), "error_kind", 64)?;
    if success && error_kind.is_some() {
        return Err("error_kind is only for events with status \"error\"".into());
    }
    let cost_micros = match object.get("cost_usd") {
        None | Some(Value::Null) => 0,
        Some(value) => match value.as_f64() {
            Some(usd) if (0.0..=MAX_COST_USD).contains(&usd) => (usd * 1_000_000.0).round() as i64,
            _ => return Err(format!("cost_usd must be a number from 0 to {MAX_COST_USD}")),
        },
    };
    Ok(ValidEvent {
        event_id,
        occurred_at,
        latency_ms: latency_ms as u32,
        success,
        error_kind: if success {
            None
        } else {
            error_kind.or_else(|| Some("unknown".into()))
        },
        model: text(object.get("model"), "model", 64)?,
        tokens_in: whole(object.get("tokens_in"), "tokens_in", MAX_TOKENS)?.unwrap_or(0) as u32,
        tokens_out: whole(object.get("tokens_out"), "tokens_out", MAX_TOKENS)?.unwrap_or(0) as u32,
        cost_micros,
        end_user: text(object.get("end_user"), "end_user", 128)?,
    })
}

/// An optional string field of at most `max` characters, without control characters.
fn text(value: Option<&Value>, name: &str, max: usize) -> Result<Option<String>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control) => {
            Ok(Some(s.clone()))
        }
        Some(_) => Err(format!("{name} must be a string of 1 to {max} characters")),
    }
}

/// An optional whole number from 0 to `max`.
fn whole(value: Option<&Value>, name: &str, max: u64) -> Result<Option<u64>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(value) => match value.as_u64() {
            Some(n) if n <= max => Ok(Some(n)),
            _ => Err(format!("{name} must be a whole number from 0 to {max}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(value: Value) -> Result<ValidEvent, String> {
        let now = Utc::now();
        event(&value, now, now - Duration::days(90))
    }

    #[test]
    fn every_field_is_checked_by_name() {
        let good = json!({ "id": "e1", "timestamp": Utc::now().to_rfc3339(), "latency_ms": 120, "status": "success",
            "model": "gpt-x", "tokens_in": 10, "tokens_out": 20, "cost_usd": 0.0012, "end_user": "u1" });
        let event = check(good.clone()).unwrap();
        assert_eq!(event.cost_micros, 1200);
        let bad = |field: &str, value: Value, message: &str| {
            let mut e = good.clone();
            e[field] = value;
            let error = check(e).unwrap_err();
            assert!(error.contains(message), "{field}: {error}");
        };
        bad("latency_ms", json!(-1), "latency_ms must be a whole number");
        bad("latency_ms", json!(1.5), "latency_ms must be a whole number");
        bad("status", json!("ok"), "status must be");
        bad("timestamp", json!("yesterday"), "not RFC 3339");
        bad(
            "timestamp",
            json!((Utc::now() + Duration::minutes(10)).to_rfc3339()),
            "future",
        );
        bad(
            "timestamp",
            json!((Utc::now() - Duration::days(91)).to_rfc3339()),
            "retention",
        );
        bad("cost_usd", json!(-0.5), "cost_usd");
        bad("id", json!(""), "id must be");
        bad("id", json!("x".repeat(129)), "id must be");
        bad("tokens_in", json!("10"), "tokens_in");
        bad("error_kind", json!("timeout"), "only for events with status");
        assert!(
            check(json!({ "id": "e", "surprise": 1 }))
                .unwrap_err()
                .contains("unknown field")
        );
        assert!(check(json!([1, 2])).is_err());
    }
}
