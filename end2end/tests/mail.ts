import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "@playwright/test";

/** Where the suite's SMTP sink writes the mail it receives (see playwright.config.ts). */
const MAIL_DIR = join(__dirname, "..", "..", "target", "e2e-mail");

type Mail = { envelope_to: string[]; subject: string | null; text: string | null; html: string | null };

/** Mail the SMTP sink has received for `to`, oldest first. */
function mailTo(to: string): Mail[] {
  let files: string[] = [];
  try {
    files = readdirSync(MAIL_DIR).filter((name) => name.endsWith(".json"));
  } catch {
    return [];
  }
  return files
    .sort()
    .map((name) => JSON.parse(readFileSync(join(MAIL_DIR, name), "utf8")) as Mail)
    .filter((mail) => mail.envelope_to.includes(to));
}

/** Waits for the `nth` mail (1 = the first) to `to` with `subject` (the outbox worker sends
 * every 2 s) and returns the first portal link of its text part, as a path. */
export async function linkFromMail(to: string, subject: string, nth = 1): Promise<string> {
  let link: string | undefined;
  await expect
    .poll(
      () => {
        const mail = mailTo(to).filter((m) => m.subject === subject)[nth - 1];
        link = mail?.text?.split(/\s+/).find((word) => word.startsWith("http"));
        return link;
      },
      { message: `mail number ${nth} "${subject}" to ${to}`, timeout: 15_000 },
    )
    .toBeTruthy();
  const url = new URL(link as string);
  return `${url.pathname}${url.search}`;
}
