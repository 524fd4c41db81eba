DROP TRIGGER sessions_deleted_announce ON sessions;
DROP TRIGGER sessions_revoked_announce ON sessions;
DROP FUNCTION announce_session_end();
