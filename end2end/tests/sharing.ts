import type { APIRequestContext, Browser, BrowserContext, Page } from "@playwright/test";
import { count, expect, freshClient, hoursAgo, metric, sendEvents, serviceWithKey } from "./helpers";

/** A client with one service that has sent `requests` events in the last hours. */
export async function clientWithTraffic(page: Page, request: APIRequestContext, name: string, requests: number) {
  const { token } = await freshClient(page, request, name);
  const service = await serviceWithKey(request, token, `${name} bot`);
  const events = Array.from({ length: requests }, (_, i) => ({
    id: `${name}-${i}`,
    timestamp: hoursAgo(2),
    latency_ms: 200 + i,
  }));
  await sendEvents(request, service.key, events);
  return service;
}

/** Shares the dashboard with its "Share" form; answers the link's address from the sharing tab. */
export async function shareDashboard(page: Page, label: string, password: string) {
  await page.goto("/dashboard?range=24h");
  const share = page.locator(".share-menu");
  await share.getByText("Share", { exact: true }).click();
  await share.getByLabel("Label").fill(label);
  await share.getByLabel("Works for").selectOption({ label: "7 days" });
  await share.getByLabel("Password (optional)").fill(password);
  await share.getByLabel("Allow CSV and PDF downloads").check();
  await share.getByRole("button", { name: "Create link" }).click();
  await expect(page).toHaveURL(/\/settings\/sharing\?form=share-links#new-link$/);
  const address = (await page.locator("#new-link [data-secret]").textContent())!;
  expect(address).toMatch(/\/share\/rsl_[a-z0-9]{8}_[a-z0-9]{32}\?range=24h$/);
  await page.getByRole("button", { name: "I have copied it" }).click();
  await expect(page.locator("#new-link")).toHaveCount(0);
  await expect(page.locator("tr", { hasText: label })).toContainText("Dashboard");
  return new URL(address).pathname + new URL(address).search;
}

/** A browser of someone without an account: no cookie of the owner's. */
export async function visitor(browser: Browser, javaScriptEnabled: boolean, baseURL: string) {
  return browser.newContext({ javaScriptEnabled, baseURL });
}

/** Opens a password-protected link: a wrong password is refused by name, the right one opens it. */
export async function unlock(context: BrowserContext, address: string, password: string) {
  const page = await context.newPage();
  await page.goto(address);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.getByText("This shared view is protected by a password.")).toBeVisible();
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Open the view" }).click();
  await expect(page.locator("#field-password-message")).toHaveText("That is not this link's password.");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Open the view" }).click();
  await expect(page).toHaveURL(/\/share\/rsl_/);
  return page;
}

/** The shared view: the figures, nothing of the owner's portal, downloads as allowed. */
export async function expectReadOnlyView(page: Page, owner: string, requests: number) {
  await expect(page.getByText(`Shared by ${owner} · all services · read-only`)).toBeVisible();
  await expect(metric(page, "Total requests")).toHaveText(count(requests));
  await expect(page.getByRole("link", { name: "Settings" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Services" })).toHaveCount(0);
  await expect(page.locator('a[href^="/services/"]')).toHaveCount(0);
  await expect(page.locator(".share-menu")).toHaveCount(0);
  const csv = await page.request.get(
    (await page.getByRole("link", { name: "Export CSV" }).getAttribute("href"))!,
  );
  expect(csv.status()).toBe(200);
  expect(await csv.text()).toContain(`${owner} bot`);
  const cookies = await page.context().cookies();
  // The password's cookie, and nothing of a session.
  expect(cookies.map((c) => c.name.replace(/^__Host-/, ""))).toEqual(["ragsites_share"]);
}

/** Revokes the link from the owner's sharing tab. */
export async function revoke(page: Page, label: string) {
  await page.goto("/settings/sharing");
  await page.getByRole("button", { name: `Revoke ${label}` }).click();
  await expect(page.locator("tr", { hasText: label })).toContainText("revoked");
}

/** A revoked link: 410 and a page that says so. */
export async function expectRevoked(page: Page, address: string) {
  const response = await page.goto(address);
  expect(response!.status()).toBe(410);
  await expect(page.getByText("This share link was revoked by the person who shared it.")).toBeVisible();
}
