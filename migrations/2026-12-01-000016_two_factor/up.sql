-- Two-factor sign-in with time-based codes (RFC 6238). A row is made when the user starts
-- enrolling (enabled_at NULL until a first code confirms the secret). last_step is the time step
-- of the last code accepted: a code is refused unless its step is later, so none is used twice.
-- codes_to_show holds freshly made recovery codes, as text, until the user says they are saved
-- or show_until passes; only their hashes stay.
CREATE TABLE two_factor (
    user_id       uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret        bytea       NOT NULL CHECK (octet_length(secret) = 20),
    enabled_at    timestamptz,
    last_step     bigint,
    codes_to_show text,
    show_until    timestamptz,
    created_at    timestamptz NOT NULL
);

-- Ten single-use codes for a lost phone: the SHA-256 of each (they carry 50 random bits, so a
-- fast hash is enough, like the ingestion keys).
CREATE TABLE recovery_codes (
    user_id   uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea       NOT NULL CHECK (octet_length(code_hash) = 32),
    used_at   timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- Portal-wide switches an admin sets: one row.
CREATE TABLE portal_settings (
    id                       boolean PRIMARY KEY DEFAULT true CHECK (id),
    require_admin_two_factor boolean NOT NULL DEFAULT false
);
INSERT INTO portal_settings DEFAULT VALUES;
