import { test } from "./helpers";
import { twoFactorJourney } from "./two-factor";

test("two-factor sign-in: set up with the shown secret, a code, a recovery code", async ({ page }) => {
  test.setTimeout(90_000);
  await twoFactorJourney(page, "2fa-js");
});
