import { DEMO, count, expect, metric, signIn, test } from "./helpers";

test("the demo chatbot's cards and top end users render without JavaScript", async ({ page }) => {
  await signIn(page, DEMO.email, DEMO.password);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
  const summary = await (await page.request.get("/api/v1/analytics/summary")).json();
  await expect(metric(page, "Conversations")).toHaveText(count(summary.conversations));
  await expect(metric(page, "Unique users")).toHaveText(count(summary.unique_end_users));

  await page.goto("/services");
  await page.getByRole("link", { name: "Support Chatbot" }).click();
  for (const title of ["Conversations", "Satisfaction", "Unique users", "Cost per conversation"]) {
    await expect(metric(page, title)).toHaveText(/\d/);
  }
  await expect(page.locator('[data-metric="Satisfaction"] .metric__detail')).toHaveText(/^[\d,]+ rated$/);
  const topUsers = page.getByRole("region", { name: "Top end users by requests" });
  await expect(topUsers.getByRole("link").first()).toHaveAttribute("href", /\/events\?end_user=user-\d+$/);
  await expect(page.getByRole("region", { name: "Top end users by cost" }).getByRole("link")).not.toHaveCount(0);
  await page.screenshot({ path: "test-results/service-chatbot-no-js.png", fullPage: true });
});
