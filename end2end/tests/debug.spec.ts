import { test } from "@playwright/test";
test("debug", async ({ page, request }) => {
  page.on("console", async (m) => { if (m.type() !== "error") return; for (const a of m.args()) console.log("ARG", String(await a.evaluate((n: any) => n && (n.outerHTML ?? (n.nodeType === 8 ? "<!--" + n.textContent + "-->" : n.textContent ?? String(n))))).slice(0, 300)); });
  page.on("pageerror", (e) => console.log("PAGEERROR", e.message));
  const login = await request.post("/api/auth/login", { data: { email: "demo@ragsites.com", password: "Demo@123456" } });
  const token = (await login.json()).token;
  const services = await (await request.get("/api/v1/services", { headers: { Authorization: `Bearer ${token}` } })).json();
  await page.goto("/auth/signin");
  await page.getByLabel("Email").fill("demo@ragsites.com");
  await page.getByLabel("Password", { exact: true }).fill("Demo@123456");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/dashboard/);
  await page.goto(`/services/${services[0].id}`);
  await page.waitForTimeout(4000);
  console.log("HYDRATED", await page.locator("body").getAttribute("data-hydrated"));
  await page.screenshot({ path: "/tmp/service.png", fullPage: true });
});
