//! `AppError`: the one error type of the portal, in both builds.
//!
//! Which variant to use:
//! - `Unauthorized`: no live session (or a bad token); the client should sign in.
//! - `InvalidCredentials`: a sign-in with a wrong email or password (never says which).
//! - `InvalidApiKey`: an ingestion request without a live service key (never says why).
//! - `Forbidden`: signed in, but this is not for your role or origin.
//! - `NotFound`: the thing does not exist, or it is someone else's (never say which).
//! - `BadRequest`: the request cannot be read at all (malformed JSON, a bad query string).
//! - `PayloadTooLarge` / `UnsupportedMediaType`: the body is too big, or not JSON where JSON is due.
//! - `Validation`: the input is wrong; `fields` maps each field to what is wrong with it.
//! - `Conflict`: the input is fine but clashes with existing data (a taken email).
//! - `RateLimited`: too many attempts; try again after `retry_after` seconds.
//! - `RegistrationsLimited`: too many accounts registered from the client's address lately.
//! - `QuotaExceeded`: the client's plan allows no more of this until its period resets.
//! - `TooManyStreams`: a cap on open live streams (the user's or the server's) is met.
//! - `Unavailable`: the database (or another dependency) cannot be reached right now.
//! - `Internal`: a bug or an unexpected failure; the details are logged, never shown.

use std::collections::BTreeMap;

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Per-field messages, keyed by the form field's name.
pub type FieldErrors = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthorized,
    #[error("Invalid email or password.")]
    InvalidCredentials,
    #[error("Send a live service API key: Authorization: Bearer rsk_….")]
    InvalidApiKey,
    #[error("You are not allowed to do that.")]
    Forbidden,
    /// An admin of a portal that requires two-factor sign-in of admins, without it yet.
    #[error("This portal requires two-factor authentication of admins: turn it on first (Settings → Security).")]
    TwoFactorRequired,
    #[error("Not found.")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("Expected a JSON body with Content-Type: application/json.")]
    UnsupportedMediaType,
    #[error("{message}")]
    Validation { message: String, fields: FieldErrors },
    #[error("{0}")]
    Conflict(String),
    /// What the address named is gone for good (a revoked or expired share link).
    #[error("{0}")]
    Gone(String),
    #[error("Too many attempts. Try again in {retry_after} seconds.")]
    RateLimited { retry_after: u64 },
    #[error(
        "Too many accounts have been registered from your network. Try again in {}.",
        in_minutes(*.retry_after)
    )]
    RegistrationsLimited { retry_after: u64 },
    #[error(
        "The monthly request quota of your plan ({quota} requests) is used up: events are refused \
         until the next billing period starts."
    )]
    QuotaExceeded { quota: i64, retry_after: u64 },
    #[error("Too many live updates are open. Close another tab, or try again in {retry_after} seconds.")]
    TooManyStreams { retry_after: u64 },
    #[error("The service is temporarily unavailable. Please try again shortly.")]
    Unavailable,
    #[error("Something went wrong on our side.")]
    Internal,
    /// Reaching the server failed or its answer could not be read (browser side).
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    /// A validation error about one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::Validation {
            fields: FieldErrors::from([(field.to_owned(), message.clone())]),
            message,
        }
    }

    /// A validation error from several field messages; `None` when there are none.
    pub fn from_fields(fields: FieldErrors) -> Option<Self> {
        if fields.is_empty() {
            return None;
        }
        let message = if fields.len() == 1 {
            fields.values().next().cloned().unwrap_or_default()
        } else {
            "Please correct the highlighted fields.".to_owned()
        };
        Some(Self::Validation { message, fields })
    }

    /// Runs a form's checks (field, outcome): `Ok` when all pass, else one error naming each
    /// failed field.
    pub fn check_fields<const N: usize>(checks: [(&str, Result<(), String>); N]) -> Result<(), Self> {
        let fields = checks
            .into_iter()
            .filter_map(|(field, result)| result.err().map(|message| (field.to_owned(), message)))
            .collect();
        Self::from_fields(fields).map_or(Ok(()), Err)
    }

    /// The same error with the message about field `from` put on field `to` (a page with two
    /// forms asking for one thing names their fields apart).
    pub fn with_field_renamed(mut self, from: &str, to: &str) -> Self {
        if let Self::Validation { fields, .. } = &mut self
            && let Some(message) = fields.remove(from)
        {
            fields.insert(to.to_owned(), message);
        }
        self
    }

    /// The message for one field, if this error has one.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            Self::Validation { fields, .. } => fields.get(field).cloned(),
            _ => None,
        }
    }

    /// A stable machine-readable code for the JSON API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::InvalidApiKey => "invalid_api_key",
            Self::Forbidden => "forbidden",
            Self::TwoFactorRequired => "two_factor_required",
            Self::NotFound => "not_found",
            Self::BadRequest(_) => "bad_request",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::Validation { .. } => "validation_failed",
            Self::Conflict(_) => "conflict",
            Self::Gone(_) => "gone",
            Self::RateLimited { .. } | Self::RegistrationsLimited { .. } => "rate_limited",
            Self::QuotaExceeded { .. } => "quota_exceeded",
            Self::TooManyStreams { .. } => "too_many_streams",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
            Self::Transport(_) => "transport",
        }
    }
}

/// `seconds` as whole minutes to wait, rounded up: "1 minute", "12 minutes".
fn in_minutes(seconds: u64) -> String {
    match seconds.div_ceil(60).max(1) {
        1 => "1 minute".to_owned(),
        minutes => format!("{minutes} minutes"),
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(e) | ServerFnErrorErr::Response(e) => Self::Transport(e),
            ServerFnErrorErr::Args(e) | ServerFnErrorErr::Deserialization(e) => Self::Validation {
                message: format!("The request could not be read: {e}"),
                fields: FieldErrors::new(),
            },
            _ => Self::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
pub use server::{ErrorBody, ErrorDetail, UNAVAILABLE_RETRY_AFTER};

#[cfg(feature = "ssr")]
mod server {
    use axum::http::{HeaderValue, StatusCode, header};
    use axum::response::{IntoResponse, Response};
    use diesel::result::{DatabaseErrorKind, Error as DieselError};
    use serde::Serialize;

    use super::AppError;

    /// The database is probed every second while it is away: a few seconds is an honest guess.
    pub const UNAVAILABLE_RETRY_AFTER: u64 = 5;

    impl AppError {
        pub fn status(&self) -> StatusCode {
            match self {
                Self::Unauthorized | Self::InvalidCredentials | Self::InvalidApiKey => StatusCode::UNAUTHORIZED,
                Self::Forbidden | Self::TwoFactorRequired => StatusCode::FORBIDDEN,
                Self::NotFound => StatusCode::NOT_FOUND,
                Self::BadRequest(_) => StatusCode::BAD_REQUEST,
                Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
                Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                Self::Conflict(_) => StatusCode::CONFLICT,
                Self::Gone(_) => StatusCode::GONE,
                Self::RateLimited { .. }
                | Self::RegistrationsLimited { .. }
                | Self::QuotaExceeded { .. }
                | Self::TooManyStreams { .. } => StatusCode::TOO_MANY_REQUESTS,
                Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                Self::Internal | Self::Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
            }
        }

        /// Seconds after which trying again may succeed (the `Retry-After` header), if any.
        pub fn retry_after(&self) -> Option<u64> {
            match self {
                Self::RateLimited { retry_after }
                | Self::RegistrationsLimited { retry_after }
                | Self::QuotaExceeded { retry_after, .. }
                | Self::TooManyStreams { retry_after } => Some(*retry_after),
                Self::Unavailable => Some(UNAVAILABLE_RETRY_AFTER),
                _ => None,
            }
        }

        /// For `map_err` on a write: a unique violation becomes `message` on `field` (the input
        /// clashes with a stored row); any other database error maps as usual.
        pub fn unique_violation_on(field: &'static str, message: &'static str) -> impl FnOnce(DieselError) -> Self {
            move |error| match error {
                DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Self::field(field, message),
                other => other.into(),
            }
        }

        /// Logs an unexpected failure and hides its details from the client.
        pub fn internal(context: &str, error: impl std::fmt::Display) -> Self {
            tracing::error!(%error, "{context}");
            Self::Internal
        }
    }

    impl From<DieselError> for AppError {
        fn from(error: DieselError) -> Self {
            match error {
                DieselError::NotFound => Self::NotFound,
                DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                    Self::Conflict("That already exists.".to_owned())
                }
                DieselError::DatabaseError(
                    DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                    info,
                ) => {
                    tracing::warn!(error = info.message(), "database connection lost");
                    Self::Unavailable
                }
                // SQLSTATE class 57 (the server ends the connection: shutdown, a crash, a
                // terminated backend); diesel-async passes on the message, not the code.
                DieselError::DatabaseError(DatabaseErrorKind::Unknown, info)
                    if info.message().starts_with("terminating connection") =>
                {
                    tracing::warn!(error = info.message(), "database connection ended by the server");
                    Self::Unavailable
                }
                other => Self::internal("database error", other),
            }
        }
    }

    impl<E: std::error::Error + 'static> From<bb8::RunError<E>> for AppError {
        fn from(error: bb8::RunError<E>) -> Self {
            tracing::warn!(%error, "no database connection");
            Self::Unavailable
        }
    }

    const TOO_LARGE: &str = "The request body is too large.";

    impl From<axum::extract::rejection::JsonRejection> for AppError {
        fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
            match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge(TOO_LARGE.into()),
                StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::UnsupportedMediaType,
                StatusCode::UNPROCESSABLE_ENTITY => Self::Validation {
                    message: rejection.body_text(),
                    fields: super::FieldErrors::new(),
                },
                _ => Self::BadRequest(format!("Malformed JSON: {}", rejection.body_text())),
            }
        }
    }

    /// The body of every error answer of the JSON API (the OpenAPI document's `ErrorBody`).
    #[derive(Debug, Serialize, utoipa::ToSchema)]
    pub struct ErrorBody {
        pub error: ErrorDetail,
    }

    #[derive(Debug, Serialize, utoipa::ToSchema)]
    pub struct ErrorDetail {
        /// Stable and machine-readable: `bad_request`, `unauthorized`, `invalid_credentials`,
        /// `invalid_api_key`, `forbidden`, `not_found`, `conflict`, `payload_too_large`,
        /// `unsupported_media_type`, `validation_failed`, `rate_limited`, `quota_exceeded`,
        /// `too_many_streams`, `unavailable`, `internal`.
        pub code: String,
        /// A sentence for people.
        pub message: String,
        /// What is wrong with each named field (only when particular fields are wrong).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[schema(value_type = Option<std::collections::BTreeMap<String, String>>)]
        pub fields: Option<super::FieldErrors>,
    }

    impl From<&AppError> for ErrorBody {
        fn from(error: &AppError) -> Self {
            let fields = match error {
                AppError::Validation { fields, .. } if !fields.is_empty() => Some(fields.clone()),
                _ => None,
            };
            Self {
                error: ErrorDetail {
                    code: error.code().to_owned(),
                    message: error.to_string(),
                    fields,
                },
            }
        }
    }

    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let mut response = (self.status(), axum::Json(ErrorBody::from(&self))).into_response();
            if let Some(retry_after) = self.retry_after() {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            }
            response
        }
    }
}
