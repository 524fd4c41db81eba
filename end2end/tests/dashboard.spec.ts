import { readFile } from "node:fs/promises";
import type { Page, Route } from "@playwright/test";
import {
  apiToken,
  count,
  dayAgo,
  DEMO,
  type Event,
  expect,
  freshClient,
  hoursAgo,
  hydrated,
  metric,
  register,
  sendEvents,
  serverNow,
  serviceWithKey,
  signIn,
  test,
  uniqueEmail,
} from "./helpers";

/** The live indicator's state. */
const liveStatus = (page: Page) => page.locator("[data-live]");

/** Four events of the last two days: 3 successes, 1 timeout; known latencies, tokens and cost. */
const fourEvents: Event[] = [
  { id: "a", timestamp: hoursAgo(2), latency_ms: 100, model: "gpt-4o", tokens_in: 10, tokens_out: 5, cost_usd: 0.25 },
  { id: "b", timestamp: hoursAgo(3), latency_ms: 200, model: "gpt-4o", tokens_in: 20, tokens_out: 5, cost_usd: 0.25 },
  { id: "c", timestamp: hoursAgo(26), latency_ms: 300, model: "gpt-4o", tokens_in: 30, tokens_out: 5, cost_usd: 0.25 },
  {
    id: "d",
    timestamp: hoursAgo(50),
    latency_ms: 600,
    error_kind: "timeout",
    model: "gpt-4o",
    tokens_in: 40,
    tokens_out: 5,
    cost_usd: 0.25,
  },
];

/** `n` successes at the given hours before the server's now. */
const successes = (tag: string, hours: number[]): Event[] =>
  hours.map((h, i) => ({ id: `${tag}-${i}`, timestamp: hoursAgo(h), latency_ms: 100 }));

test("the cards show what the analytics API computes for the same range", async ({ page }) => {
  await signIn(page, DEMO.email, DEMO.password);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/dashboard?range=30d");
  const summary = await (await page.request.get("/api/v1/analytics/summary?range=30d")).json();
  // The seed's thirty days of demo traffic.
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

test("the cards show exactly the figures of the events sent", async ({ page, request }) => {
  const { token } = await freshClient(page, request, "Card Reader");
  const { key } = await serviceWithKey(request, token, "Cards bot");
  await sendEvents(request, key, fourEvents);

  await page.goto("/dashboard");
  await expect(metric(page, "Total requests")).toHaveText("4");
  await expect(page.locator('[data-metric="Total requests"] .metric__detail')).toHaveText("1 errors");
  await expect(metric(page, "Active services")).toHaveText("1");
  await expect(metric(page, "Success rate")).toHaveText("75.0%");
  // (100 + 200 + 300 + 600) / 4
  await expect(metric(page, "Avg response time")).toHaveText("300 ms");
  await expect(metric(page, "Tokens")).toHaveText("120");
  await expect(page.locator('[data-metric="Tokens"] .metric__detail')).toHaveText("100 in · 20 out");
  await expect(metric(page, "Cost")).toHaveText("$1.00");
  // Nothing in the previous seven days to compare with.
  await expect(page.locator('[data-metric="Total requests"] .metric__change')).toHaveText("n/a vs previous 7 days");
  await expect(page.getByRole("region", { name: "Errors by kind" }).locator("tbody tr")).toHaveCount(1);
  await expect(page.getByRole("region", { name: "Errors by kind" }).locator("tbody tr")).toContainText("timeout");
});

test("range and service filters live in the URL, follow back and forward, and survive a reload", async ({
  page,
  request,
}) => {
  // Each step loads a page; several steps on two cores.
  test.setTimeout(90_000);
  const { token } = await freshClient(page, request, "Filter User");
  const alpha = await serviceWithKey(request, token, "Alpha bot");
  const beta = await serviceWithKey(request, token, "Beta bot");
  // Last 7 days: 3 + 4 = 7; last 30 days: 5 + 5 = 10; Alpha's 30 days: 5.
  await sendEvents(request, alpha.key, successes("alpha", [1, 5, 30, 240, 250]));
  await sendEvents(request, beta.key, successes("beta", [2, 6, 50, 100, 360]));

  await page.goto("/dashboard");
  await hydrated(page);
  await expect(metric(page, "Total requests")).toHaveText("7");

  await page.getByLabel("Date range").selectOption("30d");
  await expect(page).toHaveURL(/range=30d/);
  await expect(metric(page, "Total requests")).toHaveText("10");

  await page.getByLabel("Service", { exact: true }).selectOption({ label: "Alpha bot" });
  await expect(page).toHaveURL(new RegExp(`range=30d.*service=${alpha.id}`));
  await expect(metric(page, "Total requests")).toHaveText("5");
  await expect(metric(page, "Active services")).toHaveText("1");

  // The figures follow the history; while they load, the old ones are marked busy.
  const settled = async (figure: string) => {
    await expect(page.locator(".figures")).toHaveAttribute("aria-busy", "false", { timeout: 20_000 });
    await expect(metric(page, "Total requests")).toHaveText(figure, { timeout: 20_000 });
  };
  await page.goBack();
  await expect(page).not.toHaveURL(/service=[0-9a-f]/);
  await settled("10");
  await page.goBack();
  await expect(page).toHaveURL(/\/dashboard$/);
  await settled("7");
  await page.goForward();
  await expect(page).toHaveURL(/range=30d/);
  await settled("10");
  await page.goForward();
  await expect(page).toHaveURL(/service=[0-9a-f]/);
  await settled("5");

  await page.reload();
  await expect(metric(page, "Total requests")).toHaveText("5");
  await expect(page.getByLabel("Service", { exact: true })).toHaveValue(alpha.id);
  await expect(page.getByLabel("Date range")).toHaveValue("30d");
});

test("a custom range by calendar days", async ({ page, request }) => {
  const { token } = await freshClient(page, request, "Custom Ranger");
  const { key } = await serviceWithKey(request, token, "Range bot");
  // Two events inside the eight days from ten to three days ago, two outside.
  await sendEvents(request, key, successes("day", [24 * 1, 24 * 5, 24 * 8, 24 * 12]));
  await page.goto("/dashboard");
  await hydrated(page);
  await page.getByLabel("Date range").selectOption("custom");
  await page.getByLabel("From", { exact: true }).fill(dayAgo(10));
  await page.getByLabel("To", { exact: true }).fill(dayAgo(3));
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(new RegExp(`range=custom&from=${dayAgo(10)}&to=${dayAgo(3)}`));
  await expect(metric(page, "Total requests")).toHaveText("2");
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
  await expect(liveStatus(page)).toHaveText("Live");
  // A series hidden through the legend stays hidden when the figures are replaced.
  const errorsShown = page.locator('[data-chart="requests"]').getByRole("checkbox", { name: "Errors" });
  await page.locator('[data-chart="requests"] label', { hasText: "Errors" }).click();
  await expect(errorsShown).not.toBeChecked();
  await sendEvents(
    request,
    key,
    [0, 1, 2].map((i) => ({
      id: `live-${i}`,
      timestamp: serverNow().toISOString(),
      latency_ms: 200 + i * 100,
      error_kind: i === 2 ? "timeout" : undefined,
    })),
  );
  await expect(metric(page, "Total requests")).toHaveText("3");
  await expect(metric(page, "Success rate")).toHaveText("66.7%");
  await expect(metric(page, "Avg response time")).toHaveText("300 ms");
  await expect(page.getByRole("region", { name: "Errors by kind" })).toContainText("timeout");
  await expect(errorsShown).not.toBeChecked();
  await expect(page.locator('[data-chart="requests"] .chart__view--s0')).toBeVisible();
});

// How the live stream fails, and what the indicator must show until it is back.
const failures: [string, (route: Route, attempt: number) => Promise<void>][] = [
  // Refused: the browser gives up on the stream and the island tries again itself.
  ["is refused with an error answer", (route) => route.fulfill({ status: 503, body: "unavailable" })],
  // Dropped after it opened: the browser reconnects, and the reconnections fail for a while.
  [
    "drops after it opened",
    (route, attempt) =>
      attempt === 1
        ? route.fulfill({ status: 200, contentType: "text/event-stream", body: "event: summary\ndata: {}\n\n" })
        : route.abort("connectionreset"),
  ],
];
for (const [how, fail] of failures) {
  test(`the live indicator says "Reconnecting…" while the stream ${how}, and recovers`, async ({ page, request }) => {
    const { token } = await freshClient(page, request, "Flaky Viewer");
    const { key } = await serviceWithKey(request, token, "Flaky bot");
    let attempts = 0;
    await page.route("**/api/v1/live?*", (route) => fail(route, ++attempts));
    await page.reload();
    await hydrated(page);
    await expect(liveStatus(page)).toHaveText("Reconnecting…");
    await expect(liveStatus(page)).toHaveClass(/live--waiting/);

    await page.unroute("**/api/v1/live?*");
    // The next attempt comes a few seconds later (the island's or the browser's retry).
    await expect(liveStatus(page)).toHaveText("Live", { timeout: 15_000 });
    await sendEvents(request, key, successes("after", [0]));
    await expect(metric(page, "Total requests")).toHaveText("1");
  });
}

test("a live update's answer overtaken by a later one is dropped", async ({ page, request }) => {
  const { token } = await freshClient(page, request, "Race Viewer");
  const { key } = await serviceWithKey(request, token, "Race bot");
  await page.reload();
  await hydrated(page);
  await expect(liveStatus(page)).toHaveText("Live");
  await expect(metric(page, "Total requests")).toHaveText("0");
  // Every total the card shows from now on, in order.
  await page.evaluate(() => {
    const shown: string[] = [];
    Object.assign(window, { totalsShown: shown });
    const figures = document.getElementById("figures")!;
    new MutationObserver(() => {
      const total = figures.querySelector('[data-metric="Total requests"] .metric__value')?.textContent;
      if (total && total !== shown.at(-1)) shown.push(total);
    }).observe(figures, { childList: true, subtree: true, characterData: true });
  });

  // The first update's answer is taken from the server at once but held back until a later
  // update's answer is shown.
  let held: Awaited<ReturnType<Route["fetch"]>> | undefined;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let first = true;
  await page.route("**/api/fn/figures_html*", async (route) => {
    if (!first) return route.continue();
    first = false;
    held = await route.fetch();
    await released;
    await route.fulfill({ response: held });
  });
  await sendEvents(request, key, successes("first", [0, 0]));
  await expect.poll(() => held !== undefined, { message: "the first update's answer was fetched" }).toBe(true);
  await sendEvents(request, key, successes("second", [0, 0, 0]));
  await expect(metric(page, "Total requests")).toHaveText("5");

  release();
  // A third update (the server lets a burst settle for 250 ms first) comes after the held
  // answer reached the page.
  await sendEvents(request, key, successes("third", [0]));
  await expect(metric(page, "Total requests")).toHaveText("6");
  expect(await page.evaluate(() => (window as unknown as { totalsShown: string[] }).totalsShown)).toEqual(["5", "6"]);
});

test("the CSV export holds the figures on the screen, to the event", async ({ page, request }) => {
  const { token } = await freshClient(page, request, "Exporter");
  const { key } = await serviceWithKey(request, token, "Export bot");
  await sendEvents(request, key, fourEvents);
  await page.goto("/dashboard?range=7d");
  await hydrated(page);
  await expect(metric(page, "Total requests")).toHaveText("4");
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV" }).click();
  const file = await (await download).path();
  const rows = (await readFile(file, "utf8"))
    .trim()
    .split("\n")
    .map((row) => row.split(","));
  expect(rows[0].join(",")).toBe(
    "section,start,end,service,requests,errors,success_rate,avg_latency_ms,p50_latency_ms,p95_latency_ms,tokens,cost_usd," +
      "conversations,unique_end_users,rated,satisfaction,call_minutes,annotation",
  );
  const total = rows.find((r) => r[0] === "total")!;
  expect(total.slice(4, 8)).toEqual(["4", "1", "0.7500", "300.0000"]);
  expect(total.slice(10, 12)).toEqual(["120", "1.000000"]);
  // These events carry no conversation, end user, rating or call: as the cards say.
  await expect(metric(page, "Conversations")).toHaveText(total[12]);
  await expect(metric(page, "Unique users")).toHaveText(total[13]);
  expect(total.slice(12)).toEqual(["0", "0", "0", "", "0.00", ""]);
  // Each day row counts exactly the events sent within it.
  const days = rows.filter((r) => r[0] === "day");
  expect(days.length).toBeGreaterThanOrEqual(7);
  const at = (text: string) => new Date(text).getTime();
  for (const [, start, end, , requests] of days) {
    const within = fourEvents.filter((e) => at(e.timestamp) >= at(start) && at(e.timestamp) < at(end)).length;
    expect(Number(requests), `events from ${start} to ${end}`).toBe(within);
  }
  expect(days.reduce((sum, r) => sum + Number(r[4]), 0)).toBe(4);
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

test("a service page creates a key shown until copied, with a working curl example, and revokes it", async ({
  page,
  request,
}) => {
  await register(page, "Key Maker", uniqueEmail("keys"));
  await expect(page).toHaveURL(/\/dashboard$/);
  // A page without islands: its forms are plain.
  await page.goto("/services");
  await page.getByLabel("Name").fill("Docs assistant");
  await page.getByLabel("Kind").selectOption("rag_site");
  await page.getByRole("button", { name: "Create service" }).click();
  await expect(page).toHaveURL(/\/services\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name: "Docs assistant" })).toBeVisible();

  // Plain forms: the new key shows on the page until its owner says it is copied.
  await page.getByRole("button", { name: "Create key" }).click();
  await expect(page).toHaveURL(/\/services\/[0-9a-f-]{36}\?form=keys#api-keys$/);
  const secret = page.locator("[data-secret]");
  await expect(secret).toHaveText(/^rsk_/);
  const key = (await secret.textContent())!;
  await expect(page.locator("pre.code")).toContainText(`Authorization: Bearer ${key}`);
  await sendEvents(request, key, successes("one", [0]));
  await page.screenshot({ path: "test-results/service-key.png", fullPage: true });

  await page.getByRole("button", { name: "I have copied it" }).click();
  await expect(page.locator("[data-secret]")).toHaveCount(0);
  await page.reload();
  await expect(page.locator("[data-secret]")).toHaveCount(0);
  await page.getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByText("revoked", { exact: true })).toBeVisible();
  const refused = await request.post("/api/v1/events", {
    headers: { Authorization: `Bearer ${key}` },
    data: { events: successes("two", [0]).map((e) => ({ ...e, status: "success" })) },
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
    // The dashboard's islands first; /services has none.
    if (path === "/dashboard") await hydrated(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `test-results/narrow${path.replace("/", "-")}.png`, fullPage: true });
  });
}
