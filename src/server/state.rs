//! `AppState`: what every handler and server function can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use super::clock::Clock;
use super::config::Config;
use super::db::{DbConn, DbPool};
use crate::changes::Changes;
use crate::error::AppError;
use crate::ingest::numbers::EndUserNumbers;
use crate::ingest::throttle::Throttle;
use crate::mail::transport::Transport;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: DbPool,
    pub config: Arc<Config>,
    pub ingest_throttle: Arc<Throttle>,
    pub changes: Changes,
    pub clock: Clock,
    pub mailer: Arc<Transport>,
    pub end_user_numbers: Arc<EndUserNumbers>,
    /// Where profile pictures are kept (`UPLOADS` / `S3_*`).
    pub avatars: Arc<dyn object_store::ObjectStore>,
    /// The identity providers people may sign in with (`OIDC_PROVIDERS`).
    pub identities: Arc<crate::auth::identities::providers::Directory>,
}

impl AppState {
    pub fn new(leptos_options: LeptosOptions, pool: DbPool, config: Config) -> Self {
        let mailer = Transport::new(config.smtp_url.as_deref(), config.smtp_timeout, config.mail_dir.clone());
        let avatars = crate::settings::avatar::store(&config.uploads)
            .unwrap_or_else(|error| panic!("the store of uploaded pictures cannot be used: {error}"));
        let identities =
            crate::auth::identities::providers::Directory::new(config.oidc_providers.clone(), config.github.clone());
        Self {
            avatars,
            identities: Arc::new(identities),
            clock: Clock::from_config(&config),
            mailer: Arc::new(mailer),
            leptos_options,
            pool,
            config: Arc::new(config),
            ingest_throttle: Arc::default(),
            changes: Changes::default(),
            end_user_numbers: Arc::default(),
        }
    }

    /// A pooled connection in arrival order, or `Unavailable`: at once while the database is
    /// marked down, as soon as the pool's attempt to connect fails, or after the queue's wait.
    pub async fn conn(&self) -> Result<DbConn, AppError> {
        let mut down = self.pool.health.watch();
        if *down.borrow_and_update() {
            return Err(AppError::Unavailable);
        }
        tokio::select! {
            conn = self.pool.checkout() => Ok(conn?),
            _ = down.wait_for(|down| *down) => Err(AppError::Unavailable),
        }
    }
}

/// The state inside a server function (provided as context by the router).
pub fn app_state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| AppError::internal("context", "AppState is missing"))
}
