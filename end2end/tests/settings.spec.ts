import { expect, test } from "@playwright/test";
import { DEMO, hydrated, PASSWORD, register, signIn, uniqueEmail } from "./helpers";

test("profile and preferences: an edit survives a reload, a bad value is refused on its field", async ({ page }) => {
  // Several pages and bcrypt sign-ins on a debug build shared with the other worker.
  test.setTimeout(90_000);
  await register(page, "Grace Hopper", uniqueEmail("profile"));
  await expect(page).toHaveURL(/\/dashboard/);
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/settings\/profile$/);
  await hydrated(page);
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
  await hydrated(page);
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
  await hydrated(first);
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
  // Shown in place once hydrated, or after the plain post's redirect before.
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
  await hydrated(laptop);
  const rows = laptop.locator("tr[data-session]");
  await expect(rows).toHaveCount(2);
  await expect(laptop.locator('tr[data-current="true"]')).toContainText("This device");
  await laptop.locator('tr[data-current="false"]').getByRole("button", { name: /Sign out/ }).click();
  await expect(rows).toHaveCount(1);
  await expect(laptop.getByRole("table", { name: "Your activity" })).toContainText("Signed out a device");

  await phone.reload();
  await expect(phone).toHaveURL(/\/auth\/signin/);
});

test("billing shows the plan and this period's usage, equal to the analytics total", async ({ page }) => {
  await signIn(page, DEMO.email, DEMO.password);
  await expect(page).toHaveURL(/\/dashboard/);
  await page.goto("/settings/billing");
  await expect(page.locator("[data-plan]")).toHaveText("Growth");
  const now = new Date();
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
  const summary = await (
    await page.request.get(`/api/v1/analytics/summary?range=custom&from=${start}&to=${end}`)
  ).json();
  expect(summary.total_requests).toBeGreaterThan(0);
  await expect(page.locator("[data-usage]")).toHaveAttribute("data-usage", String(summary.total_requests));
  await expect(page.getByRole("progressbar", { name: "Requests used of the quota" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Monthly statements" })).toBeVisible();
  await page.screenshot({ path: "test-results/settings-billing.png", fullPage: true });
});

test("the admin view refuses clients and lets an admin create a client", async ({ page, browser }) => {
  // Several pages and bcrypt sign-ins on a debug build shared with the other worker.
  test.setTimeout(90_000);
  await register(page, "Client Only", uniqueEmail("client"));
  await expect(page).toHaveURL(/\/dashboard/);
  const refused = await page.goto("/admin");
  expect(refused?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "This page is for administrators" })).toBeVisible();

  const password = process.env.ADMIN_PASSWORD;
  expect(password, "make test sets ADMIN_PASSWORD for the seeded admin").toBeTruthy();
  const admin = await browser.newPage();
  await signIn(admin, "admin@ragsites.com", password!);
  await expect(admin).toHaveURL(/\/dashboard/);
  await admin.goto("/admin");
  await hydrated(admin);
  await expect(admin.locator('tr[data-client="demo@ragsites.com"]')).toContainText("Growth");
  const email = uniqueEmail("new-client");
  const form = admin.locator("form").filter({ has: admin.getByRole("button", { name: "Create client" }) });
  await form.getByLabel("Name").fill("New Client");
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Password").fill(PASSWORD);
  const starter = await form.locator("option", { hasText: "Starter" }).textContent();
  await form.getByLabel("Plan").selectOption({ label: starter! });
  await form.getByRole("button", { name: "Create client" }).click();
  await expect(admin.locator(`tr[data-client="${email}"]`)).toBeVisible();
  await expect(form.getByRole("status").filter({ hasText: "Client created." })).toBeVisible();
  await expect(admin.getByText("Service created.")).toHaveCount(0);
  await admin.screenshot({ path: "test-results/admin.png", fullPage: true });

  const client = await browser.newPage();
  await signIn(client, email, PASSWORD);
  await expect(client).toHaveURL(/\/dashboard/);
  await client.goto("/settings/billing");
  await expect(client.locator("[data-plan]")).toHaveText("Starter");
});
