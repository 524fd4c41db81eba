//! The one `LISTEN` connection of a server process.

use std::collections::HashSet;
use std::time::Duration;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt;
use uuid::Uuid;

use super::{CHANNEL, Changes, SESSIONS_CHANNEL};
use crate::schema::{sessions, share_links};

impl Changes {
    /// Listens on `database_url` until shutdown, reconnecting after any failure.
    pub fn spawn_listener(&self, database_url: String) {
        let changes = self.clone();
        let mut shutdown = self.shutdown();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    result = changes.listen(&database_url) => {
                        if let Err(error) = result {
                            tracing::warn!(%error, "live updates: listener lost, reconnecting");
                        }
                    }
                    _ = shutdown.changed() => return,
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    async fn listen(&self, database_url: &str) -> QueryResult<()> {
        let mut conn = AsyncPgConnection::establish(database_url)
            .await
            .map_err(|e| diesel::result::Error::QueryBuilderError(Box::new(e)))?;
        diesel::sql_query(format!("LISTEN {SESSIONS_CHANNEL}"))
            .execute(&mut conn)
            .await?;
        // Sessions that ended while no one was listening went unheard.
        self.end_sessions_gone(&mut conn).await?;
        diesel::sql_query(format!("LISTEN {CHANNEL}"))
            .execute(&mut conn)
            .await?;
        // Changes committed while no one was listening went unheard.
        self.figures.clear();
        self.listening.send_modify(|count| *count += 1);
        let mut notifications = std::pin::pin!(conn.notifications_stream());
        while let Some(notification) = notifications.next().await {
            let notification = notification?;
            let Ok(id) = notification.payload.parse::<Uuid>() else {
                continue;
            };
            if notification.channel == SESSIONS_CHANNEL {
                self.slots.end_session(id);
            } else {
                self.figures.invalidate(id);
                // No receivers is fine: nobody is watching right now.
                let _ = self.services.send(id);
            }
        }
        Ok(())
    }

    /// Ends the streams whose session (or share link) is no longer live.
    async fn end_sessions_gone(&self, conn: &mut AsyncPgConnection) -> QueryResult<()> {
        let open = self.slots.sessions();
        if open.is_empty() {
            return Ok(());
        }
        let mut live: HashSet<Uuid> = sessions::table
            .filter(sessions::id.eq_any(&open))
            .filter(sessions::revoked_at.is_null())
            .select(sessions::id)
            .load::<Uuid>(conn)
            .await?
            .into_iter()
            .collect();
        live.extend(
            share_links::table
                .filter(share_links::id.eq_any(&open))
                .filter(share_links::revoked_at.is_null())
                .select(share_links::id)
                .load::<Uuid>(conn)
                .await?,
        );
        for gone in open.into_iter().filter(|id| !live.contains(id)) {
            self.slots.end_session(gone);
        }
        Ok(())
    }
}
