#!/usr/bin/env bash
# `make test`: every Rust test against a real PostgreSQL, then the Playwright suite in
# Debian's Chromium against the portal served on a fresh embedded database.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> Rust tests"
cargo test --features ssr

echo "==> end-to-end tests"
# A fresh database for every run, seeded with the demo account.
export EMBEDDED_PG_DIR=target/e2e-pg
rm -rf target/e2e-pg target/e2e-pg.password
cargo leptos build
# A known admin password for this throwaway database only (the admin tests sign in with it).
export ADMIN_PASSWORD="E2e-admin-$(date +%s)!"
target/debug/ragsites-portal seed
cargo leptos end-to-end
