-- Mail waiting to be sent, written in the same transaction as what caused it. A worker in any
-- server process takes due rows with FOR UPDATE SKIP LOCKED and holds the row's lock while it
-- talks to the SMTP server, so no two processes send the same row.
CREATE TABLE mail_outbox (
    id              bigserial   PRIMARY KEY,
    user_id         uuid        REFERENCES users (id) ON DELETE CASCADE,
    -- What the mail is (password_reset, password_changed, …): for logs and tests.
    kind            text        NOT NULL CHECK (kind ~ '^[a-z_]+$' AND char_length(kind) <= 40),
    recipient       text        NOT NULL CHECK (char_length(recipient) BETWEEN 3 AND 254),
    subject         text        NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 200),
    text_body       text        NOT NULL CHECK (char_length(text_body) <= 100000),
    html_body       text        NOT NULL CHECK (char_length(html_body) <= 200000),
    status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,
    -- The SMTP server's last answer to a failed attempt.
    last_error      text        CHECK (char_length(last_error) <= 1000),
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX mail_outbox_user ON mail_outbox (user_id, created_at DESC);

-- Password reset links: only the SHA-256 of the token is kept. A newer request, a successful
-- sign-in or a use ends a row (used_at).
CREATE TABLE password_resets (
    id         bigserial   PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea       NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL CHECK (expires_at > created_at),
    used_at    timestamptz
);
CREATE INDEX password_resets_user ON password_resets (user_id) WHERE used_at IS NULL;
