/**
 * What every stub service shares: the stub's data (what the server would keep, in `world`
 * storage under `backline:stub:db`), the session (what the refresh cookie would keep) and
 * the checks every signed-in route makes.
 */
import type { ServerPattern } from "../backend";
import { browser } from "../globals";
import { JsonStore } from "../storage";
import type { Invoice, KeyValueStorage, Lesson, Progress, StubEmail, Subscription, User } from "../types";
import type { StubFactors } from "./factor-tables";
import { stubProblems as p } from "./problems";

export interface StubUser {
  id: string;
  email: string;
  displayName: string;
  role: User["role"];
  tier: User["tier"];
  createdAt: string;
  salt: string;
  hash: string;
  avatarUrl?: string | null;
  emailVerifiedAt?: string | null;
  /** Provider accounts linked to the user (stub/identities.ts); `hash` is "" for an account without a password. */
  identities?: StubIdentity[];
}
/** A linked provider account (the server's identities row). */
export interface StubIdentity {
  provider: "google" | "github";
  providerUserId: string;
  email: string;
  linkedAt: string;
}
/** A sign-in (the server's sessions row); the refresh cookie's stand-in holds its id. */
export interface StubSession {
  id: string;
  userId: string;
  createdAt: string;
  lastUsedAt: string;
  userAgent: string | null;
  revokedAt: string | null;
}
/** An emailed single-use token, kept by its SHA-256 like the server's email_tokens. */
export interface StubEmailToken {
  userId: string;
  purpose: "verify_email" | "reset_password" | "change_email";
  expiresAt: string;
  usedAt: string | null;
  /** change_email: the address the account moves to, and the session that asked. */
  newEmail?: string;
  sessionId?: string;
}
export type StoredInvoice = Invoice & { userId: string };
/** A pattern as the stub keeps it: `userId` is its author; a team's pattern has its `teamId`. */
export type StoredPattern = Omit<ServerPattern, "teamId" | "authorId"> & {
  userId: string;
  changeSeq: number;
  teamId?: string | null;
};
export interface StoredShare {
  shareId: string;
  patternId: string;
  ownerId: string;
  isPublic: boolean;
  views: number;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}
export type StoredLesson = Omit<Lesson, "published"> & { publishedAt: string | null };
/** `tier` is worked out when shown; `currentPeriodStart` is absent in data an older stub kept. */
export type StoredSubscription = Omit<Subscription, "tier" | "currentPeriodStart"> & {
  currentPeriodStart?: string | null;
  customerId: string;
};

/** The stub's tables. */
export interface StubDb {
  users: Record<string, StubUser>;
  patterns: Record<string, StoredPattern>;
  /** Each user's last change sequence number (the sync cursor). */
  seq: Record<string, number>;
  progress: Record<string, Record<string, Progress>>;
  /** Attempt ids already counted, per user (as the server's progress_attempts). */
  attempts?: Record<string, string[]>;
  shares: Record<string, StoredShare>;
  /** Seeded on first use. */
  lessons: Record<string, StoredLesson> | null;
  subscriptions: Record<string, StoredSubscription>;
  sessions: Record<string, StubSession>;
  /** By token hash. */
  emailTokens: Record<string, StubEmailToken>;
  /** What the server would have emailed, newest first. */
  outbox: StubEmail[];
  invoices: Record<string, StoredInvoice>;
  /** Second factors and passkeys (stub/factors.ts); absent until first used. */
  factors?: StubFactors;
}

const emptyDb = (): StubDb => ({
  users: {},
  patterns: {},
  seq: {},
  progress: {},
  shares: {},
  lessons: null,
  subscriptions: {},
  sessions: {},
  emailTokens: {},
  outbox: [],
  invoices: {},
});

/** Data saved by an older stub lacks the newer tables. */
function withAllTables(db: StubDb): StubDb {
  db.sessions ??= {};
  db.emailTokens ??= {};
  db.outbox ??= [];
  db.invoices ??= {};
  return db;
}

export interface StubOptions {
  admins?: string[];
  shareBaseUrl?: string;
  /** Where emailed links point (the API's APP_URL); default the page origin. */
  appUrl?: string;
}

/** The stub's data, session and settings, handed to each service. */
export interface StubWorld {
  /** Emails that sign up as admins (lowercased). */
  readonly admins: ReadonlySet<string>;
  /** The page's origin (checkout and portal URLs). */
  readonly origin: string;
  /** Where share URLs point. */
  readonly shareBase: string;
  /** Where emailed links point. */
  readonly appUrl: string;
  /** The refresh cookie's stand-in. */
  readonly cookie: JsonStore;
  /** The signed-in session's id: the stub's access token, in memory only. */
  current: string | undefined;
  /** Called when the session turns out to be revoked (the http transport's failed refresh). */
  onLost: (() => void) | undefined;
  /** Reads the data without changing it. */
  read(): Promise<StubDb>;
  /** One read-modify-write of the data, serialized with the others; a throw writes nothing. */
  tx<R>(change: (db: StubDb) => R | Promise<R>): Promise<R>;
  /** The signed-in user (requireAuth), or the 401 problem (a revoked session also ends the client's). */
  viewer(db: StubDb, instance: string): StubUser;
  /** The signed-in user, if any (routes open to everyone); a revoked session is still the 401. */
  maybeViewer(db: StubDb, instance?: string): StubUser | undefined;
  /** The signed-in admin (requireRole("admin")), or the 401/403 problem. */
  admin(db: StubDb, instance: string): StubUser;
}

/**
 * `world` holds the stub's data; `browserStorage` holds its session. They are the same
 * storage unless told otherwise.
 */
export function createStubWorld(
  world: KeyValueStorage,
  browserStorage: KeyValueStorage,
  options: StubOptions = {},
): StubWorld {
  const store = new JsonStore(world, "backline:stub:");
  const origin = browser.location?.origin ?? "http://localhost:8788";
  const self: StubWorld = {
    admins: new Set((options.admins ?? []).map((e) => e.trim().toLowerCase())),
    origin,
    shareBase: options.shareBaseUrl ?? `${origin}/share`,
    appUrl: (options.appUrl ?? origin).replace(/\/$/, ""),
    cookie: new JsonStore(browserStorage, "backline:stub:"),
    current: undefined,
    onLost: undefined,
    read: async () => withAllTables(await store.read("db", emptyDb)),
    tx: (change) => store.update("db", emptyDb, (db) => change(withAllTables(db))),
    viewer(db, instance) {
      const user = self.maybeViewer(db, instance);
      if (!user) throw p.unauthorized(instance);
      return user;
    },
    maybeViewer(db, instance) {
      if (!self.current) return undefined;
      const session = db.sessions[self.current];
      const user = session && !session.revokedAt ? db.users[session.userId] : undefined;
      if (user) return user;
      // Revoked elsewhere (sign out everywhere, a password change or reset, account deletion).
      self.current = undefined;
      self.onLost?.();
      throw p.unauthorized(instance);
    },
    admin(db, instance) {
      const user = self.viewer(db, instance);
      if (user.role !== "admin") throw p.forbidden("This needs the admin role.", instance);
      return user;
    },
  };
  return self;
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A random id of base-62 characters (share ids, Stripe-like ids). */
export function randomBase62(length: number): string {
  return [...crypto.getRandomValues(new Uint8Array(length))].map((b) => BASE62[b % 62]).join("");
}
