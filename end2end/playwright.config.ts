import { defineConfig, devices } from "@playwright/test";

// `make test` (scripts/test.sh) builds the release portal, seeds a fresh database and runs this
// suite, which starts the portal itself: a fresh server per run, never one left over from an
// earlier run (its sign-in limits and data would leak into this one). Playwright refuses to
// start when something already listens on the port.
//
// Development: set BASE_URL to test a portal that is already running (`cargo leptos watch`,
// `make run`); that portal must run with the same FIXED_CLOCK as this suite
// (e.g. `FIXED_CLOCK=2026-11-16T10:30:00Z` for both) and have the seeded demo account.
const external = process.env.BASE_URL;
const baseURL = external ?? "http://127.0.0.1:3000";

// Every timestamp the specs send is built from the server's fixed clock (see tests/helpers.ts).
if (!process.env.FIXED_CLOCK) {
  throw new Error("Set FIXED_CLOCK (RFC 3339), the instant the portal's clock stands at: scripts/test.sh does.");
}

// The SMTP sink's port, and where it writes the mail it receives (relative to the project root;
// scripts/test.sh empties it before a run).
const SMTP_PORT = 2525;
const MAIL_DIR = "target/e2e-mail";

// The OpenID Connect provider the portal offers as "Local ID" (oidc-provider.mjs; its forger's
// port is unused here).
const OIDC_PORT = 4010;
const OIDC_PROVIDERS = JSON.stringify([
  {
    name: "local",
    label: "Local ID",
    issuer: `http://127.0.0.1:${OIDC_PORT}`,
    client_id: "portal",
    client_secret: "portal-secret",
  },
]);

// scripts/test.sh sets CI=true, as CI does: `test.only` fails the run and one worker runs.
const ci = !!process.env.CI;

// Debian's Chromium: Playwright cannot download its own browser on these machines.
const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
  ],
};

export default defineConfig({
  testDir: "./tests",
  globalSetup: external ? "./global-setup.ts" : undefined,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  // One worker in CI: two browsers, the server and PostgreSQL on two cores made sign-ins and
  // hydration queue past the timeouts.
  workers: ci ? 1 : 2,
  retries: 0,
  forbidOnly: ci,
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  outputDir: "test-results",
  webServer: external
    ? undefined
    : [
        {
          // A real SMTP server the portal sends its mail to; the specs read what it received
          // (tests/mail.ts).
          command: `node end2end/smtp-sink.mjs ${SMTP_PORT} ${MAIL_DIR}`,
          cwd: "..",
          port: SMTP_PORT,
          reuseExistingServer: false,
          stdout: "ignore",
          stderr: "pipe",
        },
        {
          // A real OpenID Connect provider to sign in with (tests/identities.ts).
          command: `node end2end/oidc-provider.mjs ${OIDC_PORT} 4011 ${new URL(baseURL).origin}`,
          cwd: "..",
          port: OIDC_PORT,
          reuseExistingServer: false,
          stdout: "ignore",
          stderr: "ignore",
        },
        {
          // The release build of scripts/test.sh, run from the project root with the variables
          // `cargo leptos serve` would set from Cargo.toml's [package.metadata.leptos].
          command: `${process.env.PORTAL_BIN ?? "target/release/ragsites-portal"} serve`,
          cwd: "..",
          url: `${baseURL}/readyz`,
          reuseExistingServer: false,
          // The first start initialises the embedded PostgreSQL.
          timeout: 120_000,
          // SIGTERM lets the portal stop its embedded PostgreSQL (a daemon in its own session,
          // which killing the process group would leave running).
          gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
          stdout: "ignore",
          stderr: "pipe",
          env: {
            LEPTOS_OUTPUT_NAME: "ragsites-portal",
            LEPTOS_SITE_ROOT: "target/site",
            LEPTOS_SITE_PKG_DIR: "pkg",
            LEPTOS_SITE_ADDR: new URL(baseURL).host,
            LEPTOS_HASH_FILES: "true",
            SMTP_URL: `smtp://127.0.0.1:${SMTP_PORT}`,
            APP_URL: new URL(baseURL).origin,
            OIDC_PROVIDERS,
            // The same provider answers as a GitHub Enterprise Server would.
            GITHUB_CLIENT_ID: "github-app",
            GITHUB_CLIENT_SECRET: "github-secret",
            GITHUB_URL: `http://127.0.0.1:${OIDC_PORT}`,
            GITHUB_API_URL: `http://127.0.0.1:${OIDC_PORT}/api/v3`,
          },
        },
      ],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions,
  },
  projects: [
    { name: "chromium", use: { ...devices["Desktop Chrome"], launchOptions }, testIgnore: /no-js/ },
    {
      name: "no-js",
      use: { ...devices["Desktop Chrome"], launchOptions, javaScriptEnabled: false },
      testMatch: /no-js/,
    },
  ],
});
