import { test } from "./helpers";
import { clientWithTraffic, expectReadOnlyView, expectRevoked, revoke, shareDashboard, unlock, visitor } from "./sharing";

test("a dashboard is shared, opened with its password and revoked without JavaScript", async ({
  page,
  request,
  browser,
  baseURL,
}) => {
  await clientWithTraffic(page, request, "Plain Sharer", 2);
  const address = await shareDashboard(page, "Plain board", "plain password 1");
  const guest = await visitor(browser, false, baseURL!);
  const shared = await unlock(guest, address, "plain password 1");
  await expectReadOnlyView(shared, "Plain Sharer", 2);
  await revoke(page, "Plain board");
  await expectRevoked(shared, address);
  await guest.close();
});
