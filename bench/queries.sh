#!/usr/bin/env bash
# Benchmark: the analytics queries and the server-rendered dashboard over a large data set, and
# what the browser downloads for the dashboard. Builds the data with `seed --scale` (the demo's
# two months through the ingestion code, SCALE times over: 65 is about 10 million events, a
# long job; kept in target/bench-queries-pg, SEED=0 reuses it as it is), then drives the
# release server with wrk over loopback and prints p50/p95/p99 per endpoint.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { echo "==> installing wrk"; apt-get install -y -qq wrk >/dev/null; }
SCALE=${SCALE:-65}
DURATION=${DURATION:-15s}
export EMBEDDED_PG_DIR=target/bench-queries-pg
export JWT_SECRET=bench-secret-bench-secret-bench-secret-0123
export COOKIE_SECURE=false
export LEPTOS_SITE_ADDR=127.0.0.1:3100
export RUST_LOG=warn

cargo leptos build --release --precompress
if [[ "${SEED:-1}" == 1 ]]; then
  echo "==> building the data set (scale $SCALE; hours already there are skipped)"
  time target/release/ragsites-portal seed --scale "$SCALE" | grep "Demo traffic"
fi
LEPTOS_OUTPUT_NAME=ragsites-portal LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_HASH_FILES=true target/release/ragsites-portal &
server=$!
trap 'kill -INT $server; wait $server' EXIT
until curl -sf http://$LEPTOS_SITE_ADDR/readyz >/dev/null; do sleep 0.5; done
token=$(curl -sf -X POST http://$LEPTOS_SITE_ADDR/api/auth/login -H 'content-type: application/json' \
  -d '{"email":"demo@ragsites.com","password":"Demo@123456"}' | sed -E 's/.*"token":"([^"]+)".*/\1/')

cat >target/bench-percentiles.lua <<'LUA'
done = function(summary, latency, requests)
  -- Figures of error answers (a redirect to sign-in, a 503) would be figures of nothing.
  local e = summary.errors
  local failed = e.status + e.connect + e.read + e.write + e.timeout
  if failed > 0 then
    io.write(string.format("    FAILED: %d of %d requests got an error answer (4xx/5xx) or none\n", failed, summary.requests))
    os.exit(1)
  end
  io.write(string.format("    p50 %.2f ms   p95 %.2f ms   p99 %.2f ms   %.0f req/s\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
LUA

echo
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
events() {
  curl -sf "http://$LEPTOS_SITE_ADDR/api/v1/analytics/summary?range=$1" -H "Authorization: Bearer $token" |
    sed -E 's/^\{"total_requests":([0-9]+).*/\1/'
}
echo "== $(events 90d) events stored for the demo user, $(events 30d) in the last 30 days"
figure() {
  curl -sf "http://$LEPTOS_SITE_ADDR/api/v1/analytics/$1?range=30d" -H "Authorization: Bearer $token" |
    grep -Eo "\"$2\":[0-9]+" | head -1 | cut -d: -f2
}
echo "== in the last 30 days: $(figure conversations conversations) conversations," \
  "$(figure users unique_end_users) unique end users"
# The dashboard keeps a view's figures until new events arrive: repeated views are cache hits.
# A first view is measured with a different 30-day window (an hour earlier) on every request.
# $1: the path asked for, $2: the script written.
first_views() {
  cat >"$2" <<LUA
counter = 0
request = function()
  counter = counter + 1
  local from = os.time() - 30 * 86400 - counter * 3600
  local at = function(t) return os.date("!%Y-%m-%dT%H%%3A00%%3A00Z", t) end
  return wrk.format(nil, "$1?range=custom&from=" .. at(from) .. "&to=" .. at(from + 30 * 86400))
end
LUA
  cat target/bench-percentiles.lua >>"$2"
}
first_views /dashboard target/bench-first-views.lua
first_views /api/v1/analytics/report.pdf target/bench-first-reports.lua

bench() {
  local connections=$1 script=$2 url=$3
  printf '  %2d conn.' "$connections"
  # A slow answer is measured, not dropped: wrk's own timeout (2 s) counts it as a failure.
  wrk -t1 -c"$connections" -d"$DURATION" --timeout 10s -s "$script" -H "Cookie: ragsites_session=$token" "$url" | tail -1
}
# wrk counts only 4xx/5xx as errors: a signed-out page (a redirect) must be caught here.
for path in dashboard api/v1/analytics/summary api/v1/analytics/conversations api/v1/analytics/users \
  api/v1/analytics/report.pdf; do
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: ragsites_session=$token" "http://$LEPTOS_SITE_ADDR/$path")
  [[ $status == 200 ]] || { echo "GET /$path answered $status, not 200: no figures" >&2; exit 1; }
done
echo "== 30-day views, $DURATION each, on 1 connection (time per request) and more"
for path in api/v1/analytics/summary api/v1/analytics/timeseries api/v1/analytics/breakdown \
  api/v1/analytics/conversations api/v1/analytics/users; do
  echo "GET /$path?range=30d"
  for connections in 1 4; do
    bench "$connections" target/bench-percentiles.lua "http://$LEPTOS_SITE_ADDR/$path?range=30d"
  done
done
echo "GET /dashboard?range=30d (repeated views: the figures come from the cache)"
for connections in 1 4 16; do
  bench "$connections" target/bench-percentiles.lua "http://$LEPTOS_SITE_ADDR/dashboard?range=30d"
done
echo "GET /dashboard, a new 30-day window each time (first views: the figures are computed)"
for connections in 1 4; do
  bench "$connections" target/bench-first-views.lua "http://$LEPTOS_SITE_ADDR/dashboard"
done
echo "GET /api/v1/analytics/report.pdf?range=30d (the PDF of the repeated view: figures from the cache)"
bench 1 target/bench-percentiles.lua "http://$LEPTOS_SITE_ADDR/api/v1/analytics/report.pdf?range=30d"
# The first views above left their windows' figures in the cache (a minute at most): wait them out.
sleep 61
echo "GET /api/v1/analytics/report.pdf, a new 30-day window each time (figures computed, then the PDF)"
bench 1 target/bench-first-reports.lua "http://$LEPTOS_SITE_ADDR/api/v1/analytics/report.pdf"
echo "    a 30-day report is $(curl -sf -o /dev/null -w '%{size_download}' -H "Cookie: ragsites_session=$token" \
  "http://$LEPTOS_SITE_ADDR/api/v1/analytics/report.pdf?range=30d") bytes"

# What the browser downloads for a page: the page itself and its assets (brotli, as served).
downloads() {
  local path=$1 page total
  page=$(curl -sf "http://$LEPTOS_SITE_ADDR$path" -H "Cookie: ragsites_session=$token")
  total=$(curl -sf -o /dev/null -w '%{size_download}' -H 'Accept-Encoding: br' \
    -H "Cookie: ragsites_session=$token" "http://$LEPTOS_SITE_ADDR$path")
  printf '    %-50s %8d bytes\n' "$path (the HTML)" "$total"
  for asset in $(echo "$page" | grep -Eo '/pkg/[^"]+\.(js|wasm|css)' | sort -u); do
    bytes=$(curl -sf -o /dev/null -w '%{size_download}' -H 'Accept-Encoding: br' "http://$LEPTOS_SITE_ADDR$asset")
    printf '    %-50s %8d bytes\n' "$asset" "$bytes"
    total=$((total + bytes))
  done
  echo "    total: $total bytes ($((total / 1024)) KiB)"
}
echo
echo "== what the browser downloads for /dashboard (brotli, as served)"
downloads /dashboard
echo "== what the browser downloads for /settings/profile, a page without islands"
downloads /settings/profile
