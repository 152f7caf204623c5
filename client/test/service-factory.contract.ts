/**
 * The drop-in serviceFactory against the Music Producer Lab spec: every method of the five
 * interfaces, in both modes, answers with the spec's shape field by field (names, types, `Date`
 * objects). Run on the stub (node project, client/test/service-factory.contract.stub.test.ts)
 * and on the real worker (workers project, test/service-factory.contract.http.test.ts).
 */
import { describe, expect, it } from "vitest";
import type { KeyValueStorage } from "../src/index";
import type { CheckoutSession, ServiceFactory } from "../src/service-factory/index";

export interface FactoryTarget {
  mode: "real" | "stub";
  /** A factory in a new browser, or in the same browser (storage, cookies) as `sameBrowserAs`. */
  factory(sameBrowserAs?: ServiceFactory): ServiceFactory;
  /** The localStorage of the factory's browser. */
  localStorage(factory: ServiceFactory): KeyValueStorage;
  /** Changes an account where the backend keeps it; the factory's auth is then re-initialised. */
  promote(email: string, change: { role?: "admin"; tier?: "premium" }): Promise<void>;
  /** Pays for a checkout session (the stub's checkout is complete at once). */
  completeCheckout(session: CheckoutSession): Promise<void>;
}

const PASSWORD = "a sturdy passphrase 42";
const PRICE_ID = "price_premium_monthly";

/** One field's allowed kinds: a JSON type, "Date" (an instance), "null", or one of some strings. */
type Kind =
  | "string"
  | "number"
  | "boolean"
  | "array"
  | "object"
  | "Date"
  | "null"
  | { oneOf: readonly string[] };
type Shape = Record<string, Kind | readonly Kind[]>;

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : "Date";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function fits(value: unknown, kind: Kind): boolean {
  if (typeof kind !== "string") return typeof value === "string" && kind.oneOf.includes(value);
  return kindOf(value) === kind;
}

/** Asserts `value` has exactly the shape's fields, each of an allowed kind. */
export function expectShape(value: unknown, shape: Shape, label: string): void {
  expect(kindOf(value), label).toBe("object");
  const record = value as Record<string, unknown>;
  expect(Object.keys(record).sort(), `${label}: its fields`).toEqual(Object.keys(shape).sort());
  const wrong = Object.entries(shape).flatMap(([field, allowed]) => {
    const kinds: readonly Kind[] = Array.isArray(allowed) ? allowed : [allowed as Kind];
    return kinds.some((k) => fits(record[field], k))
      ? []
      : [
          `${label}.${field}: ${JSON.stringify(kinds)} expected, got ${kindOf(record[field])} ${JSON.stringify(record[field])}`,
        ];
  });
  expect(wrong).toEqual([]);
}

// The spec's typedefs, field by field (`| null` where a value can be missing: see types.ts).
const USER: Shape = {
  id: "string",
  email: "string",
  displayName: "string",
  avatarUrl: ["string", "null"],
  tier: { oneOf: ["free", "premium", "teacher"] },
  createdAt: "Date",
};
const PATTERN: Shape = {
  id: "string",
  userId: ["string", "null"],
  name: "string",
  tempo: "number",
  tracks: "array",
  mixer: "object",
  createdAt: "Date",
  updatedAt: "Date",
  isPublic: "boolean",
};
const PROGRESS: Shape = {
  userId: ["string", "null"],
  lessonId: "string",
  completed: "boolean",
  score: "number",
  completedAt: ["Date", "null"],
};
const SYNC_RESULT: Shape = { uploaded: "number", downloaded: "number" };
const SHARED_PATTERN: Shape = {
  shareId: "string",
  patternId: "string",
  userId: ["string", "null"],
  url: "string",
  views: "number",
  createdAt: "Date",
  expiresAt: ["Date", "null"],
};
const SUBSCRIPTION: Shape = {
  id: "string",
  userId: ["string", "null"],
  tier: { oneOf: ["free", "premium"] },
  status: "string",
  currentPeriodStart: ["Date", "null"],
  currentPeriodEnd: ["Date", "null"],
  cancelAtPeriodEnd: "boolean",
};
const CHECKOUT_SESSION: Shape = { id: "string", url: "string" };
const LESSON: Shape = {
  id: "string",
  title: "string",
  category: "string",
  difficulty: { oneOf: ["beginner", "intermediate", "advanced"] },
  config: ["object", "null"],
  isPremium: "boolean",
  publishedAt: ["Date", "null"],
};

const kick = () => ({
  name: "Four on the floor",
  tempo: 120,
  tracks: [
    { instrument: "kick", steps: [true, false, false, false, true, false, false, false], volume: 0.8 },
  ],
});

function uniqueEmail(tag: string): string {
  return `${tag}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error & { status?: number; type?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail");
}

export function defineFactoryContract(target: FactoryTarget): void {
  async function signedUp(tag = "user", factory = target.factory()) {
    const email = uniqueEmail(tag);
    const state = await factory.getAuthService().signUp(email, PASSWORD, "Ada");
    const userId = state.user?.id as string;
    return { factory, email, state, userId };
  }

  describe(`serviceFactory contract (${target.mode})`, () => {
    it("factory: mode, setMode clears the cached services, unknown modes refused", () => {
      const factory = target.factory();
      expect(factory.mode).toBe(target.mode);
      const auth = factory.getAuthService();
      expect(factory.getAuthService()).toBe(auth);
      for (const get of [
        "getDataSyncService",
        "getSharingService",
        "getPaymentService",
        "getContentService",
      ] as const)
        expect(factory[get]()).toBe(factory[get]());
      factory.setMode(target.mode === "real" ? "stub" : "real");
      expect(factory.mode).not.toBe(target.mode);
      expect(factory.getAuthService()).not.toBe(auth);
      expect(() => factory.setMode("http" as "real")).toThrow(TypeError);
    });

    it("auth: signUp, getAuthState, listeners, init in the same browser, signOut, signIn", async () => {
      const factory = target.factory();
      const auth = factory.getAuthService();
      expect(auth.getAuthState()).toEqual({ isAuthenticated: false, user: null, token: null });
      const seen: boolean[] = [];
      const stop = auth.onAuthStateChanged((state) => seen.push(state.isAuthenticated));
      expect(seen).toEqual([]); // called on changes only

      const email = uniqueEmail("ada");
      const state = await auth.signUp(email, PASSWORD, "Ada");
      expectShape(state, { isAuthenticated: "boolean", user: "object", token: "string" }, "AuthState");
      expectShape(state.user, USER, "User");
      expect(state).toMatchObject({
        isAuthenticated: true,
        user: { email, displayName: "Ada", tier: "free" },
      });
      expect(auth.getAuthState()).toEqual(state);
      expect(seen).toEqual([true]);
      if (target.mode === "stub") {
        expect(state.token).toMatch(/^stub-token-/);
        const saved = JSON.parse((await target.localStorage(factory).getItem("stub-user")) ?? "null");
        expect(saved).toEqual({ ...state.user, createdAt: state.user?.createdAt.toISOString() });
      } else {
        expect(state.token?.split(".")).toHaveLength(3); // the API's JWT
        expect(await target.localStorage(factory).getItem("stub-user")).toBeNull();
      }

      const restored = await target.factory(factory).getAuthService().init();
      expect(restored).toMatchObject({ isAuthenticated: true, user: state.user });
      expectShape(restored.user, USER, "User after init");
      expect(restored.token).toEqual(expect.any(String));

      expect(await auth.signOut()).toBeUndefined();
      expect(auth.getAuthState()).toEqual({ isAuthenticated: false, user: null, token: null });
      expect(seen).toEqual([true, false]);
      expect(await target.localStorage(factory).getItem("stub-user")).toBeNull();

      const again = await auth.signIn(email, PASSWORD);
      expect(again).toMatchObject({ isAuthenticated: true, user: { id: state.user?.id, email } });
      expectShape(again.user, USER, "User after signIn");
      stop();
      await auth.signOut();
      expect(seen).toEqual([true, false, true]);
      expect(await target.factory().getAuthService().init()).toEqual({
        isAuthenticated: false,
        user: null,
        token: null,
      });
    });

    it("auth: wrong argument types are refused before anything is sent", async () => {
      const auth = target.factory().getAuthService();
      const error = await failure(auth.signIn(123 as unknown as string, 456 as unknown as string));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toBe("authService.signIn: email must be a string, got number 123");
      expect(
        (await failure(auth.signUp("a@example.com", PASSWORD, undefined as unknown as string))).message,
      ).toBe("authService.signUp: displayName must be a string, got undefined");
      expect(() => auth.onAuthStateChanged("nope" as unknown as () => void)).toThrow(TypeError);
    });

    it("dataSync: savePattern, loadPatterns, syncPatterns on a second device, deletePattern", async () => {
      const { factory, email, userId } = await signedUp("sync");
      const sync = factory.getDataSyncService();
      const saved = await sync.savePattern(kick());
      expectShape(saved, PATTERN, "Pattern");
      expect(saved).toMatchObject({ ...kick(), userId, isPublic: false });
      const renamed = await sync.savePattern({ ...saved, name: "Renamed" });
      expect(renamed).toMatchObject({ id: saved.id, name: "Renamed", createdAt: saved.createdAt });
      const list = await sync.loadPatterns();
      expect(list.map((p) => p.id)).toEqual([saved.id]);
      expectShape(list[0], PATTERN, "Pattern in loadPatterns");
      const mine = await sync.syncPatterns();
      expectShape(mine, SYNC_RESULT, "syncPatterns");

      const phone = target.factory();
      await phone.getAuthService().signIn(email, PASSWORD);
      expect(await phone.getDataSyncService().syncPatterns()).toEqual({ uploaded: 0, downloaded: 1 });

      expect(await sync.deletePattern(saved.id)).toBeUndefined();
      expect(await sync.loadPatterns()).toEqual([]);
      expect(await phone.getDataSyncService().loadPatterns()).toEqual([]);
      const bad = await failure(sync.savePattern({ name: 7 } as never));
      expect(bad).toBeInstanceOf(TypeError);
      expect(bad.message).toBe("dataSyncService.savePattern: pattern.name must be a string, got number 7");
    });

    it("dataSync: saveProgress, loadProgress, syncProgress", async () => {
      const { factory, userId } = await signedUp("progress");
      const sync = factory.getDataSyncService();
      const lessonId = "your-first-kick-pattern";
      const saved = await sync.saveProgress({ lessonId, score: 80, completed: true });
      expectShape(saved, PROGRESS, "Progress");
      expect(saved).toMatchObject({ userId, lessonId, score: 80, completed: true });
      expect(saved.completedAt).toBeInstanceOf(Date);
      const list = await sync.loadProgress();
      expect(list).toHaveLength(1);
      expectShape(list[0], PROGRESS, "Progress in loadProgress");
      const result = await sync.syncProgress();
      expectShape(result, SYNC_RESULT, "syncProgress");
      expect(result).toEqual({ uploaded: 0, downloaded: 1 });
    });

    it("sharing: createShareLink (expiry in ms), loadSharedPattern, listShares, revokeShareLink", async () => {
      const { factory, userId } = await signedUp("share");
      const pattern = await factory.getDataSyncService().savePattern(kick());
      const sharing = factory.getSharingService();
      const forever = await sharing.createShareLink(pattern.id, { public: true, expiresIn: null });
      expectShape(forever, SHARED_PATTERN, "SharedPattern");
      expect(forever).toMatchObject({ patternId: pattern.id, userId, views: 0, expiresAt: null });
      expect(forever.url).toMatch(new RegExp(`/${forever.shareId}$`));

      const hour = await sharing.createShareLink(pattern.id, { expiresIn: 3_600_000 });
      const lifetime = (hour.expiresAt?.getTime() ?? 0) - hour.createdAt.getTime();
      expect(lifetime).toBeGreaterThanOrEqual(3_599_000);
      expect(lifetime).toBeLessThanOrEqual(3_601_000);
      expect(await failure(sharing.createShareLink(pattern.id, { expiresIn: 1000 }))).toBeInstanceOf(
        RangeError,
      );

      const opened = await target.factory().getSharingService().loadSharedPattern(forever.shareId);
      expectShape(opened, PATTERN, "Pattern from loadSharedPattern");
      expect(opened).toMatchObject({ id: pattern.id, name: pattern.name, userId }); // the owner's id

      const shares = await sharing.listShares();
      expect(shares.map((s) => s.shareId).sort()).toEqual([forever.shareId, hour.shareId].sort());
      for (const share of shares) expectShape(share, SHARED_PATTERN, "SharedPattern in listShares");
      expect(shares.find((s) => s.shareId === forever.shareId)?.views).toBe(1);

      expect(await sharing.revokeShareLink(hour.shareId)).toBeUndefined();
      expect((await sharing.listShares()).map((s) => s.shareId)).toEqual([forever.shareId]);
    });

    it("payment: getSubscription, createCheckoutSession(priceId), cancelSubscription, createPortalSession", async () => {
      const { factory, userId } = await signedUp("pay");
      const payment = factory.getPaymentService();
      expect(await payment.getSubscription()).toBeNull();
      const checkoutFrom = Math.floor(Date.now() / 1000) * 1000; // Stripe keeps whole seconds
      const session = await payment.createCheckoutSession(PRICE_ID);
      expectShape(session, CHECKOUT_SESSION, "CheckoutSession");
      expect(await failure(payment.createCheckoutSession(42 as unknown as string))).toBeInstanceOf(TypeError);
      await target.completeCheckout(session);
      const paidBy = Date.now();

      const sub = await payment.getSubscription();
      expectShape(sub, SUBSCRIPTION, "Subscription");
      expect(sub).toMatchObject({ userId, tier: "premium", status: "active", cancelAtPeriodEnd: false });
      // The first period starts when the checkout was paid and ends a month later (the plan is monthly).
      const start = sub?.currentPeriodStart as Date;
      const end = sub?.currentPeriodEnd as Date;
      expect(start.getTime()).toBeGreaterThanOrEqual(checkoutFrom);
      expect(start.getTime()).toBeLessThanOrEqual(paidBy);
      expect(end.getUTCFullYear() * 12 + end.getUTCMonth()).toBe(
        start.getUTCFullYear() * 12 + start.getUTCMonth() + 1,
      );

      const canceled = await payment.cancelSubscription();
      expectShape(canceled, SUBSCRIPTION, "Subscription after cancel");
      expect(canceled).toMatchObject({ id: sub?.id, tier: "premium", cancelAtPeriodEnd: true });
      const portal = await payment.createPortalSession();
      expectShape(portal, { url: "string" }, "portal session");
    });

    it("content: loadCurriculum, loadLesson; createLesson, updateLesson, deleteLesson for admins only", async () => {
      const { factory, email } = await signedUp("admin");
      const content = factory.getContentService();
      const curriculum = await content.loadCurriculum();
      expect(curriculum.length).toBeGreaterThan(0);
      for (const lesson of curriculum) expectShape(lesson, LESSON, `Lesson ${lesson.id} in loadCurriculum`);
      expect(curriculum.every((l) => l.config === null && l.publishedAt instanceof Date)).toBe(true);
      const free = curriculum.find((l) => !l.isPremium);
      const lesson = await content.loadLesson(free?.id as string);
      expectShape(lesson, LESSON, "Lesson");
      expect(lesson.config).toEqual(expect.any(Object));

      const id = `factory-${crypto.randomUUID().slice(0, 8)}`;
      const draft = {
        id,
        title: "Ghost notes",
        category: "drum-programming",
        difficulty: "intermediate" as const,
      };
      expect((await failure(content.createLesson(draft))).status).toBe(403);
      await target.promote(email, { role: "admin" });
      await factory.getAuthService().init();

      const created = await content.createLesson({ ...draft, config: { bars: 2 }, publishedAt: null });
      expectShape(created, LESSON, "created Lesson");
      expect(created).toMatchObject({ ...draft, config: { bars: 2 }, isPremium: false, publishedAt: null });
      const updated = await content.updateLesson(id, {
        title: "Ghost notes, softly",
        publishedAt: new Date(),
      });
      expectShape(updated, LESSON, "updated Lesson");
      expect(updated).toMatchObject({ ...draft, title: "Ghost notes, softly", config: { bars: 2 } });
      expect(updated.publishedAt).toBeInstanceOf(Date);
      // When it was first published, not when it last changed: an edit keeps it.
      const edited = await content.updateLesson(id, { difficulty: "advanced" });
      expect(edited.publishedAt).toEqual(updated.publishedAt);
      expect((await content.loadLesson(id)).publishedAt).toEqual(updated.publishedAt);
      expect((await content.loadCurriculum()).find((l) => l.id === id)?.publishedAt).toEqual(
        updated.publishedAt,
      );
      expect(await content.deleteLesson(id)).toBeUndefined();
      expect((await failure(content.loadLesson(id))).status).toBe(404);
    });
  });
}
