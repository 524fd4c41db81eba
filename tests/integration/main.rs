//! Integration tests against a real PostgreSQL, with one cluster for the whole run.

mod auth;
mod foundation;
mod ingest;
mod settings;
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
        auth::register_opens_a_session_in_an_http_only_cookie_and_audits_it,
        auth::emails_are_unique_whatever_their_case,
        auth::bad_registrations_name_every_field_and_write_nothing,
        auth::unreadable_requests_get_400_413_415,
        auth::wrong_password_and_unknown_email_get_the_same_answer,
        auth::repeated_failures_are_limited_per_account_with_retry_after,
        auth::tampered_foreign_unsigned_and_expired_tokens_are_refused,
        auth::sign_out_revokes_the_session_and_every_copy_of_its_token,
        auth::cookie_requests_from_other_origins_are_refused,
        auth::protected_pages_redirect_before_rendering_and_auth_pages_send_users_on,
        auth::plain_form_sign_in_works_without_javascript,
        auth::plain_form_registration_shows_field_errors,
        auth::server_functions_answer_401_without_a_session,
        auth::admin_only_functions_refuse_clients_with_403,
        auth::cleanup_deletes_only_long_dead_sessions,
        settings::profile_rules_and_email_changes_need_the_current_password,
        settings::preferences_are_bounded_and_the_time_zone_reaches_the_analytics,
        settings::changing_the_password_signs_out_every_other_session,
        settings::sessions_are_listed_and_revoked_by_their_owner_only,
        settings::the_activity_log_is_paginated_and_private,
        settings::billing_usage_equals_the_analytics_total_for_the_period,
        settings::admins_manage_clients_and_clients_cannot,
        settings::settings_forms_work_without_javascript,
        ingest::resent_batches_never_count_twice,
        ingest::one_bad_event_does_not_reject_the_good_ones,
        ingest::keys_write_only_to_their_service_and_clients_see_only_their_own,
        ingest::revoked_keys_and_paused_services_are_refused,
        ingest::unreadable_batches_are_refused_without_writing,
        ingest::a_deleted_service_loses_its_events_and_never_gains_new_ones,
        ingest::rollups_equal_the_raw_events_over_random_batches,
        ingest::summary_compares_with_the_previous_period_and_percentiles_are_close,
        ingest::days_are_local_days_across_a_daylight_saving_change,
        ingest::live_counters_follow_batches_from_another_server_process,
        ingest::the_dashboard_server_function_is_scoped_to_the_user,
        ingest::the_live_figures_are_rendered_for_their_owner_only,
        ingest::csv_export_matches_the_summary_and_stays_with_its_owner,
        ingest::the_dashboard_page_renders_whole_every_time,
    ];
    // Listing needs no database.
    let bench = (!args.list).then(support::Bench::start);
    let conclusion = libtest_mimic::run(&args, tests);
    drop(bench);
    conclusion.exit_code()
}
