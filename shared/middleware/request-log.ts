import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "../env";

/** Requests at least this slow are logged even when `LOG_REQUESTS` is `errors`. */
export const SLOW_REQUEST_MS = 1000;

export interface RequestLogOptions {
  /** Where the line goes; `console.log` (Workers Logs) by default. */
  write?: (line: string) => void;
  /** The slow threshold, ms; SLOW_REQUEST_MS by default. */
  slowMs?: number;
}

/**
 * One structured JSON log line per request: id, method, route, status, duration, user.
 * With `LOG_REQUESTS=errors` (the default against the local stand-ins) only 5xx and slow
 * requests are written; a request that failed before the config was read is always written.
 */
export function requestLog({
  write = console.log,
  slowMs = SLOW_REQUEST_MS,
}: RequestLogOptions = {}): MiddlewareHandler<AppEnv> {
  return async function requestLogMiddleware(c, next) {
    const started = performance.now();
    await next();
    const durationMs = performance.now() - started;
    const status = c.res.status;
    const mode = c.get("config")?.LOG_REQUESTS ?? "all";
    if (mode === "errors" && status < 500 && durationMs < slowMs) return;
    write(
      JSON.stringify({
        level: status >= 500 ? "error" : "info",
        msg: "request",
        requestId: c.get("requestId"),
        method: c.req.method,
        route: routePath(c, -1),
        path: c.req.path,
        status,
        durationMs: Math.round(durationMs * 100) / 100,
        userId: c.get("userId"),
      }),
    );
  };
}
