//! The audit trail: what a user (or an admin on their behalf) did, with where it came from.

use serde::{Deserialize, Serialize};

/// Everything the audit trail records. Stored by its name (`auth.sign_in`, …), which is also
/// its JSON form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    #[serde(rename = "auth.register")]
    Register,
    #[serde(rename = "auth.sign_in")]
    SignIn,
    #[serde(rename = "auth.sign_in_failed")]
    SignInFailed,
    #[serde(rename = "auth.sign_out")]
    SignOut,
    #[serde(rename = "profile.update")]
    ProfileUpdate,
    #[serde(rename = "profile.email_change")]
    EmailChange,
    #[serde(rename = "preferences.update")]
    PreferencesUpdate,
    #[serde(rename = "password.change")]
    PasswordChange,
    #[serde(rename = "password.reset")]
    PasswordReset,
    #[serde(rename = "session.revoke")]
    SessionRevoke,
    #[serde(rename = "session.revoke_others")]
    SessionRevokeOthers,
    #[serde(rename = "service.create")]
    ServiceCreate,
    #[serde(rename = "service.update")]
    ServiceUpdate,
    #[serde(rename = "key.create")]
    KeyCreate,
    #[serde(rename = "key.revoke")]
    KeyRevoke,
    #[serde(rename = "plan.assign")]
    PlanAssign,
}

impl Action {
    pub const ALL: [Self; 16] = [
        Self::Register,
        Self::SignIn,
        Self::SignInFailed,
        Self::SignOut,
        Self::ProfileUpdate,
        Self::EmailChange,
        Self::PreferencesUpdate,
        Self::PasswordChange,
        Self::PasswordReset,
        Self::SessionRevoke,
        Self::SessionRevokeOthers,
        Self::ServiceCreate,
        Self::ServiceUpdate,
        Self::KeyCreate,
        Self::KeyRevoke,
        Self::PlanAssign,
    ];

    /// The name stored in `activity_logs.action`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Register => "auth.register",
            Self::SignIn => "auth.sign_in",
            Self::SignInFailed => "auth.sign_in_failed",
            Self::SignOut => "auth.sign_out",
            Self::ProfileUpdate => "profile.update",
            Self::EmailChange => "profile.email_change",
            Self::PreferencesUpdate => "preferences.update",
            Self::PasswordChange => "password.change",
            Self::PasswordReset => "password.reset",
            Self::SessionRevoke => "session.revoke",
            Self::SessionRevokeOthers => "session.revoke_others",
            Self::ServiceCreate => "service.create",
            Self::ServiceUpdate => "service.update",
            Self::KeyCreate => "key.create",
            Self::KeyRevoke => "key.revoke",
            Self::PlanAssign => "plan.assign",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// The action in words, wherever the trail is shown.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Register => "Created the account",
            Self::SignIn => "Signed in",
            Self::SignInFailed => "Failed sign-in",
            Self::SignOut => "Signed out",
            Self::ProfileUpdate => "Changed the profile",
            Self::EmailChange => "Changed the email address",
            Self::PreferencesUpdate => "Changed notifications and preferences",
            Self::PasswordChange => "Changed the password",
            Self::PasswordReset => "Reset the password from an emailed link",
            Self::SessionRevoke => "Signed out a device",
            Self::SessionRevokeOthers => "Signed out every other device",
            Self::ServiceCreate => "Created a service",
            Self::ServiceUpdate => "Changed a service",
            Self::KeyCreate => "Created an API key",
            Self::KeyRevoke => "Revoked an API key",
            Self::PlanAssign => "Plan changed",
        }
    }
}

#[cfg(feature = "ssr")]
pub use self::server::{ClientInfo, Entry, log_activity};

#[cfg(feature = "ssr")]
mod server {
    use chrono::{DateTime, Utc};
    use diesel::prelude::*;
    use diesel_async::{AsyncPgConnection, RunQueryDsl};
    use uuid::Uuid;

    use super::Action;
    use crate::schema::activity_logs;

    /// Where and when a request came from, for sessions and the audit trail.
    #[derive(Debug, Clone)]
    pub struct ClientInfo {
        pub ip: Option<String>,
        pub user_agent: Option<String>,
        /// When it arrived, on the server's clock: what it creates is dated so.
        pub at: DateTime<Utc>,
    }

    impl ClientInfo {
        /// The server itself acting (the seed), at `at`.
        pub fn server(at: DateTime<Utc>) -> Self {
            Self {
                ip: None,
                user_agent: None,
                at,
            }
        }
    }

    /// One line of the trail: the action, the service it concerns if any, and its details.
    pub struct Entry {
        pub action: Action,
        pub service_id: Option<Uuid>,
        pub detail: serde_json::Value,
    }

    impl Entry {
        /// An action about the account itself.
        pub fn new(action: Action, detail: serde_json::Value) -> Self {
            Self {
                action,
                service_id: None,
                detail,
            }
        }

        /// An action about one service (shown on that service's page too).
        pub fn on_service(action: Action, service_id: Uuid, detail: serde_json::Value) -> Self {
            Self {
                action,
                service_id: Some(service_id),
                detail,
            }
        }
    }

    /// Appends to the user's audit trail.
    pub async fn log_activity(
        conn: &mut AsyncPgConnection,
        user_id: Uuid,
        entry: Entry,
        client: &ClientInfo,
    ) -> QueryResult<()> {
        diesel::insert_into(activity_logs::table)
            .values((
                activity_logs::user_id.eq(user_id),
                activity_logs::action.eq(entry.action.as_str()),
                activity_logs::service_id.eq(entry.service_id),
                activity_logs::detail.eq(entry.detail),
                activity_logs::ip.eq(client.ip.as_deref()),
                activity_logs::user_agent.eq(client.user_agent.as_deref()),
                activity_logs::created_at.eq(client.at),
            ))
            .execute(conn)
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::Action;

    #[test]
    fn every_action_parses_back_from_its_name_and_json() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(action));
            let json = serde_json::to_string(&action).unwrap();
            assert_eq!(json, format!("\"{}\"", action.as_str()));
        }
        assert_eq!(Action::parse("nope"), None);
    }
}
