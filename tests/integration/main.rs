//! Integration tests against a real PostgreSQL, with one cluster for the whole run.

mod foundation;
mod support;

use std::future::Future;

use libtest_mimic::{Arguments, Failed, Trial};

/// Runs an async test on its own runtime; a panic fails the test.
fn trial<F, Fut>(name: &str, test: F) -> Trial
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    Trial::test(name, move || {
        support::runtime().block_on(test());
        Ok::<(), Failed>(())
    })
}

macro_rules! trials {
    ($($module:ident::$test:ident),* $(,)?) => {
        vec![$(trial(concat!(stringify!($module), "::", stringify!($test)), $module::$test)),*]
    };
}

fn main() -> std::process::ExitCode {
    let args = Arguments::from_args();
    let tests = trials![
        foundation::migrations_apply_on_an_empty_database_once,
        foundation::embedded_cluster_starts_restarts_on_existing_data_and_stops,
        foundation::landing_page_renders_on_the_server,
        foundation::unknown_page_is_a_404_page,
        foundation::health_follows_the_database_and_recovers,
        foundation::seed_is_idempotent,
        foundation::static_files_are_cached_and_pages_are_private,
    ];
    // Listing needs no database.
    let bench = (!args.list).then(support::Bench::start);
    let conclusion = libtest_mimic::run(&args, tests);
    drop(bench);
    conclusion.exit_code()
}
