import type { Page } from "@playwright/test";
import {
  DEMO,
  count,
  expect,
  freshClient,
  hoursAgo,
  hydrated,
  metric,
  sendEvents,
  serviceWithKey,
  signIn,
  test,
} from "./helpers";

/** The demo chatbot's page, reached as a person does: from the services list. */
async function demoChatbot(page: Page) {
  await signIn(page, DEMO.email, DEMO.password);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/services");
  await page.getByRole("link", { name: "Support Chatbot" }).click();
  await expect(page.getByRole("heading", { name: "Support Chatbot", level: 1 })).toBeVisible();
  return page.url().split("/services/")[1].split("?")[0];
}

test("the demo chatbot's page shows conversations, satisfaction and unique users", async ({ page }) => {
  const id = await demoChatbot(page);
  await hydrated(page);
  const conversations = await (await page.request.get(`/api/v1/analytics/conversations?service=${id}`)).json();
  const users = await (await page.request.get(`/api/v1/analytics/users?service=${id}`)).json();
  // A week of the seed's chats: thousands of conversations, hundreds of people, a third rated.
  expect(conversations.conversations).toBeGreaterThan(1_000);
  expect(conversations.rated).toBeGreaterThan(conversations.conversations / 4);
  expect(users.unique_end_users).toBeGreaterThan(100);
  await expect(metric(page, "Conversations")).toHaveText(count(conversations.conversations));
  await expect(metric(page, "Satisfaction")).toHaveText(`${(conversations.satisfaction * 100).toFixed(1)}%`);
  await expect(page.locator('[data-metric="Satisfaction"] .metric__detail')).toHaveText(
    `${count(conversations.rated)} rated`,
  );
  await expect(metric(page, "Unique users")).toHaveText(count(users.unique_end_users));
  await expect(metric(page, "Cost per conversation")).toHaveText(/^\$\d+\.\d{4}$/);
  await expect(page.locator('[data-metric="Conversations"] .metric__change')).toContainText("vs previous 7 days");
  // The busiest end user links to the explorer filtered to them.
  const busiest = users.by_requests[0].end_user as string;
  await expect(
    page.getByRole("region", { name: "Top end users by requests" }).getByRole("link", { name: busiest }),
  ).toHaveAttribute("href", `/services/${id}/events?end_user=${encodeURIComponent(busiest)}`);
  await page.screenshot({ path: "test-results/service-chatbot.png", fullPage: true });
});

test("the dashboard shows conversations and unique users beside requests", async ({ page }) => {
  await signIn(page, DEMO.email, DEMO.password);
  await expect(page).toHaveURL(/\/dashboard$/);
  await hydrated(page);
  const summary = await (await page.request.get("/api/v1/analytics/summary")).json();
  expect(summary.conversations).toBeGreaterThan(0);
  expect(summary.unique_end_users).toBeGreaterThan(0);
  await expect(metric(page, "Total requests")).toHaveText(count(summary.total_requests));
  await expect(metric(page, "Conversations")).toHaveText(count(summary.conversations));
  await expect(metric(page, "Unique users")).toHaveText(count(summary.unique_end_users));
});

test("a chatbot's cards follow new conversations live", async ({ page, request }) => {
  const { token } = await freshClient(page, request, "Live Chat");
  const { id, key } = await serviceWithKey(request, token, "Live chat bot");
  await page.goto(`/services/${id}`);
  await hydrated(page);
  await expect(page.locator("[data-live]")).toHaveText("Live");
  await expect(metric(page, "Conversations")).toHaveText("0");
  await expect(metric(page, "Satisfaction")).toHaveText("–");
  const turn = (n: number, conversation: string, end_user: string, feedback?: -1 | 1) => ({
    id: `live-${n}`,
    timestamp: hoursAgo(1 - n / 100),
    latency_ms: 300,
    conversation_id: conversation,
    end_user,
    feedback,
  });
  await sendEvents(request, key, [turn(1, "c1", "ann", 1), turn(2, "c1", "ann", -1), turn(3, "c2", "bob")]);
  await expect(metric(page, "Conversations")).toHaveText("2");
  await expect(metric(page, "Satisfaction")).toHaveText("50.0%");
  await expect(page.locator('[data-metric="Satisfaction"] .metric__detail')).toHaveText("2 rated");
  await expect(metric(page, "Unique users")).toHaveText("2");
  await expect(page.locator('[data-metric="Conversations"] .metric__detail')).toHaveText("1.5 turns on average");
});
