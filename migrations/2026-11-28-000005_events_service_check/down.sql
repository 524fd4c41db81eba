DROP TRIGGER services_delete_events ON services;
DROP FUNCTION delete_events_of_deleted_services();
ALTER TABLE events ADD CONSTRAINT events_service_id_fkey
    FOREIGN KEY (service_id) REFERENCES services (id) ON DELETE CASCADE;
