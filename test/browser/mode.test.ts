/** Plan step 3: `?backend=real` puts the SDK in http mode, `setMode('stub')` switches back. */
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { describeBrowser, dev, expectText, idle, useBrowser } from "./support";

const browser = useBrowser("mode");

const sdkMode = (page: Page) =>
  page.evaluate(() => (window as unknown as { backline: { mode: string } }).backline.mode);

/** Requests the page sends to the API while `action` runs. */
async function apiRequestsDuring(page: Page, action: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const record = (request: { url(): string }) => {
    if (request.url().startsWith(dev().apiUrl)) seen.push(new URL(request.url()).pathname);
  };
  page.on("request", record);
  try {
    await action();
  } finally {
    page.off("request", record);
  }
  return seen;
}

async function loadCurriculum(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const w = window as unknown as { backline: { content: { loadCurriculum(): Promise<unknown[]> } } };
    return (await w.backline.content.loadCurriculum()).length;
  });
}

describeBrowser("mode detection", () => {
  it("is stub without ?backend=real, and sends nothing to the API", async () => {
    const context = await browser.context();
    const page = await context.newPage();
    const requests = await apiRequestsDuring(page, async () => {
      await page.goto(dev().webUrl);
      await page.waitForSelector("body[data-ready='true']");
      await idle(page);
      expect(await loadCurriculum(page)).toBeGreaterThan(0);
    });
    expect(await sdkMode(page)).toBe("stub");
    await expectText(page.locator("#mode"), /^stub/);
    expect(requests).toEqual([]);
    await browser.shot(page, "stub-by-default");
  });

  it("switches to http with ?backend=real and back to stub with setMode('stub')", async () => {
    const page = await browser.open(await browser.context(), "http");
    expect(page.url()).toContain("backend=real");
    expect(await sdkMode(page)).toBe("http");
    await expectText(page.locator("#mode"), /^real API$/);
    expect(await apiRequestsDuring(page, async () => void (await loadCurriculum(page)))).toEqual([
      "/api/lessons",
    ]);
    await browser.shot(page, "http-from-query");

    await page.evaluate(() =>
      (window as unknown as { backline: { setMode(m: string): void } }).backline.setMode("stub"),
    );
    expect(await sdkMode(page)).toBe("stub");
    expect(await apiRequestsDuring(page, async () => void (await loadCurriculum(page)))).toEqual([]);

    // The header's switch does the same through the UI, both ways.
    await page.click("#mode-switch");
    await idle(page);
    expect(await sdkMode(page)).toBe("http");
    await expectText(page.locator("#mode"), /^real API$/);
    await page.click("#mode-switch");
    await idle(page);
    expect(await sdkMode(page)).toBe("stub");
    await expectText(page.locator("#mode"), /^stub/);
    expect(page.url()).not.toContain("backend=real");
    await browser.shot(page, "stub-after-switch");
  });
});
