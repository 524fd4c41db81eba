-- Personal API tokens for scripts: `rpt_<prefix>_<secret>`, only the SHA-256 kept. `read` lets a
-- token read the REST API; `write` also change through it. A new token's whole text waits in
-- to_show until its owner has copied it (or show_until passes), so a page without JavaScript can
-- show it once.
CREATE TABLE api_tokens (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    scope        text        NOT NULL CHECK (scope IN ('read', 'write')),
    prefix       text        NOT NULL UNIQUE CHECK (char_length(prefix) = 8),
    secret_hash  bytea       NOT NULL CHECK (octet_length(secret_hash) = 32),
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz CHECK (expires_at > created_at),
    last_used_at timestamptz,
    revoked_at   timestamptz,
    to_show      text,
    show_until   timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at DESC);
