//! Two-factor sign-in: a time-based code (RFC 6238: SHA-1, six digits, 30-second steps) from an
//! authenticator app after the password, or one of ten single-use recovery codes.

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod panel;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the security tab shows of the user's two-factor sign-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TwoFactorStatus {
    /// When it was turned on; `None` while it is off.
    pub enabled_since: Option<DateTime<Utc>>,
    /// A setup begun but not yet confirmed with a code.
    pub enrolment: Option<Enrolment>,
    pub recovery_codes_left: i64,
    /// Recovery codes just made, shown until the user says they are saved (never again after).
    pub new_recovery_codes: Option<Vec<String>>,
    /// An admin account on a portal that requires two-factor sign-in of admins.
    pub required: bool,
}

/// The secret of a setup in progress, for the authenticator app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enrolment {
    /// Base32, in groups of four, for typing it in.
    pub secret: String,
    /// The `otpauth://` URL as a QR code (SVG markup made on the server).
    pub qr_svg: String,
}

/// What a wrong or used code is told.
pub const WRONG_CODE: &str = "That code is not right, or was already used. Enter the current code from your app.";
