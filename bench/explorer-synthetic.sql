-- Synthetic events for bench/explorer.sh, where the seed's traffic lacks the fields the explorer
-- filters by (conversations, channels, feedback) or a large scale takes too long to seed: adds
-- 10 million events over the last 60 days to the demo services of a seeded database (6 M to
-- "Support Chatbot", 3 M to "Docs RAG Site", 1 M to "Voice Receptionist"), in conversations of
-- five turns, 1 % failed (0.05 % of a rare error kind), 0.5 % of a rare model, 5 % by phone,
-- 13 % rated. The rows go straight into `events`, not through ingestion: the rollups and the
-- figures do not count them. About 8 minutes on 2 cores. Run it with psql against the bench
-- database while it is up, e.g. after `seed --scale 1`: psql "$URL" -f bench/explorer-synthetic.sql
SET synchronous_commit = off;
SELECT ensure_events_partition(now() - make_interval(days => d)) FROM generate_series(0, 62, 10) AS d;
SELECT ensure_events_partition(now());
CREATE TEMP TABLE gen (service_id uuid, n bigint, tag text);
INSERT INTO gen SELECT id, CASE name WHEN 'Support Chatbot' THEN 6000000 WHEN 'Docs RAG Site' THEN 3000000 ELSE 1000000 END, left(id::text, 4) FROM services;
INSERT INTO events (service_id, event_id, occurred_at, received_at, latency_ms, success, error_kind, model, tokens_in, tokens_out,
                    cost_micros, end_user, conversation_id, channel, duration_ms, feedback)
SELECT g.service_id,
       'syn-' || i,
       now() - make_interval(secs => ((i / 5) * 7919 % 5184000) - (i % 5) * 40),
       now(),
       (300 + r1 * 2000)::int,
       r2 >= 0.01,
       CASE WHEN r2 < 0.006 THEN 'rate_limited' WHEN r2 < 0.0095 THEN 'upstream_timeout' WHEN r2 < 0.01 THEN 'context_length_exceeded' END,
       CASE WHEN r3 < 0.005 THEN 'gpt-4o' WHEN r3 < 0.7 THEN 'gpt-4o-mini' ELSE 'claude-3-haiku' END,
       (400 + r1 * 1000)::int, (100 + r3 * 300)::int, (r1 * 2000)::bigint,
       'user-' || ((i / 5) * 31 % 4000),
       'conv-' || g.tag || '-' || (i / 5),
       CASE WHEN (i / 5) % 20 = 0 THEN 'phone' WHEN (i / 5) % 4 = 1 THEN 'whatsapp' ELSE 'web' END,
       CASE WHEN (i / 5) % 20 = 0 THEN (20000 + r1 * 100000)::int END,
       CASE WHEN r4 < 0.08 THEN 1 WHEN r4 < 0.11 THEN -1 WHEN r4 < 0.13 THEN 0 END
FROM gen g, LATERAL (SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4 FROM generate_series(1, g.n) AS i) AS x
ON CONFLICT DO NOTHING;
ANALYZE events;
SELECT s.name, count(*) AS events FROM events e JOIN services s ON s.id = e.service_id GROUP BY 1;
