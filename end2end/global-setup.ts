import type { FullConfig } from "@playwright/test";

// Only with BASE_URL (a portal started by hand): waits up to two minutes for it to answer
// /readyz. Without BASE_URL the suite starts its own portal (playwright.config.ts).
export default async function globalSetup(config: FullConfig) {
  const baseURL = config.projects[0].use.baseURL as string;
  const deadline = Date.now() + 120_000;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${baseURL}/readyz`);
      if (response.ok) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`The portal at ${baseURL} did not become healthy (${last}). Start it with \`cargo leptos watch\`.`);
}
