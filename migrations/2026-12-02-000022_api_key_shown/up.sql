-- A new ingestion key made on its service's page is shown there, whole, until its owner says it
-- is copied (10 minutes at most), as API tokens and share links are: the page is plain server
-- HTML, with no script to hold the secret. The hourly retention task forgets it afterwards.
ALTER TABLE api_keys ADD COLUMN to_show text, ADD COLUMN show_until timestamptz;
