#!/usr/bin/env bash
# `make run`: builds the release portal, seeds the demo data and serves it on the embedded
# PostgreSQL at http://127.0.0.1:3000 (set DATABASE_URL to use another server).
set -euo pipefail
cd "$(dirname "$0")/.."

# A release build refuses to start without a real secret: keep a generated one for local runs.
if [[ -z "${JWT_SECRET:-}" ]]; then
  secret_file=target/local-jwt-secret
  if [[ ! -s $secret_file ]]; then
    mkdir -p target
    (umask 077 && head -c 48 /dev/urandom | base64 -w0 >"$secret_file")
  fi
  JWT_SECRET=$(cat "$secret_file")
  export JWT_SECRET
  echo "JWT_SECRET is not set: using the local secret kept in $secret_file"
fi
# Served over plain http on loopback: the session cookie cannot be marked Secure here.
export COOKIE_SECURE="${COOKIE_SECURE:-false}"

cargo leptos build --release --precompress
target/release/ragsites-portal seed
cat <<MSG

  RagSites Portal: http://127.0.0.1:3000
  Demo sign-in:    demo@ragsites.com / Demo@123456

MSG
exec cargo leptos serve --release --precompress
