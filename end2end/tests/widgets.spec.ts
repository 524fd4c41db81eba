import { expect, hydrated, test } from "./helpers";
import { clientWithService, customise, customiseWithForms, widgetTitles } from "./widgets";

test("the dashboard is arranged with the forms after hydration too", async ({ page, request }) => {
  await clientWithService(page, request, "Form Arranger");
  await page.goto("/dashboard");
  await hydrated(page);
  await customiseWithForms(page, "Form Arranger bot");
});

test("widgets are reordered by drag and drop, and a service page keeps its own layout", async ({
  page,
  request,
}) => {
  const service = await clientWithService(page, request, "Drag Arranger");
  await page.goto("/dashboard?range=24h");
  await hydrated(page);
  const before = await widgetTitles(page);
  const panel = await customise(page);
  const rows = panel.locator(".customise__item");
  const handle = rows.first().locator(".customise__handle");
  await expect(handle).toHaveAttribute("draggable", "true");
  // Dropped on the lower half of the third row: the first row goes after it.
  const third = (await rows.nth(2).boundingBox())!;
  // The new order is saved, then the page reloads with it.
  const reloaded = page.waitForEvent("load");
  await handle.dragTo(rows.nth(2), { targetPosition: { x: 24, y: third.height - 4 } });
  await reloaded;
  // Where exactly the row lands depends on the pointer's path: the test asks that the drop
  // saved a new order of the same widgets, which the reloaded page shows.
  const after = await widgetTitles(page);
  expect(after).not.toEqual(before);
  expect([...after].sort()).toEqual([...before].sort());
  await page.screenshot({ path: "test-results/widgets-dashboard.png", fullPage: true });

  await page.goto(`/services/${service.id}?range=24h`);
  const pageTitles = await widgetTitles(page);
  expect(pageTitles.slice(0, 4)).toEqual(["Conversations", "Satisfaction", "Unique users", "Cost per conversation"]);
  expect(pageTitles).toContain("Top end users by requests");
});
