//! The bench: one PostgreSQL cluster per test process, started by the first test that needs a
//! database and stopped when the process exits; one database per test, cloned from a
//! migrated template.

use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex, PoisonError};

use ragsites_portal::server::db;
use ragsites_portal::server::embedded_pg::EmbeddedPostgres;

pub const TEMPLATE: &str = "migrated_template";

/// Settings that make a throwaway cluster fast; never for real data.
pub const FAST_SETTINGS: [&str; 3] = ["fsync=off", "synchronous_commit=off", "full_page_writes=off"];

/// The run's cluster and the directory it lives in (dropped in this order: the cluster stops,
/// then its directory goes).
struct Bench {
    _cluster: EmbeddedPostgres,
    _dir: tempfile::TempDir,
}

/// The running bench, until the process exits. Statics are never dropped: [`stop_bench`], an
/// exit hook, takes it out and drops it.
static BENCH: Mutex<Option<Bench>> = Mutex::new(None);

/// The cluster's administrative URL; the first use starts the bench (listing the tests never
/// does).
static ADMIN_URL: LazyLock<String> = LazyLock::new(|| {
    // The first caller is an async test: building the template with `block_on` on its thread
    // would start a runtime within a runtime, so the bench starts on a plain thread of its own.
    let (bench, admin_url) = std::thread::spawn(Bench::start)
        .join()
        .unwrap_or_else(|_| panic!("the test bench failed to start"));
    *BENCH.lock().unwrap_or_else(PoisonError::into_inner) = Some(bench);
    // SAFETY: `stop_bench` is a plain function that neither unwinds nor unloads anything.
    let registered = unsafe { libc::atexit(stop_bench) };
    assert_eq!(registered, 0, "the exit hook that stops the test cluster");
    admin_url
});

static NEXT_DB: AtomicUsize = AtomicUsize::new(0);

/// Stops the cluster and removes its directory when the test process exits.
extern "C" fn stop_bench() {
    // A panic must not cross the C boundary; stopping reports its own errors on stderr.
    let _ = std::panic::catch_unwind(|| {
        let bench = BENCH.lock().unwrap_or_else(PoisonError::into_inner).take();
        drop(bench);
    });
}

/// A directory the `postgres` user can enter when the tests run as root.
pub fn shared_temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("ragsites-test-")
        .permissions(std::fs::Permissions::from_mode(0o755))
        .tempdir()
        .expect("temporary directory")
}

impl Bench {
    /// Starts the cluster and builds the migrated template every test database is cloned from.
    fn start() -> (Self, String) {
        let dir = shared_temp_dir();
        // The run's cluster also counts statements, for the tests of how many queries a page
        // costs (`pg_stat_statements`, from PostgreSQL's contrib modules).
        let settings = [&FAST_SETTINGS[..], &["shared_preload_libraries=pg_stat_statements"]].concat();
        let cluster = EmbeddedPostgres::start(&dir.path().join("pg"), &settings).expect("test cluster starts");
        let admin_url = cluster.url("postgres");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        runtime.block_on(async {
            db::create_database(&admin_url, TEMPLATE, None)
                .await
                .expect("template database");
            let pool = db::connect(&cluster.url(TEMPLATE), 2).await.expect("template pool");
            db::run_migrations(&pool)
                .await
                .expect("migrations apply to the template");
        });
        let bench = Self {
            _cluster: cluster,
            _dir: dir,
        };
        (bench, admin_url)
    }
}

/// The URL of the cluster's `postgres` database; starts the bench on first use.
pub fn admin_url() -> &'static str {
    &ADMIN_URL
}

/// A URL for database `name` on the run's cluster.
pub fn database_url(name: &str) -> String {
    let admin = admin_url();
    let (server, _) = admin.rsplit_once('/').expect("a database URL");
    format!("{server}/{name}")
}

/// A fresh database name for one test.
pub fn unique_db_name(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::Relaxed)
    )
}
