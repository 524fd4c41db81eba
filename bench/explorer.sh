#!/usr/bin/env bash
# Benchmark: the event explorer's first page for each single filter over a large data set. The
# data set is bench/queries.sh's (`seed --scale`, in target/bench-queries-pg: SCALE 65 is about
# 10 million events; SEED=0 reuses it as it is). Drives the server with wrk over loopback, one
# connection, and prints p50/p95/p99 per filter, for the JSON API and for the page (a run whose
# requests fail or time out, wrk's 2 s, says FAILED and the script goes on).
# PROFILE=debug measures a debug build (minutes to build instead of the release build's ~8).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { echo "==> installing wrk"; apt-get install -y -qq wrk >/dev/null; }
command -v jq >/dev/null || { echo "==> installing jq"; apt-get install -y -qq jq >/dev/null; }
SCALE=${SCALE:-65}
DURATION=${DURATION:-10s}
PROFILE=${PROFILE:-release}
export EMBEDDED_PG_DIR=${EMBEDDED_PG_DIR:-target/bench-queries-pg}
export JWT_SECRET=bench-secret-bench-secret-bench-secret-0123
export COOKIE_SECURE=false
export LEPTOS_SITE_ADDR=127.0.0.1:3100
export RUST_LOG=warn

# BUILD=0 measures the binary already built.
if [[ $PROFILE == release ]]; then
  [[ ${BUILD:-1} == 0 ]] || cargo leptos build --release --precompress
  export LEPTOS_HASH_FILES=true
else
  # The server only: the pages are measured as HTML, without their script and style.
  [[ ${BUILD:-1} == 0 ]] || cargo build --features ssr
fi
portal=target/$PROFILE/ragsites-portal
if [[ "${SEED:-1}" == 1 ]]; then
  echo "==> building the data set (scale $SCALE; hours already there are skipped)"
  time "$portal" seed --scale "$SCALE" | grep "Demo traffic"
fi
LEPTOS_OUTPUT_NAME=ragsites-portal LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg "$portal" &
server=$!
trap 'kill -INT $server; wait $server' EXIT
until curl -sf http://$LEPTOS_SITE_ADDR/readyz >/dev/null; do sleep 0.5; done
token=$(curl -sf -X POST http://$LEPTOS_SITE_ADDR/api/auth/login -H 'content-type: application/json' \
  -d '{"email":"demo@ragsites.com","password":"Demo@123456"}' | jq -r .token)
api() { curl -sf "http://$LEPTOS_SITE_ADDR$1" -H "Authorization: Bearer $token"; }

cat >target/bench-explorer.lua <<'LUA'
done = function(summary, latency, requests)
  -- Figures of error answers (a 422 for a filter, a redirect to sign-in) would be figures of nothing.
  local e = summary.errors
  local failed = e.status + e.connect + e.read + e.write + e.timeout
  if failed > 0 then
    io.write(string.format("FAILED: %d of %d requests got an error answer (4xx/5xx) or none\n", failed, summary.requests))
    os.exit(1)
  end
  io.write(string.format("p50 %6.2f ms   p95 %6.2f ms   p99 %6.2f ms   %5.0f req/s\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
LUA

echo
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
# The demo service with the most events in the last 90 days, and values its events hold.
service=$(api "/api/v1/analytics/breakdown?range=90d" | jq -r '.services | max_by(.requests) | .service_id')
stored=$(api "/api/v1/analytics/summary?range=90d&service=$service" | jq .total_requests)
echo "== service $service: $stored events in the last 90 days, $(api "/api/v1/analytics/summary?range=90d" | jq .total_requests) for the demo user"
newest=$(api "/api/v1/services/$service/events")
# The value of `field` least frequent among the newest events (a rarer value is a longer
# search), or one no event has when none of them has the field.
value() {
  local v
  v=$(echo "$newest" | jq -r --arg f "$1" \
    '[.events[][$f] | select(. != null)] | group_by(.) | sort_by(length) | (.[0][0] // empty)')
  if [[ -z $v ]]; then
    v="none-such-$1"
    echo "   (no recent event has a $1: measured with $v, which matches nothing)" >&2
  fi
  printf '%s' "$v" | jq -sRr @uri
}
error_kind=$(api "/api/v1/services/$service/events?status=error" | jq -r '.events[0].error_kind // "none-such"')
# The service's least used model over 90 days (the rollups know them all): the longest search a
# model filter can make while finding anything.
rare_model=$(api "/api/v1/analytics/breakdown?range=90d&service=$service" | jq -r '.models | min_by(.requests) | .model')
day=$(date -u -d '20 days ago' +%F)
filters=(
  ""
  "range=24h"
  "range=30d"
  "from=$day&to=$day"
  "status=success"
  "status=error"
  "error_kind=$(printf '%s' "$error_kind" | jq -sRr @uri)"
  "model=$(value model)"
  "model=$(printf '%s' "$rare_model" | jq -sRr @uri)"
  "end_user=$(value end_user)"
  "conversation=$(value conversation_id)"
  "channel=$(value channel)"
  "feedback=1"
  "feedback=0"
  "feedback=-1"
  "feedback=none"
)
# More filters to time, separated by spaces (EXTRA_FILTERS="model=gpt-4o channel=fax").
read -r -a extra <<<"${EXTRA_FILTERS:-}"
filters+=("${extra[@]}")

bench() {
  local url=$1
  wrk -t1 -c1 -d"$DURATION" -s target/bench-explorer.lua -H "Authorization: Bearer $token" \
    -H "Cookie: ragsites_session=$token" "$url" | tail -1 || true
}
echo "== the first page (50 events, newest first) for each single filter, $DURATION each on 1 connection"
printf '%-44s %8s   %s\n' "filter" "events" "API · page"
for filter in "${filters[@]}"; do
  found=$(api "/api/v1/services/$service/events?$filter" | jq '.events | length')
  printf '%-44s %8s\n' "${filter:-(none)}" "$found"
  printf '    %-8s' API
  bench "http://$LEPTOS_SITE_ADDR/api/v1/services/$service/events?$filter"
  printf '    %-8s' page
  bench "http://$LEPTOS_SITE_ADDR/services/$service/events?$filter"
done
