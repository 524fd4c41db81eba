import { type APIRequestContext, expect, type Page } from "@playwright/test";

export const DEMO = { email: "demo@ragsites.com", password: "Demo@123456" };
export const PASSWORD = "Str0ng!pass";

/** An email no other test (or earlier run) uses. */
export function uniqueEmail(tag: string): string {
  return `${tag}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

export async function signIn(page: Page, email: string, password: string) {
  await page.goto("/auth/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function register(page: Page, name: string, email: string, password = PASSWORD) {
  await page.goto("/auth/register");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Confirm password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
}

/** Waits for hydration, so clicks go through the enhanced (JavaScript) path. */
export async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/** A Bearer token for the REST API, as an automation client gets one. */
export async function apiToken(request: APIRequestContext, email: string, password: string): Promise<string> {
  const response = await request.post("/api/auth/login", { data: { email, password } });
  expect(response.status()).toBe(200);
  return (await response.json()).token;
}

/** Creates a service and a key for it through the REST API; returns both. */
export async function serviceWithKey(request: APIRequestContext, token: string, name: string) {
  const headers = { Authorization: `Bearer ${token}` };
  const service = await request.post("/api/v1/services", { headers, data: { name, kind: "chatbot" } });
  expect(service.status()).toBe(201);
  const id: string = (await service.json()).id;
  const key = await request.post(`/api/v1/services/${id}/keys`, { headers, data: { name: "e2e" } });
  expect(key.status()).toBe(201);
  return { id, key: (await key.json()).key as string };
}

/** The figure a metric card shows. */
export function metric(page: Page, title: string) {
  return page.locator(`[data-metric="${title}"] .metric__value`);
}

/** Numbers as the portal writes them: 1,234. */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}
