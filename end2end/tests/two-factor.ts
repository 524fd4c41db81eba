import { createHmac } from "node:crypto";
import type { Page } from "@playwright/test";
import { expect, PASSWORD, register, serverNow, signIn, uniqueEmail } from "./helpers";

/** RFC 4648 base32 as the security tab shows the secret (groups of four). */
function base32(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of text.replace(/[\s=]/g, "")) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 (SHA-1, six digits, 30 s) at `at`: what an authenticator app shows. */
function codeAt(secret: Buffer, at: Date): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at.getTime() / 30_000)));
  const digest = createHmac("sha1", secret).update(counter).digest();
  const offset = digest[19] & 0x0f;
  return ((digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).toString().padStart(6, "0");
}

async function signOut(page: Page) {
  await page.getByLabel("Account").click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
}

/**
 * Sets up two-factor sign-in from the security tab, then signs in with a code and with a
 * recovery code. The portal's clock stands still in the tests (FIXED_CLOCK): the setup uses the
 * code of the step before, the sign-in the current step's (a code never works twice).
 */
export async function twoFactorJourney(page: Page, tag: string) {
  const email = uniqueEmail(tag);
  await register(page, "Two Factor", email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/settings/security");
  await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
  await expect(page.getByRole("img", { name: "QR code of your two-factor secret" })).toBeVisible();
  const secret = base32((await page.locator("[data-secret]").textContent()) ?? "");
  expect(secret.length).toBe(20);
  await page.screenshot({ path: `test-results/${tag}-setup.png`, fullPage: true });

  await page.getByLabel("The 6-digit code your app shows").fill("000000");
  await page.getByRole("button", { name: "Turn on" }).click();
  await expect(page.getByText("That code is not right").first()).toBeVisible();
  await page.getByLabel("The 6-digit code your app shows").fill(codeAt(secret, new Date(serverNow().getTime() - 30_000)));
  await page.getByRole("button", { name: "Turn on" }).click();
  await expect(page.getByText("Two-factor authentication is on.")).toBeVisible();
  const codes = await page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem").allTextContents();
  expect(codes).toHaveLength(10);
  await expect(page.getByRole("link", { name: "Download as text" })).toHaveAttribute("download", "ragsites-recovery-codes.txt");
  await page.getByRole("button", { name: "I have saved them" }).click();
  await expect(page.getByText("10 of 10 recovery codes left.")).toBeVisible();
  await expect(page.getByText(codes[0])).toHaveCount(0);

  await signOut(page);
  await signIn(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/auth\/2fa$/);
  await page.getByLabel("Code").fill("123456" === codeAt(secret, serverNow()) ? "654321" : "123456");
  await page.getByRole("button", { name: "Verify and sign in" }).click();
  await expect(page.getByText("That code is not right").first()).toBeVisible();
  await page.getByLabel("Code").fill(codeAt(secret, serverNow()));
  await page.getByRole("button", { name: "Verify and sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);

  await signOut(page);
  await signIn(page, email, PASSWORD);
  await page.getByLabel("Code").fill(codes[4]);
  await page.getByRole("button", { name: "Verify and sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/settings/security");
  await expect(page.getByText("9 of 10 recovery codes left.")).toBeVisible();
}
