//! The explorer's filters checked: each parameter read, every wrong one named (422), days
//! read in the user's time zone, and the opaque keyset cursor.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;

use super::{EventFilters, MAX_FILTER_CHARS};
use crate::analytics::window::instant;
use crate::analytics::{Moment, Range};
use crate::error::{AppError, FieldErrors};

/// The filters, checked: what the query narrows by.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub success: Option<bool>,
    pub error_kind: Option<String>,
    pub model: Option<String>,
    pub end_user: Option<String>,
    pub conversation: Option<String>,
    pub channel: Option<String>,
    /// `Some(None)`: events without a rating.
    pub feedback: Option<Option<i16>>,
    /// The last event of the previous page.
    pub cursor: Option<Cursor>,
}

/// Where a page ends: the key of its last event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub occurred_at: DateTime<Utc>,
    pub event_id: String,
}

impl Cursor {
    /// Opaque to callers: the key, base64url-encoded.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}:{}", self.occurred_at.timestamp_micros(), self.event_id))
    }

    pub fn decode(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (micros, event_id) = text.split_once(':')?;
        let occurred_at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        (!event_id.is_empty() && event_id.chars().count() <= 128).then(|| Self {
            occurred_at,
            event_id: event_id.to_owned(),
        })
    }
}

/// A filter's text: empty is none, longer than `MAX_FILTER_CHARS` is refused.
fn text(value: &Option<String>, name: &str, errors: &mut FieldErrors) -> Option<String> {
    let value = value.as_deref().filter(|v| !v.is_empty())?;
    if value.chars().count() > MAX_FILTER_CHARS {
        errors.insert(
            name.to_owned(),
            format!("{name} must be at most {MAX_FILTER_CHARS} characters."),
        );
        return None;
    }
    Some(value.to_owned())
}

fn moment(text: &str) -> Option<Moment> {
    text.parse::<NaiveDate>().map(Moment::Day).ok().or_else(|| {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|at| Moment::At(at.with_timezone(&Utc)))
    })
}

impl Filter {
    /// Checks every parameter, naming each one that is wrong. Days are read in `tz`; a preset
    /// range ends at `now` (events may be stamped a little ahead: they are kept).
    pub async fn parse(
        conn: &mut AsyncPgConnection,
        filters: &EventFilters,
        tz: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let mut filter = Self {
            error_kind: text(&filters.error_kind, "error_kind", &mut errors),
            model: text(&filters.model, "model", &mut errors),
            end_user: text(&filters.end_user, "end_user", &mut errors),
            conversation: text(&filters.conversation, "conversation", &mut errors),
            channel: text(&filters.channel, "channel", &mut errors),
            ..Self::default()
        };
        let given = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());
        filter.success = match given(&filters.status).as_deref() {
            None => None,
            Some("success") => Some(true),
            Some("error") => Some(false),
            Some(_) => {
                errors.insert("status".into(), "status must be success or error.".into());
                None
            }
        };
        filter.feedback = match given(&filters.feedback).as_deref() {
            None => None,
            Some("none") => Some(None),
            Some(value @ ("-1" | "0" | "1")) => value.parse().ok().map(Some),
            Some(_) => {
                errors.insert("feedback".into(), "feedback must be -1, 0, 1 or none.".into());
                None
            }
        };
        if let Some(cursor) = given(&filters.cursor) {
            filter.cursor = Cursor::decode(&cursor);
            if filter.cursor.is_none() {
                errors.insert(
                    "cursor".into(),
                    "cursor is not one this explorer gave: start again from the newest events.".into(),
                );
            }
        }
        let range = given(&filters.range);
        match range.as_deref().map(|r| (r, Range::parse(r))) {
            Some((_, Some(range))) if range != Range::Custom => {
                filter.from = range.length().map(|length| now - length);
            }
            Some((r, None)) => {
                errors.insert(
                    "range".into(),
                    format!("range {r:?} is not one of 24h, 7d, 30d, 90d or custom."),
                );
            }
            _ => {
                for (name, value, end) in [("from", &filters.from, false), ("to", &filters.to, true)] {
                    let Some(value) = given(value) else { continue };
                    let at = match moment(&value) {
                        Some(moment) => Some(instant(conn, moment, tz, end).await?),
                        None => {
                            errors.insert(
                                name.to_owned(),
                                format!("{name} must be a day (2026-11-01) or an RFC 3339 instant."),
                            );
                            None
                        }
                    };
                    if end {
                        filter.to = at;
                    } else {
                        filter.from = at;
                    }
                }
                if let (Some(from), Some(to)) = (filter.from, filter.to)
                    && from >= to
                {
                    errors.insert("to".into(), "to must be after from.".into());
                }
            }
        }
        AppError::from_fields(errors).map_or(Ok(filter), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_it_was_written_and_nothing_else_is_one() {
        let cursor = Cursor {
            occurred_at: DateTime::parse_from_rfc3339("2026-11-16T10:30:00.123456Z")
                .unwrap()
                .to_utc(),
            event_id: "call:1/ü".to_owned(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        for bad in [
            "",
            "!!",
            "bm90LWEtY3Vyc29y",
            &URL_SAFE_NO_PAD.encode("12:"),
            &URL_SAFE_NO_PAD.encode("x:e1"),
        ] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
        let long = URL_SAFE_NO_PAD.encode(format!("1:{}", "e".repeat(129)));
        assert_eq!(Cursor::decode(&long), None, "an event id is at most 128 characters");
    }
}
