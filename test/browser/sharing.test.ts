/** Plan step 5: a share link, copied to the clipboard, opened read-only elsewhere; the view count rises. */
import type { BrowserContext, Page } from "playwright-core";
import { expect, it } from "vitest";
import {
  describeBrowser,
  dev,
  expectText,
  idle,
  MODES,
  ready,
  signUp,
  toggleSteps,
  uniqueEmail,
  useBrowser,
} from "./support";

const browser = useBrowser("sharing");

async function openShare(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await ready(page);
  return page;
}

describeBrowser.each(MODES)("sharing (%s mode)", (mode) => {
  it("copies a link that opens the pattern read-only with a rising view count", async () => {
    const owner = await browser.context({ clipboard: true });
    const page = await browser.open(owner, mode);
    await signUp(page, uniqueEmail(`share-${mode}`));
    await page.fill("#pattern-name", "Shared shuffle");
    await toggleSteps(page, [
      [0, 0],
      [1, 4],
      [2, 2],
      [2, 6],
    ]);
    await page.click("#save-pattern");
    const item = page.locator('#pattern-list li[data-name="Shared shuffle"]');
    await item.waitFor();
    await idle(page);

    await item.locator("button.share").click();
    await expectText(page.locator("#notice"), /copied to the clipboard/);
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const prefix = mode === "http" ? `${dev().webUrl}/share/` : `${dev().webUrl}/share/stub/`;
    expect(copied.startsWith(prefix), copied).toBe(true);
    expect(copied.slice(prefix.length)).toMatch(/^[0-9A-Za-z]{12,32}$/);
    expect(await page.getAttribute("#share-url", "href")).toBe(copied);
    await browser.shot(page, `${mode}-link-copied`);

    // The real API's links work anywhere: a fresh context with no session. The stub's live in
    // this browser, so they open in the same context.
    const viewer = mode === "http" ? await browser.context() : owner;
    const shared = await openShare(viewer, copied);
    await expectText(shared.locator("#shared-name"), /^Shared shuffle$/);
    await expectText(shared.locator("#shared-views"), /^1 view$/);
    expect(await shared.locator("#grid button").count()).toBe(0);
    expect(await shared.locator("#grid [data-on='true']").count()).toBe(4);
    expect(await shared.getAttribute('#grid [data-track="2"][data-step="6"]', "data-on")).toBe("true");
    await browser.shot(shared, `${mode}-shared-first-view`);

    await shared.reload();
    await ready(shared);
    await expectText(shared.locator("#shared-views"), /^2 views$/);
    const another = await openShare(mode === "http" ? await browser.context() : owner, copied);
    await expectText(another.locator("#shared-views"), /^3 views$/);
    await browser.shot(another, `${mode}-shared-third-view`);
  });

  it("says so in plain words when a link does not exist", async () => {
    const page = await openShare(
      await browser.context(),
      `${dev().webUrl}/share/${mode === "stub" ? "stub/" : ""}NoSuchShareLink1234`,
    );
    const error = page.locator("#error");
    await error.waitFor({ state: "visible" });
    expect(await error.textContent()).toMatch(
      /^Loading the shared pattern: .*(not found|no such|unknown|revoked)/i,
    );
    expect(await page.isVisible("#shared")).toBe(false);
    await browser.shot(page, `${mode}-unknown-link`);
  });
});
