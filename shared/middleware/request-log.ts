import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "../env";

export interface RequestLogOptions {
  /** Where the line goes; `console.log` (Workers Logs) by default. */
  write?: (line: string) => void;
}

/** One structured JSON log line per request: id, method, route, status, duration, user. */
export function requestLog({ write = console.log }: RequestLogOptions = {}): MiddlewareHandler<AppEnv> {
  return async function requestLogMiddleware(c, next) {
    const started = performance.now();
    await next();
    write(
      JSON.stringify({
        level: c.res.status >= 500 ? "error" : "info",
        msg: "request",
        requestId: c.get("requestId"),
        method: c.req.method,
        route: routePath(c, -1),
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        userId: c.get("userId"),
      }),
    );
  };
}
