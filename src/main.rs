//! The server binary: `serve` (default) and the maintenance commands.

use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use ragsites_portal::auth::backend::cleanup_sessions;
use ragsites_portal::server::config::{Config, ConfigArgs, ignore_blank_variables, load_dotenv};
use ragsites_portal::server::{self, Database, app_state, seed, state_dir};
use tracing_subscriber::EnvFilter;

// Rendering a page allocates many small strings on every worker thread; mimalloc serves them
// faster than the system allocator (measured in bench/queries.sh, see the README).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(version, about = "RagSites Portal: the client portal for AI services")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: ConfigArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create the demo account and its data (running it again changes nothing).
    Seed {
        /// Multiply the demo traffic (benchmarks: 130 makes about 10 million events).
        #[arg(long, default_value_t = 1.0, value_parser = parse_scale)]
        scale: f64,
    },
    /// Delete sessions that expired or were revoked more than N days ago.
    CleanupSessions {
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(0..=3650))]
        older_than_days: u32,
    },
}

fn main() -> ExitCode {
    // First, while the process has one thread (no runtime yet): a `.env` file in the working
    // directory sets the variables the environment does not (RUST_LOG too).
    if let Err(error) = load_dotenv(Path::new(".env")) {
        eprintln!("error: {error}");
        return ExitCode::FAILURE;
    }
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let cli = Cli::from_arg_matches(&ignore_blank_variables(Cli::command()).get_matches()).unwrap_or_else(|e| e.exit());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let config = Config::new(cli.config, state_dir())?;
    if let Some(at) = config.fixed_clock {
        tracing::warn!(%at, "FIXED_CLOCK is set: the clock stands still at this instant (tests only)");
    }
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => server::serve(config).await,
        Command::Migrate => {
            let database = Database::open(&config).await?;
            println!("The database is up to date.");
            database.close().await;
            Ok(())
        }
        Command::CleanupSessions { older_than_days } => {
            let database = Database::open(&config).await?;
            let result = async {
                let mut conn = database.pool.get().await?;
                let now = ragsites_portal::server::clock::Clock::from_config(&config).now();
                let deleted = cleanup_sessions(&mut conn, now, older_than_days).await?;
                println!("Deleted {deleted} sessions expired or revoked more than {older_than_days} days ago.");
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            }
            .await;
            database.close().await;
            result
        }
        Command::Seed { scale } => {
            let database = Database::open(&config).await?;
            let state = app_state(config, &database, false)?;
            let result = seed::seed(&state, seed::DEMO_DAYS, scale).await;
            drop(state);
            database.close().await;
            println!("{}", result?);
            Ok(())
        }
    }
}

fn parse_scale(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(scale) if (0.01..=1000.0).contains(&scale) => Ok(scale),
        _ => Err(format!("expected a number from 0.01 to 1000, got {text:?}")),
    }
}
