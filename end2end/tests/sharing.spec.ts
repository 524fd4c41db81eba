import { expect, hoursAgo, hydrated, metric, sendEvents, test } from "./helpers";
import {
  clientWithTraffic,
  expectReadOnlyView,
  expectRevoked,
  revoke,
  shareDashboard,
  unlock,
  visitor,
} from "./sharing";

test("a shared dashboard opens with its password, updates live, and stops when revoked", async ({
  page,
  request,
  browser,
  baseURL,
}) => {
  const { key } = await clientWithTraffic(page, request, "Sharer", 3);
  const address = await shareDashboard(page, "Board meeting", "board password 1");
  const guest = await visitor(browser, true, baseURL!);
  const shared = await unlock(guest, address, "board password 1");
  await expectReadOnlyView(shared, "Sharer", 3);
  await hydrated(shared);
  await expect(shared.locator("[data-live]")).toHaveText("Live");
  await shared.screenshot({ path: "test-results/share-view.png", fullPage: true });

  await sendEvents(request, key, [{ id: "after-share", timestamp: hoursAgo(0), latency_ms: 150 }]);
  await expect(metric(shared, "Total requests")).toHaveText("4");

  await revoke(page, "Board meeting");
  await expect(shared.locator("[data-live]")).toHaveText("Live updates off");
  await expectRevoked(shared, address);
  await page.goto("/settings/sharing");
  await expect(page.locator("tr", { hasText: "Board meeting" }).locator("td.num")).toHaveText("1");
  await guest.close();
});
