import { expect, test } from "./helpers";

test("landing page renders fully without JavaScript", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("measured and in your hands");
  await expect(page.getByRole("heading", { name: "Everything you need to trust your AI" })).toBeVisible();
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
  await page.screenshot({ path: "test-results/landing-no-js.png", fullPage: true });
});

test("the narrow-screen menu opens without JavaScript", async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto("/");
  const getStarted = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Get started" });
  await expect(getStarted).toBeHidden();
  await page.getByLabel("Menu").click();
  await expect(getStarted).toBeVisible();
});
