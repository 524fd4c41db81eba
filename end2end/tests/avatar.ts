import type { Page } from "@playwright/test";
import { expect, register, uniqueEmail } from "./helpers";

/** An 8 × 8 PNG. */
const PICTURE = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGM4oRGFFTEMLQkAWChSgXZ/mz4AAAAASUVORK5CYII=",
  "base64",
);

/** Uploads a picture on the profile tab (a text file first, refused), sees it in the navbar,
 * then removes it. */
export async function avatarJourney(page: Page, tag: string) {
  await register(page, "Picture Person", uniqueEmail(tag));
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/settings/profile");
  await expect(page.getByText("No picture yet")).toBeVisible();

  await page.getByLabel("New picture").setInputFiles({ name: "notes.png", mimeType: "image/png", buffer: Buffer.from("not a picture") });
  await page.getByRole("button", { name: "Upload picture" }).click();
  await expect(page.getByText("Upload a JPEG, PNG or WebP picture.")).toBeVisible();

  await page.getByLabel("New picture").setInputFiles({ name: "me.png", mimeType: "image/png", buffer: PICTURE });
  await page.getByRole("button", { name: "Upload picture" }).click();
  await expect(page.getByText("Picture saved.")).toBeVisible();
  const preview = page.getByRole("img", { name: "Your profile picture" });
  await expect(preview).toBeVisible();
  const served = await page.context().request.get((await preview.getAttribute("src")) ?? "");
  expect(served.headers()["content-type"]).toBe("image/png");
  expect(served.headers()["cache-control"]).toContain("immutable");
  await expect(page.locator("img.avatar")).toHaveAttribute("src", /^\/avatars\/[0-9a-f-]{36}\/[a-z0-9]{24}\.png$/);
  await page.screenshot({ path: `test-results/${tag}-avatar.png` });

  await page.getByRole("button", { name: "Remove picture" }).click();
  await expect(page.getByText("No picture yet")).toBeVisible();
  await expect(page.locator("img.avatar")).toHaveCount(0);
}
