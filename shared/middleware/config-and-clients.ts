import type { MiddlewareHandler } from "hono";
import { createDb, createRedis } from "../clients";
import { loadConfig } from "../config";
import type { AppEnv } from "../env";

/**
 * Refuses the request with a 500 problem naming the binding at fault when the
 * configuration is invalid (checked once per isolate), then builds this request's
 * Postgres and Redis clients from the bindings. Creating them does no I/O.
 */
export function configAndClients(): MiddlewareHandler<AppEnv> {
  return async function configAndClientsMiddleware(c, next) {
    const config = loadConfig(c.env);
    const trace = config.local && c.req.header("x-request-id") ? c.get("requestId") : undefined;
    c.set("traceId", trace);
    c.set("config", config);
    c.set("db", createDb(config, trace));
    c.set("redis", createRedis(config, trace));
    await next();
  };
}
