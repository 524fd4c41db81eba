import { randomUUID } from "node:crypto";
import {
  type APIRequestContext,
  type Browser,
  type BrowserContext,
  test as base,
  expect,
  type Page,
} from "@playwright/test";

/**
 * Every spec's `test`: it fails when any page of the test, in any of its browser contexts,
 * meets a Content-Security-Policy violation (the document's `securitypolicyviolation` event,
 * or Chromium's console message for it) or a malformed Permissions-Policy.
 */
export const test = base.extend<{ policyViolations: string[] }>({
  policyViolations: [
    async ({ context, browser }, use) => {
      const violations: string[] = [];
      await watchPolicies(context, violations);
      const restore = watchNewContexts(browser, violations);
      await use(violations);
      restore();
      expect(violations, "Content-Security-Policy or Permissions-Policy violations").toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };

const POLICY_MESSAGE = /Content Security Policy|Permissions-Policy|Refused to/i;

async function watchPolicies(context: BrowserContext, violations: string[]) {
  context.on("console", (message) => {
    if (POLICY_MESSAGE.test(message.text())) violations.push(`console: ${message.text()}`);
  });
  await context.exposeBinding("__reportPolicyViolation", ({ page }, text: string) => {
    violations.push(`${page.url()}: ${text}`);
  });
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      const where = `${e.sourceFile || "the document"}:${e.lineNumber}`;
      const report = (window as unknown as { __reportPolicyViolation: (text: string) => void })
        .__reportPolicyViolation;
      report(`${e.effectiveDirective} refused ${e.blockedURI || "inline"} at ${where}`);
    });
  });
}

/** Watches the contexts the test opens itself (`browser.newContext()`, `browser.newPage()`)
 * until the returned function restores the browser. */
function watchNewContexts(browser: Browser, violations: string[]): () => void {
  const newContext = browser.newContext;
  browser.newContext = async (options) => {
    const context = await newContext.call(browser, options);
    await watchPolicies(context, violations);
    return context;
  };
  return () => {
    browser.newContext = newContext;
  };
}

export const DEMO = { email: "demo@ragsites.com", password: "Demo@123456" };
export const PASSWORD = "Str0ng!pass";

/** An email no other test uses. */
export function uniqueEmail(tag: string): string {
  return `${tag}-${randomUUID()}@example.com`;
}

/**
 * The instant the portal's clock stands at: scripts/test.sh gives the seed and the server
 * FIXED_CLOCK. Every event time and calendar boundary of a spec derives from it, never from
 * the machine's clock, so no figure depends on the hour or the day of the run.
 */
export function serverNow(): Date {
  const fixed = process.env.FIXED_CLOCK;
  if (!fixed) throw new Error("FIXED_CLOCK is not set: the specs cannot know the portal's clock.");
  const at = new Date(fixed);
  if (Number.isNaN(at.getTime())) throw new Error(`FIXED_CLOCK is not a date: ${fixed}`);
  return at;
}

/** The server's now moved back by `hours`, as RFC 3339. */
export function hoursAgo(hours: number): string {
  return new Date(serverNow().getTime() - hours * 3_600_000).toISOString();
}

/** A calendar day (UTC) `days` before the server's today: 2026-11-06. */
export function dayAgo(days: number): string {
  return new Date(serverNow().getTime() - days * 86_400_000).toISOString().slice(0, 10);
}

/** An ingestion event: a success unless `error_kind` is given. */
export type Event = {
  id: string;
  timestamp: string;
  latency_ms: number;
  status?: "success" | "error";
  error_kind?: string;
  model?: string;
  tokens_in?: number;
  tokens_out?: number;
  cost_usd?: number;
  end_user?: string;
  conversation_id?: string;
  channel?: string;
  duration_ms?: number;
  feedback?: -1 | 0 | 1;
};

/** Sends a batch with a service key; every event must be accepted. */
export async function sendEvents(request: APIRequestContext, key: string, events: Event[]) {
  const batch = events.map((e) => ({ status: e.error_kind ? "error" : "success", ...e }));
  const response = await request.post("/api/v1/events", {
    headers: { Authorization: `Bearer ${key}` },
    data: { events: batch },
  });
  expect(response.status()).toBe(202);
  expect(await response.json()).toMatchObject({ accepted: events.length, duplicates: 0, rejected: [] });
}

/** Registers a fresh client in `page` (landing on the dashboard); returns its REST token. */
export async function freshClient(page: Page, request: APIRequestContext, name: string) {
  const email = uniqueEmail(name.toLowerCase().replace(/\W+/g, "-"));
  await register(page, name, email);
  await expect(page).toHaveURL(/\/dashboard$/);
  return { email, token: await apiToken(request, email, PASSWORD) };
}

export async function signIn(page: Page, email: string, password: string) {
  await page.goto("/auth/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function register(page: Page, name: string, email: string, password = PASSWORD) {
  await page.goto("/auth/register");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Confirm password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
}

/** Creates a client on the Starter plan with the admin page's form (the page is on /admin);
 * answers the form, whose status the caller may check. */
export async function createStarterClient(admin: Page, name: string, email: string) {
  const form = admin.locator("form").filter({ has: admin.getByRole("button", { name: "Create client" }) });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Password").fill(PASSWORD);
  const starter = await form.locator("option", { hasText: "Starter" }).textContent();
  await form.getByLabel("Plan").selectOption({ label: starter! });
  await form.getByRole("button", { name: "Create client" }).click();
  await expect(admin.locator(`tr[data-client="${email}"]`)).toBeVisible();
  return form;
}

/** Waits for hydration, so clicks go through the enhanced (JavaScript) path. */
export async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/** A Bearer token for the REST API, as an automation client gets one. */
export async function apiToken(request: APIRequestContext, email: string, password: string): Promise<string> {
  const response = await request.post("/api/auth/login", { data: { email, password } });
  expect(response.status()).toBe(200);
  return (await response.json()).token;
}

/** Creates a service and a key for it through the REST API; returns both. */
export async function serviceWithKey(request: APIRequestContext, token: string, name: string) {
  const headers = { Authorization: `Bearer ${token}` };
  const service = await request.post("/api/v1/services", { headers, data: { name, kind: "chatbot" } });
  expect(service.status()).toBe(201);
  const id: string = (await service.json()).id;
  const key = await request.post(`/api/v1/services/${id}/keys`, { headers, data: { name: "e2e" } });
  expect(key.status()).toBe(201);
  return { id, key: (await key.json()).key as string };
}

/** The figure a metric card shows. */
export function metric(page: Page, title: string) {
  return page.locator(`[data-metric="${title}"] .metric__value`);
}

/** Numbers as the portal writes them: 1,234. */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}
