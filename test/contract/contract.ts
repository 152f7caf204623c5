/**
 * The SDK contract: what a frontend sees, written once and run against stub mode (node
 * project, client/test/contract.stub.test.ts) and the real worker (workers project,
 * test/contract.http.test.ts). Passing both is the proof that the two cannot be told apart.
 */
import { describe, expect, it } from "vitest";
import type { AuthState, Backline, PatternInput } from "../../client/src/index";
import { SEED_LESSONS } from "../../client/src/stub/seed";
import { defineAccountContract } from "./account";
import { failure, PASSWORD, pattern, shape, uniqueEmail } from "./helpers";
import { defineTeamsContract } from "./teams";

export { uniqueEmail };

export interface ContractTarget {
  mode: "http" | "stub";
  /** A client in a new browser (own cookies and storage), or in the same browser as `sameBrowserAs`. */
  client(sameBrowserAs?: Backline): Backline;
  /** Changes an account where the backend keeps it (database or stub data); the client is then re-initialised. */
  promote(email: string, change: { role?: "admin"; tier?: "premium" }): Promise<void>;
  /** Emails sent to an address so far, newest first (http: the mailbox stand-in; stub: the stub's mailbox). */
  emails(address: string): Promise<{ subject: string; text: string }[]>;
  /** Completes a checkout as paying does (http: Pay at the Stripe emulator and deliver its webhooks; stub: nothing to do). */
  pay(checkoutSessionId: string): Promise<void>;
}

/** Defines the whole contract suite for one target. */
export function defineContract(target: ContractTarget): void {
  async function signedUp(tag = "user", client = target.client()) {
    const email = uniqueEmail(tag);
    const user = await client.auth.signUp({ email, password: PASSWORD, displayName: "Ada" });
    return { client, email, user };
  }

  describe(`SDK contract (${target.mode})`, () => {
    describe("mode", () => {
      it("reports its mode and can switch", () => {
        const client = target.client();
        expect(client.mode).toBe(target.mode);
        client.setMode(target.mode === "http" ? "stub" : "http");
        expect(client.mode).not.toBe(target.mode);
        expect(() => client.setMode("nope" as "http")).toThrow(TypeError);
      });
    });

    describe("auth", () => {
      it("signs up, reports the state to listeners, signs out and in again", async () => {
        const client = target.client();
        const seen: AuthState[] = [];
        const stop = client.auth.onAuthStateChanged((s) => seen.push(s));
        expect(seen).toEqual([{ signedIn: false, user: null }]);
        const email = uniqueEmail("Ada");
        const user = await client.auth.signUp({
          email: `  ${email.toUpperCase()} `,
          password: PASSWORD,
          displayName: " Ada ",
        });
        expect(user).toMatchObject({
          email: email.toLowerCase(),
          displayName: "Ada",
          avatarUrl: null,
          role: "user",
          tier: "free",
          emailVerified: false,
          entitlements: ["patterns:50", "lessons:free"],
        });
        expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(client.auth.getAuthState()).toEqual({ signedIn: true, user });
        expect(seen.at(-1)).toEqual({ signedIn: true, user });

        await client.auth.signOut();
        expect(client.auth.getAuthState()).toEqual({ signedIn: false, user: null });
        expect(seen.at(-1)).toEqual({ signedIn: false, user: null });

        stop();
        const again = await client.auth.signIn({ email, password: PASSWORD });
        expect(again.id).toBe(user.id);
        expect(seen).toHaveLength(3);
      });

      it("restores the session in another tab of the same browser, and not in another browser", async () => {
        const { client, user } = await signedUp();
        const tab = target.client(client);
        expect(await tab.auth.init()).toEqual({ signedIn: true, user });
        const elsewhere = target.client();
        expect(await elsewhere.auth.init()).toEqual({ signedIn: false, user: null });
        await client.auth.signOut();
        expect(await target.client(client).auth.init()).toEqual({ signedIn: false, user: null });
      });

      it("refuses a wrong password and a taken email", async () => {
        const { email } = await signedUp();
        const client = target.client();
        expect(shape(await failure(client.auth.signIn({ email, password: "wrong password 1" })))).toEqual({
          status: 401,
          type: "https://backline.dev/problems/invalid-credentials",
          title: "Email or password is incorrect",
          detail: undefined,
          errors: [],
        });
        expect(client.auth.getAuthState().signedIn).toBe(false);
        const taken = await failure(client.auth.signUp({ email, password: PASSWORD, displayName: "Bo" }));
        expect([taken.status, taken.type]).toEqual([409, "https://backline.dev/problems/email-taken"]);
      });

      it("accepts a password reset request for any valid email", async () => {
        await expect(target.client().auth.requestPasswordReset(uniqueEmail())).resolves.toBeUndefined();
      });
    });

    describe("validation errors are the API's", () => {
      it("bad email, short password, empty name", async () => {
        const error = await failure(
          target.client().auth.signUp({ email: "not-an-email", password: "short", displayName: "  " }),
        );
        expect(shape(error)).toEqual({
          status: 400,
          type: "https://backline.dev/problems/validation",
          title: "Your request is not valid",
          detail: undefined,
          errors: [
            { path: "email", message: "must be a valid email address" },
            { path: "password", message: "must be at least 8 characters" },
            { path: "displayName", message: "must not be empty" },
          ],
        });
      });

      it("a common password, a bad reset email", async () => {
        const common = await failure(
          target.client().auth.signUp({ email: uniqueEmail(), password: "password123", displayName: "Ada" }),
        );
        expect(common.errors).toEqual([
          { path: "password", message: "is too common; choose a less guessable password" },
        ]);
        expect(common.detail).toBe("password: is too common; choose a less guessable password");
        const reset = await failure(target.client().auth.requestPasswordReset("nope"));
        expect(reset.errors).toEqual([{ path: "email", message: "must be a valid email address" }]);
      });

      it("a bad pattern, signed in or not", async () => {
        const bad = {
          ...pattern({ tempo: 500, name: "" }),
          tracks: [{ instrument: "kick", steps: [true, 2, "x"], volume: 1.5, gain: 1 }],
          colour: "red",
        } as unknown as PatternInput;
        const expected = [
          { path: "name", message: "Too small: expected string to have >=1 characters" },
          { path: "tempo", message: "Too big: expected number to be <=300" },
          { path: "tracks.0.steps.1", message: "Too big: expected number to be <=1" },
          { path: "tracks.0.steps.2", message: "Invalid input" },
          { path: "tracks.0.volume", message: "Too big: expected number to be <=1" },
          { path: "tracks.0.gain", message: "is not a field you can send here" },
          { path: "colour", message: "is not a field you can send here" },
        ];
        expect((await failure(target.client().dataSync.savePattern(bad))).errors).toEqual(expected);
        const { client } = await signedUp();
        const error = await failure(client.dataSync.savePattern(bad));
        expect([error.status, error.type, error.errors]).toEqual([
          400,
          "https://backline.dev/problems/validation",
          expected,
        ]);
        expect(await client.dataSync.loadPatterns()).toEqual([]);
        expect((await failure(client.dataSync.deletePattern("nope"))).errors).toEqual([
          { path: "param.id", message: "Invalid UUID" },
        ]);
      });

      it("a mixer with more than 32 effects", async () => {
        const effects = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`fx${i}`, i]));
        const { client } = await signedUp();
        const error = await failure(client.dataSync.savePattern({ ...pattern(), mixer: { effects } }));
        expect([error.status, error.errors]).toEqual([
          400,
          [{ path: "mixer.effects", message: "has more than 32 effects" }],
        ]);
      });

      it("a bad share expiry, lesson id and progress score", async () => {
        const { client } = await signedUp();
        const saved = await client.dataSync.savePattern(pattern());
        const share = await failure(client.sharing.createShareLink(saved.id, { expiresIn: 5 }));
        expect(shape(share)).toMatchObject({
          status: 400,
          errors: [{ path: "expiresIn", message: "Too small: expected number to be >=60" }],
          detail: "expiresIn: Too small: expected number to be >=60",
        });
        expect((await failure(client.content.loadLesson("Not A Slug"))).errors).toEqual([
          { path: "param.id", message: "must be a slug like drum-basics-1" },
        ]);
        expect((await failure(client.dataSync.saveProgress({ lessonId: "", score: 101.5 }))).errors).toEqual([
          { path: "lessonId", message: "Too small: expected string to have >=1 characters" },
          { path: "score", message: "Invalid input: expected int, received number" },
        ]);
        expect((await failure(client.sharing.loadSharedPattern("no!"))).errors).toEqual([
          { path: "param.shareId", message: "is not a share id" },
        ]);
      });
    });

    describe("patterns", () => {
      it("saves, updates, lists and deletes when signed in", async () => {
        const { client, user } = await signedUp();
        const saved = await client.dataSync.savePattern(pattern({ name: "  Groove  " }));
        expect(saved).toMatchObject({
          userId: user.id,
          name: "Groove",
          tempo: 120,
          mixer: {},
          isPublic: false,
          version: 1,
          deletedAt: null,
          syncState: "synced",
        });
        const updated = await client.dataSync.savePattern({
          ...pattern({ name: "Groove 2", tempo: 90 }),
          id: saved.id,
        });
        expect(updated).toMatchObject({
          id: saved.id,
          name: "Groove 2",
          tempo: 90,
          version: 2,
          syncState: "synced",
        });
        expect((await client.dataSync.loadPatterns()).map((p) => [p.id, p.version])).toEqual([[saved.id, 2]]);
        await client.dataSync.deletePattern(saved.id);
        expect(await client.dataSync.loadPatterns()).toEqual([]);
        const missing = await failure(client.dataSync.deletePattern(saved.id));
        expect([missing.status, missing.type]).toEqual([404, "https://backline.dev/problems/not-found"]);
      });

      it("keeps a client-made id", async () => {
        const { client } = await signedUp();
        const id = crypto.randomUUID();
        expect((await client.dataSync.savePattern({ ...pattern(), id })).id).toBe(id);
      });

      it("syncs between two devices of one account, deletions included", async () => {
        const { client: laptop, email } = await signedUp();
        const phone = target.client();
        await phone.auth.signIn({ email, password: PASSWORD });
        const a = await laptop.dataSync.savePattern(pattern({ name: "A" }));
        const b = await laptop.dataSync.savePattern(pattern({ name: "B" }));
        expect(await phone.dataSync.syncPatterns()).toEqual({ uploaded: 0, downloaded: 2 });
        expect((await phone.dataSync.loadPatterns()).map((p) => p.name).sort()).toEqual(["A", "B"]);
        await laptop.dataSync.deletePattern(a.id);
        await phone.dataSync.savePattern({ ...pattern({ name: "B from phone" }), id: b.id });
        expect(await laptop.dataSync.syncPatterns()).toEqual({ uploaded: 0, downloaded: 1 });
        expect((await laptop.dataSync.loadPatterns()).map((p) => [p.name, p.version])).toEqual([
          ["B from phone", 2],
        ]);
        expect((await phone.dataSync.loadPatterns()).map((p) => p.name)).toEqual(["B from phone"]);
      });

      it("last save wins when two devices edit the same pattern", async () => {
        const { client: laptop, email } = await signedUp();
        const phone = target.client();
        await phone.auth.signIn({ email, password: PASSWORD });
        const p = await laptop.dataSync.savePattern(pattern({ name: "Base" }));
        await phone.dataSync.syncPatterns();
        await laptop.dataSync.savePattern({ ...pattern({ name: "Laptop" }), id: p.id });
        const phoneSave = await phone.dataSync.savePattern({ ...pattern({ name: "Phone" }), id: p.id });
        expect(phoneSave).toMatchObject({ name: "Phone", version: 3, syncState: "synced" });
        await laptop.dataSync.syncPatterns();
        expect((await laptop.dataSync.loadPatterns()).map((x) => [x.name, x.version])).toEqual([
          ["Phone", 3],
        ]);
      });

      it("keeps signed-out work on the device and uploads it to the account that signs in", async () => {
        const client = target.client();
        const local = await client.dataSync.savePattern(pattern({ name: "Offline" }));
        expect(local).toMatchObject({ userId: null, name: "Offline", version: 0, syncState: "pending" });
        expect(await client.dataSync.syncPatterns()).toEqual({ uploaded: 0, downloaded: 0 });
        expect((await client.dataSync.loadPatterns()).map((p) => p.id)).toEqual([local.id]);
        const user = await client.auth.signUp({
          email: uniqueEmail(),
          password: PASSWORD,
          displayName: "Ada",
        });
        expect(await client.dataSync.syncPatterns()).toEqual({ uploaded: 1, downloaded: 0 });
        expect(await client.dataSync.loadPatterns()).toEqual([
          expect.objectContaining({ id: local.id, userId: user.id, version: 1, syncState: "synced" }),
        ]);
        await client.auth.signOut();
        expect(await client.dataSync.loadPatterns()).toEqual([]);
      });
    });

    describe("progress", () => {
      it("records attempts, keeps the best score, lists them", async () => {
        const { client } = await signedUp();
        const first = await client.dataSync.saveProgress({ lessonId: "counting-beats", score: 70 });
        expect(first).toMatchObject({
          lessonId: "counting-beats",
          score: 70,
          bestScore: 70,
          attempts: 1,
          completed: false,
          completedAt: null,
        });
        const second = await client.dataSync.saveProgress({
          lessonId: "counting-beats",
          score: 40,
          completed: true,
        });
        expect(second).toMatchObject({ score: 40, bestScore: 70, attempts: 2, completed: true });
        expect(second.completedAt).toEqual(expect.any(String));
        expect((await client.dataSync.loadProgress()).map((p) => [p.lessonId, p.attempts])).toEqual([
          ["counting-beats", 2],
        ]);
      });

      it("counts an attempt saved again with the same attemptId once", async () => {
        const { client } = await signedUp();
        const attemptId = "6f1c1d4e-8d2a-4c3b-9a5e-1f2e3d4c5b6a";
        const first = await client.dataSync.saveProgress({
          lessonId: "counting-beats",
          score: 70,
          attemptId,
        });
        const again = await client.dataSync.saveProgress({
          lessonId: "counting-beats",
          score: 70,
          attemptId,
        });
        expect(again).toMatchObject({ attempts: 1, bestScore: 70 });
        expect(again.attempts).toBe(first.attempts);
        const other = await client.dataSync.saveProgress({ lessonId: "counting-beats", score: 80 });
        expect(other).toMatchObject({ attempts: 2, bestScore: 80 });
        const bad = await failure(
          client.dataSync.saveProgress({ lessonId: "counting-beats", score: 1, attemptId: "x" }),
        );
        expect(shape(bad)).toMatchObject({ status: 400 });
        expect(bad.errors.map((e) => e.path)).toEqual(["attemptId"]);
      });

      it("refuses premium and unknown lessons", async () => {
        const { client } = await signedUp();
        const premium = await failure(client.dataSync.saveProgress({ lessonId: "boom-bap", score: 10 }));
        expect(shape(premium)).toMatchObject({
          status: 403,
          type: "https://backline.dev/problems/premium-required",
          detail: "This lesson is for premium members.",
        });
        const unknown = await failure(
          client.dataSync.saveProgress({ lessonId: "no-such-lesson", score: 10 }),
        );
        expect(shape(unknown)).toMatchObject({ status: 404, detail: "No published lesson with this id." });
      });

      it("queues signed-out attempts and uploads them after sign-in", async () => {
        const client = target.client();
        expect(await client.dataSync.saveProgress({ lessonId: "major-scale", score: 55 })).toMatchObject({
          attempts: 1,
          bestScore: 55,
        });
        await client.auth.signUp({ email: uniqueEmail(), password: PASSWORD, displayName: "Ada" });
        const synced = await client.dataSync.syncProgress();
        expect(synced.uploaded).toBe(1);
        expect(synced.progress.map((p) => [p.lessonId, p.attempts, p.bestScore])).toEqual([
          ["major-scale", 1, 55],
        ]);
      });
    });

    describe("shares", () => {
      it("creates, opens (counting views), lists and revokes a link", async () => {
        const { client, user } = await signedUp();
        const p = await client.dataSync.savePattern(pattern({ name: "Shared" }));
        const share = await client.sharing.createShareLink(p.id, { public: true, expiresIn: 3600 });
        expect(share).toMatchObject({ patternId: p.id, public: true, views: 0 });
        expect(share.url.endsWith(`/${share.shareId}`)).toBe(true);
        expect(Date.parse(share.expiresAt as string) - Date.parse(share.createdAt)).toBeGreaterThan(3500_000);
        const visitor = target.client();
        const opened = await visitor.sharing.loadSharedPattern(share.shareId);
        expect(opened.views).toBe(1);
        expect(opened.pattern).toMatchObject({ id: p.id, userId: user.id, name: "Shared", version: 1 });
        expect((await visitor.sharing.loadSharedPattern(share.shareId)).views).toBe(2);
        expect((await client.sharing.listShares()).map((s) => [s.shareId, s.views])).toEqual([
          [share.shareId, 2],
        ]);
        await client.sharing.revokeShareLink(share.shareId);
        expect(shape(await failure(visitor.sharing.loadSharedPattern(share.shareId)))).toMatchObject({
          status: 404,
          detail: "This share link does not exist or was revoked.",
        });
        expect(await client.sharing.listShares()).toEqual([]);
        expect((await failure(client.sharing.revokeShareLink(share.shareId))).status).toBe(404);
      });

      it("lists no link to a deleted pattern", async () => {
        const { client } = await signedUp();
        const kept = await client.dataSync.savePattern(pattern({ name: "Kept" }));
        const gone = await client.dataSync.savePattern(pattern({ name: "Gone" }));
        const live = await client.sharing.createShareLink(kept.id);
        await client.sharing.createShareLink(gone.id);
        await client.dataSync.deletePattern(gone.id);
        expect((await client.sharing.listShares()).map((s) => s.shareId)).toEqual([live.shareId]);
      });

      it("keeps private links to signed-in users and shares only your own patterns", async () => {
        const { client } = await signedUp();
        const p = await client.dataSync.savePattern(pattern());
        const share = await client.sharing.createShareLink(p.id, { public: false });
        expect(share.expiresAt).toBeNull();
        expect(shape(await failure(target.client().sharing.loadSharedPattern(share.shareId)))).toMatchObject({
          status: 401,
          type: "https://backline.dev/problems/unauthorized",
          detail: "Sign in to open this share link.",
        });
        const { client: other } = await signedUp();
        expect((await other.sharing.loadSharedPattern(share.shareId)).views).toBe(1);
        expect(shape(await failure(other.sharing.createShareLink(p.id)))).toMatchObject({
          status: 404,
          detail: "No pattern of yours has this id.",
        });
        expect((await failure(target.client().sharing.listShares())).status).toBe(401);
      });
    });

    describe("lessons", () => {
      it("lists the curriculum in order", async () => {
        const lessons = await target.client().content.loadCurriculum();
        const seeded = new Set(SEED_LESSONS.map((l) => l.id));
        const order = (l: { category: string; position: number; id: string }) =>
          `${l.category}/${String(l.position).padStart(5, "0")}/${l.id}`;
        expect(lessons.filter((l) => seeded.has(l.id)).map(order)).toEqual(SEED_LESSONS.map(order).sort());
        expect(lessons.find((l) => l.id === "boom-bap")).toMatchObject({
          title: "Boom bap",
          category: "drum-programming",
          difficulty: "advanced",
          isPremium: true,
          published: true,
        });
        expect(lessons.every((l) => typeof l.publishedAt === "string")).toBe(true);
      });

      it("serves free lessons to anyone and locks premium ones for free users", async () => {
        expect((await target.client().content.loadLesson("counting-beats")).config).toEqual({
          bpm: 80,
          steps: 16,
          goal: "Counting beats",
        });
        const { client } = await signedUp();
        for (const who of [target.client(), client]) {
          expect(shape(await failure(who.content.loadLesson("boom-bap")))).toEqual({
            status: 403,
            type: "https://backline.dev/problems/premium-required",
            title: "Premium required",
            detail: "This lesson is for premium members. Upgrade to unlock it.",
            errors: [],
          });
        }
        expect((await failure(client.content.loadLesson("no-such-lesson"))).status).toBe(404);
      });

      it("opens premium lessons to premium users", async () => {
        const { client, email } = await signedUp();
        await target.promote(email, { tier: "premium" });
        await client.auth.init();
        expect((await client.content.loadLesson("boom-bap")).config).toMatchObject({ goal: "Boom bap" });
        expect((await client.dataSync.saveProgress({ lessonId: "boom-bap", score: 90 })).bestScore).toBe(90);
      });

      it("lets only admins write lessons", async () => {
        const { client: user } = await signedUp();
        const lesson = {
          id: `l-${crypto.randomUUID().slice(0, 8)}`,
          title: "Ghost notes",
          category: "drum-programming",
          difficulty: "intermediate" as const,
        };
        expect(shape(await failure(user.content.createLesson(lesson)))).toMatchObject({
          status: 403,
          detail: "This needs the admin role.",
        });
        expect((await failure(target.client().content.createLesson(lesson))).status).toBe(401);

        const { client: admin, email } = await signedUp("admin");
        await target.promote(email, { role: "admin" });
        await admin.auth.init();
        const created = await admin.content.createLesson({ ...lesson, position: 99, config: { steps: 32 } });
        expect(created).toMatchObject({
          ...lesson,
          position: 99,
          isPremium: false,
          published: true,
          config: { steps: 32 },
        });
        expect(Date.parse(created.publishedAt as string)).not.toBeNaN();
        expect((await failure(admin.content.createLesson(lesson))).status).toBe(409);
        expect((await target.client().content.loadCurriculum()).map((l) => l.id)).toContain(lesson.id);
        const draft = await admin.content.updateLesson(lesson.id, {
          title: "Ghost notes 2",
          category: "drum-programming",
          difficulty: "advanced",
          published: false,
        });
        expect(draft).toMatchObject({
          title: "Ghost notes 2",
          published: false,
          publishedAt: null,
          config: {},
          position: 0,
        });
        expect((await failure(target.client().content.loadLesson(lesson.id))).status).toBe(404);
        expect((await admin.content.loadLesson(lesson.id)).published).toBe(false);
        expect((await failure(admin.content.createLesson({ ...lesson, id: "Bad Id" }))).errors).toEqual([
          { path: "id", message: "must be a slug like drum-basics-1" },
        ]);
        await admin.content.deleteLesson(lesson.id);
        expect((await failure(admin.content.loadLesson(lesson.id))).status).toBe(404);
        expect((await failure(admin.content.deleteLesson(lesson.id))).status).toBe(404);
      });
    });

    describe("payment", () => {
      it("lists plans and refuses an unknown price", async () => {
        const plans = await target.client().payment.listPlans();
        expect(plans.map((p) => p.priceId)).toContain("price_premium_monthly");
        const { client } = await signedUp();
        expect(shape(await failure(client.payment.createCheckoutSession("price_nope")))).toMatchObject({
          status: 400,
          errors: [{ path: "priceId", message: "is not the price of a plan on sale" }],
        });
        expect(
          (await failure(target.client().payment.createCheckoutSession("price_premium_monthly"))).status,
        ).toBe(401);
      });

      it("has no subscription or billing account before checkout, then a checkout and portal URL", async () => {
        const { client } = await signedUp();
        expect(await client.payment.getSubscription()).toBeNull();
        expect(shape(await failure(client.payment.cancelSubscription()))).toMatchObject({
          status: 404,
          type: "https://backline.dev/problems/no-subscription",
        });
        expect(shape(await failure(client.payment.createPortalSession()))).toMatchObject({
          status: 404,
          type: "https://backline.dev/problems/no-customer",
        });
        const session = await client.payment.createCheckoutSession("price_premium_monthly");
        expect(session.id).toEqual(expect.any(String));
        expect(new URL(session.url).protocol).toMatch(/^https?:$/);
        expect(new URL((await client.payment.createPortalSession()).url).protocol).toMatch(/^https?:$/);
      });
    });

    defineAccountContract(target);
    defineTeamsContract(target);
  });
}
