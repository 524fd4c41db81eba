import { DEMO, expect, hydrated, signIn, test } from "./helpers";

test("a page without islands loads no WASM; its menu is opaque and closes with Escape", async ({ page }) => {
  const wasm: string[] = [];
  page.on("request", (request) => {
    if (request.url().endsWith(".wasm")) wasm.push(request.url());
  });
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("measured and in your hands");

  await page.getByLabel("Menu").click();
  const getStarted = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Get started" });
  await expect(getStarted).toBeVisible();
  // The open panel is opaque (once its drop-in has run) and on top: the point at its centre
  // belongs to it, not to the page.
  const panel = page.locator(".menu__list");
  await expect(panel).toHaveCSS("opacity", "1");
  const [background, onTop] = await panel.evaluate((list) => {
    const box = list.getBoundingClientRect();
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return [getComputedStyle(list).backgroundColor, hit !== null && list.contains(hit)];
  });
  expect(background).toMatch(/^rgb\(\d+, \d+, \d+\)$/);
  expect(onTop).toBe(true);
  await page.screenshot({ path: "test-results/menu-375.png" });

  await page.keyboard.press("Escape");
  await expect(page.getByLabel("Menu")).not.toBeChecked();
  await expect(getStarted).toBeHidden();
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
  expect(wasm).toEqual([]);
});

test("a page with an island loads the WASM and hydrates", async ({ page }) => {
  await signIn(page, DEMO.email, DEMO.password);
  await expect(page).toHaveURL(/\/dashboard$/);
  await hydrated(page);
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
