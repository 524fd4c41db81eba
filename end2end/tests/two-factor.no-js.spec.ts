import { test } from "./helpers";
import { twoFactorJourney } from "./two-factor";

test("two-factor sign-in works without JavaScript", async ({ page }) => {
  test.setTimeout(90_000);
  await twoFactorJourney(page, "2fa-no-js");
});
