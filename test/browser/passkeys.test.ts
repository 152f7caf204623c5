/**
 * Passkeys through the demo, in both modes, with Chromium's virtual authenticator (DevTools
 * protocol `WebAuthn` domain: a platform authenticator with resident keys and user
 * verification): register one from the account panel, rename it, sign out, sign in with it and
 * no password, use it as the second factor of a password sign-in, and remove it. The pages are
 * on http://localhost (WebAuthn refuses IP addresses as relying party ids): the dev system of
 * the browser tests serves the demo and the API there already.
 */
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import {
  describeBrowser,
  expectText,
  idle,
  MODES,
  PASSWORD,
  shownError,
  signOut,
  signUp,
  uniqueEmail,
  useBrowser,
} from "./support";

const browser = useBrowser("passkeys");

/** Gives the page a virtual platform authenticator that verifies the user without asking. */
async function virtualAuthenticator(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  });
}

/** The passkeys the account panel lists, by name. */
async function listedPasskeys(page: Page): Promise<string[]> {
  await idle(page);
  return page.locator("#passkey-list li.passkey-item .passkey-name").allTextContents();
}

describeBrowser.each(MODES)("passkeys (%s mode)", (mode) => {
  it("registers a passkey, signs in with it without a password and as a second factor, and removes it", async () => {
    const page = await browser.open(await browser.context(), mode);
    await virtualAuthenticator(page);
    const email = uniqueEmail(`passkey-${mode}`);
    await signUp(page, email);

    // Adding a way to sign in asks for the password again: a stolen access token alone cannot.
    await page.fill("#passkey-name", "Laptop");
    await page.click("#passkey-add");
    await expectText(page.locator("#error"), /^Adding a passkey: .*password/);
    expect(await listedPasskeys(page)).toEqual([]);
    await page.fill("#passkey-password", PASSWORD);
    await page.click("#passkey-add");
    await expectText(page.locator("#notice"), /^Passkey “Laptop” added/);
    expect(await listedPasskeys(page)).toEqual(["Laptop"]);
    await page.fill("#passkey-list .passkey-rename-input", "Work laptop");
    await page.click("#passkey-list button.rename-passkey");
    await expectText(page.locator("#notice"), /^Passkey renamed to “Work laptop”\.$/);
    expect(await listedPasskeys(page)).toEqual(["Work laptop"]);
    await browser.shot(page, `${mode}-registered`);

    await signOut(page);
    await page.click("#passkey-sign-in");
    await expectText(page.locator("#auth-state"), /^Signed in as Ada$/);
    expect(await shownError(page)).toBe("");

    // A passkey turns two-step sign-in on: the password alone no longer signs in.
    await signOut(page);
    await page.fill("#email", email);
    await page.fill("#password", PASSWORD);
    await page.click("#sign-in");
    await page.locator("#mfa-use-passkey").waitFor({ state: "visible" });
    await page.click("#mfa-use-passkey");
    await expectText(page.locator("#auth-state"), /^Signed in as Ada$/);
    expect(await listedPasskeys(page)).toEqual(["Work laptop"]);

    await page.click("#passkey-list button.remove-passkey");
    await expectText(page.locator("#notice"), /^Passkey “Work laptop” removed\.$/);
    expect(await listedPasskeys(page)).toEqual([]);
    expect(await shownError(page)).toBe("");
  });
});
