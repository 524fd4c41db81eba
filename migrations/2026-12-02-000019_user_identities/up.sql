-- Sign-in through an identity provider (OpenID Connect, GitHub). An account made from one has
-- no password until its owner sets one through a mailed reset link.
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;

-- Who a provider says a user is: its stable subject, unique only within its issuer (an OpenID
-- Connect issuer, or GitHub's address: github.com or an Enterprise Server), so the pair is the
-- key; `provider` is the configured name it came through. One identity per provider per
-- account; `email` is the address the provider gave when linked.
CREATE TABLE user_identities (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider     text        NOT NULL CHECK (char_length(provider) BETWEEN 1 AND 32),
    issuer       text        NOT NULL CHECK (char_length(issuer) BETWEEN 1 AND 255),
    subject      text        NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 255),
    email        text        CHECK (char_length(email) <= 254),
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    UNIQUE (issuer, subject),
    UNIQUE (user_id, provider)
);
