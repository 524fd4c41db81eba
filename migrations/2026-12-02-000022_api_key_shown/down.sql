ALTER TABLE api_keys DROP COLUMN to_show, DROP COLUMN show_until;
