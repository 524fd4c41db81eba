-- When the link a mail carries dies (a reset link after 30 minutes, a confirmation after 24
-- hours): a mail still unsent then is not sent at all (it would only confuse) but marked failed.
ALTER TABLE mail_outbox ADD COLUMN expires_at timestamptz;
