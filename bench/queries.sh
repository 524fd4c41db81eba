#!/usr/bin/env bash
# Benchmark: the analytics queries behind a 30-day dashboard over a large data set. Builds the
# data with `seed --scale` (the demo month through the ingestion code, SCALE times over: 130 is
# about 10 million events; kept in target/bench-queries-pg between runs), then drives the
# release server with wrk over loopback and prints p50/p95/p99 per endpoint.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { echo "==> installing wrk"; apt-get install -y -qq wrk >/dev/null; }
SCALE=${SCALE:-130}
DURATION=${DURATION:-15s}
export EMBEDDED_PG_DIR=target/bench-queries-pg
export JWT_SECRET=bench-secret-bench-secret-bench-secret-0123
export LEPTOS_SITE_ADDR=127.0.0.1:3100
export RUST_LOG=warn

cargo leptos build --release
echo "==> building the data set (scale $SCALE; skipped where already there)"
time target/release/ragsites-portal seed --scale "$SCALE" | grep "Demo traffic"
LEPTOS_OUTPUT_NAME=ragsites-portal LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_HASH_FILES=true target/release/ragsites-portal &
server=$!
trap 'kill -INT $server; wait $server' EXIT
until curl -sf http://$LEPTOS_SITE_ADDR/healthz >/dev/null; do sleep 0.5; done
token=$(curl -sf -X POST http://$LEPTOS_SITE_ADDR/api/auth/login -H 'content-type: application/json' \
  -d '{"email":"demo@ragsites.com","password":"Demo@123456"}' | sed -E 's/.*"token":"([^"]+)".*/\1/')

cat >target/bench-percentiles.lua <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("    p50 %.2f ms   p95 %.2f ms   p99 %.2f ms   %.0f req/s\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
LUA

echo
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
events=$(curl -sf "http://$LEPTOS_SITE_ADDR/api/v1/analytics/summary?range=90d" -H "Authorization: Bearer $token" |
  sed -E 's/^\{"total_requests":([0-9]+).*/\1/')
echo "== $events events stored for the demo user; 30-day views, 4 connections, $DURATION each"
for endpoint in summary timeseries breakdown; do
  echo "GET /api/v1/analytics/$endpoint?range=30d"
  wrk -t2 -c4 -d"$DURATION" -s target/bench-percentiles.lua -H "Authorization: Bearer $token" \
    "http://$LEPTOS_SITE_ADDR/api/v1/analytics/$endpoint?range=30d" | tail -1
done
