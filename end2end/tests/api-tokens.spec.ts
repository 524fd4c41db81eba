import { test } from "./helpers";
import { apiTokenJourney } from "./api-tokens";

test("API tokens: made once on the security tab, read the API, revoked", async ({ page }) => {
  test.setTimeout(60_000);
  await apiTokenJourney(page, "token-js");
});
