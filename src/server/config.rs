//! The typed configuration, read once at start-up from the command line and the environment
//! (with a `.env` file filling in what the environment leaves unset). Nothing else in the server
//! reads environment variables, except `RUST_LOG` (the log filter) and Leptos' own `LEPTOS_*`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;
use std::{fmt, fs};

use chrono::{DateTime, Duration, Utc};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use ipnet::IpNet;
use lettre::message::Mailbox;
use rand::RngCore;
use url::Url;

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

    /// An HMAC-SHA256 under a key of `purpose`'s own, derived from this secret: a MAC made for
    /// one purpose never passes for another's, nor for a session token's signature.
    pub fn keyed_mac(&self, purpose: &str) -> hmac::Hmac<sha2::Sha256> {
        use hmac::{Hmac, Mac};
        let mut derive = Hmac::<sha2::Sha256>::new_from_slice(&self.0).expect("HMAC takes any key");
        derive.update(purpose.as_bytes());
        let key = derive.finalize().into_bytes();
        Hmac::<sha2::Sha256>::new_from_slice(&key).expect("HMAC takes any key")
    }
}

impl fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtSecret(..)")
    }
}

#[derive(Clone)]
pub struct Config {
    /// An external PostgreSQL; `None` starts the embedded cluster.
    pub database_url: Option<String>,
    /// Where the embedded cluster keeps its data.
    pub embedded_pg_dir: PathBuf,
    pub db_pool_size: u32,
    pub requests_in_progress: u32,
    pub jwt_secret: JwtSecret,
    pub jwt_expires_in: Duration,
    /// A session unused for longer than this is refused.
    pub session_idle_timeout: Duration,
    /// Registrations allowed per client address and hour.
    pub registrations_per_hour: i32,
    pub bcrypt_cost: u32,
    /// Mark the session cookie `Secure` (the site is served over https).
    pub cookie_secure: bool,
    /// Raw events are kept this long; the hourly rollups stay.
    pub event_retention_days: u32,
    /// Live streams (`/api/v1/live`) open at once in this process, and per user in it.
    pub live_streams_max: usize,
    pub live_streams_per_user: usize,
    /// The password `seed` gives the admin account it creates; `None` generates one.
    pub admin_password: Option<String>,
    /// Tests only: the instant the server's clock stands at instead of the system's.
    pub fixed_clock: Option<DateTime<Utc>>,
    /// Where Prometheus metrics are served; `None` serves none.
    pub metrics_addr: Option<SocketAddr>,
    /// A client must send a request's headers within this (also the longest idle keep-alive).
    pub header_read_timeout: StdDuration,
    /// A client must send a request's body within this.
    pub body_read_timeout: StdDuration,
    /// At shutdown, requests in flight get this long to finish.
    pub shutdown_grace: StdDuration,
    /// Reverse proxies whose forwarding headers name the client (empty: trust nobody).
    pub trusted_proxies: Vec<IpNet>,
    /// The SMTP server mail goes to; `None` writes each mail as a file into `mail_dir`.
    pub smtp_url: Option<String>,
    /// How long sending one mail may take, connection included (`SMTP_TIMEOUT`).
    pub smtp_timeout: StdDuration,
    pub mail_dir: PathBuf,
    /// The sender of every mail.
    pub mail_from: Mailbox,
    /// The public origin links in mails point to.
    pub app_url: Url,
    /// Where uploaded pictures are kept.
    pub uploads: Uploads,
    /// The OpenID Connect providers people may sign in with.
    pub oidc_providers: Vec<crate::auth::identities::providers::OidcProvider>,
    /// GitHub sign-in, when configured.
    pub github: Option<crate::auth::identities::providers::GitHub>,
}

/// The object store of uploaded pictures.
#[derive(Debug, Clone, PartialEq)]
pub enum Uploads {
    /// A directory of the local file system.
    Local(PathBuf),
    /// An S3-compatible bucket.
    S3 {
        bucket: String,
        endpoint: Option<String>,
        region: Option<String>,
        /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`; without them, the other ways of
        /// the AWS environment (a session token, an instance role).
        credentials: Option<S3Credentials>,
    },
}

#[derive(Clone, PartialEq)]
pub struct S3Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// The secret stays out of logs.
impl fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Secrets stay out of logs.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &self.database_url.as_ref().map(|_| ".."))
            .field("embedded_pg_dir", &self.embedded_pg_dir)
            .field("db_pool_size", &self.db_pool_size)
            .field("requests_in_progress", &self.requests_in_progress)
            .field("jwt_secret", &self.jwt_secret)
            .field("jwt_expires_in", &self.jwt_expires_in)
            .field("session_idle_timeout", &self.session_idle_timeout)
            .field("registrations_per_hour", &self.registrations_per_hour)
            .field("bcrypt_cost", &self.bcrypt_cost)
            .field("cookie_secure", &self.cookie_secure)
            .field("event_retention_days", &self.event_retention_days)
            .field("live_streams_max", &self.live_streams_max)
            .field("live_streams_per_user", &self.live_streams_per_user)
            .field("admin_password", &self.admin_password.as_ref().map(|_| ".."))
            .field("fixed_clock", &self.fixed_clock)
            .field("metrics_addr", &self.metrics_addr)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("body_read_timeout", &self.body_read_timeout)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| ".."))
            .field("smtp_timeout", &self.smtp_timeout)
            .field("mail_dir", &self.mail_dir)
            .field("mail_from", &self.mail_from)
            .field("app_url", &self.app_url)
            .field("uploads", &self.uploads)
            .field("oidc_providers", &self.oidc_providers)
            .field("github", &self.github)
            .finish()
    }
}

/// The settings as given, each from its flag or else its environment variable; `Config::new`
/// fills in the rest. Ranges and formats are checked here, so a bad value is refused by name.
/// (No `Debug`: it holds the secrets as given.)
#[derive(Clone, clap::Args)]
#[command(next_help_heading = "Configuration (each flag or its environment variable; a .env file may set them)")]
pub struct ConfigArgs {
    /// PostgreSQL to use. Unset: the server starts its own cluster under EMBEDDED_PG_DIR.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Where the embedded cluster lives when DATABASE_URL is unset [default: target/embedded-pg].
    #[arg(long, env = "EMBEDDED_PG_DIR")]
    pub embedded_pg_dir: Option<PathBuf>,
    /// Connections in the pool (1 to 512).
    #[arg(long, env = "DB_POOL_SIZE", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=512))]
    pub db_pool_size: u32,
    /// Requests worked on at once (1 to 65536); more wait their turn in arrival order.
    #[arg(long, env = "REQUESTS_IN_PROGRESS", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub requests_in_progress: u32,
    /// Signing key for session tokens, at least 32 bytes. Required in release builds; a debug
    /// build generates one and keeps it in target/dev-jwt-secret.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Session lifetime, from 1 minute to 365 days: 7d, 12h, 30m, or a number of seconds.
    #[arg(long, env = "JWT_EXPIRES_IN", default_value = "7d", value_parser = parse_duration)]
    pub jwt_expires_in: Duration,
    /// A session unused for longer than this is refused (signed out), from 1 minute to 365 days:
    /// 24h, 30m, 7d, or a number of seconds.
    #[arg(long, env = "SESSION_IDLE_TIMEOUT", default_value = "24h", value_parser = parse_duration)]
    pub session_idle_timeout: Duration,
    /// Registrations allowed from one client address in an hour (1 to 100000).
    #[arg(long, env = "REGISTRATIONS_PER_HOUR", default_value_t = 10, value_parser = clap::value_parser!(i32).range(1..=100_000))]
    pub registrations_per_hour: i32,
    /// bcrypt work factor (4 to 31).
    #[arg(long, env = "BCRYPT_COST", default_value_t = 12, value_parser = clap::value_parser!(u32).range(4..=31))]
    pub bcrypt_cost: u32,
    /// Mark the session cookie Secure (the site is served over https). Default: true in release
    /// builds, false in debug ones.
    #[arg(
        long,
        env = "COOKIE_SECURE",
        default_value_t = !cfg!(debug_assertions),
        action = clap::ArgAction::Set,
        value_parser = PossibleValuesParser::new(["true", "false", "1", "0"]).map(|v| v == "true" || v == "1"),
    )]
    pub cookie_secure: bool,
    /// Days raw events are kept, 1 to 3650 (the hourly rollups stay).
    #[arg(long, env = "EVENT_RETENTION_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub event_retention_days: u32,
    /// Live updates (`/api/v1/live` streams) open at once in this server process, 1 to 100000;
    /// one more is answered 429.
    #[arg(long, env = "LIVE_STREAMS_MAX", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub live_streams_max: u32,
    /// Live updates one user may have open at once in this server process, 1 to 1000.
    #[arg(long, env = "LIVE_STREAMS_PER_USER", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub live_streams_per_user: u32,
    /// The password `seed` gives the admin account it creates. Unset: one is generated and
    /// printed once.
    #[arg(long, env = "ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    /// For tests only: the server's clock stands still at this instant (RFC 3339, e.g.
    /// 2026-11-16T10:30:00Z) instead of following the system clock.
    #[arg(long, env = "FIXED_CLOCK", value_parser = parse_instant)]
    pub fixed_clock: Option<DateTime<Utc>>,
    /// Serve Prometheus metrics at http://METRICS_ADDR/metrics (e.g. 127.0.0.1:9100), a
    /// listener of its own that must not be public. Unset: no metrics.
    #[arg(long, env = "METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    /// Time a client has to send a request's headers, 1 s to 1 h; also how long an idle
    /// keep-alive connection stays open.
    #[arg(long, env = "HEADER_READ_TIMEOUT", default_value = "10s", value_parser = parse_timeout)]
    pub header_read_timeout: StdDuration,
    /// Time a client has to send a request's body, 1 s to 1 h.
    #[arg(long, env = "BODY_READ_TIMEOUT", default_value = "30s", value_parser = parse_timeout)]
    pub body_read_timeout: StdDuration,
    /// At shutdown (SIGTERM, Ctrl-C), how long requests in flight may take to finish, 1 s to 1 h.
    #[arg(long, env = "SHUTDOWN_GRACE", default_value = "10s", value_parser = parse_timeout)]
    pub shutdown_grace: StdDuration,
    /// Reverse proxies to believe, as comma-separated CIDR ranges or addresses
    /// (10.0.0.0/8,::1). Only a request whose peer is in one of them has its client address
    /// taken from X-Forwarded-For (or Forwarded) and its scheme from X-Forwarded-Proto.
    /// Unset: trust nobody (the peer is the client).
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_network)]
    pub trusted_proxies: Vec<IpNet>,
    /// The SMTP server to send mail through: smtps://user:pass@host:465 (TLS),
    /// smtp://user:pass@host:587?tls=required (STARTTLS), smtp://host:25 (plain, for a local
    /// relay). Unset: every mail is written to target/mail/ as an .eml file and its link logged.
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// How long sending one mail may take, connection included, 1 s to 1 h; past it the mail
    /// is tried again later.
    #[arg(long, env = "SMTP_TIMEOUT", default_value = "30s", value_parser = parse_timeout)]
    pub smtp_timeout: StdDuration,
    /// The sender of the portal's mail, e.g. "RagSites Portal <portal@example.com>".
    #[arg(long, env = "MAIL_FROM", default_value = "RagSites Portal <portal@localhost>", value_parser = parse_mailbox)]
    pub mail_from: Mailbox,
    /// The public origin of the portal (https://portal.example.com): links in mails point
    /// there. Required in release builds when SMTP_URL is set [default: http://localhost:3000].
    #[arg(long, env = "APP_URL", value_parser = parse_origin)]
    pub app_url: Option<Url>,
    /// The S3 (or S3-compatible) bucket uploaded pictures go to, with credentials from
    /// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Unset: they are files under target/uploads/.
    #[arg(long, env = "S3_BUCKET")]
    pub s3_bucket: Option<String>,
    /// The endpoint of an S3-compatible store (http://127.0.0.1:9000); unset: AWS's.
    #[arg(long, env = "S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    /// The bucket's region (default us-east-1).
    #[arg(long, env = "S3_REGION")]
    pub s3_region: Option<String>,
    /// The S3 access key (with AWS_SECRET_ACCESS_KEY).
    #[arg(long, env = "AWS_ACCESS_KEY_ID", hide_env_values = true)]
    pub aws_access_key_id: Option<String>,
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub aws_secret_access_key: Option<String>,
    /// OpenID Connect providers to sign in with, as a JSON array:
    /// [{"name":"google","label":"Google","issuer":"https://accounts.google.com","client_id":"…","client_secret":"…"}].
    /// Each one's redirect URI is APP_URL/auth/oidc/<name>/callback. Unset: passwords only.
    #[arg(long, env = "OIDC_PROVIDERS", hide_env_values = true)]
    pub oidc_providers: Option<String>,
    /// A GitHub OAuth app's client id (with GITHUB_CLIENT_SECRET): "Continue with GitHub".
    /// Its callback URL is APP_URL/auth/oidc/github/callback.
    #[arg(long, env = "GITHUB_CLIENT_ID")]
    pub github_client_id: Option<String>,
    #[arg(long, env = "GITHUB_CLIENT_SECRET", hide_env_values = true)]
    pub github_client_secret: Option<String>,
    /// GitHub's web address; a GitHub Enterprise Server's (https://github.example.com).
    #[arg(long, env = "GITHUB_URL", default_value = "https://github.com")]
    pub github_url: String,
    /// GitHub's REST API; an Enterprise Server's is https://HOST/api/v3.
    #[arg(long, env = "GITHUB_API_URL", default_value = "https://api.github.com")]
    pub github_api_url: String,
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
    #[error("APP_URL must be set when SMTP_URL is, in a release build: links in mails point there")]
    MissingAppUrl,
    #[error("could not keep the development JWT secret in {path}: {source}")]
    DevSecret { path: String, source: std::io::Error },
    #[error("could not read {path}: {source}")]
    DotEnv { path: String, source: dotenvy::Error },
}

/// Sets the variables of the `.env`-style file at `path` that the environment does not already
/// set (the environment wins). A missing file is fine. Call it first, while the process has one
/// thread, before the command line is parsed.
pub fn load_dotenv(path: &Path) -> Result<(), ConfigError> {
    match dotenvy::from_path(path) {
        Err(error) if !error.not_found() => Err(ConfigError::DotEnv {
            path: path.display().to_string(),
            source: error,
        }),
        _ => Ok(()),
    }
}

/// Makes `command` read a variable set to a blank value (`DB_POOL_SIZE=`) as unset, so its
/// default applies, rather than as a value to refuse.
pub fn ignore_blank_variables(command: clap::Command) -> clap::Command {
    command.mut_args(|arg| {
        let blank = arg
            .get_env()
            .and_then(std::env::var_os)
            .is_some_and(|value| value.to_str().is_some_and(|v| v.trim().is_empty()));
        if blank { arg.env(None) } else { arg }
    })
}

impl Config {
    /// The configuration from its arguments. `state_dir` (normally `target/`) holds the embedded
    /// database and, in development, the generated JWT secret. A blank string counts as unset.
    pub fn new(args: ConfigArgs, state_dir: &Path) -> Result<Self, ConfigError> {
        let set = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
        let jwt_secret = jwt_secret(args.jwt_secret, !cfg!(debug_assertions), state_dir)?;
        let smtp_url = set(args.smtp_url).map(|url| url.trim().to_owned());
        if let Some(url) = &smtp_url {
            // Checked here rather than by clap, whose error would repeat the URL and its password.
            if !crate::mail::transport::is_smtp_url(url) {
                return Err(ConfigError::Invalid {
                    name: "SMTP_URL",
                    reason: "expected a URL like smtps://user:password@host:465 or smtp://host:25".to_owned(),
                });
            }
            if args.app_url.is_none() && !cfg!(debug_assertions) {
                return Err(ConfigError::MissingAppUrl);
            }
        }
        let oidc_providers = match set(args.oidc_providers) {
            Some(text) => crate::auth::identities::providers::parse(&text).map_err(|reason| ConfigError::Invalid {
                name: "OIDC_PROVIDERS",
                reason,
            })?,
            None => Vec::new(),
        };
        let github = github(
            set(args.github_client_id),
            set(args.github_client_secret),
            args.github_url,
            args.github_api_url,
        )?;
        Ok(Self {
            oidc_providers,
            github,
            database_url: set(args.database_url),
            embedded_pg_dir: args
                .embedded_pg_dir
                .filter(|dir| !dir.as_os_str().is_empty())
                .unwrap_or_else(|| state_dir.join("embedded-pg")),
            db_pool_size: args.db_pool_size,
            requests_in_progress: args.requests_in_progress,
            jwt_secret,
            jwt_expires_in: args.jwt_expires_in,
            session_idle_timeout: args.session_idle_timeout,
            registrations_per_hour: args.registrations_per_hour,
            bcrypt_cost: args.bcrypt_cost,
            cookie_secure: args.cookie_secure,
            event_retention_days: args.event_retention_days,
            live_streams_max: args.live_streams_max as usize,
            live_streams_per_user: args.live_streams_per_user as usize,
            admin_password: set(args.admin_password),
            fixed_clock: args.fixed_clock,
            metrics_addr: args.metrics_addr,
            header_read_timeout: args.header_read_timeout,
            body_read_timeout: args.body_read_timeout,
            shutdown_grace: args.shutdown_grace,
            trusted_proxies: args.trusted_proxies,
            smtp_url,
            smtp_timeout: args.smtp_timeout,
            mail_dir: state_dir.join("mail"),
            mail_from: args.mail_from,
            app_url: args
                .app_url
                .unwrap_or_else(|| Url::parse("http://localhost:3000").expect("a valid URL")),
            uploads: match set(args.s3_bucket) {
                Some(bucket) => Uploads::S3 {
                    bucket,
                    endpoint: set(args.s3_endpoint),
                    region: set(args.s3_region),
                    credentials: set(args.aws_access_key_id).zip(set(args.aws_secret_access_key)).map(
                        |(access_key_id, secret_access_key)| S3Credentials {
                            access_key_id,
                            secret_access_key,
                        },
                    ),
                },
                None => Uploads::Local(state_dir.join("uploads")),
            },
        })
    }
}

/// GitHub sign-in from its id and secret (both or neither) and its addresses.
fn github(
    client_id: Option<String>,
    client_secret: Option<String>,
    web_url: String,
    api_url: String,
) -> Result<Option<crate::auth::identities::providers::GitHub>, ConfigError> {
    use crate::auth::identities::providers::{GitHub, check_provider_url};
    let (client_id, client_secret) = match (client_id, client_secret) {
        (Some(id), Some(secret)) => (id, secret),
        (None, None) => return Ok(None),
        (Some(_), None) | (None, Some(_)) => {
            return Err(ConfigError::Invalid {
                name: "GITHUB_CLIENT_ID",
                reason: "GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET go together".to_owned(),
            });
        }
    };
    for (name, url) in [("GITHUB_URL", &web_url), ("GITHUB_API_URL", &api_url)] {
        check_provider_url(url).map_err(|reason| ConfigError::Invalid { name, reason })?;
    }
    Ok(Some(GitHub {
        client_id,
        client_secret,
        web_url: web_url.trim_end_matches('/').to_owned(),
        api_url: api_url.trim_end_matches('/').to_owned(),
    }))
}

/// The signing key as given (blank counts as unset): a release build refuses to start without
/// one of `MIN_SECRET_BYTES`; a debug build refuses a short one and generates a missing one.
fn jwt_secret(given: Option<String>, release: bool, state_dir: &Path) -> Result<JwtSecret, ConfigError> {
    match given.filter(|v| !v.trim().is_empty()) {
        Some(secret) if secret.len() >= MIN_SECRET_BYTES => Ok(JwtSecret::new(secret)),
        Some(_) | None if release => Err(ConfigError::MissingSecret),
        Some(_) => Err(ConfigError::Invalid {
            name: "JWT_SECRET",
            reason: format!("it must be at least {MIN_SECRET_BYTES} bytes long"),
        }),
        None => dev_secret(state_dir),
    }
}

/// Parses a duration with humantime (`7d`, `12h`, `30m`, `1h 30m`, `2weeks`…) from 1 minute to
/// 365 days. A bare number is seconds (`3600` is an hour), as it was before humantime, which
/// itself wants a unit.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    Duration::from_std(humantime_or_seconds(text, "7d, 12h or 30m")?)
        .ok()
        .filter(|d| (Duration::minutes(1)..=Duration::days(365)).contains(d))
        .ok_or_else(|| format!("{text:?} is outside 1 minute to 365 days"))
}

/// A humantime duration, or a bare number of seconds.
fn humantime_or_seconds(text: &str, like: &str) -> Result<StdDuration, String> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        humantime::parse_duration(&format!("{text}s"))
    } else {
        humantime::parse_duration(text)
    }
    .map_err(|error| format!("expected a duration like {like}, got {text:?} ({error})"))
}

/// A server timeout: like `parse_duration`, from 1 second to 1 hour.
pub fn parse_timeout(text: &str) -> Result<StdDuration, String> {
    let text = text.trim();
    let parsed = humantime_or_seconds(text, "10s or 1m")?;
    if (StdDuration::from_secs(1)..=StdDuration::from_secs(3600)).contains(&parsed) {
        Ok(parsed)
    } else {
        Err(format!("{text:?} is outside 1 second to 1 hour"))
    }
}

/// A CIDR range (`10.0.0.0/8`, `fd00::/8`) or one address (`127.0.0.1`, `::1`).
fn parse_network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("expected a CIDR range like 10.0.0.0/8 or an address like ::1, got {text:?}"))
}

fn parse_mailbox(text: &str) -> Result<Mailbox, String> {
    text.trim().parse().map_err(|error| {
        format!("expected an address like \"RagSites Portal <portal@example.com>\", got {text:?} ({error})")
    })
}

/// An http(s) origin: scheme, host and port, without a path, query or fragment.
fn parse_origin(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim())
        .map_err(|error| format!("expected an origin like https://portal.example.com, got {text:?} ({error})"))?;
    let origin_only = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none();
    if origin_only {
        Ok(url)
    } else {
        Err(format!(
            "expected an origin like https://portal.example.com (http or https, no path), got {text:?}"
        ))
    }
}

fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|at| at.to_utc())
        .map_err(|error| format!("expected an RFC 3339 instant like 2026-11-16T10:30:00Z, got {text:?} ({error})"))
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
pub(crate) mod tests {
    use clap::{Args, FromArgMatches};

    use super::*;

    /// A configuration for unit tests: every default, a fixed secret.
    pub(crate) fn config() -> Config {
        let args = ConfigArgs {
            jwt_secret: Some("unit-test-secret-of-at-least-32-bytes".into()),
            ..args(&[]).expect("the defaults parse")
        };
        Config::new(args, Path::new("unused")).expect("a valid configuration")
    }

    /// The flags alone, as if no variable were set.
    fn args(flags: &[&str]) -> Result<ConfigArgs, clap::Error> {
        let command = ConfigArgs::augment_args(clap::Command::new("test")).mut_args(|arg| arg.env(None));
        let matches = command.try_get_matches_from(std::iter::once("test").chain(flags.iter().copied()))?;
        ConfigArgs::from_arg_matches(&matches)
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("7d"), Ok(Duration::days(7)));
        assert_eq!(parse_duration("12h"), Ok(Duration::hours(12)));
        assert_eq!(parse_duration("90m"), Ok(Duration::minutes(90)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::minutes(90)));
        assert_eq!(
            parse_duration("3600"),
            Ok(Duration::hours(1)),
            "a bare number is seconds"
        );
        assert_eq!(parse_duration("365d"), Ok(Duration::days(365)));
        assert!(parse_duration("7x").unwrap_err().contains("7d"));
        assert!(
            parse_duration("10s")
                .unwrap_err()
                .contains("outside 1 minute to 365 days")
        );
        assert!(parse_duration("366d").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn defaults_and_ranges() {
        let defaults = args(&[]).unwrap();
        assert_eq!(
            (
                defaults.db_pool_size,
                defaults.bcrypt_cost,
                defaults.event_retention_days,
                defaults.jwt_expires_in,
                defaults.session_idle_timeout
            ),
            (16, 12, 90, Duration::days(7), Duration::hours(24))
        );
        assert_eq!((defaults.live_streams_max, defaults.live_streams_per_user), (1000, 10));
        assert_eq!(defaults.cookie_secure, !cfg!(debug_assertions));
        assert_eq!(
            (
                defaults.metrics_addr,
                defaults.header_read_timeout,
                defaults.body_read_timeout,
                defaults.shutdown_grace
            ),
            (
                None,
                StdDuration::from_secs(10),
                StdDuration::from_secs(30),
                StdDuration::from_secs(10)
            )
        );
        assert_eq!(
            args(&["--metrics-addr", "127.0.0.1:9100"]).unwrap().metrics_addr,
            Some("127.0.0.1:9100".parse().unwrap())
        );
        assert_eq!(
            args(&["--header-read-timeout", "2"]).unwrap().header_read_timeout,
            StdDuration::from_secs(2)
        );
        assert_eq!(args(&["--bcrypt-cost", "10"]).unwrap().bcrypt_cost, 10);
        for (flag, value, name) in [
            ("--bcrypt-cost", "3", "BCRYPT_COST"),
            ("--bcrypt-cost", "32", "BCRYPT_COST"),
            ("--db-pool-size", "0", "DB_POOL_SIZE"),
            ("--db-pool-size", "many", "DB_POOL_SIZE"),
            ("--requests-in-progress", "0", "REQUESTS_IN_PROGRESS"),
            ("--event-retention-days", "3651", "EVENT_RETENTION_DAYS"),
            ("--jwt-expires-in", "30s", "JWT_EXPIRES_IN"),
            ("--session-idle-timeout", "soon", "SESSION_IDLE_TIMEOUT"),
            ("--cookie-secure", "yes", "COOKIE_SECURE"),
            ("--metrics-addr", "localhost", "METRICS_ADDR"),
            ("--header-read-timeout", "500ms", "HEADER_READ_TIMEOUT"),
            ("--body-read-timeout", "2h", "BODY_READ_TIMEOUT"),
            ("--shutdown-grace", "0", "SHUTDOWN_GRACE"),
            ("--live-streams-max", "0", "LIVE_STREAMS_MAX"),
            ("--live-streams-per-user", "1001", "LIVE_STREAMS_PER_USER"),
            ("--app-url", "https://portal.example/app", "APP_URL"),
            ("--app-url", "ftp://portal.example", "APP_URL"),
            ("--mail-from", "not an address", "MAIL_FROM"),
        ] {
            let error = args(&[flag, value]).err().expect("refused").to_string();
            assert!(error.contains(name) && error.contains(value), "{flag} {value}: {error}");
        }
        for (value, secure) in [("true", true), ("1", true), ("false", false), ("0", false)] {
            assert_eq!(args(&["--cookie-secure", value]).unwrap().cookie_secure, secure);
        }
    }

    #[test]
    fn mail_settings_are_checked_and_a_bad_smtp_url_is_not_repeated() {
        let defaults = config();
        assert_eq!(defaults.smtp_url, None);
        assert_eq!(defaults.app_url.as_str(), "http://localhost:3000/");
        assert_eq!(defaults.mail_from.email.to_string(), "portal@localhost");
        let given = ConfigArgs {
            smtp_url: Some(" smtps://portal:s3cret@smtp.example.com:465 ".into()),
            app_url: Some(Url::parse("https://portal.example").unwrap()),
            ..args(&["--jwt-secret", "unit-test-secret-of-at-least-32-bytes"]).unwrap()
        };
        let config = Config::new(given.clone(), Path::new("state")).unwrap();
        assert_eq!(
            config.smtp_url.as_deref(),
            Some("smtps://portal:s3cret@smtp.example.com:465")
        );
        assert!(
            !format!("{config:?}").contains("s3cret"),
            "the password stays out of Debug"
        );
        let bad = ConfigArgs {
            smtp_url: Some("imap://portal:s3cret@smtp.example.com".into()),
            ..given
        };
        let error = Config::new(bad, Path::new("state")).unwrap_err().to_string();
        assert!(error.contains("SMTP_URL") && !error.contains("s3cret"), "{error}");
    }

    #[test]
    fn trusted_proxies_are_ranges_or_addresses() {
        assert!(args(&[]).unwrap().trusted_proxies.is_empty(), "nobody by default");
        let given = args(&["--trusted-proxies", "10.0.0.0/8, 127.0.0.1,fd00::/8,::1"]).unwrap();
        let expected: Vec<IpNet> = ["10.0.0.0/8", "127.0.0.1/32", "fd00::/8", "::1/128"]
            .iter()
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(given.trusted_proxies, expected);
        for bad in ["10.0.0.0/33", "proxy.internal", "10.0.0"] {
            let error = args(&["--trusted-proxies", bad]).err().expect("refused").to_string();
            assert!(
                error.contains("TRUSTED_PROXIES") && error.contains(bad),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn empty_values_count_as_unset() {
        let config = Config::new(
            ConfigArgs {
                database_url: Some(" ".into()),
                embedded_pg_dir: Some("".into()),
                admin_password: Some("".into()),
                jwt_secret: Some("s".repeat(MIN_SECRET_BYTES)),
                ..args(&[]).unwrap()
            },
            Path::new("state"),
        )
        .unwrap();
        assert_eq!(config.database_url, None);
        assert_eq!(config.admin_password, None);
        assert_eq!(config.embedded_pg_dir, Path::new("state/embedded-pg"));
        let short = ConfigArgs {
            jwt_secret: Some("short".into()),
            ..args(&[]).unwrap()
        };
        let error = Config::new(short, Path::new("state")).unwrap_err().to_string();
        assert!(error.contains("JWT_SECRET"), "{error}");
    }

    #[test]
    fn jwt_secret_rules() {
        let dir = tempfile::tempdir().unwrap();
        let long = "s".repeat(MIN_SECRET_BYTES);
        for release in [true, false] {
            let secret = jwt_secret(Some(long.clone()), release, dir.path()).unwrap();
            assert_eq!(secret.as_bytes(), long.as_bytes());
            let short = jwt_secret(Some("s".repeat(MIN_SECRET_BYTES - 1)), release, dir.path());
            let message = short.expect_err("a short secret is refused").to_string();
            assert!(message.contains("JWT_SECRET") && message.contains("32"), "{message}");
        }
        for missing in [None, Some(String::new()), Some(" \t ".to_owned())] {
            let refused = jwt_secret(missing.clone(), true, dir.path());
            assert!(
                matches!(refused, Err(ConfigError::MissingSecret)),
                "a release build refuses {missing:?}"
            );
            assert!(!dir.path().join("dev-jwt-secret").exists(), "and generates nothing");
        }
        let generated = jwt_secret(Some(" ".into()), false, dir.path()).unwrap();
        assert_eq!(
            generated.as_bytes().len(),
            48,
            "a blank secret in a debug build is generated"
        );
        let kept = jwt_secret(None, false, dir.path()).unwrap();
        assert_eq!(kept.as_bytes(), generated.as_bytes(), "and kept for the next start");
        assert!(
            ConfigError::MissingSecret
                .to_string()
                .starts_with("JWT_SECRET must be set"),
            "the message names the variable"
        );
    }

    #[test]
    fn blank_variables_count_as_unset() {
        // SAFETY: a variable of this test only; std serialises its own environment accesses.
        unsafe { std::env::set_var("RAGSITES_TEST_BLANK_COST", " ") };
        let arg = clap::Arg::new("cost")
            .long("cost")
            .env("RAGSITES_TEST_BLANK_COST")
            .default_value("12");
        let command = ignore_blank_variables(clap::Command::new("test").arg(arg));
        let matches = command.try_get_matches_from(["test"]).unwrap();
        assert_eq!(matches.get_one::<String>("cost").map(String::as_str), Some("12"));
    }

    #[test]
    fn the_environment_wins_over_dotenv() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        fs::write(
            &path,
            "RAGSITES_TEST_DOTENV_KEPT=from-file\nRAGSITES_TEST_DOTENV_ADDED=from-file\n",
        )
        .unwrap();
        // SAFETY: variables of this test only; std serialises its own environment accesses.
        unsafe { std::env::set_var("RAGSITES_TEST_DOTENV_KEPT", "from-environment") };
        load_dotenv(&path).unwrap();
        assert_eq!(
            std::env::var("RAGSITES_TEST_DOTENV_KEPT").as_deref(),
            Ok("from-environment")
        );
        assert_eq!(std::env::var("RAGSITES_TEST_DOTENV_ADDED").as_deref(), Ok("from-file"));
        load_dotenv(&dir.path().join("missing.env")).expect("a missing file is fine");
        fs::write(&path, "NOT A VARIABLE LINE\n").unwrap();
        assert!(load_dotenv(&path).unwrap_err().to_string().contains(".env"));
    }
}
