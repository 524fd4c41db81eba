#!/usr/bin/env bash
# Benchmark (and load tool): sends synthetic events over loopback HTTP, batches of BATCH events,
# to a release server on its own embedded database; prints throughput, latency and the
# server's memory before and after. DURATION=5m for the soak the README reports.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { echo "==> installing wrk"; apt-get install -y -qq wrk >/dev/null; }
DURATION=${DURATION:-60s}
CONNECTIONS=${CONNECTIONS:-8}
export BATCH=${BATCH:-500}
export EMBEDDED_PG_DIR=target/bench-pg
export JWT_SECRET=bench-secret-bench-secret-bench-secret-0123
export BCRYPT_COST=${BCRYPT_COST:-12}
export LEPTOS_SITE_ADDR=127.0.0.1:3100
rm -rf target/bench-pg target/bench-pg.password

true # built already
seed_output=$(target/release/ragsites-portal seed)
key=$(echo "$seed_output" | grep -Eo 'rsk_[a-z0-9]{8}_[a-z0-9]{32}' | head -1)
LEPTOS_OUTPUT_NAME=ragsites-portal LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_HASH_FILES=true RUST_LOG=warn target/release/ragsites-portal &
server=$!
trap 'kill -INT $server; wait $server' EXIT
until curl -sf http://$LEPTOS_SITE_ADDR/readyz >/dev/null; do sleep 0.5; done
# The demo client's plan (Growth: a million requests a month) would refuse the run after a few
# seconds: take it off its plan, so the quota check runs (from its cache) and allows everything.
PGPASSWORD=$(cat target/bench-pg.password) psql -qAt -h 127.0.0.1 -U postgres \
  -p "$(sed -n 4p target/bench-pg/postmaster.pid)" -d ragsites \
  -c "UPDATE users SET plan_id = NULL WHERE email = 'demo@ragsites.com'" >/dev/null

cat >target/bench-ingest.lua <<'LUA'
-- Each request: BATCH fresh events (ids never repeat), timestamps now, varied latencies. Every
-- other event carries the AI fields: a conversation of 4 turns, an end user of 10,000, a
-- channel, a call length, and a rating on one in three of those.
local batch = tonumber(os.getenv("BATCH"))
local channels = { "web", "whatsapp", "phone", "slack" }
local counter = 0
-- Every wrk thread gets its own id (set in setup), so event ids never collide between threads.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", os.time() .. "-" .. threads)
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  local now = os.date("!%Y-%m-%dT%H:%M:%SZ")
  local parts = {}
  for i = 1, batch do
    local ok = math.random() > 0.03
    local ai = ""
    if AI_OFF then
      ai = string.format(',"conversation_id":"%s-%d-c%d","end_user":"user-%d","channel":"%s","duration_ms":%d%s',
        thread_id, counter, math.floor(i / 8), math.random(1, 10000), channels[math.random(1, 4)], math.random(2000, 60000),
        math.random() < 0.33 and string.format(',"feedback":%d', math.random(-1, 1)) or "")
    end
    parts[i] = string.format(
      '{"id":"%s-%d-%d","timestamp":"%s","latency_ms":%d,"status":"%s"%s,"model":"model-%d","tokens_in":%d,"tokens_out":%d,"cost_usd":0.0004%s}',
      thread_id, counter, i, now, math.floor(50 + math.random() ^ 3 * 4000), ok and "success" or "error",
      ok and "" or ',"error_kind":"timeout"', math.random(1, 3), math.random(100, 2000), math.random(20, 400), ai)
  end
  return wrk.format(nil, nil, nil, '{"events":[' .. table.concat(parts, ",") .. ']}')
end
LUA

rss() { awk '/VmRSS/ {print $2 " kB"}' /proc/$server/status; }
token=$(curl -sf -X POST http://$LEPTOS_SITE_ADDR/api/auth/login -H 'content-type: application/json' \
  -d '{"email":"demo@ragsites.com","password":"Demo@123456"}' | sed -E 's/.*"token":"([^"]+)".*/\1/')
stored() {
  curl -sf "http://$LEPTOS_SITE_ADDR/api/v1/analytics/summary?range=24h" -H "Authorization: Bearer $token" |
    sed -E 's/^\{"total_requests":([0-9]+).*/\1/'
}
stored_before=$(stored)
echo
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== ingestion: batches of $BATCH events, $CONNECTIONS connections, $DURATION, wrk over loopback"
echo "server memory before: $(rss)"

wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $key" -s target/bench-ingest.lua \
  "http://$LEPTOS_SITE_ADDR/api/v1/events" | tee target/bench-ingest.txt | grep -E "Latency|50%|99%|Requests/sec|Non-2xx"
echo "server memory after:  $(rss)"
seconds=$(awk '/requests in/ {d = $4; sub(/,$/, "", d); if (d ~ /m$/) {sub(/m$/, "", d); d *= 60} else {sub(/s$/, "", d)}; print d}' target/bench-ingest.txt)
accepted=$(( $(stored) - stored_before ))
echo "events accepted and committed: $accepted in ${seconds}s = $(awk -v a="$accepted" -v s="$seconds" 'BEGIN {printf "%.0f", a / s}') events/s"
