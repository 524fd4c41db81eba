-- Attempt counts of the sign-in, current-password and registration limits, shared by every
-- server process. One row per key (an account and address, an address, an account, a user, …);
-- a row means nothing once `expires_at` has passed and is then deleted.
CREATE TABLE auth_limits (
    key text PRIMARY KEY CHECK (length(key) <= 600),
    -- Attempts counted since `window_start`: failures, and attempts still being checked.
    attempts integer NOT NULL CHECK (attempts >= 0),
    window_start timestamptz NOT NULL,
    last_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX auth_limits_expires_at ON auth_limits (expires_at);

-- Counts one attempt on every key, or on none of them: answers 0 when it was counted, else the
-- seconds until it would be. Key i allows maxes[i] attempts in a window of windows[i] seconds
-- from the first; past that, with delay_caps[i] = 0 it waits for the window to end, otherwise
-- each further attempt waits 2^(n - maxes[i]) seconds (at most delay_caps[i]) after the last.
-- Rows are locked in key order (the no-op update locks an existing row too), so concurrent
-- calls queue and cannot deadlock, and a row being pruned is inserted again. Each call also
-- deletes up to 10 other counters whose window has ended, so the table keeps only live ones.
-- The caller's clock is passed as now_at (tests move it).
CREATE FUNCTION auth_reserve(keys text[], maxes integer[], windows integer[], delay_caps integer[], now_at timestamptz)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    lim auth_limits;
    i integer;
    open_at timestamptz;
    wait interval := interval '0';
BEGIN
    DELETE FROM auth_limits WHERE key IN (
        SELECT key FROM auth_limits
        WHERE expires_at <= now_at AND key <> ALL (keys)
        ORDER BY expires_at LIMIT 10
        FOR UPDATE SKIP LOCKED
    );
    INSERT INTO auth_limits AS t (key, attempts, window_start, last_at, expires_at)
    SELECT k, 0, now_at, now_at, now_at FROM unnest(keys) AS k ORDER BY k
    ON CONFLICT (key) DO UPDATE SET attempts = t.attempts;
    FOR lim IN SELECT * FROM auth_limits WHERE key = ANY (keys) ORDER BY key FOR UPDATE LOOP
        i := array_position(keys, lim.key);
        CONTINUE WHEN lim.window_start + make_interval(secs => windows[i]) <= now_at
            OR lim.attempts < maxes[i];
        IF delay_caps[i] > 0 THEN
            open_at := lim.last_at
                + make_interval(secs => least(power(2, least(lim.attempts - maxes[i], 30)), delay_caps[i]));
        ELSE
            open_at := lim.window_start + make_interval(secs => windows[i]);
        END IF;
        wait := greatest(wait, open_at - now_at);
    END LOOP;
    IF wait > interval '0' THEN
        RETURN ceil(extract(epoch FROM wait))::integer;
    END IF;
    UPDATE auth_limits AS t SET
        attempts = CASE WHEN t.window_start + make_interval(secs => p.win) <= now_at THEN 1 ELSE t.attempts + 1 END,
        window_start = CASE WHEN t.window_start + make_interval(secs => p.win) <= now_at THEN now_at ELSE t.window_start END,
        last_at = now_at,
        expires_at = CASE WHEN t.window_start + make_interval(secs => p.win) <= now_at THEN now_at ELSE t.window_start END
            + make_interval(secs => p.win)
    FROM unnest(keys, windows) AS p(key, win)
    WHERE t.key = p.key;
    RETURN 0;
END
$$;
