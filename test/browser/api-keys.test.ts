/**
 * API keys through the demo's account panel, in both modes: a key made in the page, its secret
 * read from the page (shown once), the list, rotate and revoke. On the real API the test then
 * calls the API with the secret the way a script would (no browser, no Origin): its scope
 * passes, another is refused, the rotated secret works and a revoked key is refused at once.
 */
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import {
  describeBrowser,
  dev,
  expectText,
  idle,
  MODES,
  shownError,
  signUp,
  uniqueEmail,
  useBrowser,
} from "./support";

const browser = useBrowser("api-keys");

/** A server-to-server call with an API key, as a customer's script makes it. */
async function callWithKey(secret: string, path: string): Promise<{ status: number; type?: string }> {
  const res = await fetch(`${dev().apiUrl}${path}`, { headers: { Authorization: `Bearer ${secret}` } });
  const body = (await res.json().catch(() => ({}))) as { type?: string };
  return { status: res.status, type: body.type };
}

/** Creates a key in the panel; resolves the secret the page shows once. */
async function createKey(page: Page, name: string, scopes: string[]): Promise<string> {
  await page.fill("#api-key-name", name);
  for (const scope of scopes) await page.check(`input[name="api-key-scope"][value="${scope}"]`);
  await page.click("#api-key-create");
  await expectText(page.locator("#api-key-secret-title"), new RegExp(`^Your new key “${name}”`));
  await idle(page);
  expect(await shownError(page)).toBe("");
  return (await page.locator("#api-key-secret").textContent()) ?? "";
}

/** The `<input type="date">` value `days` from now. */
function dateIn(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** The panel's row of the key named `name`. */
const row = (page: Page, name: string) => page.locator("#api-key-list li.api-key-item", { hasText: name });

async function rotateKey(page: Page, name: string): Promise<string> {
  await row(page, name).locator("button.rotate-api-key").click();
  await expectText(page.locator("#api-key-secret-title"), new RegExp(`^New secret of “${name}”`));
  await expectText(page.locator("#api-key-grace"), /^The previous secret keeps working until /);
  await idle(page);
  return (await page.locator("#api-key-secret").textContent()) ?? "";
}

/** Revokes through the confirmation; the row then says revoked and offers no actions. */
async function revokeKey(page: Page, name: string): Promise<void> {
  await row(page, name).locator("button.revoke-api-key").click();
  await row(page, name).locator("button.confirm-revoke-api-key").click();
  await expectText(page.locator("#notice"), new RegExp(`^API key “${name}” revoked`));
  await idle(page);
  expect(await row(page, name).getAttribute("data-state")).toBe("revoked");
  expect(await row(page, name).locator("button").count()).toBe(0);
}

describeBrowser.each(MODES)("API keys in the demo (%s mode)", (mode) => {
  it("creates a key whose secret is shown once, lists it, rotates and revokes it", async () => {
    const page = await browser.open(await browser.context({ clipboard: true }), mode);
    await signUp(page, uniqueEmail(`api-keys-${mode}`));
    // Writing lessons is an admin's scope: a user is not offered it.
    expect(await page.isVisible('label.api-key-scope[data-scope="lessons:write"]')).toBe(false);

    // No scope ticked: the API's problem, in plain words, and no key made.
    await page.fill("#api-key-name", "Empty");
    await page.click("#api-key-create");
    await expectText(page.locator("#error"), /^Creating an API key: .*Scopes /);
    expect(await page.isVisible("#api-key-secret-box")).toBe(false);

    const secret = await createKey(page, "Nightly export", ["patterns:read"]);
    expect(secret).toMatch(/^bk_test_[0-9A-Za-z]{50}$/);
    await expectText(page.locator("#api-key-secret-box"), /you won't see it again/);
    const listed = await expectText(row(page, "Nightly export"), /scopes patterns:read/);
    expect(listed).toContain(`bk_test_…${secret.slice(-4)}`);
    expect(listed).toMatch(/last used never · no expiry/);
    await browser.shot(page, `${mode}-secret-once`);
    await page.click("#api-key-copy");
    await expectText(page.locator("#notice"), /^Key copied to the clipboard\./);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

    if (mode === "http") {
      expect(await callWithKey(secret, "/api/patterns")).toMatchObject({ status: 200 });
      expect(await callWithKey(secret, "/api/progress")).toEqual({
        status: 403,
        type: "https://backline.dev/problems/insufficient-scope",
      });
    }

    // Once copied, the secret is gone from the page for good (the list only has its last four).
    await page.click("#api-key-secret-done");
    expect(await page.isVisible("#api-key-secret-box")).toBe(false);
    await page.reload();
    await expectText(row(page, "Nightly export"), /scopes patterns:read/);
    expect(await page.locator("body").textContent()).not.toContain(secret);

    const rotated = await rotateKey(page, "Nightly export");
    expect(rotated).toMatch(/^bk_test_/);
    expect(rotated).not.toBe(secret);
    expect(await row(page, "Nightly export").textContent()).toContain(`…${rotated.slice(-4)}`);
    if (mode === "http") {
      expect((await callWithKey(rotated, "/api/patterns")).status).toBe(200);
      // The old secret keeps working through the grace period the page announced.
      expect((await callWithKey(secret, "/api/patterns")).status).toBe(200);
    }

    await revokeKey(page, "Nightly export");
    // A revoked key's secret is not left on screen.
    expect(await page.isVisible("#api-key-secret-box")).toBe(false);
    await browser.shot(page, `${mode}-revoked`);
    if (mode === "http") {
      expect((await callWithKey(rotated, "/api/patterns")).status).toBe(401);
      expect((await callWithKey(secret, "/api/patterns")).status).toBe(401);
    }

    // An expiry date from the date field: the key stops at the end of that day.
    await page.fill("#api-key-expires", dateIn(30));
    await createKey(page, "Until next month", ["progress:read"]);
    expect(await row(page, "Until next month").textContent()).toMatch(/ · expires \S/);
  });
});
