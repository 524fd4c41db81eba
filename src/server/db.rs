//! The connection pool and the embedded migrations.

use std::time::Duration;

use diesel::sql_types::Text;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::bb8::Pool;
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn<'a> = bb8::PooledConnection<'a, AsyncDieselConnectionManager<AsyncPgConnection>>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A pool that fails fast (3 s) while the database is away and heals by itself when it returns.
pub async fn connect(url: &str, size: u32) -> Result<DbPool, BoxError> {
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
    let pool = Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(3))
        .build(manager)
        .await?;
    Ok(pool)
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
