/**
 * The account half of the SDK contract: emailed links (verification, password reset),
 * password change, profile, sessions, sign out everywhere, account deletion, a pattern by
 * id, subscription resume and invoices. Run by defineContract for both targets.
 */
import { describe, expect, it } from "vitest";
import type { AuthState, Backline } from "../../client/src/index";
import type { ContractTarget } from "./contract";
import { failure, PASSWORD, pattern, shape, uniqueEmail } from "./helpers";

const NEW_PASSWORD = "another sturdy passphrase 7";
const VALIDATION = "https://backline.dev/problems/validation";
const UNAUTHORIZED = "https://backline.dev/problems/unauthorized";

/** The problem of a used, unknown or expired emailed token (shared/auth/problems.ts). */
const BAD_LINK = {
  status: 400,
  type: VALIDATION,
  title: "Your request is not valid",
  detail: "This link is invalid, was already used or has expired.",
  errors: [{ path: "token", message: "is invalid, used or expired" }],
};

export function defineAccountContract(target: ContractTarget): void {
  async function signedUp(client = target.client()) {
    const email = uniqueEmail("acct");
    const user = await client.auth.signUp({ email, password: PASSWORD, displayName: "Ada" });
    return { client, email, user };
  }

  /** Another device signed in to the same account. */
  async function secondDevice(email: string, password = PASSWORD): Promise<Backline> {
    const device = target.client();
    await device.auth.signIn({ email, password });
    return device;
  }

  /** The newest email with this subject once `count` of them arrived (delivery may lag the answer). */
  async function emailed(address: string, subject: string, count = 1): Promise<{ link: URL; token: string }> {
    for (let i = 0; i < 50; i++) {
      const found = (await target.emails(address)).filter((m) => m.subject === subject);
      const newest = found[0];
      if (newest && found.length >= count) {
        // Emails without a link (notices) give the page's address: no token.
        const link = new URL(/https?:\/\/\S+/.exec(newest.text)?.[0] ?? "about:blank");
        return { link, token: link.searchParams.get("token") ?? "" };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no ${count}× "${subject}" email to ${address}`);
  }

  /** Whether the client's session still works; a revoked one answers 401 and the client is signed out. */
  async function sessionEnded(client: Backline): Promise<boolean> {
    const error = await failure(client.auth.listSessions());
    expect([error.status, error.type]).toEqual([401, UNAUTHORIZED]);
    return client.auth.getAuthState().signedIn === false;
  }

  describe("account", () => {
    it("verifies the email with the emailed link once; sends a new link on request", async () => {
      const { client, email, user } = await signedUp();
      expect(user.emailVerified).toBe(false);
      const first = await emailed(email, "Confirm your email address");
      expect(first.link.pathname).toBe("/verify-email");
      await client.auth.requestEmailVerification();
      const { token } = await emailed(email, "Confirm your email address", 2);
      expect(token).not.toBe(first.token);

      const seen: AuthState[] = [];
      client.auth.onAuthStateChanged((s) => seen.push(s));
      await client.auth.verifyEmail(token);
      expect(client.auth.getAuthState().user?.emailVerified).toBe(true);
      expect(seen.at(-1)?.user?.emailVerified).toBe(true);
      expect((await target.client(client).auth.init()).user?.emailVerified).toBe(true);
      expect(shape(await failure(client.auth.verifyEmail(token)))).toEqual(BAD_LINK);
      // The older link of the same address still verifies (nothing left to change).
      await target.client().auth.verifyEmail(first.token);

      expect(shape(await failure(target.client().auth.verifyEmail("")))).toMatchObject({
        status: 400,
        errors: [{ path: "token", message: "Too small: expected string to have >=1 characters" }],
      });
      expect((await failure(target.client().auth.requestEmailVerification())).status).toBe(401);
    });

    it("resets a forgotten password with the emailed link once, and ends every session", async () => {
      const { client, email } = await signedUp();
      const phone = await secondDevice(email);
      const visitor = target.client();
      await visitor.auth.requestPasswordReset(email.toUpperCase());
      const { link, token } = await emailed(email, "Reset your password");
      expect(link.pathname).toBe("/reset-password");

      expect(shape(await failure(visitor.auth.resetPassword({ token, newPassword: "short" })))).toMatchObject(
        {
          status: 400,
          errors: [{ path: "newPassword", message: "must be at least 8 characters" }],
        },
      );
      await visitor.auth.resetPassword({ token, newPassword: NEW_PASSWORD });
      expect(shape(await failure(visitor.auth.resetPassword({ token, newPassword: NEW_PASSWORD })))).toEqual(
        BAD_LINK,
      );
      expect(await sessionEnded(client)).toBe(true);
      expect(await sessionEnded(phone)).toBe(true);
      expect((await failure(visitor.auth.signIn({ email, password: PASSWORD }))).status).toBe(401);
      expect((await visitor.auth.signIn({ email, password: NEW_PASSWORD })).email).toBe(email);
      expect(
        shape(await failure(visitor.auth.resetPassword({ token: "nope", newPassword: NEW_PASSWORD }))),
      ).toEqual(BAD_LINK);
    });

    it("changes the password: this session stays, the others end", async () => {
      const { client, email } = await signedUp();
      const phone = await secondDevice(email);
      expect(
        shape(
          await failure(client.auth.changePassword({ currentPassword: "not it", newPassword: NEW_PASSWORD })),
        ),
      ).toEqual({
        status: 401,
        type: "https://backline.dev/problems/invalid-credentials",
        title: "Email or password is incorrect",
        detail: "The current password is wrong.",
        errors: [],
      });
      expect(client.auth.getAuthState().signedIn).toBe(true);
      expect(
        (await failure(client.auth.changePassword({ currentPassword: PASSWORD, newPassword: "password123" })))
          .errors,
      ).toEqual([{ path: "newPassword", message: "is too common; choose a less guessable password" }]);

      await client.auth.changePassword({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
      const sessions = await client.auth.listSessions();
      expect(sessions.map((s) => s.current)).toEqual([true]);
      expect(await sessionEnded(phone)).toBe(true);
      await secondDevice(email, NEW_PASSWORD);
      const signedOut = target.client();
      expect(
        (
          await failure(
            signedOut.auth.changePassword({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }),
          )
        ).status,
      ).toBe(401);
    });

    it("updates the profile, and refuses fields that are not writable", async () => {
      const { client } = await signedUp();
      const seen: AuthState[] = [];
      client.auth.onAuthStateChanged((s) => seen.push(s));
      const updated = await client.auth.updateProfile({
        displayName: "  Grace ",
        avatarUrl: "https://example.com/grace.png",
      });
      expect(updated).toMatchObject({ displayName: "Grace", avatarUrl: "https://example.com/grace.png" });
      expect(client.auth.getAuthState().user).toEqual(updated);
      expect(seen.at(-1)?.user).toEqual(updated);
      expect((await client.auth.updateProfile({ avatarUrl: null })).avatarUrl).toBeNull();
      expect((await target.client(client).auth.init()).user?.displayName).toBe("Grace");

      const refused = await failure(
        client.auth.updateProfile({ role: "admin", avatarUrl: "http://example.com/a.png" } as never),
      );
      expect([refused.status, refused.type, refused.errors]).toEqual([
        400,
        VALIDATION,
        [
          { path: "avatarUrl", message: "must be an https URL" },
          { path: "role", message: "is not a field you can send here" },
        ],
      ]);
      expect((await failure(client.auth.updateProfile({}))).errors).toEqual([
        { path: "(root)", message: "send at least one of displayName, avatarUrl" },
      ]);
      expect((await failure(client.auth.updateProfile({ displayName: " " }))).errors).toEqual([
        { path: "displayName", message: "must not be empty" },
      ]);
      expect((await failure(target.client().auth.updateProfile({ displayName: "X" }))).status).toBe(401);
    });

    it("lists the sessions and revokes another device's; that device is signed out", async () => {
      const { client, email } = await signedUp();
      const phone = await secondDevice(email);
      const sessions = await client.auth.listSessions();
      expect(sessions).toHaveLength(2);
      for (const s of sessions) {
        expect(s.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(Date.parse(s.createdAt)).not.toBeNaN();
        expect(Date.parse(s.lastUsedAt)).not.toBeNaN();
        expect(s.userAgent === null || typeof s.userAgent === "string").toBe(true);
        expect(s.ip === null || typeof s.ip === "string").toBe(true);
      }
      expect(sessions.filter((s) => s.current)).toHaveLength(1);
      const phoneSession = sessions.find((s) => !s.current)?.id ?? "";
      const saved = await client.dataSync.savePattern(pattern({ name: "Open to all" }));
      const share = await client.sharing.createShareLink(saved.id, { public: true });
      expect((await phone.auth.listSessions()).find((s) => s.current)?.id).toBe(phoneSession);

      await client.auth.revokeSession(phoneSession);
      expect((await client.auth.listSessions()).map((s) => s.current)).toEqual([true]);
      // Routes open to everyone refuse a revoked session too, rather than answer as signed out.
      expect((await failure(phone.sharing.loadSharedPattern(share.shareId))).status).toBe(401);
      expect(phone.auth.getAuthState().signedIn).toBe(false);
      expect(await target.client(phone).auth.init()).toEqual({ signedIn: false, user: null });
      expect(shape(await failure(client.auth.revokeSession(phoneSession)))).toMatchObject({
        status: 404,
        type: "https://backline.dev/problems/not-found",
        detail: "No live session with this id.",
      });
      expect((await failure(client.auth.revokeSession("nope"))).errors).toEqual([
        { path: "param.id", message: "Invalid UUID" },
      ]);
      expect((await failure(target.client().auth.listSessions())).status).toBe(401);
    });

    it("signs out everywhere: every device, this one included", async () => {
      const { client, email } = await signedUp();
      const phone = await secondDevice(email);
      await client.auth.signOutEverywhere();
      expect(client.auth.getAuthState()).toEqual({ signedIn: false, user: null });
      expect(await sessionEnded(phone)).toBe(true);
      expect(await target.client(client).auth.init()).toEqual({ signedIn: false, user: null });
      expect((await client.auth.signIn({ email, password: PASSWORD })).email).toBe(email);
      expect((await failure(target.client().auth.signOutEverywhere())).status).toBe(401);
    });

    it("deletes the account after checking the password, and signs out", async () => {
      const { client, email } = await signedUp();
      const phone = await secondDevice(email);
      await client.dataSync.savePattern(pattern());
      expect(shape(await failure(client.auth.deleteAccount({ password: "not it" })))).toMatchObject({
        status: 401,
        type: "https://backline.dev/problems/invalid-credentials",
        detail: "The password is wrong.",
      });
      expect(client.auth.getAuthState().signedIn).toBe(true);
      await client.auth.deleteAccount({ password: PASSWORD });
      expect(client.auth.getAuthState()).toEqual({ signedIn: false, user: null });
      expect(await sessionEnded(phone)).toBe(true);
      expect((await failure(target.client().auth.signIn({ email, password: PASSWORD }))).status).toBe(401);
      await emailed(email, "Your account was deleted");
      // The address is free again, for a new account with nothing in it.
      const again = target.client();
      await again.auth.signUp({ email, password: PASSWORD, displayName: "Ada" });
      expect(await again.dataSync.loadPatterns()).toEqual([]);
      expect((await failure(target.client().auth.deleteAccount({ password: PASSWORD }))).status).toBe(401);
    });

    it("loads a pattern by id: your own, anyone's public one, never another's private one", async () => {
      const { client } = await signedUp();
      const mine = await client.dataSync.savePattern(pattern({ name: "Private" }));
      const open = await client.dataSync.savePattern(pattern({ name: "Public", isPublic: true }));
      const loaded = await client.dataSync.loadPattern(mine.id);
      expect(loaded).toMatchObject({
        id: mine.id,
        name: "Private",
        isPublic: false,
        version: 1,
        deletedAt: null,
      });
      expect(loaded).not.toHaveProperty("syncState");
      expect((await target.client().dataSync.loadPattern(open.id)).name).toBe("Public");
      const { client: other } = await signedUp();
      expect((await other.dataSync.loadPattern(open.id)).name).toBe("Public");
      for (const who of [target.client(), other]) {
        expect(shape(await failure(who.dataSync.loadPattern(mine.id)))).toMatchObject({
          status: 404,
          detail: "No pattern with this id is visible to you.",
        });
      }
      await client.dataSync.deletePattern(open.id);
      expect((await failure(target.client().dataSync.loadPattern(open.id))).status).toBe(404);
      expect((await failure(client.dataSync.loadPattern("nope"))).errors).toEqual([
        { path: "param.id", message: "Invalid UUID" },
      ]);
    });

    it("resumes a cancelled subscription and lists the invoice", async () => {
      const { client } = await signedUp();
      expect(shape(await failure(client.payment.resumeSubscription()))).toMatchObject({
        status: 404,
        type: "https://backline.dev/problems/no-subscription",
      });
      expect(await client.payment.listInvoices()).toEqual({ invoices: [], nextCursor: null });
      await target.pay((await client.payment.createCheckoutSession("price_premium_monthly")).id);

      expect((await client.payment.cancelSubscription()).cancelAtPeriodEnd).toBe(true);
      const resumed = await client.payment.resumeSubscription();
      expect(resumed).toMatchObject({
        status: "active",
        plan: "premium-monthly",
        tier: "premium",
        cancelAtPeriodEnd: false,
      });
      // Stripe's answer to the resume and the webhook-fed state agree on the period.
      const current = await client.payment.getSubscription();
      expect(current).toMatchObject({ tier: "premium", currentPeriodStart: expect.any(String) });
      expect(resumed.currentPeriodStart).toBe(current?.currentPeriodStart);

      const page = await client.payment.listInvoices({ limit: 10 });
      expect(page.nextCursor).toBeNull();
      expect(page.invoices).toEqual([
        expect.objectContaining({
          status: "paid",
          currency: "usd",
          amountDue: 900,
          amountPaid: 900,
          amountRefunded: 0,
          subscriptionId: resumed.id,
        }),
      ]);
      expect(Date.parse(page.invoices[0]?.createdAt ?? "")).not.toBeNaN();
      expect((await failure(client.payment.listInvoices({ limit: 0 }))).errors).toEqual([
        { path: "query.limit", message: "Too small: expected number to be >=1" },
      ]);
      expect((await failure(client.payment.listInvoices({ cursor: "nope" }))).errors).toEqual([
        { path: "query.cursor", message: "is not a cursor this API returned" },
      ]);
      expect((await failure(target.client().payment.listInvoices())).status).toBe(401);
    });
  });
}
