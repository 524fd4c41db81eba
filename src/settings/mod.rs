//! Settings: the user's profile, preferences, password, sessions and audit trail, with the rules
//! their input must meet. The billing tab lives in `crate::billing`.

pub mod api;
#[cfg(feature = "ssr")]
pub mod avatar;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod rest;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;
use uuid::Uuid;

use crate::audit::Action;
use crate::auth::{validate_email, validate_name};
use crate::error::{AppError, FieldErrors};

pub const COMPANY_MAX_CHARS: usize = 100;
pub const BIO_MAX_CHARS: usize = 500;
pub const AVATAR_URL_MAX_CHARS: usize = 500;
pub const ERROR_RATE_RANGE: (f64, f64) = (0.1, 100.0);
pub const P95_LATENCY_RANGE: (i32, i32) = (1, 600_000);
/// Entries per page of the activity log.
pub const ACTIVITY_PAGE_SIZE: i64 = 20;

/// What a user says about themselves. Empty optional fields are `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Profile {
    pub name: String,
    pub email: String,
    pub company: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    /// A new address waiting for its mailed link (the account keeps `email` until then);
    /// ignored in what a client sends.
    #[serde(default)]
    pub pending_email: Option<String>,
}

impl Profile {
    /// Trims every field and turns blank optional ones into `None`.
    pub fn normalized(self) -> Self {
        let optional = |text: Option<String>| text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        Self {
            name: self.name.trim().to_owned(),
            email: self.email.trim().to_owned(),
            company: optional(self.company),
            bio: optional(self.bio),
            avatar_url: optional(self.avatar_url),
            pending_email: None,
        }
    }

    /// Every rule at once, so a form shows all its problems together.
    pub fn validate(&self) -> Result<(), AppError> {
        AppError::check_fields([
            ("name", validate_name(&self.name)),
            ("email", validate_email(&self.email)),
            (
                "company",
                max_chars("Company", self.company.as_deref(), COMPANY_MAX_CHARS),
            ),
            ("bio", max_chars("Bio", self.bio.as_deref(), BIO_MAX_CHARS)),
            ("avatar_url", validate_avatar_url(self.avatar_url.as_deref())),
        ])
    }
}

fn max_chars(what: &str, text: Option<&str>, max: usize) -> Result<(), String> {
    match text {
        Some(text) if text.chars().count() > max => Err(format!("{what} must be at most {max} characters.")),
        Some(text) if text.chars().any(|c| c.is_control() && c != '\n' && c != '\r') => {
            Err(format!("{what} must not contain control characters."))
        }
        _ => Ok(()),
    }
}

fn validate_avatar_url(url: Option<&str>) -> Result<(), String> {
    let Some(url) = url else { return Ok(()) };
    max_chars("Avatar URL", Some(url), AVATAR_URL_MAX_CHARS)?;
    let must_be_https = || Err("The avatar URL must start with https://.".into());
    match Url::parse(url) {
        Err(url::ParseError::RelativeUrlWithoutBase) => must_be_https(),
        Ok(parsed) if parsed.scheme() != "https" => must_be_https(),
        // The parser would quietly drop or encode whitespace: refused, as before.
        Ok(parsed) if parsed.host_str().is_some_and(|host| !host.is_empty()) && !url.contains(char::is_whitespace) => {
            Ok(())
        }
        _ => Err("Enter a complete https:// address.".into()),
    }
}

/// Notifications, alert thresholds and the time zone every date is shown in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Preferences {
    pub email_notifications: bool,
    pub weekly_report: bool,
    pub alert_error_rate_pct: f64,
    pub alert_p95_latency_ms: i32,
    pub timezone: String,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            email_notifications: true,
            weekly_report: true,
            alert_error_rate_pct: 5.0,
            alert_p95_latency_ms: 2000,
            timezone: "UTC".into(),
        }
    }
}

impl Preferences {
    /// The rules that need no database (the time zone's existence is checked by the backend).
    pub fn validate(&self) -> FieldErrors {
        let mut fields = FieldErrors::new();
        let (low, high) = ERROR_RATE_RANGE;
        if !(low..=high).contains(&self.alert_error_rate_pct) {
            fields.insert(
                "alert_error_rate_pct".into(),
                format!("The error-rate alert must be between {low} and {high} %."),
            );
        }
        let (low, high) = P95_LATENCY_RANGE;
        if !(low..=high).contains(&self.alert_p95_latency_ms) {
            fields.insert(
                "alert_p95_latency_ms".into(),
                format!("The latency alert must be between {low} and {high} ms."),
            );
        }
        if self.timezone.trim().is_empty() || self.timezone.len() > 64 {
            fields.insert("timezone".into(), "Choose a time zone such as Europe/Paris.".into());
        }
        fields
    }
}

/// One signed-in device, as the security tab lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: Uuid,
    pub browser: String,
    pub os: String,
    pub ip: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// The session this request came with.
    pub current: bool,
}

/// One line of the user's own audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityEntry {
    pub action: Action,
    pub summary: String,
    pub ip: Option<String>,
    pub at: DateTime<Utc>,
}

/// A page of the activity log, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityPage {
    pub entries: Vec<ActivityEntry>,
    /// 1-based.
    pub page: i64,
    pub has_more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        Profile {
            name: "Ada".into(),
            email: "ada@example.com".into(),
            company: Some("Analytical Engines".into()),
            bio: None,
            avatar_url: Some("https://example.com/ada.png".into()),
            pending_email: None,
        }
    }

    #[test]
    fn profile_rules_name_each_field() {
        assert!(profile().validate().is_ok());
        let bad = Profile {
            name: " ".into(),
            email: "nope".into(),
            company: Some("c".repeat(COMPANY_MAX_CHARS + 1)),
            bio: Some("b".repeat(BIO_MAX_CHARS + 1)),
            avatar_url: Some("http://example.com/a.png".into()),
            pending_email: None,
        };
        let error = bad.validate().unwrap_err();
        for field in ["name", "email", "company", "bio", "avatar_url"] {
            assert!(error.field_message(field).is_some(), "{field} has a message");
        }
        assert!(error.field_message("avatar_url").unwrap().contains("https://"));
        for url in [
            "https://",
            "https:// x.png",
            "https://example.com/a b.png",
            "javascript:alert(1)",
            "HTTPS//x",
            "ftp://example.com/a.png",
        ] {
            let p = Profile {
                avatar_url: Some(url.into()),
                ..profile()
            };
            assert!(p.validate().is_err(), "{url:?} is refused");
        }
        let long = format!("https://example.com/{}", "a".repeat(AVATAR_URL_MAX_CHARS));
        for (url, message) in [
            ("https://", "Enter a complete https:// address."),
            ("javascript:alert(1)", "The avatar URL must start with https://."),
            ("example.com/a.png", "The avatar URL must start with https://."),
            (long.as_str(), "Avatar URL must be at most 500 characters."),
        ] {
            assert_eq!(validate_avatar_url(Some(url)), Err(message.into()), "{url:?}");
        }
        assert_eq!(
            validate_avatar_url(Some("https://cdn.example.com/a.png?s=64#x")),
            Ok(())
        );
        let blank = Profile {
            company: Some("  ".into()),
            bio: Some("".into()),
            ..profile()
        }
        .normalized();
        assert_eq!((blank.company, blank.bio), (None, None));
    }

    #[test]
    fn preference_thresholds_are_bounded() {
        assert!(Preferences::default().validate().is_empty());
        let bad = Preferences {
            alert_error_rate_pct: 0.0,
            alert_p95_latency_ms: 600_001,
            timezone: "".into(),
            ..Preferences::default()
        };
        let fields = bad.validate();
        assert_eq!(fields.len(), 3, "{fields:?}");
        let nan = Preferences {
            alert_error_rate_pct: f64::NAN,
            ..Preferences::default()
        };
        assert!(nan.validate().contains_key("alert_error_rate_pct"));
    }
}
