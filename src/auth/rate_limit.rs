//! Attempt limits on sign-in, on the current password of a signed-in user, on registration, on
//! password reset mails and on address confirmation mails.
//!
//! The counts live in PostgreSQL (`auth_limits`, counted by the `auth_reserve` function of its
//! migration), so every server process sees the same ones, on the server's clock. An attempt is
//! counted *before* its password is hashed and released again when it succeeds: however many
//! requests arrive at once, no more guesses are checked than a key allows.
//!
//! A sign-in counts on three keys (the README's "Sign-in limits" says why):
//! - the account at the client's address: 10 in 15 minutes, then that address waits for the
//!   window to end — for that account only;
//! - the client's address: 30 in 15 minutes, whatever the accounts;
//! - the account from every address: 100 in 24 hours, then each further attempt waits twice as
//!   long as the one before (1 s, 2 s, 4 s, … at most 5 minutes) after the last one.

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Integer, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::audit::ClientInfo;
use crate::error::AppError;
use crate::schema::auth_limits;

/// How many attempts a key allows in its window, and what happens past that.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub max: i32,
    pub window: TimeDelta,
    /// Zero: past `max`, wait for the window to end. Otherwise each further attempt waits
    /// 2^(attempts - max) seconds after the last one, at most this long.
    pub delay_cap: TimeDelta,
}

pub const ACCOUNT_AT_ADDRESS: Limit = Limit {
    max: 10,
    window: TimeDelta::minutes(15),
    delay_cap: TimeDelta::zero(),
};
pub const ADDRESS: Limit = Limit {
    max: 30,
    window: TimeDelta::minutes(15),
    delay_cap: TimeDelta::zero(),
};
pub const ACCOUNT: Limit = Limit {
    max: 100,
    window: TimeDelta::hours(24),
    delay_cap: TimeDelta::minutes(5),
};
pub const CURRENT_PASSWORD: Limit = Limit {
    max: 10,
    window: TimeDelta::minutes(15),
    delay_cap: TimeDelta::zero(),
};

/// Password reset mails asked for one address, and from one client address, in an hour.
pub const RESET_FOR_EMAIL: Limit = Limit {
    max: 3,
    window: TimeDelta::hours(1),
    delay_cap: TimeDelta::zero(),
};
pub const RESET_FROM_ADDRESS: Limit = Limit {
    max: 10,
    window: TimeDelta::hours(1),
    delay_cap: TimeDelta::zero(),
};

/// Confirmation mails a signed-in account asks for again, in an hour.
pub const CONFIRMATION_MAILS: Limit = Limit {
    max: 3,
    window: TimeDelta::hours(1),
    delay_cap: TimeDelta::zero(),
};

/// Password guesses at one share link, from one address in 15 minutes; from everywhere, 100 a
/// day, then each further one waits longer.
pub const SHARE_PASSWORD_AT_ADDRESS: Limit = Limit {
    max: 10,
    window: TimeDelta::minutes(15),
    delay_cap: TimeDelta::zero(),
};
pub const SHARE_PASSWORD: Limit = Limit {
    max: 100,
    window: TimeDelta::hours(24),
    delay_cap: TimeDelta::minutes(5),
};

/// One counter: what it counts, and its limit.
pub struct Key {
    name: String,
    limit: Limit,
}

fn address(client: &ClientInfo) -> &str {
    client.ip.as_deref().unwrap_or("unknown")
}

impl Key {
    /// The keys of a sign-in for `email` (already trimmed and lower-cased; an address that has
    /// no account counts the same, so the limits do not tell which exist).
    pub fn sign_in(email: &str, client: &ClientInfo) -> [Self; 3] {
        let ip = address(client);
        [
            Self::new(format!("account-at:{ip}:{email}"), ACCOUNT_AT_ADDRESS),
            Self::new(format!("address:{ip}"), ADDRESS),
            Self::new(format!("account:{email}"), ACCOUNT),
        ]
    }

    pub fn current_password(user_id: Uuid) -> Self {
        Self::new(format!("confirm:{user_id}"), CURRENT_PASSWORD)
    }

    /// Every registration that gets as far as hashing its password counts, successful or not:
    /// `per_hour` (`REGISTRATIONS_PER_HOUR`) from one address in an hour.
    pub fn registration(client: &ClientInfo, per_hour: i32) -> Self {
        let limit = Limit {
            max: per_hour,
            window: TimeDelta::hours(1),
            delay_cap: TimeDelta::zero(),
        };
        Self::new(format!("register:{}", address(client)), limit)
    }

    /// Every request for a reset mail counts, whether or not the address has an account.
    pub fn password_reset(email: &str, client: &ClientInfo) -> [Self; 2] {
        [
            Self::new(format!("reset:{email}"), RESET_FOR_EMAIL),
            Self::new(format!("reset-from:{}", address(client)), RESET_FROM_ADDRESS),
        ]
    }

    pub fn confirmation_mail(user_id: Uuid) -> Self {
        Self::new(format!("confirm-mail:{user_id}"), CONFIRMATION_MAILS)
    }

    pub fn share_password(link_id: Uuid, client: &ClientInfo) -> [Self; 2] {
        [
            Self::new(
                format!("share-at:{}:{link_id}", address(client)),
                SHARE_PASSWORD_AT_ADDRESS,
            ),
            Self::new(format!("share:{link_id}"), SHARE_PASSWORD),
        ]
    }

    fn new(name: String, limit: Limit) -> Self {
        Self { name, limit }
    }
}

define_sql_function!(fn auth_reserve(keys: Array<Text>, maxes: Array<Integer>, windows: Array<Integer>, delay_caps: Array<Integer>, now_at: Timestamptz) -> Integer);

fn seconds(delta: TimeDelta) -> i32 {
    i32::try_from(delta.num_seconds()).unwrap_or(i32::MAX)
}

/// Counts one attempt on every key, or — when any key is over its limit — on none of them and
/// answers `RateLimited` with the seconds until the attempt would be counted. One statement.
pub async fn reserve(conn: &AsyncPgConnection, keys: &[Key], now: DateTime<Utc>) -> Result<(), AppError> {
    let names: Vec<&str> = keys.iter().map(|k| k.name.as_str()).collect();
    let maxes: Vec<i32> = keys.iter().map(|k| k.limit.max).collect();
    let windows: Vec<i32> = keys.iter().map(|k| seconds(k.limit.window)).collect();
    let caps: Vec<i32> = keys.iter().map(|k| seconds(k.limit.delay_cap)).collect();
    let wait: i32 = diesel::select(auth_reserve(names, maxes, windows, caps, now))
        .get_result(&mut &*conn)
        .await?;
    if wait > 0 {
        crate::server::metrics::locked_out();
        Err(AppError::RateLimited {
            retry_after: wait.unsigned_abs().into(),
        })
    } else {
        Ok(())
    }
}

/// Gives back the attempt `reserve` counted at `reserved_at` (it succeeded). A key whose window
/// has started again since then no longer holds it.
pub async fn release(conn: &AsyncPgConnection, keys: &[Key], reserved_at: DateTime<Utc>) -> QueryResult<usize> {
    let names: Vec<&str> = keys.iter().map(|k| k.name.as_str()).collect();
    diesel::update(
        auth_limits::table
            .filter(auth_limits::key.eq_any(names))
            .filter(auth_limits::window_start.le(reserved_at))
            .filter(auth_limits::attempts.gt(0)),
    )
    .set(auth_limits::attempts.eq(auth_limits::attempts - 1))
    .execute(&mut &*conn)
    .await
}
