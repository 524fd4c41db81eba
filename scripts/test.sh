#!/usr/bin/env bash
# `make test`: every Rust test against a real PostgreSQL, then the Playwright suite in
# Debian's Chromium against the portal served on a fresh embedded database.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> Rust tests"
cargo test --features ssr

echo "==> end-to-end tests"
# Against the release build, as `make run` serves it (a debug build hid a release WASM that
# never started), on a fresh database seeded with the demo account.
export EMBEDDED_PG_DIR=target/e2e-pg
rm -rf target/e2e-pg target/e2e-pg.password
export JWT_SECRET="e2e-only-secret-$(head -c 24 /dev/urandom | base64 -w0)"
export COOKIE_SECURE=false
cargo leptos build --release --precompress
# A known admin password for this throwaway database only (the admin tests sign in with it).
export ADMIN_PASSWORD="E2e-admin-$(date +%s)!"
target/release/ragsites-portal seed
cargo leptos end-to-end --release --precompress
