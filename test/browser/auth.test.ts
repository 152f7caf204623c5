/** Plan steps 1 and 7: signing up, in and out through the demo app; the SDK's auth listeners. */
import { expect, it } from "vitest";
import {
  describeBrowser,
  expectText,
  MODES,
  PASSWORD,
  ready,
  shownError,
  signIn,
  signOut,
  signUp,
  uniqueEmail,
  useBrowser,
} from "./support";

const browser = useBrowser("auth");

describeBrowser.each(MODES)("auth (%s mode)", (mode) => {
  it("signs up, keeps the session across a reload, and signing out clears it", async () => {
    const page = await browser.open(await browser.context(), mode);
    const state = page.locator("#auth-state");
    await expectText(state, /^Signed out$/);
    await browser.shot(page, `${mode}-signed-out`);

    const email = uniqueEmail(`auth-${mode}`);
    await signUp(page, email, "Ada");
    await expectText(state, /^Signed in as Ada$/);
    expect(await page.textContent("#user-email")).toBe(email);
    expect(await page.textContent("#user-tier")).toBe("free");

    await signOut(page);
    await signIn(page, email);
    await browser.shot(page, `${mode}-signed-in`);

    await page.reload();
    await ready(page);
    await expectText(state, /^Signed in as Ada$/);
    await browser.shot(page, `${mode}-signed-in-after-reload`);

    await signOut(page);
    await page.reload();
    await ready(page);
    await expectText(state, /^Signed out$/);
    expect(await page.isVisible("#auth-form")).toBe(true);
    expect(await shownError(page)).toBe("");
    await browser.shot(page, `${mode}-signed-out-after-reload`);
  });

  it("shows failures in plain words from the problem details", async () => {
    const page = await browser.open(await browser.context(), mode);
    const email = uniqueEmail(`wrong-${mode}`);
    await page.fill("#email", email);
    await page.fill("#password", "password");
    await page.click("#sign-up");
    await page.locator("#error").waitFor({ state: "visible" });
    expect(await page.textContent("#error")).toMatch(
      /^Signing up: .+\. Password is too common; choose a less guessable password\.$/,
    );
    await browser.shot(page, `${mode}-common-password`);

    await signUp(page, email);
    await signOut(page);
    await page.fill("#email", email);
    await page.fill("#password", `${PASSWORD}-wrong`);
    await page.click("#sign-in");
    const error = page.locator("#error");
    await error.waitFor({ state: "visible" });
    expect(await error.textContent()).toMatch(/^Signing in: .*(email or password|incorrect)/i);
    expect(await error.textContent()).not.toMatch(/\{|undefined|\[object/);
    await expectText(page.locator("#auth-state"), /^Signed out$/);
    await browser.shot(page, `${mode}-wrong-password`);
  });

  it("fires auth listeners on sign-in and sign-out, and not after unsubscribing", async () => {
    const page = await browser.open(await browser.context(), mode);
    const email = uniqueEmail(`listen-${mode}`);
    await signUp(page, email);
    await signOut(page);

    await page.evaluate(() => {
      const w = window as unknown as {
        backline: { auth: { onAuthStateChanged(l: (s: unknown) => void): () => void } };
        authEvents: { signedIn: boolean; email: string | null }[];
        stopListening: () => void;
      };
      w.authEvents = [];
      w.stopListening = w.backline.auth.onAuthStateChanged((s) => {
        const state = s as { signedIn: boolean; user: { email: string } | null };
        w.authEvents.push({ signedIn: state.signedIn, email: state.user?.email ?? null });
      });
    });
    const events = () =>
      page.evaluate(
        () => (window as unknown as { authEvents: { signedIn: boolean; email: string | null }[] }).authEvents,
      );
    // Called at once with the current state.
    expect(await events()).toEqual([{ signedIn: false, email: null }]);

    await signIn(page, email);
    expect((await events()).at(-1)).toEqual({ signedIn: true, email });
    await signOut(page);
    expect((await events()).at(-1)).toEqual({ signedIn: false, email: null });
    const seen = (await events()).map((e) => e.signedIn);
    expect(seen.filter((s, i) => s !== seen[i - 1])).toEqual([false, true, false]);
    await browser.shot(page, `${mode}-listeners`);

    await page.evaluate(() => (window as unknown as { stopListening: () => void }).stopListening());
    const count = (await events()).length;
    await signIn(page, email);
    expect((await events()).length).toBe(count);
  });

  it.runIf(mode === "http")("shows a loading state while a network action runs", async () => {
    const context = await browser.context();
    const page = await browser.open(context, mode);
    const email = uniqueEmail("loading");
    await signUp(page, email);
    await signOut(page);
    // Hold the sign-in request until the page has been checked (the request is real, only later).
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await context.route("**/api/auth/signin", async (route) => {
      await held;
      await route.continue();
    });
    await page.fill("#email", email);
    await page.fill("#password", PASSWORD);
    await page.click("#sign-in");
    await page.waitForSelector("#sign-in[aria-busy='true']:disabled");
    expect(await page.getAttribute("body", "aria-busy")).toBe("true");
    expect(await page.textContent("#status")).toBe("Signing in…");
    await browser.shot(page, "http-loading");
    release();
    await expectText(page.locator("#auth-state"), /^Signed in as /);
    await page.waitForFunction(() => !document.body.hasAttribute("aria-busy"));
    expect(await page.textContent("#status")).toBe("");
    expect(await page.isDisabled("#sign-out")).toBe(false);
  });
});
