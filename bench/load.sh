#!/usr/bin/env bash
# Load tool for demos: sends synthetic events to a running portal, one batch a second, until
# Ctrl-C; watch them arrive on the open dashboard. (bench/ingest.sh is the throughput benchmark.)
#   KEY=rsk_… ./bench/load.sh                  # the key `seed` prints
#   KEY=rsk_… URL=http://127.0.0.1:3000 RATE=200 ./bench/load.sh
set -euo pipefail
: "${KEY:?set KEY to an ingestion key, as seed prints one}"
URL=${URL:-http://127.0.0.1:3000}
RATE=${RATE:-50}
((RATE >= 1 && RATE <= 1000)) || { echo "RATE must be 1 to 1000 events a second" >&2; exit 1; }

# RATE events as JSON objects: ids unique to this run and second, 3 % errors, long-tailed latency.
batch() {
  awk -v n="$RATE" -v run="$run" -v s="$1" -v now="$(date -u +%FT%TZ)" 'BEGIN {
    srand(run + s)
    for (i = 1; i <= n; i++) {
      ok = rand() > 0.03
      printf "%s{\"id\":\"load-%s-%d-%d\",\"timestamp\":\"%s\",\"latency_ms\":%d,\"status\":\"%s\"%s,\"model\":\"gpt-4o-mini\",\"tokens_in\":%d,\"tokens_out\":%d,\"cost_usd\":0.0004}",
        (i > 1 ? "," : ""), run, s, i, now, 80 + rand() ^ 3 * 3000, ok ? "success" : "error",
        ok ? "" : ",\"error_kind\":\"timeout\"", 100 + rand() * 1500, 20 + rand() * 300
    }
  }'
}

run=$(date +%s)
for ((second = 1; ; second++)); do
  events=$(batch "$second")
  answer=$(curl -sS -X POST "$URL/api/v1/events" -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' -d "{\"events\":[$events]}")
  echo "$(date +%T) $answer"
  sleep 1
done
