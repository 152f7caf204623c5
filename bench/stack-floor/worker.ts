/**
 * The stack floor: what the fixed stack itself costs for the round trips Backline's endpoints
 * make. A plain Hono app using hono, drizzle-orm on @neondatabase/serverless (HTTP),
 * @upstash/redis and @upstash/ratelimit the documented way, with nothing of Backline imported:
 * - `GET /stack/health`: one Redis command and `select 1`, concurrently (1 Upstash, 1 Neon);
 * - `GET /stack/me`: a Bearer JWT (hono/jwt, claims cached per token), a sliding-window `limit()`
 *   and a revocation `EXISTS` in one pipelined Upstash round trip, one drizzle select by id
 *   (a statement prepared once per isolate), `c.json`;
 * - `POST /stack/patterns`: the same, plus a JSON body parsed with a zod object and one prepared
 *   `insert … returning`;
 * - `POST /stack/auth/refresh`: a per-IP sliding-window `limit()` (1 Upstash), then one prepared
 *   `update … returning` rotating the session's refresh-token hash (1 Neon), a new access token
 *   signed with hono/jwt;
 * - `POST /stack/webhooks/stripe`: the stripe package's `constructEventAsync` on the raw body, then
 *   one drizzle batch (1 Neon): the event into the ledger, the subscription upserted where the
 *   event is newer, its customer's tier recomputed. No Upstash.
 * Anything Backline costs above this is its own work; this above the floor (bench/floor) is the stack's.
 */
import { neon, neonConfig } from "@neondatabase/serverless";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis/cloudflare";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { drizzle, type NeonHttpDatabase } from "drizzle-orm/neon-http";
import { boolean, integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { type Context, Hono } from "hono";
import { sign, verify } from "hono/jwt";
import Stripe from "stripe";
import { z } from "zod";

interface StackEnv {
  NEON_URL: string;
  DATABASE_URL: string;
  UPSTASH_URL: string;
  UPSTASH_TOKEN: string;
  /** Backline's secret, so the bench's access tokens verify here too. */
  JWT_SECRET: string;
  /** Backline's, so the bench's signed events verify here too. */
  STRIPE_WEBHOOK_SECRET: string;
}

type App = { Bindings: StackEnv };

/** The columns these routes read or write, declared here (not Backline's schema). */
const users = pgTable("users", {
  id: uuid().primaryKey(),
  email: text().notNull(),
  displayName: text().notNull(),
  avatarUrl: text(),
  role: text().notNull(),
  tier: text().notNull(),
  emailVerifiedAt: timestamp({ withTimezone: true }),
  stripeCustomerId: text(),
  createdAt: timestamp({ withTimezone: true }).notNull(),
});

const sessions = pgTable("sessions", {
  id: uuid().primaryKey(),
  userId: uuid().notNull(),
  refreshHash: text().notNull(),
  previousRefreshHash: text(),
  rotatedAt: timestamp({ withTimezone: true }),
  lastUsedAt: timestamp({ withTimezone: true }).notNull(),
  expiresAt: timestamp({ withTimezone: true }).notNull(),
  revokedAt: timestamp({ withTimezone: true }),
});

const stripeEvents = pgTable("stripe_events", {
  id: text().primaryKey(),
  type: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull(),
  processedAt: timestamp({ withTimezone: true }),
  status: text().notNull(),
  payload: jsonb().notNull(),
});

const subscriptions = pgTable("subscriptions", {
  id: text().primaryKey(),
  customerId: text().notNull(),
  status: text().notNull(),
  priceId: text(),
  currentPeriodEnd: timestamp({ withTimezone: true }),
  cancelAtPeriodEnd: boolean().notNull(),
  eventAt: timestamp({ withTimezone: true }).notNull(),
  eventRank: integer().notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull(),
});

const patterns = pgTable("patterns", {
  id: uuid().primaryKey(),
  userId: uuid().notNull(),
  name: text().notNull(),
  tempo: integer().notNull(),
  tracks: jsonb().notNull(),
  mixer: jsonb().notNull(),
  isPublic: boolean().notNull(),
  version: integer().notNull(),
  changeSeq: integer().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull(),
});

const PatternInput = z.object({
  name: z.string().trim().min(1).max(100),
  tempo: z.number().int().min(20).max(300),
  tracks: z
    .array(
      z.object({
        instrument: z.string().min(1).max(40),
        steps: z.array(z.boolean()).max(64),
        volume: z.number().min(0).max(1),
      }),
    )
    .max(16),
  mixer: z.object({ masterVolume: z.number().min(0).max(1).optional() }).default({}),
});

/** A limit the bench never reaches: the limiter's work is measured, never a 429. */
const limiter = Ratelimit.slidingWindow(1_000_000, "60 s");
const ephemeralCache = new Map<string, number>();

/**
 * The database and its statements, built once per isolate (drizzle's prepared statements: the
 * SQL is rendered once); the env arrives with the first request.
 */
function statementsFor(db: NeonHttpDatabase) {
  return {
    findUser: db
      .select({
        id: users.id,
        email: users.email,
        displayName: users.displayName,
        avatarUrl: users.avatarUrl,
        role: users.role,
        tier: users.tier,
        emailVerifiedAt: users.emailVerifiedAt,
        createdAt: users.createdAt,
      })
      .from(users)
      .where(eq(users.id, sql.placeholder("id")))
      .limit(1)
      .prepare("stack_find_user"),
    insertPattern: db
      .insert(patterns)
      .values({
        id: sql.placeholder("id"),
        userId: sql.placeholder("userId"),
        name: sql.placeholder("name"),
        tempo: sql.placeholder("tempo"),
        tracks: sql.placeholder("tracks"),
        mixer: sql.placeholder("mixer"),
        isPublic: false,
        version: 1,
        changeSeq: 0,
        createdAt: sql`now()`,
        updatedAt: sql`now()`,
      })
      .returning()
      .prepare("stack_insert_pattern"),
    /** Swaps a live session's current refresh-token hash for a new one; its user's claims. */
    rotateSession: db
      .update(sessions)
      .set({
        refreshHash: sql`${sql.placeholder("newHash")}`,
        previousRefreshHash: sql`${sessions.refreshHash}`,
        rotatedAt: sql`now()`,
        lastUsedAt: sql`now()`,
      })
      .from(users)
      .where(
        and(
          eq(sessions.id, sql.placeholder("sessionId")),
          eq(sessions.refreshHash, sql.placeholder("presentedHash")),
          isNull(sessions.revokedAt),
          gt(sessions.expiresAt, sql`now()`),
          eq(users.id, sessions.userId),
        ),
      )
      .returning({ userId: users.id, role: users.role, tier: users.tier })
      .prepare("stack_rotate_session"),
  };
}

let db: NeonHttpDatabase | undefined;
let statements: ReturnType<typeof statementsFor> | undefined;

function database(env: StackEnv): NeonHttpDatabase {
  if (!db) {
    neonConfig.fetchEndpoint = env.NEON_URL; // the local Neon stand-in
    db = drizzle({ client: neon(env.DATABASE_URL), casing: "snake_case" });
  }
  return db;
}

function prepared(env: StackEnv): ReturnType<typeof statementsFor> {
  statements ??= statementsFor(database(env));
  return statements;
}

/** One client per request, with the options Backline's clients use (auto-pipelining, no retries). */
function redisFor(env: StackEnv): Redis {
  return new Redis({
    url: env.UPSTASH_URL,
    token: env.UPSTASH_TOKEN,
    enableAutoPipelining: true,
    enableTelemetry: false,
    responseEncoding: false,
    retry: false,
    signal: () => AbortSignal.timeout(1000),
  });
}

let jwtKey: Promise<CryptoKey> | undefined;

function signingKey(secret: string): Promise<CryptoKey> {
  jwtKey ??= crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  return jwtKey;
}

interface Claims {
  sub: string;
  sid: string;
  exp: number;
}

/**
 * Verified claims by token, per isolate: a token's signature is checked once, and its expiry on
 * every use. The least a JWT can cost; Backline verifies every request instead.
 */
const verified = new Map<string, Claims>();

/** The Bearer token's claims, or undefined when it does not verify or has expired. */
async function claimsOf(c: Context<App>): Promise<Claims | undefined> {
  const header = c.req.header("Authorization");
  if (!header?.startsWith("Bearer ")) return undefined;
  const token = header.slice(7);
  const cached = verified.get(token);
  if (cached) return cached.exp > Date.now() / 1000 ? cached : undefined;
  try {
    const claims = (await verify(token, await signingKey(c.env.JWT_SECRET), "HS256")) as unknown as Claims;
    if (verified.size >= 10_000) verified.clear();
    verified.set(token, claims);
    return claims;
  } catch {
    return undefined;
  }
}

/**
 * The rate limit and the session check in one Upstash round trip. The check is an EVAL of
 * EXISTS: the SDK's auto-pipeline sends reads (a plain `exists`) and writes (the limiter's
 * EVALSHA) as two requests, and Backline makes one.
 */
async function admit(redis: Redis, claims: Claims): Promise<"ok" | "revoked" | "limited"> {
  const ratelimit = new Ratelimit({
    redis,
    limiter,
    ephemeralCache,
    prefix: "rl:stack",
    analytics: false,
    timeout: 0,
    // The Redis client sends no telemetry; without this the limiter checks that on every `new Ratelimit`.
    enableTelemetry: false,
  });
  const [revoked, limit] = await Promise.all([
    redis.eval<[], number>("return redis.call('EXISTS', KEYS[1])", [`revoked:sid:${claims.sid}`], []),
    ratelimit.limit(`user:${claims.sub}`),
  ]);
  if (revoked === 1) return "revoked";
  return limit.success ? "ok" : "limited";
}

const app = new Hono<App>();
// Quietly: Hono's default handler logs each error, which crosses the inspector to wrangler.
app.onError((_error, c) => c.json({ error: "internal" }, 500));

app.get("/stack/health", async (c) => {
  const redis = redisFor(c.env);
  await Promise.all([redis.exists("stack:health-probe"), database(c.env).execute(sql`select 1`)]);
  return c.json({ status: "ok" });
});

app.get("/stack/me", async (c) => {
  const claims = await claimsOf(c);
  if (!claims) return c.json({ error: "unauthorized" }, 401);
  const admitted = await admit(redisFor(c.env), claims);
  if (admitted !== "ok") return c.json({ error: admitted }, admitted === "revoked" ? 401 : 429);
  const [user] = await prepared(c.env).findUser.execute({ id: claims.sub });
  if (!user) return c.json({ error: "not found" }, 404);
  return c.json({ user });
});

app.post("/stack/patterns", async (c) => {
  const claims = await claimsOf(c);
  if (!claims) return c.json({ error: "unauthorized" }, 401);
  const body = await c.req.json().catch(() => undefined);
  const input = PatternInput.safeParse(body);
  if (!input.success) return c.json({ error: "invalid", issues: input.error.issues }, 400);
  const admitted = await admit(redisFor(c.env), claims);
  if (admitted !== "ok") return c.json({ error: admitted }, admitted === "revoked" ? 401 : 429);
  const [pattern] = await prepared(c.env).insertPattern.execute({
    id: crypto.randomUUID(),
    userId: claims.sub,
    ...input.data,
  });
  return c.json({ pattern }, 201);
});

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

async function sha256(value: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(value))));
}

/** The auth limiter: per client IP, as Backline's refresh is limited. */
async function admitIp(redis: Redis, ip: string): Promise<boolean> {
  const ratelimit = new Ratelimit({
    redis,
    limiter,
    ephemeralCache,
    prefix: "rl:stack-auth",
    analytics: false,
    timeout: 0,
    enableTelemetry: false,
  });
  return (await ratelimit.limit(`ip:${ip}`)).success;
}

/** Backline's refresh-token shape, `<sessionId>.<secret>`, so the bench's sign-in sessions serve here. */
const REFRESH_TOKEN = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;
const RefreshInput = z.object({ refreshToken: z.string(), returnRefreshToken: z.boolean().optional() });

app.post("/stack/auth/refresh", async (c) => {
  const input = RefreshInput.safeParse(await c.req.json().catch(() => undefined));
  const match = input.success ? REFRESH_TOKEN.exec(input.data.refreshToken) : null;
  if (!match) return c.json({ error: "invalid" }, 400);
  const [, sessionId, secret] = match as unknown as [string, string, string];
  if (!(await admitIp(redisFor(c.env), c.req.header("CF-Connecting-IP") ?? "unknown")))
    return c.json({ error: "limited" }, 429);
  const nextSecret = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const [presentedHash, newHash] = await Promise.all([sha256(secret), sha256(nextSecret)]);
  const [row] = await prepared(c.env).rotateSession.execute({ sessionId, presentedHash, newHash });
  if (!row) return c.json({ error: "invalid refresh token" }, 401);
  const now = Math.floor(Date.now() / 1000);
  const accessToken = await sign(
    { sub: row.userId, sid: sessionId, role: row.role, tier: row.tier, iat: now, exp: now + 900 },
    c.env.JWT_SECRET,
    "HS256",
  );
  return c.json({ accessToken, refreshToken: `${sessionId}.${nextSecret}` });
});

/** Stripe's Web Crypto verifier, made once per isolate. */
const stripeCrypto = Stripe.createSubtleCryptoProvider();

/**
 * A subscription event, as the documented minimum: verified, then the ledger entry and its
 * effects in one batch (a repeated event id changes nothing in the ledger; the upsert keeps the
 * newest state). Other event types are acknowledged untouched.
 */
app.post("/stack/webhooks/stripe", async (c) => {
  const raw = await c.req.text();
  let event: Stripe.Event;
  try {
    event = await Stripe.webhooks.constructEventAsync(
      raw,
      c.req.header("stripe-signature") ?? "",
      c.env.STRIPE_WEBHOOK_SECRET,
      undefined,
      stripeCrypto,
    );
  } catch {
    return c.json({ error: "bad signature" }, 400);
  }
  if (!event.type.startsWith("customer.subscription.")) return c.json({ received: true });
  const sub = event.data.object as Stripe.Subscription;
  const customerId = typeof sub.customer === "string" ? sub.customer : sub.customer.id;
  const item = sub.items.data[0];
  const eventAt = new Date(event.created * 1000);
  const db = database(c.env);
  await db.batch([
    db
      .insert(stripeEvents)
      .values({
        id: event.id,
        type: event.type,
        createdAt: eventAt,
        processedAt: sql`now()`,
        status: "processed",
        payload: event,
      })
      .onConflictDoNothing(),
    db
      .insert(subscriptions)
      .values({
        id: sub.id,
        customerId,
        status: sub.status,
        priceId: item?.price.id ?? null,
        currentPeriodEnd: item?.current_period_end ? new Date(item.current_period_end * 1000) : null,
        cancelAtPeriodEnd: sub.cancel_at_period_end,
        eventAt,
        eventRank: 1,
        updatedAt: sql`now()`,
      })
      .onConflictDoUpdate({
        target: subscriptions.id,
        set: {
          status: sql`excluded.status`,
          priceId: sql`excluded.price_id`,
          currentPeriodEnd: sql`excluded.current_period_end`,
          cancelAtPeriodEnd: sql`excluded.cancel_at_period_end`,
          eventAt: sql`excluded.event_at`,
          updatedAt: sql`now()`,
        },
        setWhere: sql`${subscriptions.eventAt} <= excluded.event_at`,
      }),
    db
      .update(users)
      .set({
        tier: sql`case when exists (select 1 from subscriptions s where s.customer_id = ${customerId}
          and s.status in ('active', 'trialing', 'past_due')) then 'premium' else 'free' end`,
      })
      .where(eq(users.stripeCustomerId, customerId)),
  ]);
  return c.json({ received: true });
});

export default app;
