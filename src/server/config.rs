//! The typed configuration, read once from the environment at start-up.
//! Nothing else in the server reads environment variables.

use std::path::{Path, PathBuf};
use std::{env, fmt, fs};

use chrono::Duration;
use rand::RngCore;

/// Secrets shorter than this are refused in release builds.
const MIN_SECRET_BYTES: usize = 32;

#[derive(Clone)]
pub struct JwtSecret(Vec<u8>);

impl JwtSecret {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtSecret(..)")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// An external PostgreSQL; `None` starts the embedded cluster.
    pub database_url: Option<String>,
    /// Where the embedded cluster keeps its data.
    pub embedded_pg_dir: PathBuf,
    pub db_pool_size: u32,
    pub jwt_secret: JwtSecret,
    pub jwt_expires_in: Duration,
    pub bcrypt_cost: u32,
    /// Mark the session cookie `Secure` (the site is served over https).
    pub cookie_secure: bool,
    /// Raw events are kept this long; the hourly rollups stay.
    pub event_retention_days: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error(
        "JWT_SECRET must be set to at least {MIN_SECRET_BYTES} bytes in a release build \
         (generate one with `openssl rand -base64 48`)"
    )]
    MissingSecret,
    #[error("could not keep the development JWT secret in {path}: {source}")]
    DevSecret { path: String, source: std::io::Error },
}

impl Config {
    /// Reads the process environment. `state_dir` (normally `target/`) holds the embedded
    /// database and, in development, the generated JWT secret.
    pub fn from_env(state_dir: &Path) -> Result<Self, ConfigError> {
        let var = |name: &str| env::var(name).ok().filter(|v| !v.trim().is_empty());
        let jwt_secret = match var("JWT_SECRET") {
            Some(secret) if secret.len() >= MIN_SECRET_BYTES => JwtSecret::new(secret),
            Some(_) | None if !cfg!(debug_assertions) => return Err(ConfigError::MissingSecret),
            Some(_) => {
                return Err(ConfigError::Invalid {
                    name: "JWT_SECRET",
                    reason: format!("it must be at least {MIN_SECRET_BYTES} bytes long"),
                });
            }
            None => dev_secret(state_dir)?,
        };
        Ok(Self {
            database_url: var("DATABASE_URL"),
            embedded_pg_dir: var("EMBEDDED_PG_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| state_dir.join("embedded-pg")),
            db_pool_size: parse_number("DB_POOL_SIZE", var("DB_POOL_SIZE"), 16, 1..=512)?,
            jwt_secret,
            jwt_expires_in: match var("JWT_EXPIRES_IN") {
                Some(text) => parse_duration(&text).map_err(|reason| ConfigError::Invalid {
                    name: "JWT_EXPIRES_IN",
                    reason,
                })?,
                None => Duration::days(7),
            },
            bcrypt_cost: parse_number("BCRYPT_COST", var("BCRYPT_COST"), 12, 4..=31)?,
            event_retention_days: parse_number("EVENT_RETENTION_DAYS", var("EVENT_RETENTION_DAYS"), 90, 1..=3650)?,
            cookie_secure: match var("COOKIE_SECURE").as_deref() {
                None => !cfg!(debug_assertions),
                Some("true" | "1") => true,
                Some("false" | "0") => false,
                Some(other) => {
                    return Err(ConfigError::Invalid {
                        name: "COOKIE_SECURE",
                        reason: format!("expected true or false, got {other:?}"),
                    });
                }
            },
        })
    }
}

fn parse_number(
    name: &'static str,
    value: Option<String>,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, ConfigError> {
    let Some(text) = value else { return Ok(default) };
    match text.trim().parse::<u32>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(ConfigError::Invalid {
            name,
            reason: format!(
                "expected a whole number from {} to {}, got {text:?}",
                range.start(),
                range.end()
            ),
        }),
    }
}

/// Parses `7d`, `12h`, `30m`, `45s` or a plain number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, "s"),
    };
    let n: i64 = digits
        .parse()
        .map_err(|_| format!("expected a duration like 7d or 12h, got {text:?}"))?;
    let duration = match unit {
        "s" => Duration::seconds(n),
        "m" => Duration::minutes(n),
        "h" => Duration::hours(n),
        "d" => Duration::days(n),
        _ => return Err(format!("unknown unit {unit:?} in {text:?} (use s, m, h or d)")),
    };
    if duration < Duration::minutes(1) || duration > Duration::days(365) {
        return Err(format!("{text:?} is outside 1 minute to 365 days"));
    }
    Ok(duration)
}

/// A development secret, generated once and kept under `state_dir` so sessions survive restarts.
fn dev_secret(state_dir: &Path) -> Result<JwtSecret, ConfigError> {
    let path = state_dir.join("dev-jwt-secret");
    let keep = |source| ConfigError::DevSecret {
        path: path.display().to_string(),
        source,
    };
    if let Ok(existing) = fs::read(&path)
        && existing.len() >= MIN_SECRET_BYTES
    {
        tracing::warn!(path = %path.display(), "JWT_SECRET is not set: using the development secret kept in this file");
        return Ok(JwtSecret::new(existing));
    }
    let mut bytes = vec![0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    fs::create_dir_all(state_dir).map_err(keep)?;
    write_private(&path, &bytes).map_err(keep)?;
    tracing::warn!(path = %path.display(), "JWT_SECRET is not set: generated a development secret and kept it in this file");
    Ok(JwtSecret::new(bytes))
}

/// Writes a file only its owner can read.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("7d"), Ok(Duration::days(7)));
        assert_eq!(parse_duration("12h"), Ok(Duration::hours(12)));
        assert_eq!(parse_duration("90m"), Ok(Duration::minutes(90)));
        assert_eq!(parse_duration("3600"), Ok(Duration::hours(1)));
        assert!(parse_duration("7w").is_err());
        assert!(parse_duration("10s").is_err(), "under a minute is refused");
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn numbers_are_range_checked() {
        assert_eq!(parse_number("BCRYPT_COST", None, 12, 4..=31).unwrap(), 12);
        assert_eq!(parse_number("BCRYPT_COST", Some("10".into()), 12, 4..=31).unwrap(), 10);
        let error = parse_number("BCRYPT_COST", Some("3".into()), 12, 4..=31).unwrap_err();
        assert!(error.to_string().contains("BCRYPT_COST"));
    }
}
