CREATE AGGREGATE hist_sum(bigint[]) (SFUNC = hist_add, STYPE = bigint[], INITCOND = '{}', PARALLEL = SAFE);

UPDATE activity_logs
SET detail = detail || jsonb_build_object('service_id', service_id)
WHERE service_id IS NOT NULL;
