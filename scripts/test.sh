#!/usr/bin/env bash
# `make test`: every Rust test against a real PostgreSQL, then the Playwright suite in
# Debian's Chromium against the portal served on a fresh embedded database.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> Rust tests"
cargo test --features ssr

echo "==> end-to-end tests"
# Against the release build, as `make run` serves it (a debug build hid a release WASM that
# never started), on a fresh database seeded with the demo account. Playwright starts the
# portal itself (end2end/playwright.config.ts) and refuses to run if something already
# listens on its port: every run gets a fresh server and database.
export EMBEDDED_PG_DIR=target/e2e-pg
rm -rf target/e2e-pg target/e2e-pg.password target/e2e-mail
export JWT_SECRET="e2e-only-secret-$(head -c 24 /dev/urandom | base64 -w0)"
export COOKIE_SECURE=false
# The specs register a few dozen clients, all from 127.0.0.1.
export REGISTRATIONS_PER_HOUR=1000
# The server's clock stands still mid-hour, mid-month (as in the integration tests): the
# seed, the windows and every timestamp the specs send derive from it, so no figure depends
# on the day or the hour of the run.
export FIXED_CLOCK=2026-11-16T10:30:00Z
cargo leptos build --release --precompress
PORTAL_BIN=$(realpath "${CARGO_TARGET_DIR:-target}/release/ragsites-portal")
export PORTAL_BIN
# A known admin password for this throwaway database only (the admin tests sign in with it).
export ADMIN_PASSWORD="E2e-admin-$(head -c 12 /dev/urandom | base64 -w0 | tr -d '/+=')!"
"$PORTAL_BIN" seed
# CI mode whoever calls: `test.only` fails the run, and one worker (see the config).
(cd end2end && CI=true npx playwright test)
