/**
 * Stub mode: the API's behaviour with no backend. Its data lives in the given storage under
 * `backline:stub:`; the signed-in session is kept like the refresh cookie (survives reloads),
 * the "access token" only in memory. Outcomes, problems and validation follow the routes in
 * functions/; the contract suite (test/contract) runs the same tests against both.
 */
import type { Backend, PatternChange, ServerPattern } from "../backend";
import { randomId, validationProblem } from "../errors";
import { browser } from "../globals";
import { JsonStore } from "../storage";
import type {
  KeyValueStorage,
  Lesson,
  LessonSummary,
  Plan,
  Progress,
  Share,
  Subscription,
  User,
} from "../types";
import {
  AttemptBody,
  CreateShareBody,
  ForgotBody,
  LessonBody,
  LessonIdParam,
  LessonUpdateBody,
  ProgressSyncBody,
  PutPatternBody,
  ShareIdParam,
  SigninBody,
  SignupBody,
} from "../validation/bodies";
import {
  array,
  matches,
  maxLength,
  minLength,
  number,
  object,
  oneOf,
  optional,
  parse,
  rawIssues,
  strictObject,
  string,
  unknown,
  uuid,
  withDefault,
} from "../validation/schema";
import { stubProblems as p, validate } from "./problems";
import { SEED_LESSONS, SEED_PLANS } from "./seed";

/** What a free account may keep (db/queries/patterns.ts FREE_PATTERN_LIMIT). */
const FREE_PATTERN_LIMIT = 50;
/** shared/auth/user-dto.ts ENTITLEMENTS. */
const ENTITLEMENTS = {
  free: ["patterns:50", "lessons:free"],
  premium: ["patterns:unlimited", "lessons:premium"],
};

interface StubUser {
  id: string;
  email: string;
  displayName: string;
  role: User["role"];
  tier: User["tier"];
  createdAt: string;
  salt: string;
  hash: string;
}
type StoredPattern = ServerPattern & { userId: string; changeSeq: number };
interface StoredShare {
  shareId: string;
  patternId: string;
  ownerId: string;
  isPublic: boolean;
  views: number;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}
type StoredLesson = Omit<Lesson, "published"> & { publishedAt: string | null };

interface StubDb {
  users: Record<string, StubUser>;
  patterns: Record<string, StoredPattern>;
  seq: Record<string, number>;
  progress: Record<string, Record<string, Progress>>;
  /** Attempt ids already counted, per user (as the server's progress_attempts). */
  attempts?: Record<string, string[]>;
  shares: Record<string, StoredShare>;
  lessons: Record<string, StoredLesson> | null;
  subscriptions: Record<string, Subscription & { customerId: string }>;
}

const emptyDb = (): StubDb => ({
  users: {},
  patterns: {},
  seq: {},
  progress: {},
  shares: {},
  lessons: null,
  subscriptions: {},
});

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
function randomBase62(length: number): string {
  return [...crypto.getRandomValues(new Uint8Array(length))].map((b) => BASE62[b % 62]).join("");
}

function toUserDto(u: StubUser): User {
  return {
    id: u.id,
    email: u.email,
    displayName: u.displayName,
    avatarUrl: null,
    role: u.role,
    tier: u.tier,
    emailVerified: false,
    entitlements: ENTITLEMENTS[u.tier],
    createdAt: u.createdAt,
  };
}

function toPatternDto(s: StoredPattern): ServerPattern {
  const { userId: _u, changeSeq: _c, ...dto } = s;
  return dto;
}

function toShareDto(s: StoredShare, base: string): Share {
  return {
    shareId: s.shareId,
    url: `${base.replace(/\/?$/, "/")}${s.shareId}`,
    patternId: s.patternId,
    public: s.isPublic,
    views: s.views,
    createdAt: s.createdAt,
    expiresAt: s.expiresAt,
  };
}

function toLessonSummary(l: StoredLesson): LessonSummary {
  return {
    id: l.id,
    title: l.title,
    category: l.category,
    difficulty: l.difficulty,
    isPremium: l.isPremium,
    position: l.position,
    published: l.publishedAt !== null,
    updatedAt: l.updatedAt,
  };
}
const toLessonDto = (l: StoredLesson): Lesson => ({ ...toLessonSummary(l), config: l.config });

/** JSON with sorted keys (functions/patterns/schemas.ts `canonical`). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
type PatternContent = Pick<ServerPattern, "name" | "tempo" | "isPublic" | "tracks" | "mixer">;
const sameContent = (a: PatternContent, b: PatternContent) =>
  canonical([a.name, a.tempo, a.isPublic, a.tracks, a.mixer]) ===
  canonical([b.name, b.tempo, b.isPublic, b.tracks, b.mixer]);

/** functions/patterns/sync.ts ChangeSchema (not strict: other keys are dropped). */
const ChangeSchema = object({
  op: oneOf(["upsert", "delete"] as const),
  id: uuid(),
  baseVersion: optional(number({ int: true, min: 1 })),
  pattern: optional(unknown()),
});

/** The body of POST /api/patterns/sync. */
const SyncBody = strictObject({
  since: withDefault(
    string({ checks: [matches(/^\d{1,15}$/, "is not a cursor this API returned")] }),
    () => "0",
  ),
  changes: array(unknown(), { max: 100 }),
});

/** The body of POST /api/billing/checkout. */
const CheckoutBody = strictObject({ priceId: string({ checks: [minLength(1), maxLength(255)] }) });

function lenientObject(input: unknown): Record<string, unknown> {
  return typeof input === "object" && input !== null && !Array.isArray(input)
    ? (input as Record<string, unknown>)
    : {};
}

export interface StubOptions {
  admins?: string[];
  shareBaseUrl?: string;
}

/**
 * `world` holds the stub's data (what the server would keep); `browser` holds its session
 * (what the refresh cookie would keep). They are the same storage unless told otherwise.
 */
export function stubBackend(
  world: KeyValueStorage,
  browserStorage: KeyValueStorage,
  options: StubOptions = {},
): Backend {
  const store = new JsonStore(world, "backline:stub:");
  const cookie = new JsonStore(browserStorage, "backline:stub:");
  const admins = new Set((options.admins ?? []).map((e) => e.trim().toLowerCase()));
  const shareBase = options.shareBaseUrl ?? `${browser.location?.origin ?? "http://localhost:8788"}/share`;
  const origin = browser.location?.origin ?? "http://localhost:8788";
  /** The signed-in user id: the stub's access token, in memory only. */
  let current: string | undefined;

  const tx = <R>(change: (db: StubDb) => R | Promise<R>) => store.update("db", emptyDb, change);

  function lessonsOf(db: StubDb): Record<string, StoredLesson> {
    if (!db.lessons) {
      const now = new Date().toISOString();
      db.lessons = {};
      for (const l of SEED_LESSONS) {
        const { published, ...rest } = l;
        db.lessons[l.id] = { ...rest, publishedAt: published ? now : null, updatedAt: now };
      }
    }
    return db.lessons;
  }

  /** The signed-in user (requireAuth), or the 401 problem. */
  function viewer(db: StubDb, instance: string): StubUser {
    const user = current ? db.users[current] : undefined;
    if (!user) throw p.unauthorized(instance);
    return user;
  }
  const maybeViewer = (db: StubDb) => (current ? db.users[current] : undefined);

  function admin(db: StubDb, instance: string): StubUser {
    const user = viewer(db, instance);
    if (user.role !== "admin") throw p.forbidden("This needs the admin role.", instance);
    return user;
  }

  async function startSession(user: StubUser): Promise<User> {
    current = user.id;
    await cookie.write("session", user.id);
    return toUserDto(user);
  }

  function nextSeq(db: StubDb, userId: string): number {
    db.seq[userId] = (db.seq[userId] ?? 0) + 1;
    return db.seq[userId];
  }

  function recordAttempt(
    db: StubDb,
    user: StubUser,
    attempt: { lessonId: string; score: number; completed: boolean; attemptId?: string },
  ): { ok: true; progress: Progress } | { ok: false; status: 403 | 404 } {
    const lesson = lessonsOf(db)[attempt.lessonId];
    if (!lesson || lesson.publishedAt === null) return { ok: false, status: 404 };
    if (lesson.isPremium && user.tier !== "premium" && user.role !== "admin")
      return { ok: false, status: 403 };
    db.progress[user.id] ??= {};
    const mine = db.progress[user.id] as Record<string, Progress>;
    if (attempt.attemptId) {
      db.attempts ??= {};
      db.attempts[user.id] ??= [];
      const seen = db.attempts[user.id] as string[];
      const counted = mine[attempt.lessonId];
      if (seen.includes(attempt.attemptId) && counted) return { ok: true, progress: counted };
      seen.push(attempt.attemptId);
    }
    const now = new Date().toISOString();
    const before = mine[attempt.lessonId];
    const progress: Progress = before
      ? {
          ...before,
          completed: before.completed || attempt.completed,
          score: attempt.score,
          bestScore: Math.max(before.bestScore, attempt.score),
          attempts: before.attempts + 1,
          completedAt: before.completedAt ?? (attempt.completed ? now : null),
          updatedAt: now,
        }
      : {
          lessonId: attempt.lessonId,
          completed: attempt.completed,
          score: attempt.score,
          bestScore: attempt.score,
          attempts: 1,
          completedAt: attempt.completed ? now : null,
          updatedAt: now,
        };
    mine[attempt.lessonId] = progress;
    return { ok: true, progress };
  }

  const progressList = (db: StubDb, userId: string) =>
    Object.values(db.progress[userId] ?? {}).sort((a, b) => (a.lessonId < b.lessonId ? -1 : 1));

  function applyChange(db: StubDb, user: StubUser, raw: unknown) {
    const parsed = parse(ChangeSchema, raw);
    const id = typeof lenientObject(raw).id === "string" ? (lenientObject(raw).id as string) : "";
    if (!parsed.ok)
      return { id, status: "rejected" as const, reason: rawIssues(ChangeSchema, raw).join("; ") };
    const change = parsed.value as PatternChange;
    const now = new Date().toISOString();
    const live = db.patterns[change.id];
    const mine = live && live.userId === user.id && live.deletedAt === null ? live : undefined;
    if (change.op === "delete") {
      if (mine && (change.baseVersion === undefined || mine.version === change.baseVersion)) {
        Object.assign(mine, {
          deletedAt: now,
          updatedAt: now,
          version: mine.version + 1,
          changeSeq: nextSeq(db, user.id),
        });
        return { id: change.id, status: "applied" as const, pattern: toPatternDto(mine) };
      }
      if (mine) return { id: change.id, status: "conflict" as const, pattern: toPatternDto(mine) };
      return { id: change.id, status: "applied" as const, reason: "already deleted or never synced" };
    }
    const input = parse(PutPatternBody, change.pattern);
    if (!input.ok)
      return {
        id: change.id,
        status: "rejected" as const,
        reason: rawIssues(PutPatternBody, change.pattern)
          .map((r) => `pattern.${r}`)
          .join("; "),
      };
    const content = input.value as PatternContent;
    if (!live) {
      const count = Object.values(db.patterns).filter(
        (x) => x.userId === user.id && x.deletedAt === null,
      ).length;
      if (user.tier !== "premium" && count >= FREE_PATTERN_LIMIT)
        return {
          id: change.id,
          status: "rejected" as const,
          reason: "premium required: free accounts keep 50 patterns",
        };
      const created: StoredPattern = {
        id: change.id,
        ...content,
        version: 1,
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
        userId: user.id,
        changeSeq: nextSeq(db, user.id),
      };
      db.patterns[change.id] = created;
      return { id: change.id, status: "applied" as const, pattern: toPatternDto(created) };
    }
    if (mine && mine.version === (change.baseVersion ?? 0)) {
      Object.assign(mine, content, {
        version: mine.version + 1,
        updatedAt: now,
        changeSeq: nextSeq(db, user.id),
      });
      return { id: change.id, status: "applied" as const, pattern: toPatternDto(mine) };
    }
    if (live.userId !== user.id)
      return { id: change.id, status: "rejected" as const, reason: "this id is used by another pattern" };
    if (mine && sameContent(mine, content))
      return { id: change.id, status: "applied" as const, pattern: toPatternDto(mine) };
    return { id: change.id, status: "conflict" as const, pattern: toPatternDto(mine ?? live) };
  }

  const plans = (): Plan[] => SEED_PLANS;

  return {
    async restoreSession() {
      const saved = await cookie.read<string | null>("session", () => null);
      const user = saved ? (await store.read("db", emptyDb)).users[saved] : undefined;
      if (!user) {
        current = undefined;
        return null;
      }
      current = user.id;
      return toUserDto(user);
    },
    async signUp(body) {
      const input = validate(SignupBody, body, "/api/auth/signup");
      const salt = randomId();
      const hash = await sha256Hex(`${salt}:${input.password}`);
      const user = await tx((db) => {
        if (Object.values(db.users).some((u) => u.email === input.email))
          throw p.emailTaken("/api/auth/signup");
        const created: StubUser = {
          id: randomId(),
          email: input.email,
          displayName: input.displayName,
          role: admins.has(input.email) ? "admin" : "user",
          tier: "free",
          createdAt: new Date().toISOString(),
          salt,
          hash,
        };
        db.users[created.id] = created;
        return created;
      });
      return startSession(user);
    },
    async signIn(body) {
      const input = validate(SigninBody, body, "/api/auth/signin");
      const db = await store.read("db", emptyDb);
      const user = Object.values(db.users).find((u) => u.email === input.email);
      if (!user || (await sha256Hex(`${user.salt}:${input.password}`)) !== user.hash)
        throw p.invalidCredentials("/api/auth/signin");
      return startSession(user);
    },
    async signOut() {
      current = undefined;
      await cookie.remove("session");
    },
    async requestPasswordReset(email) {
      validate(ForgotBody, { email }, "/api/auth/password/forgot");
    },
    onSessionLost() {
      // A stub session never ends on its own.
    },

    syncPatterns(body) {
      const instance = "/api/patterns/sync";
      return tx((db) => {
        const user = viewer(db, instance);
        const input = validate(SyncBody, body, instance);
        const results = input.changes.map((change) => applyChange(db, user, change));
        const since = Number(input.since);
        const changes = Object.values(db.patterns)
          .filter((x) => x.userId === user.id && x.changeSeq > since)
          .sort((a, b) => a.changeSeq - b.changeSeq)
          .slice(0, 1001);
        const last = changes[changes.length - 1];
        return {
          results,
          changes: changes.map(toPatternDto),
          cursor: String(last?.changeSeq ?? input.since),
        };
      });
    },

    recordProgress(attempt) {
      const instance = "/api/progress";
      return tx((db) => {
        const user = viewer(db, instance);
        const input = validate(AttemptBody, attempt, instance);
        const outcome = recordAttempt(db, user, input);
        if (outcome.ok) return outcome.progress;
        if (outcome.status === 403) throw p.premiumRequired("This lesson is for premium members.", instance);
        throw p.notFound("No published lesson with this id.", instance);
      });
    },
    syncProgress(attempts) {
      const instance = "/api/progress/sync";
      return tx((db) => {
        const user = viewer(db, instance);
        const input = validate(ProgressSyncBody, { attempts }, instance);
        const results = input.attempts.map((a) => {
          const o = recordAttempt(db, user, a);
          return o.ok
            ? { lessonId: a.lessonId, status: "applied" as const, progress: o.progress }
            : {
                lessonId: a.lessonId,
                status: "rejected" as const,
                reason: o.status === 403 ? "premium required for this lesson" : "no such lesson",
              };
        });
        return { results, progress: progressList(db, user.id) };
      });
    },
    async listProgress() {
      const db = await store.read("db", emptyDb);
      return progressList(db, viewer(db, "/api/progress").id);
    },

    createShare(body) {
      const instance = "/api/shares";
      return tx((db) => {
        const user = viewer(db, instance);
        const input = validate(CreateShareBody, body, instance);
        const pattern = db.patterns[input.patternId];
        if (!pattern || pattern.userId !== user.id || pattern.deletedAt !== null)
          throw p.notFound("No pattern of yours has this id.", instance);
        const now = Date.now();
        const share: StoredShare = {
          shareId: randomBase62(16),
          patternId: input.patternId,
          ownerId: user.id,
          isPublic: input.public,
          views: 0,
          createdAt: new Date(now).toISOString(),
          expiresAt: input.expiresIn ? new Date(now + input.expiresIn * 1000).toISOString() : null,
          revokedAt: null,
        };
        db.shares[share.shareId] = share;
        return toShareDto(share, shareBase);
      });
    },
    openShare(shareId) {
      const instance = `/api/shares/${shareId}`;
      return tx((db) => {
        validate(ShareIdParam, { shareId }, instance, "param");
        const share = db.shares[shareId];
        const pattern = share ? db.patterns[share.patternId] : undefined;
        if (!share || !pattern || share.revokedAt !== null || pattern.deletedAt !== null)
          throw p.notFound("This share link does not exist or was revoked.", instance);
        if (share.expiresAt !== null && Date.parse(share.expiresAt) <= Date.now())
          throw p.gone("This share link has expired.", instance);
        if (!share.isPublic && !maybeViewer(db)) throw p.signInToOpen(instance);
        share.views += 1;
        return { pattern: toPatternDto(pattern), views: share.views };
      });
    },
    async revokeShare(shareId) {
      const instance = `/api/shares/${shareId}`;
      await tx((db) => {
        const user = viewer(db, instance);
        validate(ShareIdParam, { shareId }, instance, "param");
        const share = db.shares[shareId];
        if (!share || share.ownerId !== user.id || share.revokedAt !== null)
          throw p.notFound("No live share link of yours has this id.", instance);
        share.revokedAt = new Date().toISOString();
      });
    },
    async listShares() {
      const db = await store.read("db", emptyDb);
      const user = viewer(db, "/api/shares");
      return Object.values(db.shares)
        .filter((s) => s.ownerId === user.id && s.revokedAt === null)
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
        .slice(0, 200)
        .map((s) => toShareDto(s, shareBase));
    },

    listLessons() {
      return tx((db) => {
        const withDrafts = maybeViewer(db)?.role === "admin";
        return Object.values(lessonsOf(db))
          .filter((l) => withDrafts || l.publishedAt !== null)
          .sort((a, b) =>
            a.category !== b.category
              ? a.category < b.category
                ? -1
                : 1
              : a.position !== b.position
                ? a.position - b.position
                : a.id < b.id
                  ? -1
                  : 1,
          )
          .map(toLessonSummary);
      });
    },
    getLesson(id) {
      const instance = `/api/lessons/${id}`;
      return tx((db) => {
        validate(LessonIdParam, { id }, instance, "param");
        const who = maybeViewer(db);
        const lesson = lessonsOf(db)[id];
        if (!lesson || (lesson.publishedAt === null && who?.role !== "admin"))
          throw p.notFound("No lesson with this id.", instance);
        if (lesson.isPremium && who?.tier !== "premium" && who?.role !== "admin")
          throw p.premiumRequired("This lesson is for premium members. Upgrade to unlock it.", instance);
        return toLessonDto(lesson);
      });
    },
    createLesson(body) {
      const instance = "/api/lessons";
      return tx((db) => {
        admin(db, instance);
        const input = validate(LessonBody, body, instance);
        const lessons = lessonsOf(db);
        if (lessons[input.id]) throw p.conflict("A lesson with this id already exists.", instance);
        const { published, ...rest } = input;
        const now = new Date().toISOString();
        const lesson: StoredLesson = { ...rest, publishedAt: published ? now : null, updatedAt: now };
        lessons[input.id] = lesson;
        return toLessonDto(lesson);
      });
    },
    updateLesson(id, body) {
      const instance = `/api/lessons/${id}`;
      return tx((db) => {
        admin(db, instance);
        validate(LessonIdParam, { id }, instance, "param");
        const input = validate(LessonUpdateBody, body, instance);
        const lessons = lessonsOf(db);
        const before = lessons[id];
        if (!before) throw p.notFound("No lesson with this id.", instance);
        const { published, ...rest } = input;
        const now = new Date().toISOString();
        const lesson: StoredLesson = {
          id,
          ...rest,
          publishedAt: published ? (before.publishedAt ?? now) : null,
          updatedAt: now,
        };
        lessons[id] = lesson;
        return toLessonDto(lesson);
      });
    },
    async deleteLesson(id) {
      const instance = `/api/lessons/${id}`;
      await tx((db) => {
        admin(db, instance);
        validate(LessonIdParam, { id }, instance, "param");
        const lessons = lessonsOf(db);
        if (!lessons[id]) throw p.notFound("No lesson with this id.", instance);
        delete lessons[id];
        for (const mine of Object.values(db.progress)) delete mine[id];
      });
    },

    async listPlans() {
      return plans();
    },
    checkout(priceId) {
      const instance = "/api/billing/checkout";
      return tx((db) => {
        const user = viewer(db, instance);
        const input = validate(CheckoutBody, { priceId }, instance);
        const plan = plans().find((x) => x.priceId === input.priceId);
        if (!plan)
          throw validationProblem(
            [{ path: "priceId", message: "is not the price of a plan on sale" }],
            instance,
          );
        const existing = db.subscriptions[user.id];
        if (existing && existing.status !== "canceled") throw p.alreadySubscribed(instance, existing.id);
        // Stub checkout completes at once: the subscription is active and the user premium.
        const end = new Date();
        const months = { day: 0, week: 0, month: 1, year: 12 }[plan.interval];
        end.setUTCMonth(end.getUTCMonth() + months);
        if (plan.interval === "day") end.setUTCDate(end.getUTCDate() + 1);
        if (plan.interval === "week") end.setUTCDate(end.getUTCDate() + 7);
        const id = `sub_stub_${randomBase62(14)}`;
        db.subscriptions[user.id] = {
          id,
          status: "active",
          priceId: plan.priceId,
          plan: plan.id,
          currentPeriodEnd: end.toISOString(),
          cancelAtPeriodEnd: false,
          canceledAt: null,
          customerId: `cus_stub_${user.id}`,
        };
        user.tier = "premium";
        const sessionId = `cs_stub_${randomBase62(24)}`;
        return { id: sessionId, url: `${origin}/?checkout=success&session_id=${sessionId}` };
      });
    },
    async getSubscription() {
      const db = await store.read("db", emptyDb);
      const user = viewer(db, "/api/billing/subscription");
      const sub = db.subscriptions[user.id];
      return sub ? publicSubscription(sub) : null;
    },
    cancelSubscription() {
      const instance = "/api/billing/cancel";
      return tx((db) => {
        const user = viewer(db, instance);
        const sub = db.subscriptions[user.id];
        if (!sub || sub.status === "canceled") throw p.noSubscription(instance);
        sub.cancelAtPeriodEnd = true;
        return publicSubscription(sub);
      });
    },
    async portal() {
      const instance = "/api/billing/portal";
      const db = await store.read("db", emptyDb);
      const user = viewer(db, instance);
      if (!db.subscriptions[user.id]) throw p.noCustomer(instance);
      return { url: `${origin}/?billing-portal=stub` };
    },
  };

  function publicSubscription(sub: Subscription & { customerId: string }): Subscription {
    const { customerId: _c, ...dto } = sub;
    return dto;
  }
}
