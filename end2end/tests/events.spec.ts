import { test } from "./helpers";
import { clientWithEvents, walkTheExplorer } from "./events";

test("the event explorer filters, pages and opens events and conversations", async ({ page, request }) => {
  const serviceId = await clientWithEvents(page, request, "Explorer");
  await page.goto(`/services/${serviceId}/events`);
  await walkTheExplorer(page, serviceId);
});
