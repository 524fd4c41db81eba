-- Alerts and weekly reports (issue 18, parts 4 and 5).

-- Per-minute figures per service, kept beside the hourly ones in the ingestion transaction, for
-- the alert evaluator's "last 15 minutes". Same columns as `metrics` (one upsert for both); only
-- recent events are folded in, and rows older than two days are pruned by the evaluator.
CREATE TABLE metrics_minute (
    service_id     uuid        NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    bucket         timestamptz NOT NULL CHECK (bucket = date_trunc('minute', bucket)),
    requests       bigint      NOT NULL DEFAULT 0 CHECK (requests >= 0),
    errors         bigint      NOT NULL DEFAULT 0 CHECK (errors >= 0 AND errors <= requests),
    latency_ms_sum bigint      NOT NULL DEFAULT 0 CHECK (latency_ms_sum >= 0),
    tokens_in      bigint      NOT NULL DEFAULT 0 CHECK (tokens_in >= 0),
    tokens_out     bigint      NOT NULL DEFAULT 0 CHECK (tokens_out >= 0),
    cost_micros    bigint      NOT NULL DEFAULT 0 CHECK (cost_micros >= 0),
    latency_hist   bigint[]    NOT NULL DEFAULT '{}',
    PRIMARY KEY (service_id, bucket)
);
CREATE INDEX metrics_minute_bucket ON metrics_minute (bucket);

-- A threshold crossed by a service: fired once, resolved once. At most one open alert per
-- service and kind, whatever the number of evaluators.
CREATE TABLE alerts (
    id           bigserial   PRIMARY KEY,
    service_id   uuid        NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         text        NOT NULL CHECK (kind IN ('error_rate', 'p95_latency')),
    -- In the kind's unit: percent for error_rate, milliseconds for p95_latency.
    threshold    double precision NOT NULL,
    observed     double precision NOT NULL,
    fired_at     timestamptz NOT NULL,
    -- The last evaluation that found the service over the threshold: it resolves 15 minutes later.
    last_over_at timestamptz NOT NULL CHECK (last_over_at >= fired_at),
    resolved_at  timestamptz CHECK (resolved_at >= last_over_at)
);
CREATE UNIQUE INDEX alerts_one_open ON alerts (service_id, kind) WHERE resolved_at IS NULL;
CREATE INDEX alerts_user ON alerts (user_id, fired_at DESC);
CREATE INDEX alerts_service ON alerts (service_id, fired_at DESC);

-- One weekly report per client and week (the local Monday it is due on), written in the
-- transaction that queues its mail: several processes and restarts send it once.
CREATE TABLE weekly_reports (
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    week_start date        NOT NULL,
    queued_at  timestamptz NOT NULL,
    PRIMARY KEY (user_id, week_start)
);

-- The one-click unsubscribe address of a list mail (alerts, reports), sent as List-Unsubscribe.
ALTER TABLE mail_outbox ADD COLUMN list_unsubscribe text CHECK (char_length(list_unsubscribe) <= 1000);
