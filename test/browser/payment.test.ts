/**
 * Plan step 6: no subscription at first; "Upgrade" goes through the Stripe emulator's checkout
 * page (Pay) and back; premium then unlocks the premium lesson; the billing portal cancels.
 * The real API only: billing needs Stripe.
 */
import { expect, it } from "vitest";
import {
  api,
  describeBrowser,
  dev,
  expectText,
  idle,
  ready,
  shownError,
  signUp,
  uniqueEmail,
  useBrowser,
} from "./support";

const browser = useBrowser("payment");
const PREMIUM_LESSON = "syncopation";
const lessonButton = `#lesson-list button[data-lesson-id="${PREMIUM_LESSON}"]`;

describeBrowser("payment (http mode)", () => {
  it("upgrades through checkout, unlocks the premium lesson, and cancels in the portal", async () => {
    const page = await browser.open(await browser.context(), "http");
    const email = uniqueEmail("pay");
    await signUp(page, email);

    await expectText(page.locator("#subscription-state"), /^You are on the free plan\.$/);
    expect(await page.getAttribute("#subscription-state", "data-status")).toBe("none");
    await page.locator(".plan button.upgrade").first().waitFor();
    expect(await page.getAttribute(lessonButton, "data-locked")).toBe("true");
    expect(await page.textContent(lessonButton)).toContain("🔒");
    await page.click(lessonButton);
    await page.locator("#error").waitFor({ state: "visible" });
    expect(await page.textContent("#error")).toMatch(/premium members\. Upgrade to unlock it/);
    expect(await page.isVisible("#lesson-detail")).toBe(false);
    await browser.shot(page, "locked");

    await page.click('.plan[data-plan-id="premium-monthly"] button.upgrade');
    await page.waitForURL((url) => url.href.startsWith(`${dev().stackUrl}/_stripe/checkout/`));
    await page.locator("button", { hasText: "Pay" }).waitFor();
    await browser.shot(page, "checkout-page");
    await page.click("button:has-text('Pay')");

    await page.waitForURL((url) => url.href.startsWith(dev().webUrl));
    await ready(page);
    await expectText(page.locator("#user-tier"), /^premium$/);
    await expectText(page.locator("#subscription-state"), /^Premium: active, renews on /);
    expect(new URL(page.url()).searchParams.get("checkout")).toBeNull();
    expect(await page.getAttribute(lessonButton, "data-locked")).toBe("false");
    await browser.shot(page, "premium");

    await page.click(lessonButton);
    await expectText(page.locator("#lesson-title"), /^Syncopation$/);
    expect(await shownError(page)).toBe("");
    await page.fill("#progress-score", "91");
    await page.click("#save-progress");
    await expectText(page.locator("#progress-state"), /^Best score 91 after 1 attempt\(s\), completed\.$/);
    await browser.shot(page, "premium-lesson-progress");

    const token = await api.signIn(email);
    const sub = await api.request("/api/billing/subscription", { token });
    expect(sub.body.subscription).toMatchObject({ status: "active", plan: "premium-monthly" });

    // The portal: Cancel, then Return to the app, which shows the pending cancellation.
    await page.click("#manage-billing");
    await page.waitForURL((url) => url.href.startsWith(`${dev().stackUrl}/_stripe/portal/`));
    await browser.shot(page, "portal");
    await page.click("button:has-text('Cancel')");
    await page.locator("text=Cancels on").waitFor();
    await page.click("a:has-text('Return')");
    await page.waitForURL((url) => url.href.startsWith(dev().webUrl));
    await ready(page);
    await expectText(page.locator("#subscription-state"), /^Premium: active, ends on /);
    expect(await page.isVisible("#cancel-subscription")).toBe(false);
    await idle(page);
    await browser.shot(page, "cancelled-at-period-end");
    const after = await api.request("/api/billing/subscription", { token });
    expect(after.body.subscription).toMatchObject({ status: "active", cancelAtPeriodEnd: true });
  });
});

describeBrowser("payment (stub mode)", () => {
  it("upgrades at once in the stub, unlocks the premium lesson, and cancels from the app", async () => {
    const page = await browser.open(await browser.context(), "stub");
    await signUp(page, uniqueEmail("pay-stub"));
    await expectText(page.locator("#subscription-state"), /^You are on the free plan\.$/);
    expect(await page.getAttribute(lessonButton, "data-locked")).toBe("true");

    const back = page.waitForEvent("load");
    await page.click('.plan[data-plan-id="premium-yearly"] button.upgrade');
    await back;
    await ready(page);
    await expectText(page.locator("#user-tier"), /^premium$/);
    await expectText(page.locator("#subscription-state"), /^Premium \(yearly\): active, renews on /);
    expect(await page.getAttribute(lessonButton, "data-locked")).toBe("false");
    await page.click(lessonButton);
    await expectText(page.locator("#lesson-title"), /^Syncopation$/);
    await browser.shot(page, "stub-premium");

    await page.click("#cancel-subscription");
    await expectText(page.locator("#subscription-state"), /^Premium \(yearly\): active, ends on /);
    await idle(page);
    expect(await shownError(page)).toBe("");
    await browser.shot(page, "stub-cancelled-at-period-end");
  });
});
