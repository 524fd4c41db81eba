ALTER TABLE mail_outbox DROP COLUMN expires_at;
