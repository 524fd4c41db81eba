import { DEMO, expect, freshClient, hoursAgo, metric, sendEvents, serviceWithKey, signIn, test } from "./helpers";

test("the dashboard renders its figures and filters without JavaScript", async ({ page, request }) => {
  const { token } = await freshClient(page, request, "Plain Viewer");
  const { key } = await serviceWithKey(request, token, "Plain bot");
  // Three in the last 7 days, two more in the last 30.
  const hours = [1, 20, 100, 300, 400];
  await sendEvents(
    request,
    key,
    hours.map((h, i) => ({ id: `plain-${i}`, timestamp: hoursAgo(h), latency_ms: 100 })),
  );
  await page.goto("/dashboard");
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
  await expect(metric(page, "Total requests")).toHaveText("3");
  await expect(page.getByRole("img", { name: /Requests/ })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "Live updates off" })).toBeVisible();

  await page.getByLabel("Date range").selectOption("30d");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/range=30d/);
  await expect(metric(page, "Total requests")).toHaveText("5");
  await page.screenshot({ path: "test-results/dashboard-no-js.png", fullPage: true });
});

test("chart tooltips and legends work without JavaScript", async ({ page }) => {
  await signIn(page, DEMO.email, DEMO.password);
  await expect(page).toHaveURL(/\/dashboard$/);
  const chart = page.locator('[data-chart="requests"]');
  const point = chart.locator(".chart__point").nth(2);
  await expect(point.locator(".chart__tooltip")).toBeHidden();
  await point.hover();
  await expect(point.locator(".chart__tooltip")).toBeVisible();
  await expect(point.locator(".chart__tooltip")).toContainText(/Success: .+Errors: /);

  // Hiding "Success" leaves the errors, drawn on their own (smaller) scale.
  const bothTop = await chart.locator(".chart__view--both .chart__axis").last().textContent();
  await expect(chart.locator(".chart__view--both")).toBeVisible();
  await chart.locator("label", { hasText: "Success" }).click();
  await expect(chart.getByRole("checkbox", { name: "Success" })).not.toBeChecked();
  await expect(chart.locator(".chart__view--both")).toBeHidden();
  await expect(chart.locator(".chart__view--s1")).toBeVisible();
  await expect(chart.locator(".chart__view--s1 .chart__axis").last()).not.toHaveText(bothTop!);
  await chart.locator("label", { hasText: "Success" }).click();
  await expect(chart.locator(".chart__view--both")).toBeVisible();
});
