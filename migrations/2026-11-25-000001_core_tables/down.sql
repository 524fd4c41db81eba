DROP TABLE activity_logs;
DROP TABLE metrics;
DROP TABLE services;
DROP TABLE user_preferences;
DROP TABLE sessions;
DROP TABLE users;
