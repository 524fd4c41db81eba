//! The audit trail: what a user (or an admin on their behalf) did, with where it came from.

use serde::{Deserialize, Serialize};

/// Everything the audit trail records. Stored by its name (`auth.sign_in`, …), which is also
/// its JSON form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
    #[serde(rename = "profile.email_change_request")]
    EmailChangeRequest,
    #[serde(rename = "profile.email_verify")]
    EmailVerify,
    #[serde(rename = "preferences.update")]
    PreferencesUpdate,
    #[serde(rename = "password.change")]
    PasswordChange,
    #[serde(rename = "password.reset")]
    PasswordReset,
    #[serde(rename = "two_factor.enable")]
    TwoFactorEnable,
    #[serde(rename = "two_factor.disable")]
    TwoFactorDisable,
    #[serde(rename = "two_factor.recovery_codes")]
    RecoveryCodesRenew,
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
    #[serde(rename = "api_token.create")]
    ApiTokenCreate,
    #[serde(rename = "api_token.revoke")]
    ApiTokenRevoke,
    #[serde(rename = "share_link.create")]
    ShareLinkCreate,
    #[serde(rename = "share_link.revoke")]
    ShareLinkRevoke,
    #[serde(rename = "identity.link")]
    IdentityLink,
    #[serde(rename = "identity.unlink")]
    IdentityUnlink,
    #[serde(rename = "plan.assign")]
    PlanAssign,
    #[serde(rename = "admin.two_factor_policy")]
    TwoFactorPolicy,
}

impl Action {
    pub const ALL: [Self; 28] = [
        Self::Register,
        Self::SignIn,
        Self::SignInFailed,
        Self::SignOut,
        Self::ProfileUpdate,
        Self::EmailChange,
        Self::EmailChangeRequest,
        Self::EmailVerify,
        Self::PreferencesUpdate,
        Self::PasswordChange,
        Self::PasswordReset,
        Self::TwoFactorEnable,
        Self::TwoFactorDisable,
        Self::RecoveryCodesRenew,
        Self::SessionRevoke,
        Self::SessionRevokeOthers,
        Self::ServiceCreate,
        Self::ServiceUpdate,
        Self::KeyCreate,
        Self::KeyRevoke,
        Self::ApiTokenCreate,
        Self::ApiTokenRevoke,
        Self::ShareLinkCreate,
        Self::ShareLinkRevoke,
        Self::IdentityLink,
        Self::IdentityUnlink,
        Self::PlanAssign,
        Self::TwoFactorPolicy,
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
            Self::EmailChangeRequest => "profile.email_change_request",
            Self::EmailVerify => "profile.email_verify",
            Self::PreferencesUpdate => "preferences.update",
            Self::PasswordChange => "password.change",
            Self::PasswordReset => "password.reset",
            Self::TwoFactorEnable => "two_factor.enable",
            Self::TwoFactorDisable => "two_factor.disable",
            Self::RecoveryCodesRenew => "two_factor.recovery_codes",
            Self::SessionRevoke => "session.revoke",
            Self::SessionRevokeOthers => "session.revoke_others",
            Self::ServiceCreate => "service.create",
            Self::ServiceUpdate => "service.update",
            Self::KeyCreate => "key.create",
            Self::KeyRevoke => "key.revoke",
            Self::ApiTokenCreate => "api_token.create",
            Self::ApiTokenRevoke => "api_token.revoke",
            Self::ShareLinkCreate => "share_link.create",
            Self::ShareLinkRevoke => "share_link.revoke",
            Self::IdentityLink => "identity.link",
            Self::IdentityUnlink => "identity.unlink",
            Self::PlanAssign => "plan.assign",
            Self::TwoFactorPolicy => "admin.two_factor_policy",
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
            Self::EmailChange => "Changed the email address (confirmed from the new one)",
            Self::EmailChangeRequest => "Asked to change the email address",
            Self::EmailVerify => "Confirmed the email address",
            Self::PreferencesUpdate => "Changed notifications and preferences",
            Self::PasswordChange => "Changed the password",
            Self::PasswordReset => "Reset the password from an emailed link",
            Self::TwoFactorEnable => "Turned on two-factor authentication",
            Self::TwoFactorDisable => "Turned off two-factor authentication",
            Self::RecoveryCodesRenew => "Made new recovery codes",
            Self::SessionRevoke => "Signed out a device",
            Self::SessionRevokeOthers => "Signed out every other device",
            Self::ServiceCreate => "Created a service",
            Self::ServiceUpdate => "Changed a service",
            Self::KeyCreate => "Created an API key",
            Self::KeyRevoke => "Revoked an API key",
            Self::ApiTokenCreate => "Created an API token",
            Self::ApiTokenRevoke => "Revoked an API token",
            Self::ShareLinkCreate => "Shared a read-only view by link",
            Self::ShareLinkRevoke => "Revoked a share link",
            Self::IdentityLink => "Linked a sign-in provider",
            Self::IdentityUnlink => "Unlinked a sign-in provider",
            Self::PlanAssign => "Plan changed",
            Self::TwoFactorPolicy => "Changed whether admins must use two-factor authentication",
        }
    }
}

#[cfg(feature = "ssr")]
pub use self::server::{ClientInfo, Entry, describe_user_agent, log_activity, used_device_since};

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

    /// The browser and operating system a user agent names, in words ("Unknown" when it does not),
    /// as woothee reads it; its names of Apple's and Microsoft's systems are made the usual ones.
    pub fn describe_user_agent(agent: Option<&str>) -> (String, String) {
        let parsed = agent.and_then(|agent| woothee::parser::Parser::new().parse(agent));
        let known = |name: &&str| !name.is_empty() && *name != woothee::woothee::VALUE_UNKNOWN;
        // An HTTP library (curl, wget…) is named by its version field.
        let browser = parsed
            .as_ref()
            .map(|p| if p.name == "HTTP Library" { p.version } else { p.name })
            .filter(known);
        let os = match parsed.as_ref().map(|p| p.os).filter(known) {
            Some("iPhone" | "iPod" | "iOS") => "iOS",
            Some("iPad") => "iPadOS",
            Some("Mac OSX") => "macOS",
            Some(windows) if windows.starts_with("Windows ") && !windows.contains("Phone") => "Windows",
            Some(os) => os,
            None => "Unknown system",
        };
        (browser.unwrap_or("Unknown browser").to_owned(), os.to_owned())
    }

    /// Whether the account signed in or registered from this browser, system and address
    /// since `since` (by its trail).
    pub async fn used_device_since(
        conn: &mut AsyncPgConnection,
        user_id: Uuid,
        client: &ClientInfo,
        since: DateTime<Utc>,
    ) -> QueryResult<bool> {
        let Some(ip) = client.ip.as_deref() else {
            return Ok(false);
        };
        let agents: Vec<Option<String>> = activity_logs::table
            .filter(activity_logs::user_id.eq(user_id))
            .filter(activity_logs::action.eq_any([Action::SignIn.as_str(), Action::Register.as_str()]))
            .filter(activity_logs::ip.eq(ip))
            .filter(activity_logs::created_at.ge(since))
            .select(activity_logs::user_agent)
            .distinct()
            .load(conn)
            .await?;
        let device = describe_user_agent(client.user_agent.as_deref());
        Ok(agents
            .iter()
            .any(|agent| describe_user_agent(agent.as_deref()) == device))
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

    #[cfg(feature = "ssr")]
    #[test]
    fn user_agents_in_words() {
        use super::describe_user_agent;
        let chrome =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
        assert_eq!(describe_user_agent(Some(chrome)), ("Chrome".into(), "Linux".into()));
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0";
        assert_eq!(describe_user_agent(Some(edge)), ("Edge".into(), "Windows".into()));
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_user_agent(Some(iphone)), ("Safari".into(), "iOS".into()));
        let mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(describe_user_agent(Some(mac)), ("Firefox".into(), "macOS".into()));
        assert_eq!(
            describe_user_agent(Some("curl/8.5.0")),
            ("curl".into(), "Unknown system".into())
        );
        for unknown in [None, Some(""), Some("-"), Some("something else")] {
            assert_eq!(
                describe_user_agent(unknown),
                ("Unknown browser".into(), "Unknown system".into()),
                "{unknown:?}"
            );
        }
    }
}
