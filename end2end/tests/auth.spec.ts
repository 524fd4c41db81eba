import { DEMO, expect, register, signIn, test, uniqueEmail } from "./helpers";
import { linkFromMail } from "./mail";

test("register lands on the dashboard with the user in the navbar", async ({ page }) => {
  await page.goto("/auth/register");
  await register(page, "Grace Hopper", uniqueEmail("register"));
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await expect(page.getByText("Welcome, Grace Hopper.")).toBeVisible();
  await expect(page.getByLabel("Account")).toContainText("Grace Hopper");
});

test("demo sign-in, sign out, and back to the protected page after signing in", async ({ page }) => {
  await page.goto("/auth/signin");
  await signIn(page, DEMO.email, DEMO.password);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByText("Welcome, Demo Client.")).toBeVisible();

  await page.getByLabel("Account").click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("link", { name: "Sign in" }).first()).toBeVisible();

  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/auth\/signin\?next=%2Fdashboard$/);
  await page.getByLabel("Email").fill(DEMO.email);
  await page.getByLabel("Password", { exact: true }).fill(DEMO.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
});

test("a wrong password and an unknown email get the same answer", async ({ page, browser }) => {
  // An account of its own: failed sign-ins count against it.
  const email = uniqueEmail("wrong");
  const owner = await browser.newPage();
  await register(owner, "Wrong Password", email);
  await expect(owner).toHaveURL(/\/dashboard$/);
  await owner.close();

  await page.goto("/auth/signin");
  await signIn(page, email, "Wr0ng!password");
  await expect(page.getByRole("alert")).toHaveText("Invalid email or password.");
  await expect(page).toHaveURL(/\/auth\/signin/);
  await signIn(page, uniqueEmail("nobody"), "Wr0ng!password");
  await expect(page.getByRole("alert")).toHaveText("Invalid email or password.");
  await expect(page).toHaveURL(/\/auth\/signin/);
});

test("a weak password is refused next to the field", async ({ page }) => {
  await page.goto("/auth/register");
  await register(page, "Weak", uniqueEmail("weak"), "password");
  const field = page.getByLabel("Password", { exact: true });
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("Password needs an upper-case letter, a digit and a special character.")).toBeVisible();
  await expect(page).toHaveURL(/\/auth\/register/);
});

test("a session revoked from another browser is asked to sign in on its next navigation", async ({ page, browser }) => {
  const email = uniqueEmail("revoked");
  await page.goto("/auth/register");
  await register(page, "Revoked User", email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/");

  // Another browser holding a copy of this session signs it out.
  const other = await browser.newContext();
  await other.addCookies(await page.context().cookies());
  const otherPage = await other.newPage();
  await otherPage.goto("/dashboard");
  await expect(otherPage.getByText("Welcome, Revoked User.")).toBeVisible();
  await otherPage.getByLabel("Account").click();
  await otherPage.getByRole("button", { name: "Sign out" }).click();
  await expect(otherPage).toHaveURL(/\/$/);
  await other.close();

  // The first browser follows a link of the page and is sent to sign in.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboard" }).first().click();
  await expect(page).toHaveURL(/\/auth\/signin\?next=%2Fdashboard$/);
  await expect(page.getByRole("heading", { name: "Welcome back" })).toBeVisible();
});

test("forgot password: the mailed link sets a new password and signs out every device", async ({ page, browser }) => {
  const email = uniqueEmail("reset");
  const other = await browser.newPage();
  await register(other, "Forgetful Fran", email);
  await expect(other).toHaveURL(/\/dashboard$/);

  await page.goto("/auth/signin");
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page).toHaveURL(/\/auth\/forgot$/);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send the link" }).click();
  await expect(page.getByRole("status")).toContainText("we have sent it a link");

  await page.goto(await linkFromMail(email, "Reset your RagSites Portal password"));
  await page.getByLabel("New password", { exact: true }).fill("N3w!password");
  await page.getByLabel("Confirm the new password").fill("N3w!password");
  await page.getByRole("button", { name: "Set the new password" }).click();
  await expect(page).toHaveURL(/\/auth\/signin\?reset=1$/);
  await expect(page.getByRole("status")).toContainText("Your password was changed");
  await signIn(page, email, "N3w!password");
  await expect(page).toHaveURL(/\/dashboard$/);

  await other.goto("/dashboard");
  await expect(other).toHaveURL(/\/auth\/signin/);
  await other.close();
});

test("registration mails a link that confirms the address, and the banner goes", async ({ page }) => {
  const email = uniqueEmail("confirm");
  await register(page, "Confirm Me", email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByText("Please confirm your address: we mailed a link to")).toBeVisible();

  await page.goto(await linkFromMail(email, "Confirm your RagSites Portal address"));
  const card = page.locator("section.auth");
  await expect(card.getByRole("heading", { name: "Confirm your address" })).toBeVisible();
  await expect(card.getByText(email)).toBeVisible();
  await page.getByRole("button", { name: "Confirm this address" }).click();
  await expect(page).toHaveURL(/\/auth\/verify\?confirmed=address$/);
  await expect(page.getByRole("heading", { name: "Address confirmed" })).toBeVisible();
  await page.getByRole("link", { name: "Go to my dashboard" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByText("Welcome, Confirm Me.")).toBeVisible();
  await expect(page.getByText("Please confirm your address")).toHaveCount(0);
});
