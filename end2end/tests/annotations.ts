import type { APIRequestContext, Page } from "@playwright/test";
import { expect, freshClient, hoursAgo, serviceWithKey } from "./helpers";

/** Posts an annotation with a service's ingestion key, as a deployment pipeline does. */
export async function annotateWithKey(request: APIRequestContext, key: string, text: string, at: string) {
  const response = await request.post("/api/v1/annotations", {
    headers: { Authorization: `Bearer ${key}` },
    data: { text, at },
  });
  expect(response.status()).toBe(201);
}

/** A fresh client with one service, on its dashboard's last 24 hours. */
export async function clientWithService(page: Page, request: APIRequestContext, name: string) {
  const { token } = await freshClient(page, request, name);
  const service = await serviceWithKey(request, token, `${name} bot`);
  return service;
}

/** One mark on each of the two charts per annotation; the text shows on hover. */
export async function expectMarks(page: Page, texts: string[]) {
  const requests = page.locator('[data-chart="requests"] .chart__mark');
  await expect(requests).toHaveCount(texts.length);
  await expect(page.locator('[data-chart="latency"] .chart__mark')).toHaveCount(texts.length);
  for (const [i, text] of texts.entries()) {
    const mark = requests.nth(i);
    await expect(mark.locator(".chart__mark-text")).toBeHidden();
    await mark.hover();
    await expect(mark.locator(".chart__mark-text")).toBeVisible();
    await expect(mark.locator(".chart__mark-text")).toContainText(text);
  }
}

/** Adds one with the panel's form, edits it, deletes it: plain forms, with or without JavaScript. */
export async function annotationJourney(page: Page, request: APIRequestContext, name: string) {
  const { key } = await clientWithService(page, request, name);
  await annotateWithKey(request, key, "Deployed build 7", hoursAgo(3));
  await page.goto("/dashboard?range=24h");
  const panel = page.getByRole("region", { name: "Annotations" });
  await expect(panel.locator(".annotation")).toHaveCount(1);
  await expect(panel.locator(".annotation").first()).toContainText(`Deployed build 7${name} bot`);
  await expectMarks(page, ["Deployed build 7"]);

  // The form refuses an empty text by name, then adds one for every service, at now.
  const add = panel.locator("form").filter({ has: page.getByRole("button", { name: "Add annotation" }) });
  await add.getByRole("button", { name: "Add annotation" }).click();
  await expect(panel.locator("#field-text-message")).toHaveText("Write what happened.");
  await add.getByLabel("Annotation").fill("Index rebuilt");
  await add.getByLabel("For service").selectOption({ label: "All services" });
  await add.getByRole("button", { name: "Add annotation" }).click();
  await expect(page).toHaveURL(/\/dashboard\?range=24h#annotations$/);
  await expect(panel.locator(".annotation")).toHaveCount(2);
  await expect(panel.locator(".annotation").nth(1)).toContainText("Index rebuiltAll services");
  await expectMarks(page, ["Deployed build 7", "Index rebuilt"]);
  await page.screenshot({ path: `test-results/annotations-${name}.png`, fullPage: true });

  const rebuilt = panel.locator(".annotation").nth(1);
  await rebuilt.getByText("Edit").click();
  await rebuilt.getByLabel("Text").fill("Index rebuilt with new chunking");
  await rebuilt.getByRole("button", { name: "Save" }).click();
  await expect(panel.locator(".annotation").nth(1)).toContainText("Index rebuilt with new chunking");

  await panel.locator(".annotation").nth(1).getByText("Edit").click();
  await panel.locator(".annotation").nth(1).getByRole("button", { name: "Delete" }).click();
  await expect(panel.locator(".annotation")).toHaveCount(1);
  await expectMarks(page, ["Deployed build 7"]);
}
