#!/usr/bin/env bash
# Benchmark: sign-in latency and throughput at BCRYPT_COST (default 12), the latency of a
# signed-in page while sign-ins flood the server, and whether "forgot password" takes the same
# time for an address with an account as for one without. Runs the release build on its own embedded
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
# Section 4 registers accounts and asks for reset mails from many client addresses (given as
# X-Forwarded-For by this script, the one trusted proxy) so that no limit answers for the code.
export TRUSTED_PROXIES=127.0.0.1/32
export REGISTRATIONS_PER_HOUR=100000
FORGOT_SAMPLES=${FORGOT_SAMPLES:-200}
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

echo
echo "== 4. POST /api/auth/forgot-password: $FORGOT_SAMPLES addresses with an account, $FORGOT_SAMPLES without, interleaved, one at a time"
api=http://$LEPTOS_SITE_ADDR/api/auth
register_known() {
  curl -sf -o /dev/null -X POST "$api/register" -H 'content-type: application/json' \
    -H "X-Forwarded-For: 10.1.$(($1 / 250)).$(($1 % 250))" \
    -d "{\"name\":\"Known $1\",\"email\":\"known$1@bench.example\",\"password\":\"Bench!pass1\"}"
}
export -f register_known
export api
seq 1 "$FORGOT_SAMPLES" | xargs -P "$(nproc)" -n 1 bash -c 'register_known "$0"'
forgot() {
  curl -s -o /dev/null -w "$1 %{http_code} %{time_total}\n" -X POST "$api/forgot-password" \
    -H 'content-type: application/json' -H "X-Forwarded-For: $3" -d "{\"email\":\"$2\"}"
}
for i in $(seq 1 "$FORGOT_SAMPLES"); do
  forgot known "known$i@bench.example" "10.2.$((i / 250)).$((i % 250))"
  forgot unknown "nobody$i@bench.example" "10.3.$((i / 250)).$((i % 250))"
done >target/bench-forgot.txt
for group in known unknown; do
  awk -v g="$group" '$1 == g { if ($2 != 202) bad++; print $3 * 1000 }
    END { if (bad) { print g ": " bad " answers were not 202" > "/dev/stderr"; exit 1 } }' target/bench-forgot.txt |
    sort -n | awk -v g="$group" '{ t[NR] = $1; sum += $1 }
      END { printf "%-8s n=%d  mean %.2f ms  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms\n", g, NR, sum / NR, t[int(NR * 0.5)], t[int(NR * 0.9)], t[int(NR * 0.99)] }'
done

