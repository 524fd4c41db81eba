-- The seed's six tables. Times are timestamptz in UTC; ids are UUIDs except for
-- append-only logs, which use bigint identities for compact, time-ordered keys.

CREATE TABLE users (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text        NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
    name          text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    password_hash text        NOT NULL CHECK (password_hash LIKE '$2%'),
    role          text        NOT NULL DEFAULT 'client' CHECK (role IN ('client', 'admin')),
    company       text        CHECK (char_length(company) <= 100),
    bio           text        CHECK (char_length(bio) <= 500),
    avatar_url    text        CHECK (char_length(avatar_url) <= 500 AND avatar_url LIKE 'https://%'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
-- Emails are unique whatever their case.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

-- One row per sign-in; the JWT carries its id, and a revoked or expired row ends the token.
CREATE TABLE sessions (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    user_agent   text        CHECK (char_length(user_agent) <= 512),
    ip           text        CHECK (char_length(ip) <= 64),
    CHECK (expires_at > created_at)
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id, created_at DESC);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

CREATE TABLE user_preferences (
    user_id              uuid             PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email_notifications  boolean          NOT NULL DEFAULT true,
    weekly_report        boolean          NOT NULL DEFAULT true,
    alert_error_rate_pct double precision NOT NULL DEFAULT 5 CHECK (alert_error_rate_pct > 0 AND alert_error_rate_pct <= 100),
    alert_p95_latency_ms integer          NOT NULL DEFAULT 2000 CHECK (alert_p95_latency_ms BETWEEN 1 AND 600000),
    timezone             text             NOT NULL DEFAULT 'UTC' CHECK (char_length(timezone) BETWEEN 1 AND 64),
    updated_at           timestamptz      NOT NULL DEFAULT now()
);

CREATE TABLE services (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    kind       text        NOT NULL CHECK (kind IN ('chatbot', 'rag_site', 'voice_agent', 'agent', 'custom')),
    status     text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'archived')),
    config     jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(config) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX services_user_id_idx ON services (user_id, created_at);
CREATE UNIQUE INDEX services_user_name_key ON services (user_id, lower(name));

-- Hourly figures per service: the time series every chart reads.
CREATE TABLE metrics (
    service_id     uuid        NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    bucket         timestamptz NOT NULL CHECK (bucket = date_trunc('hour', bucket)),
    requests       bigint      NOT NULL DEFAULT 0 CHECK (requests >= 0),
    errors         bigint      NOT NULL DEFAULT 0 CHECK (errors >= 0 AND errors <= requests),
    latency_ms_sum bigint      NOT NULL DEFAULT 0 CHECK (latency_ms_sum >= 0),
    tokens_in      bigint      NOT NULL DEFAULT 0 CHECK (tokens_in >= 0),
    tokens_out     bigint      NOT NULL DEFAULT 0 CHECK (tokens_out >= 0),
    -- Cost in millionths of a US dollar: exact sums without a decimal type.
    cost_micros    bigint      NOT NULL DEFAULT 0 CHECK (cost_micros >= 0),
    PRIMARY KEY (service_id, bucket)
);
CREATE INDEX metrics_bucket_idx ON metrics (bucket);

CREATE TABLE activity_logs (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    service_id uuid        REFERENCES services (id) ON DELETE SET NULL,
    action     text        NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+)*$' AND char_length(action) <= 64),
    detail     jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(detail) = 'object'),
    ip         text        CHECK (char_length(ip) <= 64),
    user_agent text        CHECK (char_length(user_agent) <= 512),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activity_logs_user_idx ON activity_logs (user_id, created_at DESC);
CREATE INDEX activity_logs_service_idx ON activity_logs (service_id, created_at DESC) WHERE service_id IS NOT NULL;
