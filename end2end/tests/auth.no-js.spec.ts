import { expect, PASSWORD, register, signIn, test, uniqueEmail } from "./helpers";
import { linkFromMail } from "./mail";

test("sign-in works without JavaScript, errors included", async ({ page, browser }) => {
  // An account of its own: failed sign-ins count against it.
  const email = uniqueEmail("nojs-signin");
  const owner = await browser.newPage();
  await register(owner, "No Script Signer", email);
  await expect(owner).toHaveURL(/\/dashboard$/);
  await owner.close();

  await signIn(page, email, "Wr0ng!password");
  // A refused form comes back without a word of it in the URL (the answer is in a cookie).
  await expect(page).toHaveURL(/\/auth\/signin$/);
  await expect(page.getByRole("alert")).toHaveText("Invalid email or password.");
  await expect(page.getByLabel("Email")).toHaveValue(email);

  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByText("Welcome, No Script Signer.")).toBeVisible();

  await page.getByLabel("Account").click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/auth\/signin\?next=%2Fdashboard$/);
});

test("registration works without JavaScript, field errors included", async ({ page }) => {
  const email = uniqueEmail("nojs");
  await register(page, "No Script", email, "short");
  await expect(page).toHaveURL(/\/auth\/register$/);
  await expect(page.getByText("Password must be at least 8 characters.")).toBeVisible();
  await expect(page.getByLabel("Name")).toHaveValue("No Script");

  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Confirm password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.screenshot({ path: "test-results/register-no-js.png" });
});

test("forgot password works without JavaScript, a used link included", async ({ page, browser }) => {
  const email = uniqueEmail("nojs-reset");
  const owner = await browser.newPage();
  await register(owner, "No Script Forgetter", email);
  await expect(owner).toHaveURL(/\/dashboard$/);
  await owner.close();

  await page.goto("/auth/forgot");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send the link" }).click();
  await expect(page).toHaveURL(/\/auth\/forgot\?sent=1$/);
  const link = await linkFromMail(email, "Reset your RagSites Portal password");

  await page.goto(link);
  await page.getByLabel("New password", { exact: true }).fill("short");
  await page.getByLabel("Confirm the new password").fill("short");
  await page.getByRole("button", { name: "Set the new password" }).click();
  await expect(page.getByText("Password must be at least 8 characters.")).toBeVisible();

  await page.getByLabel("New password", { exact: true }).fill("N3w!password");
  await page.getByLabel("Confirm the new password").fill("N3w!password");
  await page.getByRole("button", { name: "Set the new password" }).click();
  await expect(page).toHaveURL(/\/auth\/signin\?reset=1$/);
  await signIn(page, email, "N3w!password");
  await expect(page).toHaveURL(/\/dashboard$/);

  await page.goto(link);
  await expect(page.getByRole("heading", { name: "This link no longer works" })).toBeVisible();
  await page.getByRole("link", { name: "Ask for a new link" }).click();
  await expect(page).toHaveURL(/\/auth\/forgot$/);
});

test("address confirmation works without JavaScript, a resent link included", async ({ page }) => {
  const email = uniqueEmail("nojs-confirm");
  await register(page, "No Script Confirm", email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByText("Please confirm your address: we mailed a link to")).toBeVisible();
  const first = await linkFromMail(email, "Confirm your RagSites Portal address");

  await page.getByRole("button", { name: "Send the link again" }).first().click();
  await expect(page).toHaveURL(/\/settings\/profile\?form=confirmation&saved=1$/);
  await expect(page.getByText("We mailed you a new link.")).toBeVisible();
  const second = await linkFromMail(email, "Confirm your RagSites Portal address", 2);

  await page.goto(first);
  await expect(page.getByRole("heading", { name: "This link no longer works" })).toBeVisible();
  await page.goto(second);
  await page.getByRole("button", { name: "Confirm this address" }).click();
  await expect(page).toHaveURL(/\/auth\/verify\?confirmed=address$/);
  await expect(page.getByRole("heading", { name: "Address confirmed" })).toBeVisible();
  await page.goto("/settings/profile");
  await expect(page.getByRole("heading", { name: "Profile", exact: true })).toBeVisible();
  await expect(page.getByText("Please confirm your address")).toHaveCount(0);
  await expect(page.getByText("is not confirmed yet")).toHaveCount(0);
});
