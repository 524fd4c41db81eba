import { annotateWithKey, annotationJourney, clientWithService, expectMarks } from "./annotations";
import { expect, hoursAgo, hydrated, test } from "./helpers";

test("annotations: posted by a pipeline, added, edited and deleted on the dashboard", async ({ page, request }) => {
  await annotationJourney(page, request, "Annotator");
});

test("an annotation posted with a service's key appears on the open dashboard without a reload", async ({
  page,
  request,
}) => {
  const { key } = await clientWithService(page, request, "Live Annotator");
  await page.goto("/dashboard?range=24h");
  await hydrated(page);
  await expect(page.locator("[data-live]")).toHaveText("Live");
  await expectMarks(page, []);
  await annotateWithKey(request, key, "Prompt v3 deployed", hoursAgo(1));
  await expectMarks(page, ["Prompt v3 deployed"]);
});
