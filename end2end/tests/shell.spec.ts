import { expect, test } from "./helpers";

test("landing page hydrates and its menu closes with Escape", async ({ page }) => {
  await page.goto("/");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("measured and in your hands");

  // Escape only closes the menu once the page is hydrated.
  await page.setViewportSize({ width: 375, height: 800 });
  const menuButton = page.getByLabel("Menu");
  await menuButton.click();
  const signIn = page.getByRole("link", { name: "Sign in" }).first();
  await expect(signIn).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByLabel("Menu")).not.toBeChecked();
  await expect(page.getByRole("navigation").getByRole("link", { name: "Get started" })).toBeHidden();
});

test("navbar menu works at 375 px without horizontal scroll", async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto("/");
  const nav = page.getByRole("navigation", { name: "Main" });
  const getStarted = nav.getByRole("link", { name: "Get started" });
  await expect(getStarted).toBeHidden();
  await page.getByLabel("Menu").click();
  await expect(getStarted).toBeVisible();
  await getStarted.click();
  await expect(page).toHaveURL(/\/auth\/register$/);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.goto("/");
  await page.screenshot({ path: "test-results/landing-375.png", fullPage: true });
});

test("unknown pages show the 404 page with a way home", async ({ page }) => {
  const response = await page.goto("/this/does/not/exist");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "This page does not exist" })).toBeVisible();
  await page.getByRole("link", { name: "Back to the home page" }).click();
  await expect(page).toHaveURL(/\/$/);
});
