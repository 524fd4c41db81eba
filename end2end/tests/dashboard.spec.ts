import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { apiToken, count, DEMO, hydrated, metric, register, serviceWithKey, signIn, uniqueEmail } from "./helpers";

test("the cards show what the analytics API computes for the same range", async ({ page }) => {
  await signIn(page, DEMO.email, DEMO.password);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/dashboard?range=30d");
  const summary = await (await page.request.get("/api/v1/analytics/summary?range=30d")).json();
  expect(summary.total_requests).toBeGreaterThan(10_000);
  await expect(metric(page, "Total requests")).toHaveText(count(summary.total_requests));
  await expect(metric(page, "Active services")).toHaveText(count(summary.active_services));
  await expect(metric(page, "Success rate")).toHaveText(`${(summary.success_rate * 100).toFixed(1)}%`);
  await expect(metric(page, "Avg response time")).toHaveText(`${count(Math.round(summary.avg_latency_ms))} ms`);
  await expect(page.locator('[data-metric="Total requests"] .metric__change')).toContainText("vs previous 30 days");
  await expect(page.getByRole("img", { name: /Requests/ })).toBeVisible();
  await expect(page.getByRole("img", { name: /Latency/ })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Usage by service" })).toBeVisible();
  await page.screenshot({ path: "test-results/dashboard.png", fullPage: true });
});

test("range and service filters live in the URL, follow back and forward, and survive a reload", async ({ page }) => {
  // Each step reloads the figures from a debug build shared with the other worker.
  test.setTimeout(90_000);
  await signIn(page, DEMO.email, DEMO.password);
  await expect(page).toHaveURL(/\/dashboard$/);
  await hydrated(page);
  const week = await metric(page, "Total requests").textContent();

  await page.getByLabel("Date range").selectOption("30d");
  await expect(page).toHaveURL(/range=30d/);
  await expect(metric(page, "Total requests")).not.toHaveText(week!);
  const month = await metric(page, "Total requests").textContent();

  await page.getByLabel("Service", { exact: true }).selectOption({ label: "Support Chatbot" });
  await expect(page).toHaveURL(/range=30d.*service=[0-9a-f-]{36}/);
  await expect(metric(page, "Total requests")).not.toHaveText(month!);
  await expect(metric(page, "Active services")).toHaveText("1");
  const oneService = await metric(page, "Total requests").textContent();

  // The figures follow the history; while they load, the old ones are marked busy.
  const settled = async (figure: string) => {
    await expect(page.locator(".figures")).toHaveAttribute("aria-busy", "false", { timeout: 20_000 });
    await expect(metric(page, "Total requests")).toHaveText(figure, { timeout: 20_000 });
  };
  await page.goBack();
  await expect(page).not.toHaveURL(/service=[0-9a-f]/);
  await settled(month!);
  await page.goBack();
  await expect(page).toHaveURL(/\/dashboard$/);
  await settled(week!);
  await page.goForward();
  await expect(page).toHaveURL(/range=30d/);
  await settled(month!);
  await page.goForward();
  await expect(page).toHaveURL(/service=[0-9a-f]/);
  await settled(oneService!);

  await page.reload();
  await expect(metric(page, "Total requests")).toHaveText(oneService!);
  await expect(page.getByLabel("Service", { exact: true })).toHaveValue(/[0-9a-f-]{36}/);
  await expect(page.getByLabel("Date range")).toHaveValue("30d");
});

test("a custom range by calendar days", async ({ page }) => {
  await signIn(page, DEMO.email, DEMO.password);
  await expect(page).toHaveURL(/\/dashboard$/);
  await hydrated(page);
  await page.getByLabel("Date range").selectOption("custom");
  const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel("From").fill(day(10));
  await page.getByLabel("To").fill(day(3));
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(new RegExp(`range=custom&from=${day(10)}&to=${day(3)}`));
  await expect(page.locator('[data-metric="Total requests"] .metric__change')).toContainText("vs previous period");
  const table = page.locator('[data-chart="requests"] .chart__table tbody tr');
  await expect(table).toHaveCount(8);
});

test("an event sent to the ingestion API shows on the open dashboard without a reload", async ({ page, request }) => {
  const email = uniqueEmail("live");
  await register(page, "Live Viewer", email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole("heading", { name: "No services yet" })).toBeVisible();
  const token = await apiToken(request, email, "Str0ng!pass");
  const { key } = await serviceWithKey(request, token, "Live bot");

  await page.reload();
  await hydrated(page);
  await expect(metric(page, "Total requests")).toHaveText("0");
  await expect(page.getByRole("status").filter({ hasText: "Live" })).toHaveText("Live");
  // A series hidden through the legend stays hidden when the figures are replaced.
  const errorsShown = page.locator('[data-chart="requests"]').getByRole("checkbox", { name: "Errors" });
  await page.locator('[data-chart="requests"] label', { hasText: "Errors" }).click();
  await expect(errorsShown).not.toBeChecked();
  const events = [0, 1, 2].map((i) => ({
    id: `live-${i}`,
    timestamp: new Date().toISOString(),
    latency_ms: 200 + i * 100,
    status: i === 2 ? "error" : "success",
    error_kind: i === 2 ? "timeout" : undefined,
  }));
  const sent = await request.post("/api/v1/events", {
    headers: { Authorization: `Bearer ${key}` },
    data: { events },
  });
  expect(sent.status()).toBe(202);
  await expect(metric(page, "Total requests")).toHaveText("3");
  await expect(metric(page, "Success rate")).toHaveText("66.7%");
  await expect(page.getByRole("region", { name: "Errors by kind" })).toContainText("timeout");
  await expect(errorsShown).not.toBeChecked();
  await expect(page.locator('[data-chart="requests"] .chart__view--s0')).toBeVisible();
});

test("the CSV export holds the figures on the screen", async ({ page }) => {
  await signIn(page, DEMO.email, DEMO.password);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/dashboard?range=7d");
  await hydrated(page);
  const shown = await metric(page, "Total requests").textContent();
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV" }).click();
  const file = await (await download).path();
  const rows = (await readFile(file, "utf8")).trim().split("\n");
  expect(rows[0]).toMatch(/^section,start,end,service,requests,errors/);
  const requests = (row: string) => Number(row.split(",")[4]);
  const total = rows.find((r) => r.startsWith("total,"))!;
  expect(count(requests(total))).toBe(shown);
  const days = rows.filter((r) => r.startsWith("day,"));
  expect(days.length).toBeGreaterThanOrEqual(7);
  expect(days.reduce((sum, r) => sum + requests(r), 0)).toBe(requests(total));
});

test("another client's service is a 404", async ({ page, request }) => {
  const demoToken = await apiToken(request, DEMO.email, DEMO.password);
  const services = await (
    await request.get("/api/v1/services", { headers: { Authorization: `Bearer ${demoToken}` } })
  ).json();
  const demoService: string = services[0].id;

  await register(page, "Curious Client", uniqueEmail("curious"));
  await expect(page).toHaveURL(/\/dashboard$/);
  const response = await page.goto(`/services/${demoService}`);
  expect(response!.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "This page does not exist" })).toBeVisible();
  const data = await page.request.get(`/api/v1/analytics/summary?service=${demoService}`);
  expect(data.status()).toBe(404);
});

test("a service page creates a key shown once, with a working curl example, and revokes it", async ({
  page,
  request,
}) => {
  await register(page, "Key Maker", uniqueEmail("keys"));
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/services");
  await hydrated(page);
  await page.getByLabel("Name").fill("Docs assistant");
  await page.getByLabel("Kind").selectOption("rag_site");
  await page.getByRole("button", { name: "Create service" }).click();
  await expect(page).toHaveURL(/\/services\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name: "Docs assistant" })).toBeVisible();
  await hydrated(page);

  await page.getByRole("button", { name: "Create key" }).click();
  const secret = page.locator("[data-secret]");
  await expect(secret).toHaveText(/^rsk_/);
  const key = (await secret.textContent())!;
  await expect(page.locator("pre.code")).toContainText(`Authorization: Bearer ${key}`);
  const sent = await request.post("/api/v1/events", {
    headers: { Authorization: `Bearer ${key}` },
    data: { events: [{ id: "one", timestamp: new Date().toISOString(), latency_ms: 300, status: "success" }] },
  });
  expect(sent.status()).toBe(202);
  await page.screenshot({ path: "test-results/service-key.png", fullPage: true });

  await page.reload();
  await expect(page.locator("[data-secret]")).toHaveCount(0);
  await hydrated(page);
  await page.getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByText("revoked", { exact: true })).toBeVisible();
  const refused = await request.post("/api/v1/events", {
    headers: { Authorization: `Bearer ${key}` },
    data: { events: [{ id: "two", timestamp: new Date().toISOString(), latency_ms: 300, status: "success" }] },
  });
  expect(refused.status()).toBe(401);

  await page.getByRole("button", { name: "Pause" }).click();
  await expect(page.getByText("This service is paused")).toBeVisible();
  await page.getByRole("button", { name: "Resume" }).click();
  await expect(page.getByText("This service is paused")).toBeHidden();
});

for (const path of ["/dashboard", "/services"]) {
  test(`no horizontal scroll at 375 px on ${path}`, async ({ page }) => {
    await signIn(page, DEMO.email, DEMO.password);
    await expect(page).toHaveURL(/\/dashboard$/);
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(path);
    await hydrated(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `test-results/narrow${path.replace("/", "-")}.png`, fullPage: true });
  });
}
