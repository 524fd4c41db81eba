//! One-click unsubscribe (RFC 8058) from the alert and report mails. Each mail carries
//! `List-Unsubscribe: <APP_URL/unsubscribe/{list}/{user}/{token}>`, the token an HMAC-SHA256 of
//! the user and the list under a key derived from `JWT_SECRET`: nobody can make one for another
//! account, and it needs no table. A POST to it (a mail client's, bare: no cookie, no origin;
//! the guard's origin check leaves this path alone) turns that mail off; a GET only shows a
//! button that posts, since mail scanners follow links.

use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use url::Url;
use uuid::Uuid;

use crate::audit::{Action, ClientInfo, Entry, log_activity};
use crate::auth::guard::client_info;
use crate::error::AppError;
use crate::schema::user_preferences;
use crate::server::config::Config;
use crate::server::routes::Routes;
use crate::server::state::AppState;
use crate::settings::Preferences;

/// The mails one can leave, each the switch of the notifications tab of that name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    /// "Email me when an alert fires" (`email_notifications`).
    Alerts,
    /// "Send me a weekly report" (`weekly_report`).
    WeeklyReport,
}

impl List {
    const ALL: [Self; 2] = [Self::Alerts, Self::WeeklyReport];

    /// Its name in the address.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alerts => "alerts",
            Self::WeeklyReport => "weekly-report",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == text)
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Alerts => "alert mails",
            Self::WeeklyReport => "the weekly report",
        }
    }
}

const UNSUBSCRIBE: &str = "/unsubscribe/{list}/{user}/{token}";

pub fn routes() -> Routes {
    Routes::new()
        .route(Method::GET, UNSUBSCRIBE, confirm_page)
        .route(Method::POST, UNSUBSCRIBE, unsubscribe)
}

/// The MAC of `user_id` and `list`, under a key of its own derived from the server's secret.
fn mac(config: &Config, user_id: Uuid, list: List) -> Hmac<Sha256> {
    let mut mac = config.jwt_secret.keyed_mac("ragsites-portal unsubscribe v1");
    mac.update(user_id.as_bytes());
    mac.update(list.as_str().as_bytes());
    mac
}

/// The one-click address that turns `list` off for `user_id`.
pub fn url(config: &Config, user_id: Uuid, list: List) -> Url {
    let token = URL_SAFE_NO_PAD.encode(mac(config, user_id, list).finalize().into_bytes());
    config
        .app_url
        .join(&format!("/unsubscribe/{}/{user_id}/{token}", list.as_str()))
        .expect("a path joins an origin")
}

/// The user and list of a genuine address; anything else is `NotFound`.
fn verify(config: &Config, (list, user, token): &(String, String, String)) -> Result<(Uuid, List), AppError> {
    let list = List::parse(list).ok_or(AppError::NotFound)?;
    let user_id: Uuid = user.parse().map_err(|_| AppError::NotFound)?;
    let token = URL_SAFE_NO_PAD.decode(token).map_err(|_| AppError::NotFound)?;
    mac(config, user_id, list)
        .verify_slice(&token)
        .map_err(|_| AppError::NotFound)?;
    Ok((user_id, list))
}

/// A page with an "Unsubscribe" button posting to the same address; changes nothing (mail
/// scanners follow links).
#[utoipa::path(get, path = "/unsubscribe/{list}/{user}/{token}", tag = "mail",
    params(("list" = String, Path, description = "`alerts` or `weekly-report`"),
        ("user" = Uuid, Path, description = "The account"),
        ("token" = String, Path, description = "The HMAC the mail carries")),
    responses(
        (status = 200, description = "The page", content_type = "text/html", body = String),
        (status = 404, description = "An address that is not genuine (a page)", content_type = "text/html", body = String),
    ))]
async fn confirm_page(State(state): State<AppState>, Path(parts): Path<(String, String, String)>) -> Response {
    match verify(&state.config, &parts) {
        Ok((_, list)) => page(
            StatusCode::OK,
            &format!(
                "<p>Stop sending {} to this address?</p>\
                 <form method=\"post\"><button type=\"submit\">Unsubscribe</button></form>",
                list.describe()
            ),
        ),
        Err(_) => not_found(),
    }
}

/// One-click unsubscribe (RFC 8058): turns that list's switch off (again is fine).
#[utoipa::path(post, path = "/unsubscribe/{list}/{user}/{token}", tag = "mail",
    params(("list" = String, Path, description = "`alerts` or `weekly-report`"),
        ("user" = Uuid, Path, description = "The account"),
        ("token" = String, Path, description = "The HMAC the mail carries")),
    responses(
        (status = 200, description = "Unsubscribed (a page)", content_type = "text/html", body = String),
        (status = 404, description = "An address that is not genuine (a page)", content_type = "text/html", body = String),
    ))]
async fn unsubscribe(
    State(state): State<AppState>,
    Path(address): Path<(String, String, String)>,
    request: Parts,
) -> Response {
    let Ok((user_id, list)) = verify(&state.config, &address) else {
        return not_found();
    };
    let client = client_info(&request);
    let turned_off = async {
        let mut conn = state.conn().await?;
        conn.transaction(async |conn| switch_off(conn, user_id, list, &client).await)
            .await
    };
    match turned_off.await {
        Ok(()) => page(
            StatusCode::OK,
            &format!(
                "<p>Done: we will not send you {} any more.</p>\
                 <p><a href=\"/settings/notifications\">Notification settings</a></p>",
                list.describe()
            ),
        ),
        Err(error) => error.into_response(),
    }
}

/// Turns the list's switch off (an account that never saved its preferences keeps the defaults
/// for the rest) and logs it. An account deleted meanwhile has nothing to turn off.
async fn switch_off(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    list: List,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let now = client.at;
    use crate::schema::users;
    let exists: i64 = users::table
        .filter(users::id.eq(user_id))
        .count()
        .get_result(conn)
        .await?;
    if exists == 0 {
        return Ok(());
    }
    let defaults = Preferences::default();
    let (email, weekly) = match list {
        List::Alerts => (false, defaults.weekly_report),
        List::WeeklyReport => (defaults.email_notifications, false),
    };
    let insert = diesel::insert_into(user_preferences::table).values((
        user_preferences::user_id.eq(user_id),
        user_preferences::email_notifications.eq(email),
        user_preferences::weekly_report.eq(weekly),
        user_preferences::alert_error_rate_pct.eq(defaults.alert_error_rate_pct),
        user_preferences::alert_p95_latency_ms.eq(defaults.alert_p95_latency_ms),
        user_preferences::timezone.eq(&defaults.timezone),
        user_preferences::updated_at.eq(now),
    ));
    let upsert = insert.on_conflict(user_preferences::user_id).do_update();
    match list {
        List::Alerts => {
            upsert
                .set((
                    user_preferences::email_notifications.eq(excluded(user_preferences::email_notifications)),
                    user_preferences::updated_at.eq(now),
                ))
                .execute(conn)
                .await?
        }
        List::WeeklyReport => {
            upsert
                .set((
                    user_preferences::weekly_report.eq(excluded(user_preferences::weekly_report)),
                    user_preferences::updated_at.eq(now),
                ))
                .execute(conn)
                .await?
        }
    };
    let detail = json!({ "unsubscribed": list.as_str(), "by": "mail link" });
    log_activity(conn, user_id, Entry::new(Action::PreferencesUpdate, detail), client).await?;
    Ok(())
}

fn not_found() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "<p>This unsubscribe link is not valid. You can change which mails you get in the \
         <a href=\"/settings/notifications\">notification settings</a>.</p>",
    )
}

/// A page of its own: it must work from a mail, signed in or not, without script.
fn page(status: StatusCode, body: &str) -> Response {
    (
        status,
        Html(format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>Unsubscribe · RagSites Portal</title></head>\
             <body><main><h1>Unsubscribe</h1>{body}</main></body></html>"
        )),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::config::tests::config;

    #[test]
    fn a_token_names_one_user_and_one_list() {
        let config = config();
        let user = Uuid::new_v4();
        let parts = |url: &Url| {
            let segments: Vec<String> = url.path_segments().unwrap().map(str::to_owned).collect();
            (segments[1].clone(), segments[2].clone(), segments[3].clone())
        };
        let alerts = parts(&url(&config, user, List::Alerts));
        assert_eq!(verify(&config, &alerts).unwrap(), (user, List::Alerts));
        let other_list = ("weekly-report".to_owned(), alerts.1.clone(), alerts.2.clone());
        assert!(verify(&config, &other_list).is_err());
        let other_user = (alerts.0.clone(), Uuid::new_v4().to_string(), alerts.2.clone());
        assert!(verify(&config, &other_user).is_err());
    }
}
