-- Marks on the time axis of the charts ("new prompt deployed", "index rebuilt"), issue 21.
-- Owned by a client; with a service they show on the views of that service, without one on
-- every view of the client. A service's deletion takes its annotations with it.
CREATE TABLE annotations (
    id         bigserial   PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    service_id uuid        REFERENCES services (id) ON DELETE CASCADE,
    at         timestamptz NOT NULL,
    text       text        NOT NULL CHECK (length(text) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX annotations_user_at ON annotations (user_id, at);
-- The views' annotations of their services, and a service's deletion.
CREATE INDEX annotations_service_at ON annotations (service_id, at) WHERE service_id IS NOT NULL;
