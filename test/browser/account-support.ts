/**
 * What the account browser tests need beyond support.ts: following an emailed link the way a
 * person does (real API: the dev mailbox at the stack's /mailbox; stub: the stub mailbox page),
 * and the demo's account panel actions.
 */
import type { BrowserContext, Page } from "playwright-core";
import { dev, eventually, expectText, idle, type Mode, ready } from "./support";

const SUBJECTS = {
  "verify-email": "Confirm your email address",
  "reset-password": "Reset your password",
} as const;

/**
 * Opens the mailbox in a new tab, finds the newest email of this kind to `address` and follows
 * its link; resolves the tab, now on the page the link opened.
 */
export async function followEmailedLink(
  context: BrowserContext,
  mode: Mode,
  address: string,
  kind: keyof typeof SUBJECTS,
): Promise<Page> {
  const tab = await context.newPage();
  if (mode === "stub") {
    await tab.goto(`${dev().webUrl}/stub/mailbox?to=${encodeURIComponent(address)}`);
    await ready(tab);
    await tab.click(`li.mail[data-template="${kind}"] a.mail-link`);
  } else {
    // The dev mailbox shows each email's text; its link is the one to follow (delivery runs
    // after the API's answer, so the email may take a moment).
    const link = await eventually(`the "${SUBJECTS[kind]}" email to ${address}`, async () => {
      await tab.goto(`${dev().mailboxUrl}?to=${encodeURIComponent(address)}`);
      const article = tab.locator("article", { hasText: SUBJECTS[kind] }).first();
      if ((await article.count()) === 0) return undefined;
      return /https?:\/\/\S+/.exec((await article.locator("pre").textContent()) ?? "")?.[0];
    });
    await tab.goto(link as string);
  }
  await tab.waitForURL((url) => url.pathname.endsWith(`/${kind}`));
  await ready(tab);
  return tab;
}

/** Changes the password in the account panel. */
export async function changePassword(page: Page, current: string, next: string): Promise<void> {
  await page.fill("#current-password", current);
  await page.fill("#new-password", next);
  await page.click("#change-password");
  await expectText(page.locator("#notice"), /^Password changed\./);
  await idle(page);
}

/** The sessions the account panel lists: id and whether it is this browser's. */
export async function listedSessions(page: Page): Promise<{ id: string; current: boolean }[]> {
  await idle(page);
  return page.$$eval("#session-list li.session-item", (items) =>
    items.map((li) => ({
      id: (li as HTMLElement).dataset.sessionId ?? "",
      current: (li as HTMLElement).dataset.current === "true",
    })),
  );
}
