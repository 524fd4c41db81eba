import { defineConfig, devices } from "@playwright/test";

// The server is started by `cargo leptos end-to-end` (see the Makefile's `test` target);
// global-setup waits until it answers. Set BASE_URL to test another running portal.
const baseURL = process.env.BASE_URL ?? "http://127.0.0.1:3000";

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
  globalSetup: "./global-setup.ts",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  // In CI one worker: two browsers, the debug server and PostgreSQL on two cores made sign-ins
  // and hydration queue past the timeouts.
  workers: process.env.CI ? 1 : 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  outputDir: "test-results",
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
