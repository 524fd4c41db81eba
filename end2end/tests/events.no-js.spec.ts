import { expect, test } from "./helpers";
import { clientWithEvents, walkTheExplorer } from "./events";

test("the event explorer works without JavaScript", async ({ page, request }) => {
  const serviceId = await clientWithEvents(page, request, "Plain Explorer");
  await walkTheExplorer(page, serviceId);
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
});
