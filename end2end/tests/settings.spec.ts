import { readFileSync } from "node:fs";
import {
  apiToken,
  count,
  createStarterClient,
  DEMO,
  type Event,
  expect,
  hoursAgo,
  PASSWORD,
  register,
  sendEvents,
  serverNow,
  serviceWithKey,
  signIn,
  test,
  uniqueEmail,
} from "./helpers";

/** The seeded admin's password: scripts/test.sh sets it for the throwaway database. */
function adminPassword(): string {
  const password = process.env.ADMIN_PASSWORD;
  if (!password) throw new Error("ADMIN_PASSWORD is not set: scripts/test.sh sets it for the seeded admin.");
  return password;
}

test("profile and preferences: an edit survives a reload, a bad value is refused on its field", async ({ page }) => {
  // Several pages and bcrypt sign-ins on a debug build shared with the other worker.
  test.setTimeout(90_000);
  await register(page, "Grace Hopper", uniqueEmail("profile"));
  await expect(page).toHaveURL(/\/dashboard/);
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/settings\/profile$/);
  await page.getByLabel("Company").fill("Compilers Inc.");
  // A refused post gives back what was typed, a long bio in accents and CJK (up to 2,000 bytes) included.
  const longBio = "Grâce à COBOL, 編譯器。".repeat(26);
  await page.getByLabel("Bio").fill(longBio);
  await page.getByLabel("Avatar URL").fill("http://example.com/grace.png");
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(page.locator("#field-avatar_url-message")).toHaveText("The avatar URL must start with https://.");
  await expect(page.getByLabel("Bio")).toHaveValue(longBio);
  await expect(page.getByLabel("Company")).toHaveValue("Compilers Inc.");
  await page.getByLabel("Bio").fill("Found the first bug.");
  await page.getByLabel("Avatar URL").fill("https://example.com/grace.png");
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Company")).toHaveValue("Compilers Inc.");
  await expect(page.getByLabel("Bio")).toHaveValue("Found the first bug.");

  await page.getByRole("link", { name: "Notifications" }).click();
  await expect(page).toHaveURL(/\/settings\/notifications$/);
  await page.getByLabel("Time zone").fill("Mars/Olympus");
  await page.getByRole("button", { name: "Save preferences" }).click();
  await expect(page.locator("#field-timezone-message")).toContainText("Unknown time zone");
  await page.getByLabel("Time zone").fill("Asia/Tokyo");
  await page.getByLabel("Send me a weekly report").uncheck();
  await page.getByRole("button", { name: "Save preferences" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Time zone")).toHaveValue("Asia/Tokyo");
  await expect(page.getByLabel("Send me a weekly report")).not.toBeChecked();
  await page.screenshot({ path: "test-results/settings-notifications.png", fullPage: true });
});

test("changing the password signs out the other device and retires the old password", async ({ browser }) => {
  // Several pages and bcrypt sign-ins on a debug build shared with the other worker.
  test.setTimeout(90_000);
  const email = uniqueEmail("password");
  const first = await browser.newPage();
  await register(first, "Alan Turing", email);
  await expect(first).toHaveURL(/\/dashboard/);
  const second = await browser.newPage();
  await signIn(second, email, PASSWORD);
  await expect(second).toHaveURL(/\/dashboard/);

  await first.goto("/settings/security");
  await first.getByLabel("Current password").fill(PASSWORD);
  await first.getByLabel("New password", { exact: true }).fill("Enigma!1942");
  await first.getByLabel("Confirm new password").fill("Enigma!1942");
  await first.getByRole("button", { name: "Change password" }).click();
  await expect(first.getByText("Password changed; 1 other session was signed out.")).toBeVisible();

  await second.goto("/dashboard");
  await expect(second).toHaveURL(/\/auth\/signin/);
  await first.goto("/dashboard");
  await expect(first).toHaveURL(/\/dashboard/);

  const third = await browser.newPage();
  await signIn(third, email, PASSWORD);
  // Shown on the page the plain post comes back to.
  await expect(third.locator(".form-alert")).toHaveText("Invalid email or password.", { timeout: 20_000 });
  await expect(third).not.toHaveURL(/\/dashboard/);
  const fourth = await browser.newPage();
  await signIn(fourth, email, "Enigma!1942");
  await expect(fourth).toHaveURL(/\/dashboard/, { timeout: 20_000 });
});

test("revoking a session from the list signs that device out", async ({ browser }) => {
  // Several pages and bcrypt sign-ins on a debug build shared with the other worker.
  test.setTimeout(90_000);
  const email = uniqueEmail("sessions");
  const laptop = await browser.newPage();
  await register(laptop, "Ada Lovelace", email);
  await expect(laptop).toHaveURL(/\/dashboard/);
  const phone = await browser.newPage();
  await signIn(phone, email, PASSWORD);
  await expect(phone).toHaveURL(/\/dashboard/);

  await laptop.goto("/settings/security");
  const rows = laptop.locator("tr[data-session]");
  await expect(rows).toHaveCount(2);
  await expect(laptop.locator('tr[data-current="true"]')).toContainText("This device");
  await laptop.locator('tr[data-current="false"]').getByRole("button", { name: /Sign out/ }).click();
  await expect(rows).toHaveCount(1);
  await expect(laptop.getByRole("table", { name: "Your activity" })).toContainText("Signed out a device");

  await phone.reload();
  await expect(phone).toHaveURL(/\/auth\/signin/);
});

/** The calendar month (UTC) of the server's clock, moved by `by` months. */
function month(by = 0) {
  const now = serverNow();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + by, 1));
}

test("the demo's usage this period is the analytics total of the month", async ({ page }) => {
  await signIn(page, DEMO.email, DEMO.password);
  await expect(page).toHaveURL(/\/dashboard/);
  await page.goto("/settings/billing");
  await expect(page.locator("[data-plan]")).toHaveText("Growth");
  const range = `range=custom&from=${month().toISOString()}&to=${month(1).toISOString()}`;
  const summary = await (await page.request.get(`/api/v1/analytics/summary?${range}`)).json();
  // The seed's traffic from the first of the month to the clock's last full hour.
  expect(summary.total_requests).toBeGreaterThan(0);
  await expect(page.locator("[data-usage]")).toHaveAttribute("data-usage", String(summary.total_requests));
  await expect(page.locator(".usage__figure")).toHaveText(`${count(summary.total_requests)} of 1,000,000 requests`);
  await page.screenshot({ path: "test-results/settings-billing.png", fullPage: true });
});

test("billing shows the plan, the quota meter and the statements of the events sent", async ({ browser, request }) => {
  // An admin creates the client on the Starter plan (100,000 requests, $49 a month).
  test.setTimeout(90_000);
  const email = uniqueEmail("billed");
  const admin = await browser.newPage();
  await signIn(admin, "admin@ragsites.com", adminPassword());
  await expect(admin).toHaveURL(/\/dashboard/);
  await admin.goto("/admin");
  await createStarterClient(admin, "Billed Client", email);
  await admin.close();

  const token = await apiToken(request, email, PASSWORD);
  const { key } = await serviceWithKey(request, token, "Billed bot");
  // This month: 2,400 requests of one token in, one out and $0.001 each, in its last 300 hours.
  const used = 2_400;
  const thisMonth: Event[] = Array.from({ length: used }, (_, i) => ({
    id: `now-${i}`,
    timestamp: hoursAgo(1 + (i % 300)),
    latency_ms: 100,
    tokens_in: 1,
    tokens_out: 1,
    cost_usd: 0.001,
  }));
  for (let i = 0; i < used; i += 800) await sendEvents(request, key, thisMonth.slice(i, i + 800));
  // The month before: 3 requests of 150 tokens and $0.50; the one before that: 2 of 1,500 and $2.25.
  const midMonth = (by: number) => new Date(month(by).getTime() + 14.5 * 86_400_000).toISOString();
  const earlier: Event[] = [
    ...[0, 1, 2].map((i) => ({
      id: `last-${i}`,
      timestamp: midMonth(-1),
      latency_ms: 100,
      tokens_in: 100,
      tokens_out: 50,
      cost_usd: 0.5,
    })),
    ...[0, 1].map((i) => ({
      id: `before-${i}`,
      timestamp: midMonth(-2),
      latency_ms: 100,
      tokens_in: 1_000,
      tokens_out: 500,
      cost_usd: 2.25,
    })),
  ];
  await sendEvents(request, key, earlier);

  const page = await browser.newPage();
  await signIn(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/dashboard/);
  await page.goto("/settings/billing");
  await expect(page.locator("[data-plan]")).toHaveText("Starter");
  await expect(page.locator(".plan__price")).toHaveText("$49.00 a month");
  await expect(page.getByText("100,000 requests a month included")).toBeVisible();

  const utc = (options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat("en-US", { ...options, timeZone: "UTC" });
  const lastDay = new Date(month(1).getTime() - 86_400_000);
  const short = utc({ month: "short" });
  await expect(page.locator(".usage__period")).toHaveText(
    `${short.format(month())} 1 – ${short.format(lastDay)} ${lastDay.getUTCDate()}, ${lastDay.getUTCFullYear()}`,
  );
  await expect(page.locator(".usage__figure")).toHaveText("2,400 of 100,000 requests");
  const meter = page.getByRole("progressbar", { name: "Requests used of the quota" });
  const percent = (used / 100_000) * 100;
  await expect(meter).toHaveAttribute("aria-valuenow", percent.toFixed(0));
  await expect(meter.locator(".meter__fill")).toHaveAttribute("style", new RegExp(`^width: ${percent.toFixed(1)}%;?$`));
  await expect(meter).not.toHaveClass(/meter--over/);
  // The pace so far (2,400 since the first of the month) carried to the month's end.
  const elapsed = serverNow().getTime() - month().getTime();
  const projected = Math.round((used * (month(1).getTime() - month().getTime())) / elapsed);
  await expect(page.getByText("Projected by the end of the period:")).toHaveText(
    `Projected by the end of the period: ${count(projected)}`,
  );
  await expect(page.getByText("AI provider cost so far:")).toHaveText("AI provider cost so far: $2.40 · 4,800 tokens");

  const long = utc({ month: "long", year: "numeric" });
  const rows = page.getByRole("table", { name: "Monthly statements" }).locator("tbody tr");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0).locator("th, td")).toHaveText([long.format(month(-1)), "3", "450", "$1.50", "PDF"]);
  await expect(rows.nth(1).locator("th, td")).toHaveText([long.format(month(-2)), "2", "3,000", "$4.50", "PDF"]);
  // Each month's statement downloads as a PDF.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    rows.nth(0).getByRole("link", { name: "PDF" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^ragsites-statement-\d{4}-\d{2}\.pdf$/);
  const pdf = readFileSync((await download.path())!);
  expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
  await page.screenshot({ path: "test-results/settings-billing-statements.png", fullPage: true });
});

test("the admin view refuses clients and lets an admin create a client", async ({ page, browser }) => {
  // Several pages and bcrypt sign-ins on a debug build shared with the other worker.
  test.setTimeout(90_000);
  await register(page, "Client Only", uniqueEmail("client"));
  await expect(page).toHaveURL(/\/dashboard/);
  const refused = await page.goto("/admin");
  expect(refused?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "This page is for administrators" })).toBeVisible();

  const admin = await browser.newPage();
  await signIn(admin, "admin@ragsites.com", adminPassword());
  await expect(admin).toHaveURL(/\/dashboard/);
  await admin.goto("/admin");
  await expect(admin.locator('tr[data-client="demo@ragsites.com"]')).toContainText("Growth");
  const email = uniqueEmail("new-client");
  const form = await createStarterClient(admin, "New Client", email);
  await expect(form.getByRole("status").filter({ hasText: "Client created." })).toBeVisible();
  await expect(admin.getByText("Service created.")).toHaveCount(0);
  await admin.screenshot({ path: "test-results/admin.png", fullPage: true });

  const client = await browser.newPage();
  await signIn(client, email, PASSWORD);
  await expect(client).toHaveURL(/\/dashboard/);
  await client.goto("/settings/billing");
  await expect(client.locator("[data-plan]")).toHaveText("Starter");
});
