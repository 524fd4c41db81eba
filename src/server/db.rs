//! The connection pool, what it knows of the database's health, and the embedded migrations.

use std::collections::BTreeSet;
use std::ops::Deref;
use std::time::Duration;

use diesel::migration::MigrationSource;
use diesel::sql_types::Text;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::bb8::Pool;
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::db_health::DbHealth;

pub type DbConn<'a> = bb8::PooledConnection<'a, AsyncDieselConnectionManager<AsyncPgConnection>>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long a checkout waits for a connection while the database is up.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(3);

/// The bb8 pool and the health its failed connection attempts report (it derefs to the pool).
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<AsyncPgConnection>,
    pub health: DbHealth,
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
        .connection_timeout(CHECKOUT_TIMEOUT)
        .error_sink(Box::new(health.sink()))
        .build(manager)
        .await?;
    Ok(DbPool { pool, health })
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
