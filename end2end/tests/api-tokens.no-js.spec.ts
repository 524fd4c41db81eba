import { test } from "./helpers";
import { apiTokenJourney } from "./api-tokens";

test("API tokens work without JavaScript", async ({ page }) => {
  test.setTimeout(60_000);
  await apiTokenJourney(page, "token-no-js");
});
