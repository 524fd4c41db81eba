import type { Page } from "@playwright/test";
import { expect, PASSWORD, register, uniqueEmail } from "./helpers";

/**
 * Through the provider's own pages (oidc-provider's sign-in and consent) as `login`, back to the
 * portal. A provider that remembers the browser skips the pages it needs no more.
 */
async function atProvider(page: Page, login: string) {
  const provider = /127\.0\.0\.1:4010\/interaction\//;
  await page.waitForURL((url) => !url.pathname.startsWith("/auth/oidc/"));
  for (let step = 0; step < 3 && provider.test(page.url()); step++) {
    const next = page.url();
    if (await page.locator('input[name="login"]').isVisible()) {
      await page.locator('input[name="login"]').fill(login);
      await page.locator('input[name="password"]').fill("anything");
      await page.getByRole("button", { name: "Sign-in" }).click();
    } else {
      await page.getByRole("button", { name: "Continue" }).click();
    }
    await page.waitForURL((url) => url.toString() !== next);
  }
  await expect(page).toHaveURL(/127\.0\.0\.1:3000\//);
}

async function signOut(page: Page) {
  await page.getByLabel("Account").click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
}

/**
 * The whole redirect dance twice: a new identity makes a client account (no password, so the
 * security tab offers no unlink), then an identity whose address has an account links only
 * after that account's password; then GitHub, through the provider's GitHub face.
 */
export async function identityJourney(page: Page, tag: string) {
  const newcomer = uniqueEmail(`${tag}-new`);
  await page.goto("/auth/register");
  await page.screenshot({ path: `test-results/${tag}-register.png`, fullPage: true });
  await page.getByRole("link", { name: "Continue with Local ID" }).click();
  await atProvider(page, newcomer);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/settings/security");
  const methods = methodsOf(page);
  await expect(methods).toContainText("Password: none yet");
  await expect(methods).toContainText(`Local ID ${newcomer}`);
  await expect(methods.getByRole("button", { name: /Unlink/ })).toHaveCount(0);
  await page.screenshot({ path: `test-results/${tag}-methods.png`, fullPage: true });
  await signOut(page);

  // The provider remembers who signed in there (its own cookies, named "_…"): forget it, as
  // another person at this browser would sign in there afresh.
  await page.context().clearCookies({ name: /^_/ });

  const existing = uniqueEmail(`${tag}-existing`);
  await register(page, "Has Password", existing);
  await expect(page).toHaveURL(/\/dashboard$/);
  await signOut(page);
  await page.goto("/auth/signin?next=/settings/security");
  await page.getByRole("link", { name: "Continue with Local ID" }).click();
  await atProvider(page, existing);
  await expect(page).toHaveURL(/\/auth\/link$/);
  await expect(page.getByText(`An account with ${existing} already exists`)).toBeVisible();
  await page.screenshot({ path: `test-results/${tag}-link.png`, fullPage: true });
  await page.getByLabel("Password").fill("Wrong@123456");
  await page.getByRole("button", { name: "Link and sign in" }).click();
  await expect(page.getByText("The current password is wrong.")).toBeVisible();
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Link and sign in" }).click();
  await expect(page).toHaveURL(/\/settings\/security$/);
  const linked = methodsOf(page);
  await expect(linked).toContainText(`Local ID ${existing}`);
  await page.screenshot({ path: `test-results/${tag}-linked.png`, fullPage: true });
  // A password is another way in: this link may go.
  await linked.getByRole("button", { name: "Unlink Local ID" }).click();
  await expect(linked.getByText("Saved.")).toBeVisible();
  // Linking again from the tab (the password confirms it): a form whose answer leaves for the
  // provider and comes back.
  await linked.getByLabel("Your password, to link Local ID").fill(PASSWORD);
  await linked.getByRole("button", { name: "Link Local ID" }).click();
  await atProvider(page, existing);
  await expect(page).toHaveURL(/\/settings\/security\?saved=1&form=identities$/);
  await expect(linked).toContainText(`Local ID ${existing}`);
  await signOut(page);

  // GitHub: OAuth 2.0 and its user API, the primary verified address.
  await page.context().clearCookies({ name: /^_/ });
  const githubber = uniqueEmail(`${tag}-github`);
  await page.goto("/auth/signin");
  await page.getByRole("link", { name: "Continue with GitHub" }).click();
  await atProvider(page, githubber);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/settings/security");
  await expect(methodsOf(page)).toContainText(`GitHub ${githubber}`);
}

function methodsOf(page: Page) {
  return page.locator("section").filter({ has: page.getByRole("heading", { name: "Sign-in methods" }) });
}
