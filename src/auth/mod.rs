//! Accounts: who a user is, the rules their input must meet.

pub mod api;
pub mod api_tokens;
#[cfg(feature = "ssr")]
pub mod backend;
#[cfg(feature = "ssr")]
pub mod guard;
pub mod identities;
#[cfg(feature = "ssr")]
pub mod mailed_link;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod rate_limit;
#[cfg(feature = "ssr")]
pub mod reset;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod secret;
#[cfg(feature = "ssr")]
pub mod token;
pub mod two_factor;
#[cfg(feature = "ssr")]
pub mod verify;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

/// bcrypt reads at most 72 bytes; a longer password is refused rather than silently cut.
pub const PASSWORD_MAX_BYTES: usize = 72;
pub const PASSWORD_MIN_CHARS: usize = 8;
pub const NAME_MAX_CHARS: usize = 100;
pub const EMAIL_MAX_CHARS: usize = 254;

/// What a request for a password reset mail answers, whether or not the address has an account.
pub const RESET_SENT: &str =
    "If an account uses that address, we have sent it a link to choose a new password. The link works for 30 minutes.";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Client,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "client" => Some(Self::Client),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// A signed-in user as the pages and the API see them (never the password hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Whether the address was confirmed by a mailed link (until then the navbar asks for it).
    pub email_verified: bool,
    /// Where the uploaded profile picture is served; `None` without one.
    pub avatar: Option<String>,
}

/// The address a mailed confirmation link is for, and whether using it changes the account's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PendingAddress {
    pub email: String,
    pub change: bool,
}

/// A live session and its user, as the server checked them (`backend::authenticate`).
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user: User,
    pub session_id: Uuid,
}

/// What the registration form (and `POST /api/auth/register`) sends.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RegisterForm {
    pub name: String,
    pub email: String,
    pub password: String,
    pub confirm_password: String,
}

impl RegisterForm {
    /// Every rule at once, so the form can show all its problems together.
    pub fn validate(&self) -> Result<(), AppError> {
        let confirmed = if self.password == self.confirm_password {
            Ok(())
        } else {
            Err("Passwords do not match.".into())
        };
        AppError::check_fields([
            ("name", validate_name(&self.name)),
            ("email", validate_email(&self.email)),
            ("password", validate_password(&self.password)),
            ("confirm_password", confirmed),
        ])
    }
}

/// Where to go after signing in: `next` when it is a path on this site, else the dashboard.
/// `next` must resolve, against this site, to this site: browsers drop tabs and newlines and
/// read `\\` as `/`, so `/\t/evil.example` or `/\\evil.example` would leave it; control
/// characters are refused outright (a header cannot carry them). The answer is the resolved
/// path and query as the URL standard writes them: ASCII, percent-encoded, a valid `Location`.
pub fn safe_next(next: Option<&str>) -> String {
    const FALLBACK: &str = "/dashboard";
    // Any origin will do: only whether `next` stays on it matters.
    let site = url::Url::parse("https://portal.invalid/").expect("a valid base URL");
    let resolved = next
        .filter(|path| path.starts_with('/') && path.len() <= 512 && !path.chars().any(char::is_control))
        .and_then(|path| site.join(path).ok())
        .filter(|url| url.origin() == site.origin());
    match resolved {
        // `/.//evil.example` resolves to the path `//evil.example`: a browser would read a host.
        Some(url) if !url.path().starts_with("//") => match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        },
        _ => FALLBACK.to_owned(),
    }
}

/// The seed's password policy, plus bcrypt's 72-byte ceiling.
pub fn validate_password(password: &str) -> Result<(), String> {
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return Err(format!("Password must be at least {PASSWORD_MIN_CHARS} characters."));
    }
    if password.len() > PASSWORD_MAX_BYTES {
        return Err(format!("Password must be at most {PASSWORD_MAX_BYTES} bytes."));
    }
    let missing: Vec<&str> = [
        (password.chars().any(char::is_uppercase), "an upper-case letter"),
        (password.chars().any(char::is_lowercase), "a lower-case letter"),
        (password.chars().any(|c| c.is_ascii_digit()), "a digit"),
        (
            password.chars().any(|c| !c.is_alphanumeric() && !c.is_whitespace()),
            "a special character",
        ),
    ]
    .into_iter()
    .filter_map(|(present, what)| (!present).then_some(what))
    .collect();
    match missing.as_slice() {
        [] => Ok(()),
        [one] => Err(format!("Password needs {one}.")),
        [init @ .., last] => Err(format!("Password needs {} and {last}.", init.join(", "))),
    }
}

/// A plausible address: one `@`, something on each side, a dot in the domain, no spaces.
pub fn validate_email(email: &str) -> Result<(), String> {
    let email = email.trim();
    if email.is_empty() {
        return Err("Email is required.".into());
    }
    if email.chars().count() > EMAIL_MAX_CHARS {
        return Err(format!("Email must be at most {EMAIL_MAX_CHARS} characters."));
    }
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if valid {
        Ok(())
    } else {
        Err("Enter a valid email address.".into())
    }
}

pub fn validate_name(name: &str) -> Result<(), String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("Name is required.".into());
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(format!("Name must be at most {NAME_MAX_CHARS} characters."));
    }
    if name.chars().any(char::is_control) {
        return Err("Name must not contain control characters.".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy_names_what_is_missing() {
        assert!(validate_password("Demo@123456").is_ok());
        assert_eq!(
            validate_password("Sh@1").unwrap_err(),
            "Password must be at least 8 characters."
        );
        assert_eq!(
            validate_password("demo@123456").unwrap_err(),
            "Password needs an upper-case letter."
        );
        assert_eq!(
            validate_password("abcdefgh").unwrap_err(),
            "Password needs an upper-case letter, a digit and a special character."
        );
        let long = format!("Aa1!{}", "x".repeat(69));
        assert_eq!(long.len(), 73);
        assert!(validate_password(&long).unwrap_err().contains("72 bytes"));
        assert!(validate_password(&long[..72]).is_ok());
    }

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(safe_next(Some("/settings/security")), "/settings/security");
        assert_eq!(safe_next(Some("/services/1?range=7d")), "/services/1?range=7d");
        assert_eq!(
            safe_next(Some("/a b/ü?q=é#top")),
            "/a%20b/%C3%BC?q=%C3%A9",
            "written as a URL"
        );
        assert_eq!(safe_next(Some("/%09")), "/%09", "an encoded tab is a harmless path");
        assert_eq!(safe_next(Some("/%5C")), "/%5C");
        assert_eq!(safe_next(Some("/a/../b")), "/b");
        for bad in [
            "https://evil.example",
            "https:",
            "https:evil.example",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\u{1}",
            "/\u{7f}",
            "/\u{85}",
            "/.//evil.example",
            "/..//evil.example",
            "dashboard",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/dashboard", "{bad:?} is ignored");
        }
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(600)))), "/dashboard");
        assert_eq!(safe_next(None), "/dashboard");
    }

    proptest::proptest! {
        #![proptest_config(fuzz_config())]

        /// Whatever it is given, `safe_next` answers a path that stays on this site.
        #[test]
        fn next_is_always_a_path_on_this_site(next in next_inputs()) {
            let path = safe_next(Some(&next));
            let site = url::Url::parse("https://portal.invalid/").unwrap();
            let resolved = site.join(&path).unwrap();
            proptest::prop_assert_eq!(resolved.origin(), site.origin());
            proptest::prop_assert!(path.starts_with('/') && !path.starts_with("//"), "{:?} -> {:?}", next, path);
            proptest::prop_assert!(path.bytes().all(|b| b.is_ascii_graphic()), "{:?} -> {:?}", next, path);
            proptest::prop_assert!(axum::http::HeaderValue::from_str(&path).is_ok());
        }
    }

    proptest::proptest! {
        #![proptest_config(fuzz_config())]

        /// The registration rules answer any input, field by field, without panicking.
        #[test]
        fn registration_rules_take_any_input(
            name in proptest::prelude::any::<String>(),
            email in proptest::prelude::any::<String>(),
            password in proptest::prelude::any::<String>(),
        ) {
            let form = RegisterForm { name, email, password: password.clone(), confirm_password: password };
            if let Err(error) = form.validate() {
                let is_validation = matches!(error, AppError::Validation { .. });
                proptest::prop_assert!(is_validation, "{:?}", error);
            }
        }
    }

    /// 2,000 cases, or `PROPTEST_CASES` (the benchmark runs 100,000).
    fn fuzz_config() -> proptest::test_runner::Config {
        let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok());
        proptest::test_runner::Config::with_cases(cases.unwrap_or(2_000))
    }

    /// Arbitrary text, and text built from the pieces that fool URL parsers.
    fn next_inputs() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            any::<String>(),
            proptest::collection::vec(tricky_piece(), 0..12).prop_map(|pieces| pieces.concat()),
            proptest::collection::vec(tricky_piece(), 0..12).prop_map(|pieces| format!("/{}", pieces.concat())),
        ]
    }

    fn tricky_piece() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            Just("/".to_owned()),
            Just("\\".to_owned()),
            Just("\t".to_owned()),
            Just(".".to_owned()),
            Just("..".to_owned()),
            Just(":".to_owned()),
            Just("?".to_owned()),
            Just("#".to_owned()),
            Just("@".to_owned()),
            Just("evil.example".to_owned()),
            Just("https:".to_owned()),
            "%[0-9a-fA-F]{2}",
            "[a-z]{1,3}",
            any::<char>().prop_map(String::from),
        ]
    }

    #[test]
    fn registration_reports_every_field() {
        let form = RegisterForm {
            name: "".into(),
            email: "x".into(),
            password: "short".into(),
            confirm_password: "other".into(),
        };
        let error = form.validate().unwrap_err();
        for field in ["name", "email", "password", "confirm_password"] {
            assert!(error.field_message(field).is_some(), "{field} has a message");
        }
        let good = RegisterForm {
            name: "Ada".into(),
            email: "ada@example.com".into(),
            password: "Str0ng!pass".into(),
            confirm_password: "Str0ng!pass".into(),
        };
        assert!(good.validate().is_ok());
    }

    #[test]
    fn emails_and_names() {
        assert!(validate_email("demo@ragsites.com").is_ok());
        for bad in [
            "",
            "demo",
            "demo@",
            "@ragsites.com",
            "demo@ragsites",
            "de mo@x.com",
            "a@b@c.com",
        ] {
            assert!(validate_email(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(validate_name("Ada Lovelace").is_ok());
        assert!(validate_name("  ").is_err());
        assert!(validate_name(&"n".repeat(101)).is_err());
    }
}
