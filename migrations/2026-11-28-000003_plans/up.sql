-- What a client pays for: a monthly request quota at a monthly price. Payments happen outside
-- the portal; this is only what the plan promises.
CREATE TABLE plans (
    id                    uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name                  text        NOT NULL UNIQUE CHECK (char_length(name) BETWEEN 1 AND 50),
    monthly_request_quota bigint      NOT NULL CHECK (monthly_request_quota > 0),
    price_cents           integer     NOT NULL CHECK (price_cents >= 0),
    created_at            timestamptz NOT NULL DEFAULT now()
);

INSERT INTO plans (name, monthly_request_quota, price_cents) VALUES
    ('Starter', 100000, 4900),
    ('Growth', 1000000, 19900),
    ('Scale', 10000000, 79900);

ALTER TABLE users ADD COLUMN plan_id uuid REFERENCES plans (id) ON DELETE RESTRICT;
