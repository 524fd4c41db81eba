-- The event explorer's filters (issue 19). `events_service_time` already serves the unfiltered
-- list, a time window, and filters most events match (status success, a model, a channel, no
-- feedback). These serve the filters that match few of a service's events, where walking that
-- index would read many rows for a page: each holds (service, value, newest first), so a page
-- is the first 51 entries after the cursor. Every index costs ingestion, so the rare ones are
-- partial: errors and ratings are a small share of the events.
CREATE INDEX events_end_user ON events (service_id, end_user, occurred_at DESC, event_id DESC)
    WHERE end_user IS NOT NULL;
-- Also a conversation's events in order (read backwards).
CREATE INDEX events_conversation ON events (service_id, conversation_id, occurred_at DESC, event_id DESC)
    WHERE conversation_id IS NOT NULL;
CREATE INDEX events_failed ON events (service_id, occurred_at DESC, event_id DESC)
    WHERE NOT success;
CREATE INDEX events_error_kind ON events (service_id, error_kind, occurred_at DESC, event_id DESC)
    WHERE error_kind IS NOT NULL;
CREATE INDEX events_feedback ON events (service_id, feedback, occurred_at DESC, event_id DESC)
    WHERE feedback IS NOT NULL;
