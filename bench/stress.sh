#!/usr/bin/env bash
# Benchmark: many connections and a database outage. A release server on its own embedded
# PostgreSQL takes CONNECTIONS (1,000) concurrent connections for DURATION (60 s) on a mix of
# `/`, the signed-in `/dashboard`, the summary API and ingestion (one wrk per route, the
# connections split between them); then the same load again while PostgreSQL is stopped for
# OUTAGE (10 s) in the middle. Prints, per route and phase, the answers by status, wrk's socket
# errors and the p50/p99 latency; the time the server took to answer 200 again after PostgreSQL
# came back; and the ingested events that got 202 against the events in the database.
# Then the fuzzers at FUZZ_CASES (100,000) cases each.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { echo "==> installing wrk"; apt-get install -y -qq wrk >/dev/null; }
DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-1000}
OUTAGE=${OUTAGE:-10}
FUZZ_CASES=${FUZZ_CASES:-100000}
export BATCH=${BATCH:-50}
export EMBEDDED_PG_DIR=target/bench-pg
export JWT_SECRET=bench-secret-bench-secret-bench-secret-0123
export COOKIE_SECURE=false
export LEPTOS_SITE_ADDR=127.0.0.1:3100
export METRICS_ADDR=127.0.0.1:3102
site=http://$LEPTOS_SITE_ADDR
# 1,000 client sockets and as many server sockets, plus PostgreSQL's.
ulimit -n "$(ulimit -Hn)"
rm -rf target/bench-pg target/bench-pg.password

cargo leptos build --release
key=$(target/release/ragsites-portal seed | grep -Eo 'rsk_[a-z0-9]{8}_[a-z0-9]{32}' | head -1)
LEPTOS_OUTPUT_NAME=ragsites-portal LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_HASH_FILES=true RUST_LOG=warn,ragsites_portal=error target/release/ragsites-portal \
  >target/bench-stress-server.log 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server' EXIT
until curl -sf $site/readyz >/dev/null; do sleep 0.5; done
# The demo client's plan quota would refuse ingestion part-way: take it off its plan.
PGPASSWORD=$(cat target/bench-pg.password) psql -qAt -h 127.0.0.1 -U postgres \
  -p "$(sed -n 4p target/bench-pg/postmaster.pid)" -d ragsites \
  -c "UPDATE users SET plan_id = NULL WHERE email = 'demo@ragsites.com'" >/dev/null
token=$(curl -sf -X POST $site/api/auth/login -H 'content-type: application/json' \
  -d '{"email":"demo@ragsites.com","password":"Demo@123456"}' | sed -E 's/.*"token":"([^"]+)".*/\1/')

# Counts the answers by status; the ingestion requests send BATCH events with fresh ids.
cat >target/bench-stress.lua <<'LUA'
local threads = {}
local batch = tonumber(os.getenv("BATCH"))
local counter = 0
function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", os.getenv("PHASE") .. "-" .. #threads)
end
function init(args)
  statuses = {}
  ingest = args[1] == "ingest"
  if ingest then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
  end
end
function request()
  if not ingest then return wrk.request() end
  counter = counter + 1
  local now = os.date("!%Y-%m-%dT%H:%M:%SZ")
  local parts = {}
  for i = 1, batch do
    parts[i] = string.format('{"id":"%s-%d-%d","timestamp":"%s","latency_ms":%d,"status":"success"}',
      thread_id, counter, i, now, math.random(50, 2000))
  end
  return wrk.format(nil, nil, nil, '{"events":[' .. table.concat(parts, ",") .. ']}')
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + n end
  end
  local line = {}
  for status, n in pairs(total) do table.insert(line, status .. ": " .. n) end
  table.sort(line)
  local e = summary.errors
  io.write(string.format("  answers %s | socket errors connect %d, read %d, write %d, timeout %d | p50 %.1f ms, p99 %.1f ms\n",
    table.concat(line, ", "), e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  io.write(string.format("  accepted-batches %d\n", total[202] or 0))
end
LUA

stored() {
  curl -sf "$site/api/v1/analytics/summary?range=24h" -H "Authorization: Bearer $token" |
    sed -E 's/^\{"total_requests":([0-9]+).*/\1/'
}

# One wrk per route, the connections split 3:3:3:1 (ingestion batches are heavier).
load() {
  local phase=$1 per=$((CONNECTIONS * 3 / 10)) ingest=$((CONNECTIONS - 3 * (CONNECTIONS * 3 / 10)))
  # wrk waits longer than the server's 20 s database queue: a request the server still
  # serves is not cut off and counted as an error.
  local run="wrk -t1 -d${DURATION}s --timeout 30s -s target/bench-stress.lua"
  PHASE=$phase $run -c$per "$site/" >target/bench-stress-home.txt &
  PHASE=$phase $run -c$per -H "Cookie: ragsites_session=$token" "$site/dashboard" >target/bench-stress-dashboard.txt &
  PHASE=$phase $run -c$per -H "Authorization: Bearer $token" "$site/api/v1/analytics/summary?range=7d" \
    >target/bench-stress-summary.txt &
  PHASE=$phase $run -c$ingest -H "Authorization: Bearer $key" "$site/api/v1/events" -- ingest \
    >target/bench-stress-ingest.txt &
}
report() {
  for route in home dashboard summary ingest; do
    echo "- $route ($(awk '/requests in/ {print $1}' target/bench-stress-$route.txt) requests)"
    grep -E "answers" target/bench-stress-$route.txt
  done
}
# The server's own count of 5xx answers by route since it started (from its metrics).
server_errors() {
  curl -sf "http://$METRICS_ADDR/metrics" | grep -E '^http_requests_total\{.*status="5' |
    sed -E 's/.*route="([^"]*)",status="([0-9]+)"\} ([0-9]+)/    \1 \2: \3/' || echo "    none"
}
accepted_events() { awk '/accepted-batches/ {print $2 * ENVIRON["BATCH"]}' target/bench-stress-ingest.txt; }

echo
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== 1. $CONNECTIONS connections for ${DURATION}s"
before=$(stored)
load steady
wait $(jobs -p | grep -v "^$server$")
report
echo "  events: $(accepted_events) acknowledged (202), $(($(stored) - before)) stored"
echo "  5xx by route, as the server counted them:"
server_errors

echo
echo "== 2. the same, PostgreSQL stopped for ${OUTAGE}s after $((DURATION / 3))s"
pg=target/bench-pg
port=$(sed -n 4p $pg/postmaster.pid)
before=$(stored)
load outage
sleep $((DURATION / 3))
runuser -u postgres -- pg_ctl -D "$pg" -m fast -w stop >/dev/null
echo "  PostgreSQL stopped at $(date +%T)"
sleep "$OUTAGE"
runuser -u postgres -- pg_ctl -D "$pg" -l "$pg/server.log" -w start \
  -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=" >/dev/null
back=$(date +%s.%N)
echo "  PostgreSQL back at $(date +%T)"
until [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: ragsites_session=$token" $site/dashboard) == 200 ]]; do
  sleep 0.05
done
echo "  /dashboard answered 200 again $(awk -v b="$back" -v n="$(date +%s.%N)" 'BEGIN {printf "%.2f", n - b}') s after PostgreSQL was back"
wait $(jobs -p | grep -v "^$server$")
report
echo "  events: $(accepted_events) acknowledged (202), $(($(stored) - before)) stored"
echo "  5xx by route since the start, as the server counted them:"
server_errors
echo "  server log: $(grep -c panicked target/bench-stress-server.log || true) panics; errors:"
# The errors by message (without colours, time and request fields), most frequent first.
sed -E 's/\x1b\[[0-9;]*m//g' target/bench-stress-server.log | grep -E "^[^ ]+ +ERROR" |
  sed -E 's/^[^ ]+ +ERROR +//; s/ (latency|id)=[^ ]+//g' | sort | uniq -c | sort -rn | head -5 || true

echo
echo "== 3. two server processes on one database"
# Process B serves on 3101 from the same database as A.
password=$(cat target/bench-pg.password)
env -u METRICS_ADDR DATABASE_URL="postgres://postgres:$password@127.0.0.1:$port/ragsites" LEPTOS_SITE_ADDR=127.0.0.1:3101 \
  LEPTOS_OUTPUT_NAME=ragsites-portal LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_HASH_FILES=true RUST_LOG=warn target/release/ragsites-portal >>target/bench-stress-server.log 2>&1 &
second=$!
trap 'kill -TERM $server $second 2>/dev/null; wait $server $second' EXIT
until curl -sf http://127.0.0.1:3101/readyz >/dev/null; do sleep 0.2; done
b_token=$(curl -sf -X POST http://127.0.0.1:3101/api/auth/login -H 'content-type: application/json' \
  -d '{"email":"demo@ragsites.com","password":"Demo@123456"}' | sed -E 's/.*"token":"([^"]+)".*/\1/')
# Each line the stream on B sends, stamped with the time it arrived.
stamp() { while IFS= read -r line; do echo "$(date +%s.%N) $line"; done; }
curl -sN "http://127.0.0.1:3101/api/v1/live?range=24h" -H "Authorization: Bearer $b_token" | stamp >target/bench-stress-live.txt &
live=$!
until grep -q "event: summary" target/bench-stress-live.txt 2>/dev/null; do sleep 0.05; done
sleep 1
sent=$(date +%s.%N)
curl -sf -o /dev/null -X POST "$site/api/v1/events" -H "Authorization: Bearer $key" -H 'content-type: application/json' \
  -d "{\"events\":[{\"id\":\"two-processes-$sent\",\"timestamp\":\"$(date -u +%FT%TZ)\",\"latency_ms\":120,\"status\":\"success\"}]}"
until [[ $(grep -c "event: summary" target/bench-stress-live.txt) -ge 2 ]]; do sleep 0.01; done
arrived=$(grep "event: summary" target/bench-stress-live.txt | sed -n 2p | cut -d' ' -f1)
echo "  an event ingested on A reached the stream on B after $(awk -v a="$arrived" -v s="$sent" 'BEGIN {printf "%.0f", (a - s) * 1000}') ms"
signed_out=$(date +%s.%N)
curl -sf -o /dev/null -X POST "$site/api/auth/logout" -H "Authorization: Bearer $b_token"
wait $live
ended=$(date +%s.%N)
echo "  a sign-out on A ended the stream on B after $(awk -v e="$ended" -v s="$signed_out" 'BEGIN {printf "%.0f", (e - s) * 1000}') ms"

echo
echo "== 4. fuzzers, $FUZZ_CASES cases each"
# The ingestion parser (arbitrary bytes and JSON), `next` and the sign-in and registration
# inputs (through the router); the debug build `make test` uses.
PROPTEST_CASES=$FUZZ_CASES cargo test --features ssr --lib -- fuzz next_is_always registration_rules 2>&1 |
  grep -E "^test |test result"
PROPTEST_CASES=$FUZZ_CASES cargo test --features ssr --test integration -- auth::fuzz 2>&1 | grep -E "^test |test result"
