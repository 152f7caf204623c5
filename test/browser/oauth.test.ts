/**
 * Issue #14 in the demo: Google and GitHub sign-in through the dev stand-ins' consent pages, linking
 * and unlinking from the account panel, a denied consent; and (#15) a provider sign-in of an account
 * with an authenticator app, which the demo finishes with a code.
 */
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import {
  describeBrowser,
  dev,
  expectText,
  idle,
  PASSWORD,
  ready,
  shownError,
  signOut,
  signUp,
  uniqueEmail,
  useBrowser,
} from "./support";

const browser = useBrowser("oauth");

/** Waits for the stand-in's consent page of `provider`. */
async function atConsent(page: Page, provider: "google" | "github"): Promise<void> {
  await page.waitForURL((url) => url.pathname.startsWith(`/oauth/${provider}/`), { timeout: 20_000 });
  await page.locator("button.deny").waitFor();
}

/** Waits until the browser is back in the demo and it has settled. */
async function backInTheApp(page: Page): Promise<void> {
  await page.waitForURL((url) => url.origin === new URL(dev().webUrl).origin, { timeout: 20_000 });
  await ready(page);
}

/** Whether the account panel lists `provider` as linked. */
function linked(page: Page, provider: string) {
  return page.locator(`.identity-item[data-provider="${provider}"]`).getAttribute("data-linked");
}

describeBrowser("sign-in with Google and GitHub (real API, dev stand-ins)", () => {
  it("signs in with GitHub, links Google, unlinks GitHub, and shows a denied consent in plain words", async () => {
    const page = await browser.open(await browser.context(), "http");
    const state = page.locator("#auth-state");
    await expectText(state, /^Signed out$/);
    expect(await page.locator("#provider-buttons button").allTextContents()).toEqual([
      "Continue with Google",
      "Continue with GitHub",
    ]);

    // GitHub: pick a listed test user on the consent page.
    await page.click('[data-provider="github"]');
    await atConsent(page, "github");
    await page.click('button[data-email="grace@example.com"]');
    await backInTheApp(page);
    await expectText(state, /^Signed in as Grace Hopper$/);
    await expectText(page.locator('.identity-item[data-provider="github"]'), /grace@example\.com/);
    await browser.shot(page, "signed-in-with-github");

    // Link Google from the account panel, as someone else typed on the consent page.
    const googleEmail = uniqueEmail("linked-google");
    await page.click('.identity-item[data-provider="google"] .link-identity');
    await atConsent(page, "google");
    await page.fill('fieldset input[name="email"]', googleEmail);
    await page.click('fieldset button[type="submit"]');
    await backInTheApp(page);
    await expectText(state, /^Signed in as Grace Hopper$/);
    await expectText(page.locator('.identity-item[data-provider="google"]'), new RegExp(googleEmail));
    expect(await linked(page, "google")).toBe("true");

    // Unlink GitHub; Google, now the only way in (no password), cannot be unlinked.
    await page.click('.identity-item[data-provider="github"] .unlink-identity');
    await idle(page);
    await expectText(page.locator('.identity-item[data-provider="github"]'), /not linked/);
    await page.click('.identity-item[data-provider="google"] .unlink-identity');
    await idle(page);
    expect(await shownError(page)).toMatch(/^Unlinking Google: This is the account's only way to sign in/);
    expect(await linked(page, "google")).toBe("true");
    await browser.shot(page, "linked-google-unlinked-github");

    // A denied consent comes back signed out with a readable error, and leaves no error in the URL.
    await page.click("#sign-out");
    await expectText(state, /^Signed out$/);
    await page.click('[data-provider="google"]');
    await atConsent(page, "google");
    await page.click("button.deny");
    await backInTheApp(page);
    await expectText(state, /^Signed out$/);
    expect(await shownError(page)).toBe(
      "Signing in with the provider: Sign-in was cancelled at the provider.",
    );
    expect(new URL(page.url()).searchParams.has("error")).toBe(false);
    await browser.shot(page, "denied-consent");
  }, 60_000);

  it("asks for the authenticator app's code after Google when the account has one", async () => {
    const page = await browser.open(await browser.context(), "http");
    const state = page.locator("#auth-state");
    const email = uniqueEmail("oauth-totp");
    await signUp(page, email);

    // Turn the authenticator app on, computing its codes from the key the page shows.
    await page.fill("#totp-password", PASSWORD);
    await page.click("#totp-start");
    const secret = (await page.locator("#totp-secret").textContent()) ?? "";
    const codeOf = (steps: number) =>
      generateHOTP(decodeBase32IgnorePadding(secret), BigInt(Math.floor(Date.now() / 30_000) + steps), 6);
    await page.fill("#totp-code", codeOf(0));
    await page.click("#totp-verify");
    await expectText(page.locator("#totp-state"), /^Authenticator app: on\./);

    // Link a Google account, then sign out and come back through Google.
    const googleEmail = uniqueEmail("oauth-totp-google");
    await page.click('.identity-item[data-provider="google"] .link-identity');
    await atConsent(page, "google");
    await page.fill('fieldset input[name="email"]', googleEmail);
    await page.click('fieldset button[type="submit"]');
    await backInTheApp(page);
    expect(await linked(page, "google")).toBe("true");
    await signOut(page);
    await page.click('[data-provider="google"]');
    await atConsent(page, "google");
    await page.fill('fieldset input[name="email"]', googleEmail);
    await page.click('fieldset button[type="submit"]');
    await backInTheApp(page);

    // Google alone does not sign in: the demo asks for the second step, with no error shown.
    await expectText(state, /^Signed out$/);
    await page.locator("#mfa-form").waitFor({ state: "visible" });
    expect(await shownError(page)).toBe("");
    expect(new URL(page.url()).searchParams.has("error")).toBe(false);
    await browser.shot(page, "google-second-step");
    // The code that turned the app on is spent; the next step's is within the ±1 window.
    await page.fill("#mfa-code", codeOf(1));
    await page.click("#mfa-submit");
    await expectText(state, /^Signed in as Ada$/);
  }, 60_000);

  it("lets an account made through Google turn the authenticator app on and delete itself, with no password", async () => {
    const page = await browser.open(await browser.context(), "http");
    const state = page.locator("#auth-state");
    const email = uniqueEmail("google-only");
    await page.click('[data-provider="google"]');
    await atConsent(page, "google");
    await page.fill('fieldset input[name="email"]', email);
    await page.click('fieldset button[type="submit"]');
    await backInTheApp(page);
    await expectText(state, /^Signed in as /);
    await expectText(page.locator("#password-state"), /^No password yet/);

    // The sign-in a moment ago stands in for the password the account does not have.
    await page.click("#totp-start");
    const secret = (await page.locator("#totp-secret").textContent()) ?? "";
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    const code = generateHOTP(decodeBase32IgnorePadding(secret), BigInt(Math.floor(Date.now() / 30_000)), 6);
    await page.fill("#totp-code", code);
    await page.click("#totp-verify");
    await expectText(page.locator("#totp-state"), /^Authenticator app: on\./);
    await browser.shot(page, "google-only-totp-on");

    await page.click("#delete-account");
    await expectText(state, /^Signed out$/);
    await expectText(page.locator("#notice"), /and its data were deleted\.$/);
    expect(await page.locator("#notice").textContent()).toBe(
      `The account ${email} and its data were deleted.`,
    );
  }, 60_000);
});
