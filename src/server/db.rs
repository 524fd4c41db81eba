//! The connection pool, what it knows of the database's health, and the embedded migrations.

use std::collections::BTreeSet;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

use diesel::migration::MigrationSource;
use diesel::sql_types::Text;
use diesel_async::pooled_connection::bb8::Pool;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, PoolError};
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::db_health::DbHealth;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long a request waits for its turn at the database while the database is up: under a
/// load larger than the pool, requests queue rather than fail. (While the database is down
/// they fail at once, see `DbHealth`.)
const QUEUE_TIMEOUT: Duration = Duration::from_secs(20);

/// How long the pool may take to open a connection for a request whose turn has come.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// The bb8 pool, the turns that queue its checkouts, and the health its failed connection
/// attempts report (it derefs to the pool).
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<AsyncPgConnection>,
    /// One per connection. bb8 lets a newcomer take a free connection before the requests
    /// already waiting; under load that starves some of them. A fair semaphore in front of it
    /// serves them in arrival order.
    turns: Arc<Semaphore>,
    pub health: DbHealth,
}

/// A connection checked out of the pool, with the turn it holds until dropped.
pub struct DbConn {
    conn: bb8::PooledConnection<'static, AsyncDieselConnectionManager<AsyncPgConnection>>,
    _turn: OwnedSemaphorePermit,
}

impl Deref for DbConn {
    type Target = AsyncPgConnection;

    fn deref(&self) -> &Self::Target {
        &self.conn
    }
}

impl DerefMut for DbConn {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.conn
    }
}

impl Deref for DbPool {
    type Target = Pool<AsyncPgConnection>;

    fn deref(&self) -> &Self::Target {
        &self.pool
    }
}

/// A pool that knows when the database is away: its first failed connection attempt marks the
/// database down (checkouts then fail at once) until a probe reaches it again.
pub async fn connect(url: &str, size: u32) -> Result<DbPool, BoxError> {
    let health = DbHealth::new(url);
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
    let pool = Pool::builder()
        .max_size(size)
        .connection_timeout(CONNECT_TIMEOUT)
        .error_sink(Box::new(health.sink()))
        .build(manager)
        .await?;
    let turns = Arc::new(Semaphore::new(size as usize));
    Ok(DbPool { pool, turns, health })
}

impl DbPool {
    /// A connection, after the requests that asked before this one: `TimedOut` past
    /// `QUEUE_TIMEOUT` in the queue, or the pool's error.
    pub async fn checkout(&self) -> Result<DbConn, bb8::RunError<PoolError>> {
        let checkout = async {
            let waiting = crate::server::metrics::db_queued();
            let turn = Arc::clone(&self.turns)
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            drop(waiting);
            let conn = self.pool.get_owned().await?;
            Ok(DbConn { conn, _turn: turn })
        };
        tokio::time::timeout(QUEUE_TIMEOUT, checkout)
            .await
            .unwrap_or(Err(bb8::RunError::TimedOut))
    }
}

/// The migrations embedded in the binary that the database has not recorded as applied.
pub async fn pending_migrations(conn: &mut AsyncPgConnection) -> Result<Vec<String>, BoxError> {
    #[derive(diesel::QueryableByName)]
    struct Applied {
        #[diesel(sql_type = Text)]
        version: String,
    }
    let applied: BTreeSet<String> = diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
        .load::<Applied>(conn)
        .await?
        .into_iter()
        .map(|row| row.version)
        .collect();
    let embedded = MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)?;
    Ok(embedded
        .iter()
        .map(|migration| migration.name().version().to_string())
        .filter(|version| !applied.contains(version))
        .collect())
}

/// Applies every pending migration; returns how many ran.
pub async fn run_migrations(pool: &DbPool) -> Result<usize, BoxError> {
    let conn = pool.dedicated_connection().await?;
    // The harness drives diesel's synchronous migration API over the async connection.
    tokio::task::spawn_blocking(move || {
        let mut harness = AsyncMigrationHarness::new(conn);
        harness.run_pending_migrations(MIGRATIONS).map(|done| done.len())
    })
    .await?
}

/// Creates database `name` on the server behind `admin_url` unless it exists; `template`
/// clones another database (tests use a migrated template).
pub async fn create_database(admin_url: &str, name: &str, template: Option<&str>) -> Result<bool, BoxError> {
    let valid = |n: &str| !n.is_empty() && n.len() < 64 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !valid(name) || !template.is_none_or(valid) {
        return Err(format!("invalid database name {name:?}").into());
    }
    let mut conn = AsyncPgConnection::establish(admin_url).await?;
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = Text)]
        #[allow(dead_code)]
        datname: String,
    }
    let found: Vec<Found> = diesel::sql_query("SELECT datname FROM pg_database WHERE datname = $1")
        .bind::<Text, _>(name)
        .load(&mut conn)
        .await?;
    if !found.is_empty() {
        return Ok(false);
    }
    // Identifiers cannot be bound: the names were checked above.
    let sql = match template {
        Some(template) => format!("CREATE DATABASE {name} TEMPLATE {template}"),
        None => format!("CREATE DATABASE {name}"),
    };
    diesel::sql_query(sql).execute(&mut conn).await?;
    Ok(true)
}
