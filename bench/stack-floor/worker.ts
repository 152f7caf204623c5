/**
 * The stack floor: what the fixed stack itself costs for the round trips Backline's endpoints
 * make. A plain Hono app using hono, drizzle-orm on @neondatabase/serverless (HTTP),
 * @upstash/redis and @upstash/ratelimit the documented way, with nothing of Backline imported:
 * - `GET /stack/health`: one Redis command and `select 1`, concurrently (1 Upstash, 1 Neon);
 * - `GET /stack/me`: a Bearer JWT (hono/jwt, claims cached per token), a sliding-window `limit()`
 *   and a revocation `EXISTS` in one pipelined Upstash round trip, one drizzle select by id
 *   (a statement prepared once per isolate), `c.json`;
 * - `POST /stack/patterns`: the same, plus a JSON body parsed with a zod object and one prepared
 *   `insert … returning`.
 * Anything Backline costs above this is its own work; this above the floor (bench/floor) is the stack's.
 */
import { neon, neonConfig } from "@neondatabase/serverless";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis/cloudflare";
import { eq, sql } from "drizzle-orm";
import { drizzle, type NeonHttpDatabase } from "drizzle-orm/neon-http";
import { boolean, integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { type Context, Hono } from "hono";
import { verify } from "hono/jwt";
import { z } from "zod";

interface StackEnv {
  NEON_URL: string;
  DATABASE_URL: string;
  UPSTASH_URL: string;
  UPSTASH_TOKEN: string;
  /** Backline's secret, so the bench's access tokens verify here too. */
  JWT_SECRET: string;
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
  createdAt: timestamp({ withTimezone: true }).notNull(),
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

export default app;
