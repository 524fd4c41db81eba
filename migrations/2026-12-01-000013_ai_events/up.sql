-- Events that speak AI (issue 19): conversations, end users, feedback, call length and channel;
-- the events table partitioned by month; the rollups and sets the new figures read.

-- The partitioned table: the same columns and checks, and the new fields. PostgreSQL needs the
-- partition key in the primary key: an event is its service, id and time, so a resent event (the
-- same id and timestamp) is still stored once, in whichever month it falls.
ALTER TABLE events RENAME TO events_unpartitioned;
ALTER INDEX events_pkey RENAME TO events_unpartitioned_pkey;
DROP INDEX events_occurred_at_brin;

CREATE TABLE events (
    service_id       uuid        NOT NULL,
    event_id         text        NOT NULL CHECK (char_length(event_id) BETWEEN 1 AND 128),
    occurred_at      timestamptz NOT NULL,
    received_at      timestamptz NOT NULL DEFAULT now(),
    latency_ms       integer     NOT NULL CHECK (latency_ms >= 0),
    success          boolean     NOT NULL,
    error_kind       text        CHECK (char_length(error_kind) <= 64),
    model            text        CHECK (char_length(model) <= 64),
    tokens_in        integer     NOT NULL DEFAULT 0 CHECK (tokens_in >= 0),
    tokens_out       integer     NOT NULL DEFAULT 0 CHECK (tokens_out >= 0),
    cost_micros      bigint      NOT NULL DEFAULT 0 CHECK (cost_micros >= 0),
    end_user         text        CHECK (char_length(end_user) <= 128),
    conversation_id  text        CHECK (char_length(conversation_id) BETWEEN 1 AND 128),
    channel          text        CHECK (char_length(channel) BETWEEN 1 AND 32),
    duration_ms      integer     CHECK (duration_ms >= 0),
    -- The end user's rating of the answer: -1, 0 or 1; the last one sent wins.
    feedback         smallint    CHECK (feedback BETWEEN -1 AND 1),
    feedback_comment text        CHECK (char_length(feedback_comment) <= 1000),
    PRIMARY KEY (service_id, event_id, occurred_at)
) PARTITION BY RANGE (occurred_at);

-- The newest events of a service first: the explorer's order and its keyset.
CREATE INDEX events_service_time ON events (service_id, occurred_at DESC, event_id DESC);

-- The month partition holding `at` (UTC months, named events_YYYY_MM), made if missing. Two
-- sessions making the same one would race past IF NOT EXISTS: they take turns.
CREATE FUNCTION ensure_events_partition(at timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    first timestamptz := date_trunc('month', at, 'UTC');
    name text := 'events_' || to_char(first AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('ensure_events_partition'));
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
                   name, first, first + interval '1 month');
    RETURN name;
END
$$;

-- Drops the month partitions that end at or before `oldest` (retention); returns how many.
CREATE FUNCTION drop_events_partitions_before(oldest timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    part record;
    dropped integer := 0;
BEGIN
    FOR part IN
        SELECT c.relname
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass AND c.relname ~ '^events_\d{4}_\d{2}$'
    LOOP
        IF to_timestamp(substr(part.relname, 8), 'YYYY_MM')::timestamp AT TIME ZONE 'UTC'
           + interval '1 month' <= oldest THEN
            EXECUTE format('DROP TABLE %I', part.relname);
            dropped := dropped + 1;
        END IF;
    END LOOP;
    RETURN dropped;
END
$$;

-- Convert in place: a partition for every month that has events, then the rows.
SELECT ensure_events_partition(month)
FROM (SELECT DISTINCT date_trunc('month', occurred_at, 'UTC') AS month FROM events_unpartitioned) AS months;
SELECT ensure_events_partition(now());
INSERT INTO events (service_id, event_id, occurred_at, received_at, latency_ms, success, error_kind, model,
                    tokens_in, tokens_out, cost_micros, end_user)
SELECT service_id, event_id, occurred_at, received_at, latency_ms, success, error_kind, model,
       tokens_in, tokens_out, cost_micros, end_user
FROM events_unpartitioned;
DROP TABLE events_unpartitioned;

-- The rollups gain the additive figures of the new fields. `conversations` counts the
-- conversations that started in the bucket (the hour or day of their first event), so a sum
-- over any window counts each conversation once; `turns` the events that belong to one.
ALTER TABLE metrics
    ADD COLUMN conversations   bigint NOT NULL DEFAULT 0 CHECK (conversations >= 0),
    ADD COLUMN turns           bigint NOT NULL DEFAULT 0 CHECK (turns >= 0),
    ADD COLUMN rated           bigint NOT NULL DEFAULT 0 CHECK (rated >= 0),
    ADD COLUMN positive        bigint NOT NULL DEFAULT 0 CHECK (positive >= 0),
    ADD COLUMN negative        bigint NOT NULL DEFAULT 0 CHECK (negative >= 0),
    ADD COLUMN duration_ms_sum bigint NOT NULL DEFAULT 0 CHECK (duration_ms_sum >= 0);
ALTER TABLE metrics_daily
    ADD COLUMN conversations   bigint NOT NULL DEFAULT 0 CHECK (conversations >= 0),
    ADD COLUMN turns           bigint NOT NULL DEFAULT 0 CHECK (turns >= 0),
    ADD COLUMN rated           bigint NOT NULL DEFAULT 0 CHECK (rated >= 0),
    ADD COLUMN positive        bigint NOT NULL DEFAULT 0 CHECK (positive >= 0),
    ADD COLUMN negative        bigint NOT NULL DEFAULT 0 CHECK (negative >= 0),
    ADD COLUMN duration_ms_sum bigint NOT NULL DEFAULT 0 CHECK (duration_ms_sum >= 0);
ALTER TABLE metrics_minute
    ADD COLUMN conversations   bigint NOT NULL DEFAULT 0 CHECK (conversations >= 0),
    ADD COLUMN turns           bigint NOT NULL DEFAULT 0 CHECK (turns >= 0),
    ADD COLUMN rated           bigint NOT NULL DEFAULT 0 CHECK (rated >= 0),
    ADD COLUMN positive        bigint NOT NULL DEFAULT 0 CHECK (positive >= 0),
    ADD COLUMN negative        bigint NOT NULL DEFAULT 0 CHECK (negative >= 0),
    ADD COLUMN duration_ms_sum bigint NOT NULL DEFAULT 0 CHECK (duration_ms_sum >= 0);

-- Every conversation a service has held, by the time of its first event: the set that tells a
-- new conversation from one going on.
CREATE TABLE conversations (
    service_id      uuid        NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    conversation_id text        NOT NULL CHECK (char_length(conversation_id) BETWEEN 1 AND 128),
    started_at      timestamptz NOT NULL,
    -- The start an event that arrived late moved it from: where its count moves from.
    moved_from      timestamptz CHECK (moved_from > started_at),
    PRIMARY KEY (service_id, conversation_id)
);

-- The end users of a service per hour and per UTC day with their figures: the exact set of
-- end users of any window (whole days from the daily rows, the hours at its edges from the
-- hourly ones, counted distinct) and the top end users.
CREATE TABLE end_users_hourly (
    service_id  uuid        NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    bucket      timestamptz NOT NULL CHECK (bucket = date_trunc('hour', bucket, 'UTC')),
    end_user    text        NOT NULL CHECK (char_length(end_user) <= 128),
    requests    bigint      NOT NULL CHECK (requests >= 0),
    errors      bigint      NOT NULL CHECK (errors >= 0),
    cost_micros bigint      NOT NULL CHECK (cost_micros >= 0),
    PRIMARY KEY (service_id, bucket, end_user)
);
CREATE TABLE end_users_daily (
    service_id  uuid        NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    bucket      timestamptz NOT NULL CHECK (bucket = date_trunc('day', bucket, 'UTC')),
    end_user    text        NOT NULL CHECK (char_length(end_user) <= 128),
    requests    bigint      NOT NULL CHECK (requests >= 0),
    errors      bigint      NOT NULL CHECK (errors >= 0),
    cost_micros bigint      NOT NULL CHECK (cost_micros >= 0),
    PRIMARY KEY (service_id, bucket, end_user)
);

-- Existing events' end users, so the figures of the converted database are whole.
INSERT INTO end_users_hourly
SELECT service_id, date_trunc('hour', occurred_at, 'UTC'), end_user, count(*), count(*) FILTER (WHERE NOT success),
       sum(cost_micros)
FROM events WHERE end_user IS NOT NULL GROUP BY 1, 2, 3;
INSERT INTO end_users_daily
SELECT service_id, date_trunc('day', bucket, 'UTC'), end_user, sum(requests), sum(errors), sum(cost_micros)
FROM end_users_hourly GROUP BY 1, 2, 3;
