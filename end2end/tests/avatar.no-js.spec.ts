import { test } from "./helpers";
import { avatarJourney } from "./avatar";

test("profile picture works without JavaScript", async ({ page }) => {
  test.setTimeout(60_000);
  await avatarJourney(page, "avatar-no-js");
});
