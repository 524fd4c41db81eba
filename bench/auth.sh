#!/usr/bin/env bash
# Benchmark: sign-in latency and throughput at BCRYPT_COST (default 12), and the latency of a
# signed-in page while sign-ins flood the server. Runs the release build on its own embedded
# database, drives it with wrk over loopback, prints the figures and the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { echo "==> installing wrk"; apt-get install -y -qq wrk >/dev/null; }
DURATION=${DURATION:-20s}
export BCRYPT_COST=${BCRYPT_COST:-12}
export EMBEDDED_PG_DIR=target/bench-pg
export JWT_SECRET=bench-secret-bench-secret-bench-secret-0123
export COOKIE_SECURE=false
export LEPTOS_SITE_ADDR=127.0.0.1:3100
rm -rf target/bench-pg target/bench-pg.password

cargo leptos build --release
target/release/ragsites-portal seed >/dev/null
# Run the server the way cargo-leptos does (its environment), in the background.
LEPTOS_OUTPUT_NAME=ragsites-portal LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_HASH_FILES=true RUST_LOG=warn target/release/ragsites-portal &
server=$!
trap 'kill -INT $server; wait $server' EXIT
until curl -sf http://$LEPTOS_SITE_ADDR/readyz >/dev/null; do sleep 0.5; done

token=$(curl -sf -X POST http://$LEPTOS_SITE_ADDR/api/auth/login -H 'content-type: application/json' \
  -d '{"email":"demo@ragsites.com","password":"Demo@123456"}' | sed -E 's/.*"token":"([^"]+)".*/\1/')

cat >target/bench-login.lua <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"demo@ragsites.com","password":"Demo@123456"}'
LUA

echo
echo "== machine"
echo "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "bcrypt cost $BCRYPT_COST, $DURATION per run, wrk over loopback"

echo
echo "== 1. sign-in alone (POST /api/auth/login, 4 connections)"
wrk -t2 -c4 -d"$DURATION" --latency -s target/bench-login.lua "http://$LEPTOS_SITE_ADDR/api/auth/login" | grep -E "Latency|50%|99%|Requests/sec"

echo
echo "== 2. signed-in page alone (GET /dashboard, 4 connections)"
wrk -t2 -c4 -d"$DURATION" --latency -H "Cookie: ragsites_session=$token" "http://$LEPTOS_SITE_ADDR/dashboard" | grep -E "Latency|50%|99%|Requests/sec"

echo
echo "== 3. signed-in page while 32 connections flood sign-in"
wrk -t1 -c32 -d"$DURATION" -s target/bench-login.lua "http://$LEPTOS_SITE_ADDR/api/auth/login" >target/bench-flood.txt &
flood=$!
sleep 2
wrk -t1 -c4 -d"$DURATION" --latency -H "Cookie: ragsites_session=$token" "http://$LEPTOS_SITE_ADDR/dashboard" | grep -E "Latency|50%|99%|Requests/sec"
wait $flood
echo "-- the flood itself:"; grep -E "Latency|Requests/sec" target/bench-flood.txt
