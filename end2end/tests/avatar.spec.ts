import { test } from "./helpers";
import { avatarJourney } from "./avatar";

test("profile picture: refused by content, uploaded, shown in the navbar, removed", async ({ page }) => {
  test.setTimeout(60_000);
  await avatarJourney(page, "avatar-js");
});
