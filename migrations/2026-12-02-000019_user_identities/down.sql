DROP TABLE user_identities;
-- An account without a password gets a hash nothing matches (bcrypt refuses to read it).
UPDATE users SET password_hash = '$2b$12$no-password' WHERE password_hash IS NULL;
ALTER TABLE users ALTER COLUMN password_hash SET NOT NULL;
