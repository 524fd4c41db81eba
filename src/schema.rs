// @generated automatically by Diesel CLI.

diesel::table! {
    activity_logs (id) {
        id -> Int8,
        user_id -> Uuid,
        service_id -> Nullable<Uuid>,
        action -> Text,
        detail -> Jsonb,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    alerts (id) {
        id -> Int8,
        service_id -> Uuid,
        user_id -> Uuid,
        kind -> Text,
        threshold -> Float8,
        observed -> Float8,
        fired_at -> Timestamptz,
        last_over_at -> Timestamptz,
        resolved_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    annotations (id) {
        id -> Int8,
        user_id -> Uuid,
        service_id -> Nullable<Uuid>,
        at -> Timestamptz,
        text -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Uuid,
        service_id -> Uuid,
        name -> Text,
        prefix -> Text,
        secret_hash -> Bytea,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        to_show -> Nullable<Text>,
        show_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        name -> Text,
        scope -> Text,
        prefix -> Text,
        secret_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        to_show -> Nullable<Text>,
        show_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    auth_limits (key) {
        key -> Text,
        attempts -> Int4,
        window_start -> Timestamptz,
        last_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    conversations (service_id, conversation_id) {
        service_id -> Uuid,
        conversation_id -> Text,
        started_at -> Timestamptz,
        moved_from -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    dashboard_layouts (id) {
        id -> Int8,
        user_id -> Uuid,
        service_id -> Nullable<Uuid>,
        layout -> Jsonb,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    email_verifications (id) {
        id -> Int8,
        user_id -> Uuid,
        email -> Text,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    end_user_ids (id) {
        id -> Int4,
        service_id -> Uuid,
        end_user -> Text,
    }
}

diesel::table! {
    end_user_sets_daily (service_id, bucket) {
        service_id -> Uuid,
        bucket -> Timestamptz,
        end_users -> Array<Nullable<Int4>>,
    }
}

diesel::table! {
    end_user_sets_hourly (service_id, bucket) {
        service_id -> Uuid,
        bucket -> Timestamptz,
        end_users -> Array<Nullable<Int4>>,
    }
}

diesel::table! {
    end_users_daily (service_id, bucket, end_user) {
        service_id -> Uuid,
        bucket -> Timestamptz,
        end_user -> Text,
        requests -> Int8,
        errors -> Int8,
        cost_micros -> Int8,
    }
}

diesel::table! {
    end_users_hourly (service_id, bucket, end_user) {
        service_id -> Uuid,
        bucket -> Timestamptz,
        end_user -> Text,
        requests -> Int8,
        errors -> Int8,
        cost_micros -> Int8,
    }
}

diesel::table! {
    events (service_id, event_id, occurred_at) {
        service_id -> Uuid,
        event_id -> Text,
        occurred_at -> Timestamptz,
        received_at -> Timestamptz,
        latency_ms -> Int4,
        success -> Bool,
        error_kind -> Nullable<Text>,
        model -> Nullable<Text>,
        tokens_in -> Int4,
        tokens_out -> Int4,
        cost_micros -> Int8,
        end_user -> Nullable<Text>,
        conversation_id -> Nullable<Text>,
        channel -> Nullable<Text>,
        duration_ms -> Nullable<Int4>,
        feedback -> Nullable<Int2>,
        feedback_comment -> Nullable<Text>,
    }
}

diesel::table! {
    metrics (service_id, bucket) {
        service_id -> Uuid,
        bucket -> Timestamptz,
        requests -> Int8,
        errors -> Int8,
        latency_ms_sum -> Int8,
        tokens_in -> Int8,
        tokens_out -> Int8,
        cost_micros -> Int8,
        latency_hist -> Array<Nullable<Int8>>,
        conversations -> Int8,
        turns -> Int8,
        rated -> Int8,
        positive -> Int8,
        negative -> Int8,
        duration_ms_sum -> Int8,
    }
}

diesel::table! {
    metrics_daily (service_id, bucket) {
        service_id -> Uuid,
        bucket -> Timestamptz,
        requests -> Int8,
        errors -> Int8,
        latency_ms_sum -> Int8,
        tokens_in -> Int8,
        tokens_out -> Int8,
        cost_micros -> Int8,
        latency_hist -> Array<Nullable<Int8>>,
        conversations -> Int8,
        turns -> Int8,
        rated -> Int8,
        positive -> Int8,
        negative -> Int8,
        duration_ms_sum -> Int8,
    }
}

diesel::table! {
    metrics_by_error (service_id, bucket, error_kind) {
        service_id -> Uuid,
        bucket -> Timestamptz,
        error_kind -> Text,
        errors -> Int8,
    }
}

diesel::table! {
    metrics_by_model (service_id, bucket, model) {
        service_id -> Uuid,
        bucket -> Timestamptz,
        model -> Text,
        requests -> Int8,
        errors -> Int8,
        tokens_in -> Int8,
        tokens_out -> Int8,
        cost_micros -> Int8,
    }
}

diesel::table! {
    metrics_minute (service_id, bucket) {
        service_id -> Uuid,
        bucket -> Timestamptz,
        requests -> Int8,
        errors -> Int8,
        latency_ms_sum -> Int8,
        tokens_in -> Int8,
        tokens_out -> Int8,
        cost_micros -> Int8,
        latency_hist -> Array<Nullable<Int8>>,
        conversations -> Int8,
        turns -> Int8,
        rated -> Int8,
        positive -> Int8,
        negative -> Int8,
        duration_ms_sum -> Int8,
    }
}

diesel::table! {
    portal_settings (id) {
        id -> Bool,
        require_admin_two_factor -> Bool,
    }
}

diesel::table! {
    recovery_codes (user_id, code_hash) {
        user_id -> Uuid,
        code_hash -> Bytea,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    services (id) {
        id -> Uuid,
        user_id -> Uuid,
        name -> Text,
        kind -> Text,
        status -> Text,
        config -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        user_agent -> Nullable<Text>,
        ip -> Nullable<Text>,
    }
}

diesel::table! {
    plans (id) {
        id -> Uuid,
        name -> Text,
        monthly_request_quota -> Int8,
        price_cents -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    two_factor (user_id) {
        user_id -> Uuid,
        secret -> Bytea,
        enabled_at -> Nullable<Timestamptz>,
        last_step -> Nullable<Int8>,
        codes_to_show -> Nullable<Text>,
        show_until -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    user_preferences (user_id) {
        user_id -> Uuid,
        email_notifications -> Bool,
        weekly_report -> Bool,
        alert_error_rate_pct -> Float8,
        alert_p95_latency_ms -> Int4,
        timezone -> Text,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    user_identities (id) {
        id -> Uuid,
        user_id -> Uuid,
        provider -> Text,
        issuer -> Text,
        subject -> Text,
        email -> Nullable<Text>,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        name -> Text,
        password_hash -> Nullable<Text>,
        role -> Text,
        company -> Nullable<Text>,
        bio -> Nullable<Text>,
        avatar_url -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        plan_id -> Nullable<Uuid>,
        email_verified_at -> Nullable<Timestamptz>,
        avatar_key -> Nullable<Text>,
    }
}

diesel::table! {
    weekly_reports (user_id, week_start) {
        user_id -> Uuid,
        week_start -> Date,
        queued_at -> Timestamptz,
    }
}

diesel::table! {
    share_links (id) {
        id -> Uuid,
        user_id -> Uuid,
        service_id -> Nullable<Uuid>,
        label -> Text,
        prefix -> Text,
        secret_hash -> Bytea,
        password_hash -> Nullable<Text>,
        allow_export -> Bool,
        created_at -> Timestamptz,
        expires_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        visits -> Int8,
        last_visited_at -> Nullable<Timestamptz>,
        to_show -> Nullable<Text>,
        show_until -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(activity_logs -> services (service_id));
diesel::joinable!(activity_logs -> users (user_id));
diesel::joinable!(alerts -> services (service_id));
diesel::joinable!(annotations -> services (service_id));
diesel::joinable!(annotations -> users (user_id));
diesel::joinable!(dashboard_layouts -> services (service_id));
diesel::joinable!(dashboard_layouts -> users (user_id));
diesel::joinable!(share_links -> services (service_id));
diesel::joinable!(share_links -> users (user_id));
diesel::joinable!(alerts -> users (user_id));
diesel::table! {
    mail_outbox (id) {
        id -> Int8,
        user_id -> Nullable<Uuid>,
        kind -> Text,
        recipient -> Text,
        subject -> Text,
        text_body -> Text,
        html_body -> Text,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        list_unsubscribe -> Nullable<Text>,
        expires_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Int8,
        user_id -> Uuid,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(api_keys -> services (service_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(user_identities -> users (user_id));
diesel::joinable!(email_verifications -> users (user_id));
diesel::joinable!(end_user_ids -> services (service_id));
diesel::joinable!(end_user_sets_daily -> services (service_id));
diesel::joinable!(end_user_sets_hourly -> services (service_id));
diesel::joinable!(mail_outbox -> users (user_id));
diesel::joinable!(metrics -> services (service_id));
diesel::joinable!(metrics_daily -> services (service_id));
diesel::joinable!(metrics_minute -> services (service_id));
diesel::joinable!(metrics_by_error -> services (service_id));
diesel::joinable!(metrics_by_model -> services (service_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(recovery_codes -> users (user_id));
diesel::joinable!(services -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(two_factor -> users (user_id));
diesel::joinable!(user_preferences -> users (user_id));
diesel::joinable!(users -> plans (plan_id));
diesel::joinable!(weekly_reports -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    activity_logs,
    alerts,
    annotations,
    api_keys,
    api_tokens,
    auth_limits,
    conversations,
    dashboard_layouts,
    email_verifications,
    end_user_ids,
    end_user_sets_daily,
    end_user_sets_hourly,
    end_users_daily,
    end_users_hourly,
    events,
    mail_outbox,
    metrics,
    metrics_by_error,
    metrics_by_model,
    metrics_daily,
    metrics_minute,
    password_resets,
    plans,
    portal_settings,
    recovery_codes,
    services,
    sessions,
    share_links,
    two_factor,
    user_identities,
    user_preferences,
    users,
    weekly_reports,
);
