ALTER TABLE metrics ADD CONSTRAINT metrics_conversations_check CHECK (conversations >= 0);
ALTER TABLE metrics_daily ADD CONSTRAINT metrics_daily_conversations_check CHECK (conversations >= 0);
ALTER TABLE metrics_minute ADD CONSTRAINT metrics_minute_conversations_check CHECK (conversations >= 0);
CREATE OR REPLACE FUNCTION delete_events_of_deleted_services() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM events WHERE service_id IN (SELECT id FROM deleted);
    RETURN NULL;
END
$$;
DELETE FROM conversations WHERE service_id NOT IN (SELECT id FROM services);
DELETE FROM end_users_hourly WHERE service_id NOT IN (SELECT id FROM services);
DELETE FROM end_users_daily WHERE service_id NOT IN (SELECT id FROM services);
ALTER TABLE conversations ADD FOREIGN KEY (service_id) REFERENCES services (id) ON DELETE CASCADE;
ALTER TABLE end_users_hourly ADD FOREIGN KEY (service_id) REFERENCES services (id) ON DELETE CASCADE;
ALTER TABLE end_users_daily ADD FOREIGN KEY (service_id) REFERENCES services (id) ON DELETE CASCADE;

DROP AGGREGATE end_users_union(integer[]);
DROP TABLE end_user_sets_daily;
DROP TABLE end_user_sets_hourly;
DROP TABLE end_user_ids;
DROP EXTENSION intarray;
