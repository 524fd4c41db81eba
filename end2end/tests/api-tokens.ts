import type { Page } from "@playwright/test";
import { expect, register, uniqueEmail } from "./helpers";

/**
 * Makes a read token on the security tab, uses it on the REST API (reads pass, a write is
 * refused, a page is not opened by it), then revokes it and sees it stop.
 */
export async function apiTokenJourney(page: Page, tag: string) {
  const email = uniqueEmail(tag);
  await register(page, "Token Maker", email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/settings/security");
  const panel = page.getByRole("region", { name: "API tokens" });
  await expect(panel.getByText("No API tokens yet.")).toBeVisible();
  await page.getByLabel("Token name").fill("Nightly export");
  await page.getByLabel("Scope").selectOption("read");
  await page.getByLabel("Expires after").selectOption("90");
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByText("Copy this token now:")).toBeVisible();
  const token = (await page.locator(".new-key [data-secret]").textContent()) ?? "";
  expect(token).toMatch(/^rpt_[a-z0-9]{8}_[a-z0-9]{32}$/);
  await page.screenshot({ path: `test-results/${tag}-token.png`, fullPage: true });
  await page.getByRole("button", { name: "I have copied it" }).click();
  await expect(page.getByText("Copy this token now:")).toHaveCount(0);
  const row = panel.getByRole("row", { name: /Nightly export/ });
  await expect(row).toContainText("Read");
  await expect(row).toContainText("never", { ignoreCase: false });

  const api = page.context().request;
  const headers = { Authorization: `Bearer ${token}` };
  const profile = await api.get("/api/user/profile", { headers });
  expect(profile.status()).toBe(200);
  expect((await profile.json()).email).toBe(email);
  const write = await api.post("/api/v1/services", { headers, data: { name: "Scripted", kind: "chatbot" } });
  expect(write.status()).toBe(403);

  await page.reload();
  // Last used: no longer "never" (the expiry is a date, 90 days on).
  await expect(row).not.toContainText("never");
  await page.getByRole("button", { name: "Revoke Nightly export" }).click();
  await expect(row).toContainText("revoked");
  expect((await api.get("/api/user/profile", { headers })).status()).toBe(401);
}
