import type { APIRequestContext, Locator, Page } from "@playwright/test";
import { expect, freshClient, hoursAgo, sendEvents, serviceWithKey } from "./helpers";

/** A client whose one service has sent three requests in the last hours. */
export async function clientWithService(page: Page, request: APIRequestContext, name: string) {
  const { token } = await freshClient(page, request, name);
  const service = await serviceWithKey(request, token, `${name} bot`);
  const events = [1, 2, 3].map((i) => ({ id: `${name}-${i}`, timestamp: hoursAgo(i), latency_ms: 100 * i, cost_usd: 0.25 }));
  await sendEvents(request, service.key, events);
  return service;
}

/** The titles of the view's widgets, in the order the page shows them. */
export async function widgetTitles(page: Page): Promise<string[]> {
  return page
    .locator(".widgets > .widget")
    .evaluateAll((widgets) =>
      widgets.map((w) => w.querySelector(".metric__title, .panel__title, .chart__title")?.textContent?.trim() ?? ""),
    );
}

/** The customise panel, opened. */
export async function customise(page: Page): Promise<Locator> {
  const panel = page.locator("#customise");
  if ((await panel.getAttribute("open")) === null) await panel.locator("summary").click();
  return panel;
}

/** Moves, renames, resizes, gives a period of its own to and removes widgets, adds a custom metric of the client's service as
 * a line, is refused a figure that has no line, and resets the view: each a plain form. */
export async function customiseWithForms(page: Page, service: string) {
  await page.goto("/dashboard?range=24h");
  const before = await widgetTitles(page);
  expect(before.slice(0, 2)).toEqual(["Total requests", "Conversations"]);

  let panel = await customise(page);
  await panel.getByRole("button", { name: "Move Conversations up" }).click();
  await expect(page).toHaveURL(/\/dashboard\?range=24h&form=layout#customise$/);
  expect((await widgetTitles(page)).slice(0, 2)).toEqual(["Conversations", "Total requests"]);

  panel = await customise(page);
  const second = panel.locator(".customise__item").nth(1);
  await second.getByLabel("Title").fill("Traffic");
  await second.getByLabel("Width").selectOption({ label: "2 columns" });
  await second.getByRole("button", { name: "Save" }).click();
  await expect(page.locator(".widget--2").first().locator(".metric__title")).toHaveText("Traffic");

  // A period of its own: the last 7 days in a view of 24 hours, named in its title.
  panel = await customise(page);
  const traffic = panel.locator(".customise__item").nth(1);
  await traffic.getByLabel("Period").selectOption({ label: "Last 7 days" });
  await traffic.getByRole("button", { name: "Save" }).click();
  await expect(page.locator(".widget--2").first().locator(".metric__title")).toHaveText("Traffic · last 7 days");
  await page.screenshot({ path: "test-results/widgets-customise.png", fullPage: true });

  panel = await customise(page);
  await panel.getByRole("button", { name: "Remove Recent activity" }).click();
  await expect(page.locator("#recent-activity")).toHaveCount(0);

  panel = await customise(page);
  const metric = panel.locator("form.customise__metric");
  await metric.getByLabel("Custom metric").fill("Bot cost");
  await metric.getByLabel("Figure").selectOption({ label: "Cost" });
  await metric.getByLabel("Shown as").selectOption({ label: "a line" });
  await metric.getByLabel("Width").selectOption({ label: "4 columns" });
  await metric.getByLabel(service).check();
  await metric.getByRole("button", { name: "Add metric" }).click();
  const chart = page.locator(".widget--4 .chart", { has: page.getByRole("heading", { name: "Bot cost" }) });
  await expect(chart).toBeVisible();
  await expect(chart.locator(".chart__line")).toHaveCount(1);

  panel = await customise(page);
  await metric.getByLabel("Custom metric").fill("Happy over time");
  await metric.getByLabel("Figure").selectOption({ label: "Satisfaction" });
  await metric.getByLabel("Shown as").selectOption({ label: "a line" });
  await metric.getByRole("button", { name: "Add metric" }).click();
  await expect(page.locator("#customise")).toHaveAttribute("open", "");
  await expect(page.locator("#customise .form-alert").first()).toContainText(
    "Satisfaction has no value over time; show it as a number.",
  );
  await expect(page.getByLabel("Custom metric")).toHaveValue("Happy over time");

  panel = await customise(page);
  await panel.getByRole("button", { name: "Reset to default" }).click();
  expect(await widgetTitles(page)).toEqual(before);
}
