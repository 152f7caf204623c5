/** Plan steps 2 and 4: save, list and delete patterns; saving signed out, then syncing on sign-in. */
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import {
  api,
  describeBrowser,
  eventually,
  expectText,
  idle,
  MODES,
  ready,
  shownError,
  signIn,
  signUp,
  toggleSteps,
  uniqueEmail,
  useBrowser,
} from "./support";

const browser = useBrowser("patterns");

const item = (page: Page, name: string) => page.locator(`#pattern-list li[data-name="${name}"]`);

/** The patterns the SDK keeps in this page, with their sync state. */
function sdkPatterns(page: Page) {
  return page.evaluate(async () => {
    const w = window as unknown as {
      backline: { dataSync: { loadPatterns(): Promise<{ name: string; syncState: string }[]> } };
    };
    return (await w.backline.dataSync.loadPatterns()).map((p) => ({ name: p.name, syncState: p.syncState }));
  });
}

async function compose(page: Page, name: string, steps: [number, number][]): Promise<void> {
  await page.click("#new-pattern");
  await page.fill("#pattern-name", name);
  await page.fill("#pattern-tempo", "96");
  await toggleSteps(page, steps);
}

describeBrowser.each(MODES)("patterns (%s mode)", (mode) => {
  it("saves, lists and deletes a pattern", async () => {
    const page = await browser.open(await browser.context(), mode);
    const email = uniqueEmail(`patterns-${mode}`);
    await signUp(page, email);
    await expectText(page.locator("#pattern-list"), /No patterns yet/);

    await compose(page, "Four on the floor", [
      [0, 0],
      [0, 4],
      [0, 8],
      [0, 12],
      [1, 4],
      [1, 12],
    ]);
    expect(await page.locator("#grid button[aria-pressed='true']").count()).toBe(6);
    await browser.shot(page, `${mode}-composed`);
    await page.click("#save-pattern");
    await item(page, "Four on the floor").waitFor();
    await idle(page);
    expect(await page.textContent("#pattern-id")).toMatch(/^Saved as [0-9a-f-]{36}$/);
    expect(await shownError(page)).toBe("");
    await browser.shot(page, `${mode}-saved`);

    if (mode === "http") {
      const [saved] = await api.patterns(await api.signIn(email));
      expect(saved?.name).toBe("Four on the floor");
      expect(saved?.tracks[0]?.steps.slice(0, 5)).toEqual([true, false, false, false, true]);
    }

    // Listed again after a reload (from the server in http mode, from this browser in stub mode).
    await page.reload();
    await ready(page);
    await item(page, "Four on the floor").waitFor();
    await item(page, "Four on the floor").locator("button.open").click();
    expect(await page.inputValue("#pattern-name")).toBe("Four on the floor");
    expect(await page.locator("#grid button[aria-pressed='true']").count()).toBe(6);

    await item(page, "Four on the floor").locator("button.delete").click();
    await item(page, "Four on the floor").waitFor({ state: "detached" });
    await expectText(page.locator("#pattern-list"), /No patterns yet/);
    await idle(page);
    await browser.shot(page, `${mode}-deleted`);
    if (mode === "http") expect(await api.patterns(await api.signIn(email))).toEqual([]);
  });

  it("keeps a pattern saved while signed out, and syncs it after signing in", async () => {
    const email = uniqueEmail(`offline-${mode}`);
    if (mode === "http") await api.signUp(email);
    const page = await browser.open(await browser.context(), mode);
    await expectText(page.locator("#auth-state"), /^Signed out$/);

    await compose(page, "Signed-out groove", [
      [2, 0],
      [2, 2],
      [2, 4],
    ]);
    await page.click("#save-pattern");
    await item(page, "Signed-out groove").waitFor();
    await idle(page);
    expect(await shownError(page)).toBe("");
    await expectText(page.locator("#notice"), /in this browser; sign in to sync/);
    expect(await sdkPatterns(page)).toEqual([{ name: "Signed-out groove", syncState: "pending" }]);
    await browser.shot(page, `${mode}-saved-signed-out`);

    if (mode === "http") await signIn(page, email);
    else await signUp(page, email);
    await expectText(page.locator("#notice"), /Synced: 1 uploaded/);
    expect(await shownError(page)).toBe("");
    expect(await sdkPatterns(page)).toEqual([{ name: "Signed-out groove", syncState: "synced" }]);
    await browser.shot(page, `${mode}-synced-after-sign-in`);

    if (mode === "http") {
      const token = await api.signIn(email);
      const onServer = await eventually("the pattern on the server", async () => {
        const patterns = await api.patterns(token);
        return patterns.length > 0 ? patterns : undefined;
      });
      expect(onServer?.map((p) => p.name)).toEqual(["Signed-out groove"]);
    }
  });
});
