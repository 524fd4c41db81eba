-- The widgets of a client's dashboard and of each of their service pages, issue 21: one
-- versioned JSON layout per user and view (service_id NULL: the dashboard). No row: the default
-- layout. The server validates every layout before it is written; the size check bounds what a
-- row may hold whatever writes it.
CREATE TABLE dashboard_layouts (
    id         bigserial   PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    service_id uuid        REFERENCES services (id) ON DELETE CASCADE,
    layout     jsonb       NOT NULL CHECK (octet_length(layout::text) <= 32768),
    updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX dashboard_layouts_view ON dashboard_layouts (user_id, service_id) NULLS NOT DISTINCT;
CREATE INDEX dashboard_layouts_service ON dashboard_layouts (service_id) WHERE service_id IS NOT NULL;
