//! The transactional outbox: a mail is a row written in the transaction of what caused it, and
//! a worker in every server process sends the due rows. A row is taken with
//! `FOR UPDATE SKIP LOCKED` and its lock held while the SMTP server is talked to, so two
//! processes never send one row at the same time (a crash between the server's acceptance and
//! the commit sends it again: delivery is at least once); a temporary failure is tried again
//! later (backing off), a permanent one is recorded with the server's answer, and a mail whose
//! link has expired meanwhile is not sent but recorded as failed.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use url::Url;
use uuid::Uuid;

use super::templates::Mail;
use super::transport::{Outgoing, SendError};
use crate::error::AppError;
use crate::schema::mail_outbox;
use crate::server::state::AppState;

/// Attempts before a temporary failure counts as permanent (about 2 hours of retries).
pub const MAX_ATTEMPTS: i32 = 8;

/// How often the worker looks for due mail.
const POLL: Duration = Duration::from_secs(2);

/// Queues `mail` to `recipient` in the caller's transaction: it is sent only if that commits.
pub async fn enqueue(
    conn: &mut AsyncPgConnection,
    user_id: Option<Uuid>,
    recipient: &str,
    mail: Mail,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    insert(conn, user_id, recipient, mail, None, now).await
}

/// Queues a list mail (an alert, a report) like [`enqueue`], sent with `List-Unsubscribe:
/// <unsubscribe>` and RFC 8058's one-click header.
pub async fn enqueue_list_mail(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    recipient: &str,
    mail: Mail,
    unsubscribe: &Url,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    insert(conn, Some(user_id), recipient, mail, Some(unsubscribe.as_str()), now).await
}

async fn insert(
    conn: &mut AsyncPgConnection,
    user_id: Option<Uuid>,
    recipient: &str,
    mail: Mail,
    list_unsubscribe: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::user_id.eq(user_id),
            mail_outbox::kind.eq(mail.kind),
            mail_outbox::recipient.eq(recipient),
            mail_outbox::subject.eq(mail.subject),
            mail_outbox::text_body.eq(mail.text),
            mail_outbox::html_body.eq(mail.html),
            mail_outbox::next_attempt_at.eq(now),
            mail_outbox::created_at.eq(now),
            mail_outbox::list_unsubscribe.eq(list_unsubscribe),
            mail_outbox::expires_at.eq(mail.valid_for.map(|valid_for| now + valid_for)),
        ))
        .execute(conn)
        .await
        .map(drop)
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = mail_outbox)]
struct Due {
    id: i64,
    kind: String,
    recipient: String,
    subject: String,
    text_body: String,
    html_body: String,
    attempts: i32,
    list_unsubscribe: Option<String>,
    expires_at: Option<DateTime<Utc>>,
}

/// The wait before the next try after `attempts` failed ones: 1, 2, 4, … minutes, at most an hour.
pub fn backoff(attempts: i32) -> TimeDelta {
    TimeDelta::minutes(1 << attempts.clamp(1, 7).saturating_sub(1)).min(TimeDelta::hours(1))
}

/// Sends every mail due now, one row at a time; answers how many rows were handled (sent or
/// failed).
pub async fn deliver_due(state: &AppState) -> Result<usize, AppError> {
    let mut handled = 0;
    while deliver_one(state).await? {
        handled += 1;
    }
    Ok(handled)
}

async fn deliver_one(state: &AppState) -> Result<bool, AppError> {
    let now = state.clock.now();
    let mut conn = state.conn().await?;
    let handled = conn
        .transaction(async |conn| {
            let due: Option<Due> = mail_outbox::table
                .filter(mail_outbox::status.eq("pending"))
                .filter(mail_outbox::next_attempt_at.le(now))
                .order(mail_outbox::next_attempt_at)
                .select(Due::as_select())
                .for_update()
                .skip_locked()
                .first(conn)
                .await
                .optional()?;
            let Some(due) = due else {
                return Ok::<_, diesel::result::Error>(false);
            };
            let outgoing = Outgoing {
                to: &due.recipient,
                subject: &due.subject,
                text: &due.text_body,
                html: &due.html_body,
                list_unsubscribe: due.list_unsubscribe.as_deref(),
            };
            let outcome = match due.expires_at {
                Some(expired) if expired <= now => Err(SendError::Permanent(format!(
                    "not sent: the link it carries expired at {expired} before it could be"
                ))),
                // lettre's own timeout covers only the connection (a server that connects and
                // never answers waits forever); the row stays locked, and a pooled connection
                // taken, meanwhile.
                _ => {
                    let bound = state.config.smtp_timeout;
                    tokio::time::timeout(bound, state.mailer.send(&state.config.mail_from, outgoing))
                        .await
                        .unwrap_or_else(|_| Err(SendError::Temporary(format!("no answer within {bound:?}"))))
                }
            };
            record(conn, &due, outcome, now).await?;
            Ok(true)
        })
        .await?;
    Ok(handled)
}

async fn record(
    conn: &mut AsyncPgConnection,
    due: &Due,
    outcome: Result<(), SendError>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let row = mail_outbox::table.find(due.id);
    let attempts = due.attempts + 1;
    let update = match outcome {
        Ok(()) => {
            tracing::info!(id = due.id, kind = due.kind, "mail sent");
            diesel::update(row)
                .set((
                    mail_outbox::status.eq("sent"),
                    mail_outbox::attempts.eq(attempts),
                    mail_outbox::sent_at.eq(now),
                    // A body may carry a secret link: it is kept only until it is sent.
                    mail_outbox::text_body.eq(""),
                    mail_outbox::html_body.eq(""),
                ))
                .execute(conn)
        }
        Err(SendError::Temporary(error)) if attempts < MAX_ATTEMPTS => {
            tracing::warn!(id = due.id, kind = due.kind, attempts, %error, "mail not sent, will retry");
            diesel::update(row)
                .set((
                    mail_outbox::attempts.eq(attempts),
                    mail_outbox::next_attempt_at.eq(now + backoff(attempts)),
                    mail_outbox::last_error.eq(clip(&error)),
                ))
                .execute(conn)
        }
        Err(SendError::Temporary(error) | SendError::Permanent(error)) => {
            tracing::warn!(id = due.id, kind = due.kind, attempts, %error, "mail failed for good");
            diesel::update(row)
                .set((
                    mail_outbox::status.eq("failed"),
                    mail_outbox::attempts.eq(attempts),
                    mail_outbox::last_error.eq(clip(&error)),
                    mail_outbox::text_body.eq(""),
                    mail_outbox::html_body.eq(""),
                ))
                .execute(conn)
        }
    };
    update.await.map(drop)
}

/// The column holds at most 1,000 characters.
fn clip(error: &str) -> String {
    error.chars().take(1000).collect()
}

/// Sends due mail every few seconds for as long as the server runs.
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(POLL);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(error) = deliver_due(&state).await {
                tracing::warn!(%error, "mail outbox: could not deliver");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour() {
        let minutes: Vec<i64> = (1..=MAX_ATTEMPTS).map(|n| backoff(n).num_minutes()).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60]);
    }
}
