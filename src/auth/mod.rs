//! Accounts: who a user is, the rules their input must meet.

#[cfg(feature = "ssr")]
pub mod backend;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// bcrypt reads at most 72 bytes; a longer password is refused rather than silently cut.
pub const PASSWORD_MAX_BYTES: usize = 72;
pub const PASSWORD_MIN_CHARS: usize = 8;
pub const NAME_MAX_CHARS: usize = 100;
pub const EMAIL_MAX_CHARS: usize = 254;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
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
