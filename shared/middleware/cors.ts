import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { allowedOrigins } from "../config";
import type { AppEnv } from "../env";

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

const handlers = new WeakMap<readonly string[], MiddlewareHandler>();

/** Hono's CORS handler for one allowlist, built once per isolate. */
function corsHandler(origins: readonly string[]): MiddlewareHandler {
  let handler = handlers.get(origins);
  if (!handler) {
    handler = cors({
      origin: (origin) => (origins.includes(origin) ? origin : null),
      credentials: true,
      allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      allowHeaders: ALLOWED_HEADERS,
      exposeHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    });
    handlers.set(origins, handler);
  }
  return handler;
}

/**
 * CORS for the origins listed in `ALLOWED_ORIGINS` (as the config parsed them), with credentials (the refresh
 * cookie). Other origins get no CORS headers at all, so browsers block them.
 */
export function corsFromAllowlist(): MiddlewareHandler<AppEnv> {
  return async function corsMiddleware(c, next) {
    const origins = allowedOrigins(c.env);
    const origin = c.req.header("Origin");
    if (origin !== undefined && origins.includes(origin)) return corsHandler(origins)(c, next);
    c.header("Vary", "Origin", { append: true });
    await next();
  };
}
