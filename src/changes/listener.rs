//! The one `LISTEN` connection of a server process.

use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt;

use super::{CHANNEL, Changes};

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

    async fn listen(&self, database_url: &str) -> diesel::QueryResult<()> {
        let mut conn = AsyncPgConnection::establish(database_url)
            .await
            .map_err(|e| diesel::result::Error::QueryBuilderError(Box::new(e)))?;
        diesel::sql_query(format!("LISTEN {CHANNEL}"))
            .execute(&mut conn)
            .await?;
        // Changes committed while no one was listening went unheard.
        self.figures.clear();
        self.listening.send_modify(|count| *count += 1);
        let mut notifications = std::pin::pin!(conn.notifications_stream());
        while let Some(notification) = notifications.next().await {
            if let Ok(service_id) = notification?.payload.parse() {
                self.figures.invalidate(service_id);
                // No receivers is fine: nobody is watching right now.
                let _ = self.services.send(service_id);
            }
        }
        Ok(())
    }
}
