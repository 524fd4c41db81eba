import { annotationJourney } from "./annotations";
import { test } from "./helpers";

test("annotations are added, edited and deleted without JavaScript", async ({ page, request }) => {
  await annotationJourney(page, request, "Plain Annotator");
});
