/**
 * The whole account through the demo app, in both modes: the email confirmation and password
 * reset links followed from the mailbox (the dev mailbox for the real API, the stub mailbox in
 * stub mode) to the pages they open, password change, profile, sessions and revoking one,
 * sign out everywhere, account deletion; and a pattern opened by id, resume and invoices.
 */
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { changePassword, followEmailedLink, listedSessions } from "./account-support";
import {
  describeBrowser,
  dev,
  eventually,
  expectText,
  idle,
  MODES,
  type Mode,
  PASSWORD,
  ready,
  shownError,
  signIn,
  signOut,
  signUp,
  uniqueEmail,
  useBrowser,
} from "./support";

const browser = useBrowser("account");
const SECOND_PASSWORD = "Backline-second-password-7";
const THIRD_PASSWORD = "Backline-third-password-9";

/**
 * Another device signed in to the account; `stillSignedIn` tells whether its session still works
 * (in stub mode it sees this tab's storage writes a moment later, as a real second tab does).
 */
interface OtherDevice {
  stillSignedIn(): Promise<boolean>;
}

/**
 * Real API: another browser (context) signed in through the app. Stub: the stub's data lives
 * in this browser, so the other device is a second SDK client in the page with its own
 * device storage (its own session), sharing the stub's data.
 */
async function otherDevice(page: Page, mode: Mode, email: string, password: string): Promise<OtherDevice> {
  if (mode === "http") {
    const other = await browser.open(await browser.context(), "http");
    await signIn(other, email, password);
    return {
      async stillSignedIn() {
        await other.reload();
        await ready(other);
        return (await other.textContent("#auth-state"))?.startsWith("Signed in") ?? false;
      },
    };
  }
  // In a tab of its own, so that reloading the app's tab keeps it.
  const tab = await page.context().newPage();
  await tab.goto(`${dev().webUrl}/`);
  await ready(tab);
  await tab.evaluate(`(async () => {
    const sdk = await import("/sdk/backline.js");
    const other = sdk.createBackline({ mode: "stub", storage: sdk.memoryStorage(), stubStorage: localStorage });
    await other.auth.signIn({ email: ${JSON.stringify(email)}, password: ${JSON.stringify(password)} });
    window.otherDevice = other;
  })()`);
  // A person switches tabs to look at one: a tab behind another gets no animation frames (each
  // click there waits about 2 s for one), and may see the other tab's storage writes late.
  await page.bringToFront();
  return {
    async stillSignedIn() {
      await tab.bringToFront();
      const signedIn =
        (await tab.evaluate(`window.otherDevice.auth.listSessions().then(() => true, (error) => {
        if (error.status !== 401 || window.otherDevice.auth.getAuthState().signedIn) throw error;
        return false;
      })`)) as boolean;
      await page.bringToFront();
      return signedIn;
    },
  };
}

describeBrowser.each(MODES)("account (%s mode)", (mode) => {
  it("confirms the email from the mailbox, changes the password, and resets a forgotten one", async () => {
    const context = await browser.context();
    const page = await browser.open(context, mode);
    const email = uniqueEmail(`acct-${mode}`);
    await signUp(page, email);
    await expectText(page.locator("#email-state"), /^not confirmed yet$/);
    expect(await page.isVisible("#stub-mailbox-hint")).toBe(mode === "stub");

    const confirm = await followEmailedLink(context, mode, email, "verify-email");
    await browser.shot(confirm, `${mode}-verify-page`);
    await confirm.click("#confirm-email");
    await confirm.locator("#link-done").waitFor();
    expect(await shownError(confirm)).toBe("");
    await confirm.click("#back-to-app");
    await ready(confirm);
    await expectText(confirm.locator("#email-state"), /^confirmed$/);
    expect(await confirm.isVisible("#resend-verification")).toBe(false);
    await confirm.close();

    await page.reload();
    await ready(page);
    await changePassword(page, PASSWORD, SECOND_PASSWORD);
    await browser.shot(page, `${mode}-password-changed`);
    await signOut(page);
    await page.fill("#email", email);
    await page.fill("#password", PASSWORD);
    await page.click("#sign-in");
    await page.locator("#error").waitFor({ state: "visible" });
    await signIn(page, email, SECOND_PASSWORD);
    await signOut(page);

    await page.fill("#email", email);
    await page.click("#reset-password");
    await expectText(page.locator("#notice"), /a reset link is on its way/);
    const reset = await followEmailedLink(context, mode, email, "reset-password");
    await reset.fill("#new-password", "short");
    await reset.click("#reset-submit");
    await expectText(reset.locator("#error"), /New password must be at least 8 characters/);
    await reset.fill("#new-password", THIRD_PASSWORD);
    await reset.click("#reset-submit");
    await reset.locator("#link-done").waitFor();
    await browser.shot(reset, `${mode}-reset-done`);
    await reset.click("#back-to-app");
    await ready(reset);
    await expectText(reset.locator("#auth-state"), /^Signed out$/);
    await signIn(reset, email, THIRD_PASSWORD);
    await expectText(reset.locator("#email-state"), /^confirmed$/);
  });

  it("updates the profile, revokes another session, signs out everywhere and deletes the account", async () => {
    const page = await browser.open(await browser.context(), mode);
    const email = uniqueEmail(`acct2-${mode}`);
    await signUp(page, email, "Ada");

    await page.fill("#profile-name", "Grace Hopper");
    await page.fill("#profile-avatar", "https://example.com/grace.png");
    await page.click("#save-profile");
    await expectText(page.locator("#notice"), /^Profile saved\.$/);
    await expectText(page.locator("#auth-state"), /^Signed in as Grace Hopper$/);
    await page.fill("#profile-avatar", "http://example.com/insecure.png");
    await page.click("#save-profile");
    await expectText(page.locator("#error"), /^Saving your profile: .*Avatar URL must be an https URL\.$/);

    const phone = await otherDevice(page, mode, email, PASSWORD);
    await page.reload();
    await ready(page);
    await expectText(page.locator("#auth-state"), /^Signed in as Grace Hopper$/);
    const sessions = await listedSessions(page);
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    await browser.shot(page, `${mode}-sessions`);
    await page.click("#session-list li[data-current='false'] button.revoke-session");
    await expectText(page.locator("#notice"), /^Signed out /);
    expect((await listedSessions(page)).map((s) => s.current)).toEqual([true]);
    await eventually("the phone's session to end", async () => !(await phone.stillSignedIn()));

    const tablet = await otherDevice(page, mode, email, PASSWORD);
    await page.click("#sign-out-everywhere");
    await expectText(page.locator("#auth-state"), /^Signed out$/);
    await eventually("the tablet's session to end", async () => !(await tablet.stillSignedIn()));
    await page.reload();
    await ready(page);
    await expectText(page.locator("#auth-state"), /^Signed out$/);

    await signIn(page, email);
    await page.fill("#delete-password", "not my password");
    await page.click("#delete-account");
    await expectText(page.locator("#error"), /^Deleting your account: The password is wrong\.$/);
    await page.fill("#delete-password", PASSWORD);
    await page.click("#delete-account");
    await expectText(page.locator("#auth-state"), /^Signed out$/);
    await expectText(page.locator("#notice"), /and its data were deleted\.$/);
    await browser.shot(page, `${mode}-deleted`);
    await page.fill("#email", email);
    await page.fill("#password", PASSWORD);
    await page.click("#sign-in");
    await expectText(page.locator("#error"), /^Signing in: .*incorrect/i);
  });

  it("opens a pattern by id, resumes a cancelled subscription and lists the invoice", async () => {
    const page = await browser.open(await browser.context(), mode);
    await signUp(page, uniqueEmail(`acct3-${mode}`));
    await page.fill("#pattern-name", "By id");
    await page.click("#save-pattern");
    await expectText(page.locator("#pattern-id"), /^Saved as /);
    const id = ((await page.textContent("#pattern-id")) ?? "").replace("Saved as ", "");
    await page.click("#new-pattern");
    await page.fill("#open-id", id);
    await page.click("#open-by-id");
    await expectText(page.locator("#notice"), /^Opened “By id”\.$/);
    expect(await page.inputValue("#pattern-name")).toBe("By id");
    await page.fill("#open-id", crypto.randomUUID());
    await page.click("#open-by-id");
    await expectText(page.locator("#error"), /No pattern with this id is visible to you\./);

    await page.locator('.plan[data-plan-id="premium-monthly"] button.upgrade').waitFor();
    if (mode === "http") {
      await page.click('.plan[data-plan-id="premium-monthly"] button.upgrade');
      await page.waitForURL((url) => url.href.startsWith(`${dev().stackUrl}/_stripe/checkout/`));
      await page.click("button:has-text('Pay')");
      await page.waitForURL((url) => url.href.startsWith(dev().webUrl));
    } else {
      const back = page.waitForEvent("load");
      await page.click('.plan[data-plan-id="premium-monthly"] button.upgrade');
      await back;
    }
    await ready(page);
    await expectText(page.locator("#subscription-state"), /: active, renews on /);
    await page.locator("#invoice-list li.invoice-item").first().waitFor();
    expect(await page.getAttribute("#invoice-list li.invoice-item", "data-status")).toBe("paid");
    expect(await page.textContent("#invoice-list li.invoice-item")).toContain("$9.00 paid");

    await page.click("#cancel-subscription");
    await expectText(page.locator("#subscription-state"), /: active, ends on /);
    await page.click("#resume-subscription");
    await expectText(page.locator("#subscription-state"), /: active, renews on /);
    await idle(page);
    expect(await page.isVisible("#resume-subscription")).toBe(false);
    expect(await shownError(page)).toBe("");
    await browser.shot(page, `${mode}-resumed`);
  });
});
