/**
 * Two-step sign-in with an authenticator app through the demo, in both modes: the account
 * panel shows the QR code and the key, the test reads the key from the page and computes codes
 * the way an app does (@oslojs/otp), turns the app on, keeps the recovery codes shown once,
 * signs out, signs in with a code, then with a recovery code; new recovery codes, and the app
 * turned off (the password alone signs in again). The panel's state line is what the API says
 * (mfa.status()): off, on with 10 codes, 9 after one is used, off again.
 */
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import {
  describeBrowser,
  expectText,
  idle,
  MODES,
  PASSWORD,
  shownError,
  signIn,
  signOut,
  signUp,
  uniqueEmail,
  useBrowser,
} from "./support";

const browser = useBrowser("mfa-totp");

/** The app's code `steps` 30-second steps from now. */
function codeOf(secret: string, steps = 0): string {
  const step = Math.floor(Date.now() / 30_000) + steps;
  return generateHOTP(decodeBase32IgnorePadding(secret), BigInt(step), 6);
}

/** The password step of a sign-in; the page then asks for the second factor. */
async function passwordStep(page: Page, email: string): Promise<void> {
  await page.fill("#email", email);
  await page.fill("#password", PASSWORD);
  await page.click("#sign-in");
  await page.locator("#mfa-form").waitFor({ state: "visible" });
  await idle(page);
  expect(await shownError(page)).toBe("");
}

/** The second step with `code`; the page shows the user signed in. */
async function secondStep(page: Page, code: string): Promise<void> {
  await page.fill("#mfa-code", code);
  await page.click("#mfa-submit");
  await expectText(page.locator("#auth-state"), /^Signed in as /);
  await idle(page);
}

describeBrowser.each(MODES)("authenticator app (%s mode)", (mode) => {
  it("sets up the app from the page's key, signs in with a code and a recovery code, renews the codes, turns it off", async () => {
    const page = await browser.open(await browser.context(), mode);
    const email = uniqueEmail(`totp-${mode}`);
    await signUp(page, email);
    await expectText(page.locator("#totp-state"), /^Authenticator app: off\.$/);

    await page.fill("#totp-password", PASSWORD);
    await page.click("#totp-start");
    const secret = (await page.locator("#totp-secret").textContent()) ?? "";
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await page.getAttribute("#totp-qr", "src")).toMatch(/^data:image\/svg\+xml,%3Csvg/);
    await browser.shot(page, `${mode}-qr`);
    await page.fill("#totp-code", codeOf(secret));
    await page.click("#totp-verify");
    await expectText(page.locator("#totp-state"), /^Authenticator app: on\. 10 recovery codes left\.$/);
    expect(await page.isHidden("#totp-start-form")).toBe(true);
    const codes = await page.locator("#recovery-codes li").allTextContents();
    expect(codes).toHaveLength(10);

    await signOut(page);
    await passwordStep(page, email);
    await browser.shot(page, `${mode}-second-step`);
    // The code that turned the app on is spent; the next step's code is within the ±1 window.
    await secondStep(page, codeOf(secret, 1));

    await signOut(page);
    await passwordStep(page, email);
    await page.fill("#mfa-code", "000000");
    await page.click("#mfa-submit");
    await expectText(page.locator("#error"), /The code is wrong or was already used/);
    await secondStep(page, codes[0] as string);
    expect(await shownError(page)).toBe("");
    // Read again after the sign-in: the code just used is gone.
    await expectText(page.locator("#totp-state"), /^Authenticator app: on\. 9 recovery codes left\.$/);

    // New recovery codes, then the app off, each confirmed with a recovery code.
    await page.fill("#totp-factor-code", codes[1] as string);
    await page.click("#totp-regenerate");
    await expectText(page.locator("#notice"), /^New recovery codes/);
    const fresh = await page.locator("#recovery-codes li").allTextContents();
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(codes[2]);
    await expectText(page.locator("#totp-state"), /^Authenticator app: on\. 10 recovery codes left\.$/);
    await page.fill("#totp-factor-code", fresh[0] as string);
    await page.click("#totp-disable");
    await expectText(page.locator("#totp-state"), /^Authenticator app: off\.$/);
    expect(await page.isVisible("#totp-start-form")).toBe(true);
    expect(await page.isHidden("#totp-manage-form")).toBe(true);
    await signOut(page);
    await signIn(page, email);
  });
});
