-- Actions about a service were logged with the service's id in `detail` only, so a service's
-- page never found them: move the id into its column (where the service still exists).
UPDATE activity_logs a
SET service_id = s.id, detail = a.detail - 'service_id'
FROM services s
WHERE a.service_id IS NULL
  AND a.detail ? 'service_id'
  AND s.id::text = a.detail->>'service_id';

-- The backfill of the daily rollups was its last user.
DROP AGGREGATE hist_sum(bigint[]);
