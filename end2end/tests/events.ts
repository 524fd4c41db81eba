import type { APIRequestContext, Page } from "@playwright/test";
import { expect, freshClient, hoursAgo, sendEvents, serviceWithKey } from "./helpers";

/**
 * A fresh client whose service has 130 events: 120 of end user "eve" (every other one failed,
 * in conversations of four turns), 10 of "max". The explorer's pages, with or without
 * JavaScript, are walked the same way: `walkTheExplorer`.
 */
export async function clientWithEvents(page: Page, request: APIRequestContext, name: string) {
  const { token } = await freshClient(page, request, name);
  const { id, key } = await serviceWithKey(request, token, `${name} bot`);
  const events = Array.from({ length: 130 }, (_, n) => ({
    id: `ev-${String(n).padStart(3, "0")}`,
    timestamp: hoursAgo(n / 10),
    latency_ms: 200 + n,
    end_user: n < 120 ? "eve" : "max",
    conversation_id: `conv-${Math.floor(n / 4)}`,
    channel: "web",
    ...(n % 2 === 1 ? { error_kind: "timeout" } : { feedback: 1 as const }),
  }));
  await sendEvents(request, key, events);
  return id;
}

/** Filters by status and end user, pages to older events and back, opens an event and a
 * conversation. */
export async function walkTheExplorer(page: Page, serviceId: string) {
  await page.goto(`/services/${serviceId}`);
  await page.getByRole("link", { name: "Events", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/services/${serviceId}/events$`));
  await expect(page.getByRole("heading", { name: "Events", level: 1 })).toBeVisible();
  const rows = page.getByRole("table", { name: "Events" }).locator("tbody tr");
  await expect(rows).toHaveCount(50);

  // 60 failed events of "eve": a page of 50, then 10 older.
  const filters = page.getByRole("search", { name: "Filter events" });
  await filters.getByLabel("Status").selectOption("error");
  await filters.getByLabel("End user").fill("eve");
  await filters.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/status=error/);
  await expect(page).toHaveURL(/end_user=eve/);
  await expect(rows).toHaveCount(50);
  await expect(rows.first()).toContainText("timeout");
  await expect(rows.filter({ hasText: "max" })).toHaveCount(0);
  await expect(filters.getByLabel("End user")).toHaveValue("eve");
  await page.getByRole("link", { name: "Older events →" }).click();
  await expect(page).toHaveURL(/cursor=/);
  await expect(rows).toHaveCount(10);
  await expect(page.getByRole("link", { name: "Older events →" })).toHaveCount(0);
  await page.getByRole("link", { name: "Newest" }).click();
  await expect(page).not.toHaveURL(/cursor=/);
  await expect(page).toHaveURL(/status=error/);
  await expect(rows).toHaveCount(50);

  // A filter that is wrong is named in place.
  await filters.getByLabel("From").fill("yesterday");
  await filters.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByRole("alert")).toContainText("from must be a day");
  await filters.getByLabel("From").fill("");
  await filters.getByRole("button", { name: "Apply" }).click();
  await expect(rows).toHaveCount(50);

  // The newest failed event of eve is ev-001 (0.1 h ago), in conversation conv-0.
  await rows.first().getByRole("rowheader").getByRole("link").click();
  await expect(page.getByRole("heading", { name: "Event ev-001", level: 1 })).toBeVisible();
  await expect(page.locator(".facts")).toContainText("timeout");
  await expect(page.locator(".facts")).toContainText("eve");
  await page.getByRole("link", { name: "conv-0" }).click();
  await expect(page.getByRole("heading", { name: "Conversation conv-0", level: 1 })).toBeVisible();
  const turns = page.getByRole("table", { name: "Conversation events" }).locator("tbody tr");
  await expect(turns).toHaveCount(4);
  // Oldest first: ev-003 was sent 0.3 h ago, ev-000 now.
  await expect(turns.first().getByRole("link")).toHaveAttribute("title", "ev-003");
  await expect(turns.last().getByRole("link")).toHaveAttribute("title", "ev-000");
  await expect(page.locator(".facts")).toContainText("Turns");
}
