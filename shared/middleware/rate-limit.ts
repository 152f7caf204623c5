import { Ratelimit } from "@upstash/ratelimit";
import type { Context, MiddlewareHandler } from "hono";
import { rateLimitPrincipalOf } from "../client-ip";
import type { Config } from "../config";
import { describeError } from "../db-errors";
import type { AppEnv } from "../env";
import { problems } from "../errors";
import { readAhead } from "./read-ahead";

type Unit = "ms" | "s" | "m" | "h" | "d";
export type Window = `${number} ${Unit}`;

export interface RateLimitPolicy {
  /** Stable name, shown in `RateLimit-Policy` and used in the Redis key. */
  name: string;
  /** Requests allowed per window. */
  limit: number;
  /** Sliding window length, e.g. `"1 m"`. */
  window: Window;
  /**
   * What to do when Redis cannot be reached in time: `closed` answers 503
   * (authentication, payments), `open` lets the request through (reads).
   */
  failMode: "open" | "closed";
  /** What the limit counts per; the signed-in user, else the client IP, by default. */
  key?: (c: Context<AppEnv>) => string;
  /** Requests this policy leaves to a route-specific limit (e.g. sign-in's failure throttle). */
  skip?: (c: Context<AppEnv>) => boolean;
}

/**
 * Limiter calls of this isolate still waiting for their answer. Password hashing (synchronous,
 * ~0.2 s) waits for none to be pending (shared/auth/hash-gate.ts): a hash started while a
 * call is in flight would hold the isolate past that call's Redis timeout and turn it into a 503.
 */
let redisCallsInFlight = 0;

/** Counts a Redis call as in flight until it settles. */
export function trackRedisCall<T>(call: Promise<T>): Promise<T> {
  redisCallsInFlight++;
  return call.finally(() => {
    redisCallsInFlight--;
  });
}

/** How many tracked Redis calls of this isolate are waiting for their answer. */
export function pendingRedisCalls(): number {
  return redisCallsInFlight;
}

const UNIT_SECONDS: Record<Unit, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** A window's length in seconds. */
export function windowSeconds(window: Window): number {
  const [amount, unit] = window.split(" ") as [string, Unit];
  return Number(amount) * UNIT_SECONDS[unit];
}

/** One ephemeral cache per policy name and isolate: callers already blocked are refused without a Redis call. */
const ephemeralCaches = new Map<string, Map<string, number>>();

/** Sliding-window algorithms by limit and window, built once per isolate. */
const algorithms = new Map<string, ReturnType<typeof Ratelimit.slidingWindow>>();

/** What a policy's limiter needs besides a Redis client: the isolate's algorithm and ephemeral cache. */
function partsFor(policy: RateLimitPolicy) {
  let ephemeralCache = ephemeralCaches.get(policy.name);
  if (!ephemeralCache) {
    ephemeralCache = new Map();
    ephemeralCaches.set(policy.name, ephemeralCache);
  }
  const shape = `${policy.limit}/${policy.window}`;
  let limiter = algorithms.get(shape);
  if (!limiter) {
    limiter = Ratelimit.slidingWindow(policy.limit, policy.window);
    algorithms.set(shape, limiter);
  }
  return { limiter, ephemeralCache };
}

/**
 * A sliding-window limiter for a policy on this request's Redis client. The Ratelimit object
 * holds that client, so it is made per request (an auto-pipelining client must not serve two
 * requests, style.md); the rest is the policy's, made once.
 */
export function limiterFor<E extends AppEnv>(c: Context<E>, policy: RateLimitPolicy): Ratelimit {
  return new Ratelimit({
    redis: c.get("redis"),
    ...partsFor(policy),
    prefix: `rl:${policy.name}`,
    // The Redis client aborts after its own short timeout; the limiter must not hide that as a pass.
    timeout: 0,
    analytics: false,
    // The Redis client already sends no telemetry; this skips the limiter's per-client check of it.
    enableTelemetry: false,
  });
}

type LimitState = { limit: number; remaining: number; reset: number };

/** The draft-standard and X-RateLimit-* headers for a policy's current state. */
export function rateLimitHeaders(policy: RateLimitPolicy, state: LimitState): Record<string, string> {
  const resetSeconds = Math.max(0, Math.ceil((state.reset - Date.now()) / 1000));
  return {
    "RateLimit-Policy": `"${policy.name}";q=${policy.limit};w=${Math.ceil(windowSeconds(policy.window))}`,
    RateLimit: `"${policy.name}";r=${state.remaining};t=${resetSeconds}`,
    "X-RateLimit-Limit": String(state.limit),
    "X-RateLimit-Remaining": String(state.remaining),
    "X-RateLimit-Reset": String(Math.ceil(state.reset / 1000)),
  };
}

/** The 429 problem for a used-up policy, with its headers and Retry-After. */
export function rateLimitedError(policy: RateLimitPolicy, state: LimitState) {
  const retryAfter = Math.max(1, Math.ceil((state.reset - Date.now()) / 1000));
  return problems.rateLimited({
    detail: `The "${policy.name}" limit of ${policy.limit} requests per ${policy.window} is used up. Retry in ${retryAfter} s.`,
    headers: { ...rateLimitHeaders(policy, state), "Retry-After": String(retryAfter) },
  });
}

/** What a policy does when Redis cannot be reached in time. */
export function limiterUnavailable<E extends AppEnv>(
  c: Context<E>,
  policy: RateLimitPolicy,
  cause: unknown,
): void {
  console.warn(
    JSON.stringify({
      level: "warn",
      msg: "rate limiter unavailable",
      policy: policy.name,
      requestId: c.get("requestId"),
      ...describeError(cause),
    }),
  );
  if (policy.failMode === "closed") {
    throw problems.unavailable({
      detail: "Rate limiting is unavailable; try again shortly.",
      headers: { "Retry-After": "5" },
      cause,
    });
  }
}

/**
 * Callers this isolate refused, per policy, until their window resets: they are not read ahead
 * for (shared/middleware/read-ahead.ts), so a refused flood does not reach the database.
 */
const refusedUntil = new Map<string, number>();
const REFUSED_KEPT = 10_000;

function refusalKey(policy: RateLimitPolicy, key: string): string {
  return `${policy.name}:${key}`;
}

function rememberRefusal(policy: RateLimitPolicy, key: string, reset: number): void {
  if (refusedUntil.size >= REFUSED_KEPT) refusedUntil.clear();
  refusedUntil.set(refusalKey(policy, key), reset);
}

function recentlyRefused(policy: RateLimitPolicy, key: string): boolean {
  const until = refusedUntil.get(refusalKey(policy, key));
  if (until === undefined) return false;
  if (until > Date.now()) return true;
  refusedUntil.delete(refusalKey(policy, key));
  return false;
}

/**
 * Whether this isolate's last limiter call on a config's Redis was answered. Read-ahead waits
 * for Redis to have answered once, and stops while it does not: a request that cannot learn
 * from Redis whether its session was revoked must assert it in the database with its first
 * statement, in one round trip (shared/middleware/auth.ts), which a read already sent cannot.
 */
const redisAnswering = new WeakMap<Config, boolean>();

/**
 * Whether a request may read ahead: a GET or HEAD, not by an API key (resolved after the
 * limiter), while Redis answers, and not by a caller lately refused.
 */
function mayReadAhead(c: Context<AppEnv>, policy: RateLimitPolicy, key: string): boolean {
  const method = c.req.method;
  return (
    (method === "GET" || method === "HEAD") &&
    !c.get("apiKey") &&
    redisAnswering.get(c.get("config")) === true &&
    !recentlyRefused(policy, key)
  );
}

/** Waits for the limiter's answer: sets its headers, or throws the 429 (or the 503 of a closed policy without Redis). */
async function checkLimit(
  c: Context<AppEnv>,
  policy: RateLimitPolicy,
  key: string,
  answer: ReturnType<Ratelimit["limit"]>,
): Promise<void> {
  let result: Awaited<typeof answer>;
  try {
    result = await answer;
  } catch (cause) {
    redisAnswering.set(c.get("config"), false);
    limiterUnavailable(c, policy, cause);
    return;
  }
  // An answer from the ephemeral cache (a caller already refused) says nothing about Redis.
  if (result.reason !== "cacheBlock") redisAnswering.set(c.get("config"), true);
  for (const [name, value] of Object.entries(rateLimitHeaders(policy, result))) c.header(name, value);
  if (!result.success) {
    rememberRefusal(policy, key, result.reset);
    throw rateLimitedError(policy, result);
  }
}

export interface RateLimitOptions {
  /** Let GETs read while the limiter answers (shared/middleware/read-ahead.ts); for groups whose GETs only read. */
  readAhead?: boolean;
}

/**
 * Sliding-window rate limit on Upstash with the draft-ietf-httpapi-ratelimit-headers
 * fields and the common X-RateLimit-* ones; 429 problem with Retry-After when exceeded.
 */
export function rateLimit(
  policy: RateLimitPolicy,
  options: RateLimitOptions = {},
): MiddlewareHandler<AppEnv> {
  return async function rateLimitMiddleware(c, next) {
    if (policy.skip?.(c)) return next();
    const key = policy.key?.(c) ?? rateLimitPrincipalOf(c);
    const answer = trackRedisCall(limiterFor(c, policy).limit(key));
    if (options.readAhead && mayReadAhead(c, policy, key)) {
      return readAhead(c, next, checkLimit(c, policy, key, answer));
    }
    await checkLimit(c, policy, key, answer);
    await next();
  };
}
