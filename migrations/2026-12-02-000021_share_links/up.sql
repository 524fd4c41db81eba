-- Read-only share links of a client's dashboard or of one service's page, issue 21. The token
-- (`rsl_<prefix>_<secret>`) is kept only as its SHA-256; `to_show` holds it whole for the few
-- minutes its owner has to copy it, as for API tokens. A link's revocation or deletion (its
-- service deleted) is announced like a session's end: the live streams it feeds end at once.
CREATE TABLE share_links (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    service_id      uuid        REFERENCES services (id) ON DELETE CASCADE,
    label           text        NOT NULL CHECK (length(label) BETWEEN 1 AND 80),
    prefix          text        NOT NULL UNIQUE,
    secret_hash     bytea       NOT NULL,
    password_hash   text,
    allow_export    boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz,
    revoked_at      timestamptz,
    visits          bigint      NOT NULL DEFAULT 0,
    last_visited_at timestamptz,
    to_show         text,
    show_until      timestamptz
);
CREATE INDEX share_links_user ON share_links (user_id, created_at);
-- A service's deletion takes its links with it.
CREATE INDEX share_links_service ON share_links (service_id) WHERE service_id IS NOT NULL;

CREATE TRIGGER share_links_revoked_announce
    AFTER UPDATE OF revoked_at ON share_links
    FOR EACH ROW
    WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION announce_session_end();

CREATE TRIGGER share_links_deleted_announce
    AFTER DELETE ON share_links
    FOR EACH ROW
    WHEN (OLD.revoked_at IS NULL)
    EXECUTE FUNCTION announce_session_end();
