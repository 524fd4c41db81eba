DROP TABLE metrics_by_error;
DROP TABLE metrics_by_model;
DROP AGGREGATE hist_sum(bigint[]);
DROP FUNCTION hist_add(bigint[], bigint[]);
ALTER TABLE metrics DROP COLUMN latency_hist;
DROP TABLE events;
DROP TABLE api_keys;
