import { test } from "./helpers";
import { clientWithService, customiseWithForms } from "./widgets";

test("the dashboard is arranged with plain forms", async ({ page, request }) => {
  await clientWithService(page, request, "Plain Arranger");
  await customiseWithForms(page, "Plain Arranger bot");
});
