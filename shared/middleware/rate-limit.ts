import { Ratelimit } from "@upstash/ratelimit";
import type { Context, MiddlewareHandler } from "hono";
import { principalOf } from "../client-ip";
import type { AppEnv } from "../env";
import { problems } from "../errors";

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
}

const UNIT_SECONDS: Record<Unit, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

function windowSeconds(window: Window): number {
  const [amount, unit] = window.split(" ") as [string, Unit];
  return Number(amount) * UNIT_SECONDS[unit];
}

/** One ephemeral cache per policy and isolate: callers already blocked are refused without a Redis call. */
const ephemeralCaches = new Map<string, Map<string, number>>();

function cacheFor(name: string): Map<string, number> {
  let cache = ephemeralCaches.get(name);
  if (!cache) {
    cache = new Map();
    ephemeralCaches.set(name, cache);
  }
  return cache;
}

/**
 * Sliding-window rate limit on Upstash with the draft-ietf-httpapi-ratelimit-headers
 * fields and the common X-RateLimit-* ones; 429 problem with Retry-After when exceeded.
 */
export function rateLimit(policy: RateLimitPolicy): MiddlewareHandler<AppEnv> {
  const seconds = windowSeconds(policy.window);
  const policyHeader = `"${policy.name}";q=${policy.limit};w=${Math.ceil(seconds)}`;
  return async function rateLimitMiddleware(c, next) {
    const limiter = new Ratelimit({
      redis: c.get("redis"),
      limiter: Ratelimit.slidingWindow(policy.limit, policy.window),
      prefix: `rl:${policy.name}`,
      ephemeralCache: cacheFor(policy.name),
      // The Redis client aborts after its own short timeout; the limiter must not hide that as a pass.
      timeout: 0,
      analytics: false,
    });
    const key = policy.key?.(c) ?? principalOf(c);
    let result: Awaited<ReturnType<Ratelimit["limit"]>>;
    try {
      result = await limiter.limit(key);
    } catch (cause) {
      console.warn(
        JSON.stringify({
          level: "warn",
          msg: "rate limiter unavailable",
          policy: policy.name,
          requestId: c.get("requestId"),
          error: String(cause),
        }),
      );
      if (policy.failMode === "closed") {
        throw problems.unavailable({
          detail: "Rate limiting is unavailable; try again shortly.",
          headers: { "Retry-After": "5" },
          cause,
        });
      }
      return next();
    }
    const resetSeconds = Math.max(0, Math.ceil((result.reset - Date.now()) / 1000));
    const headers: Record<string, string> = {
      "RateLimit-Policy": policyHeader,
      RateLimit: `"${policy.name}";r=${result.remaining};t=${resetSeconds}`,
      "X-RateLimit-Limit": String(result.limit),
      "X-RateLimit-Remaining": String(result.remaining),
      "X-RateLimit-Reset": String(Math.ceil(result.reset / 1000)),
    };
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    if (!result.success) {
      throw problems.rateLimited({
        detail: `The "${policy.name}" limit of ${policy.limit} requests per ${policy.window} is used up. Retry in ${Math.max(1, resetSeconds)} s.`,
        headers: { ...headers, "Retry-After": String(Math.max(1, resetSeconds)) },
      });
    }
    await next();
  };
}
