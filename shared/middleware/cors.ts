import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv, Bindings } from "../env";

const ALLOWED_HEADERS = [
  "Content-Type",
  "Authorization",
  "Idempotency-Key",
  "If-Match",
  "If-None-Match",
  "X-Request-Id",
];
const EXPOSED_HEADERS = [
  "X-Request-Id",
  "ETag",
  "Location",
  "Retry-After",
  "RateLimit",
  "RateLimit-Policy",
  "X-RateLimit-Limit",
  "X-RateLimit-Remaining",
  "X-RateLimit-Reset",
  "Idempotent-Replayed",
];

type Allowlist = { origins: Set<string>; handler: MiddlewareHandler };
const allowlists = new WeakMap<Bindings, Allowlist>();

function allowlistFor(env: Bindings): Allowlist {
  let allowlist = allowlists.get(env);
  if (!allowlist) {
    const origins = new Set(
      (env.ALLOWED_ORIGINS ?? "")
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean),
    );
    const handler = cors({
      origin: (origin) => (origins.has(origin) ? origin : null),
      credentials: true,
      allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      allowHeaders: ALLOWED_HEADERS,
      exposeHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    });
    allowlist = { origins, handler };
    allowlists.set(env, allowlist);
  }
  return allowlist;
}

/**
 * CORS for the origins listed in `ALLOWED_ORIGINS`, with credentials (the refresh
 * cookie). Other origins get no CORS headers at all, so browsers block them.
 */
export function corsFromAllowlist(): MiddlewareHandler<AppEnv> {
  return async function corsMiddleware(c, next) {
    const { origins, handler } = allowlistFor(c.env);
    const origin = c.req.header("Origin");
    if (origin !== undefined && origins.has(origin)) return handler(c, next);
    c.header("Vary", "Origin", { append: true });
    await next();
  };
}
