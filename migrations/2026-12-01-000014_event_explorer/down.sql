DROP INDEX events_feedback;
DROP INDEX events_error_kind;
DROP INDEX events_failed;
DROP INDEX events_conversation;
DROP INDEX events_end_user;
