-- Ingestion: per-service API keys, raw events, and the hourly rollups the dashboard reads.

-- A key is `rsk_<prefix>_<secret>`; only the prefix and a SHA-256 of the whole key are kept.
CREATE TABLE api_keys (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    service_id   uuid        NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    name         text        NOT NULL DEFAULT '' CHECK (char_length(name) <= 100),
    prefix       text        NOT NULL UNIQUE CHECK (prefix ~ '^[a-z0-9]{8}$'),
    secret_hash  bytea       NOT NULL CHECK (length(secret_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_service_idx ON api_keys (service_id, created_at DESC);

-- Raw events, append-mostly and time-ordered: a BRIN index serves time ranges at a tiny size;
-- the primary key makes a resent event a no-op. Retention deletes by occurred_at.
CREATE TABLE events (
    service_id  uuid        NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    event_id    text        NOT NULL CHECK (char_length(event_id) BETWEEN 1 AND 128),
    occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    latency_ms  integer     NOT NULL CHECK (latency_ms >= 0),
    success     boolean     NOT NULL,
    error_kind  text        CHECK (char_length(error_kind) <= 64),
    model       text        CHECK (char_length(model) <= 64),
    tokens_in   integer     NOT NULL DEFAULT 0 CHECK (tokens_in >= 0),
    tokens_out  integer     NOT NULL DEFAULT 0 CHECK (tokens_out >= 0),
    cost_micros bigint      NOT NULL DEFAULT 0 CHECK (cost_micros >= 0),
    end_user    text        CHECK (char_length(end_user) <= 128),
    PRIMARY KEY (service_id, event_id)
);
CREATE INDEX events_occurred_at_brin ON events USING brin (occurred_at);

-- Latency histogram per hourly rollup: bucket i counts latencies in [1.05^(i-1), 1.05^i) ms
-- (bucket 0 is under 1 ms), so any percentile read from it is within 5 %.
ALTER TABLE metrics ADD COLUMN latency_hist bigint[] NOT NULL DEFAULT '{}';

-- Element-wise sum of two histograms (of any lengths), and the aggregate over many.
CREATE FUNCTION hist_add(a bigint[], b bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i), '{}')
    FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i)
$$;
CREATE AGGREGATE hist_sum(bigint[]) (SFUNC = hist_add, STYPE = bigint[], INITCOND = '{}', PARALLEL = SAFE);

CREATE TABLE metrics_by_model (
    service_id  uuid        NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    bucket      timestamptz NOT NULL CHECK (bucket = date_trunc('hour', bucket)),
    model       text        NOT NULL CHECK (char_length(model) <= 64),
    requests    bigint      NOT NULL CHECK (requests >= 0),
    errors      bigint      NOT NULL CHECK (errors >= 0),
    tokens_in   bigint      NOT NULL CHECK (tokens_in >= 0),
    tokens_out  bigint      NOT NULL CHECK (tokens_out >= 0),
    cost_micros bigint      NOT NULL CHECK (cost_micros >= 0),
    PRIMARY KEY (service_id, bucket, model)
);

CREATE TABLE metrics_by_error (
    service_id uuid        NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    bucket     timestamptz NOT NULL CHECK (bucket = date_trunc('hour', bucket)),
    error_kind text        NOT NULL CHECK (char_length(error_kind) <= 64),
    errors     bigint      NOT NULL CHECK (errors >= 0),
    PRIMARY KEY (service_id, bucket, error_kind)
);
