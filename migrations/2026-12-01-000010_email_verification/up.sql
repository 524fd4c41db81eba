-- When the account's address was last confirmed by a mailed link; NULL until then (accounts made
-- before this migration start unconfirmed and see the banner, like new ones).
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;

-- Links that confirm an address: the account's own after registration, or the new address asked
-- for in the profile (the account's address changes only when it is used). Only the SHA-256 of
-- the token is kept; a newer link for the account, or a use, ends a row (used_at).
CREATE TABLE email_verifications (
    id         bigserial   PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      text        NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
    token_hash bytea       NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL CHECK (expires_at > created_at),
    used_at    timestamptz
);
CREATE INDEX email_verifications_user ON email_verifications (user_id) WHERE used_at IS NULL;
