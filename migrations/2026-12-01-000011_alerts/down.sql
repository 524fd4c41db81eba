ALTER TABLE mail_outbox DROP COLUMN list_unsubscribe;
DROP TABLE weekly_reports;
DROP TABLE alerts;
DROP TABLE metrics_minute;
