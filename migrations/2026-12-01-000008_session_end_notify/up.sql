-- A session that ends (revoked, or deleted while live) is announced on `ragsites_sessions` with
-- its id as the payload, when the transaction commits: every server process ends the live
-- streams it holds for that session, whichever process or statement ended it. The WHEN clauses
-- keep every other update of a session (its last_seen_at) free of any trigger work.
CREATE FUNCTION announce_session_end() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ragsites_sessions', OLD.id::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER sessions_revoked_announce
    AFTER UPDATE OF revoked_at ON sessions
    FOR EACH ROW
    WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION announce_session_end();

CREATE TRIGGER sessions_deleted_announce
    AFTER DELETE ON sessions
    FOR EACH ROW
    WHEN (OLD.revoked_at IS NULL)
    EXECUTE FUNCTION announce_session_end();
