import { test } from "./helpers";
import { identityJourney } from "./identities";

test("signing in with an OpenID Connect provider makes or links an account", async ({ page }) => {
  test.setTimeout(90_000);
  await identityJourney(page, "oidc");
});
