import { OpenAPIHono } from "@hono/zod-openapi";
import { DrizzleQueryError } from "drizzle-orm";
import type { Context, Env, Hono, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { Schema } from "hono/types";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ZodError } from "zod";
import { authProblems } from "./auth/problems";
import { describeError, isDatabaseUnavailable, isSessionNotLive } from "./db-errors";
import type { AppEnv } from "./env";
import { ApiError, dependencyUnavailable, problems, RETRY_AFTER_SECONDS, validationError } from "./errors";
import { configAndClients } from "./middleware/config-and-clients";
import { corsFromAllowlist } from "./middleware/cors";
import { requestLog } from "./middleware/request-log";
import { fieldErrors } from "./schemas/field-errors";

/** Turns zod issues into the `errors: [{path, message}]` of a 400 problem. */
export function fromZodError(error: ZodError, where?: string): ApiError {
  return validationError(fieldErrors(error.issues, where));
}

/** A sub-app for one endpoint group: OpenAPI routes whose validation failures are 400 problems. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success)
        throw fromZodError(result.error, result.target === "json" ? undefined : result.target);
    },
  });
}

/**
 * A sub-router as the plain `Hono` that `.route()` takes. Passing an `OpenAPIHono` itself makes
 * TypeScript compare the two classes member by member (18 s of the admin group's check); this
 * compares them once, here, and `.route()` then matches type arguments. Routes, their OpenAPI
 * registrations and the schema type are unchanged.
 */
export function mounted<E extends Env, S extends Schema, B extends string>(
  router: OpenAPIHono<E, S, B>,
): Hono<E, S, B> {
  return router;
}

/**
 * Renders any error as RFC 9457 problem+json. A database that is down or too slow is a 503 with
 * Retry-After; a session found over by the database is the 401 of an invalid token; anything
 * else unknown is a bare 500. Every 5xx goes to the log with its class and SQLSTATE only.
 */
export function renderError(err: unknown, c: Context<AppEnv>): Response {
  const problem = toApiError(err);
  if (problem.status >= 500) logServerError(c, problem, err);
  return problemResponse(c, problem);
}

/** One log line per 5xx: never the message of a driver error, which quotes SQL and parameters. */
function logServerError(c: Context<AppEnv>, problem: ApiError, err: unknown): void {
  // A 503 is an outage the client is told to retry; any other 5xx is a bug to look at.
  const bug = problem.status !== 503;
  const cause = err instanceof ApiError ? err.cause : err;
  const line = JSON.stringify({
    level: bug ? "error" : "warn",
    msg: problem.type.endsWith("/internal") ? "unhandled error" : problem.title,
    requestId: c.get("requestId"),
    method: c.req.method,
    path: c.req.path,
    status: problem.status,
    ...(cause !== undefined && describeError(cause)),
  });
  if (bug) console.error(line);
  else console.warn(line);
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  // A refusal raised inside a query (read-ahead's gate: 401, 429, 503) arrives wrapped by Drizzle.
  if (err instanceof DrizzleQueryError && err.cause instanceof ApiError) return err.cause;
  if (err instanceof HTTPException) {
    if (err.status === 400) return validationError([{ path: "(body)", message: err.message }], err.message);
    if (err.status === 413) return problems.payloadTooLarge();
    if (err.status === 401) return problems.unauthorized();
    return new ApiError(`http-${err.status}`, { status: err.status, title: err.message || "Request failed" });
  }
  if (isDatabaseUnavailable(err)) {
    return dependencyUnavailable("The database is not answering right now; try again shortly.", err);
  }
  if (isSessionNotLive(err)) return authProblems.invalidAccessToken();
  return problems.internal({
    detail: "Something went wrong on our side. Quote the request id if you report it.",
  });
}

/** Writes a problem+json response for the current request. */
export function problemResponse(c: Context<AppEnv>, problem: ApiError): Response {
  const body = {
    type: problem.type,
    title: problem.title,
    status: problem.status,
    ...(problem.detail !== undefined && { detail: problem.detail }),
    instance: c.req.path,
    requestId: c.get("requestId"),
    ...problem.extensions,
  };
  // Through the context, so headers set earlier (request id, CORS, rate limit) are kept.
  return c.body(JSON.stringify(body), problem.status as ContentfulStatusCode, {
    ...(problem.status === 503 && { "Retry-After": String(RETRY_AFTER_SECONDS) }),
    ...problem.headers,
    "Content-Type": "application/problem+json",
    "Cache-Control": "no-store",
  });
}

const bodyLimits = new Map<number, MiddlewareHandler>();

/** Hono's body limit for one size, built once per isolate; too large a body is a 413 problem. */
function bodyLimitFor(maxSize: number): MiddlewareHandler {
  let handler = bodyLimits.get(maxSize);
  if (!handler) {
    handler = bodyLimit({
      maxSize,
      onError: () => {
        throw problems.payloadTooLarge(`The body may be at most ${maxSize} bytes.`);
      },
    });
    bodyLimits.set(maxSize, handler);
  }
  return handler;
}

/**
 * The root app: request id, log line, CORS, secure headers, config check, body
 * limit and per-request clients, in that order, with one error path for all groups.
 */
export function createApp() {
  const app = createRouter();
  app.use(requestId({ limitLength: 128 }));
  app.use(async function normalizeThrown(_c, next) {
    // Hono hands only Error instances to onError; anything else thrown would escape as a bare 500.
    try {
      await next();
    } catch (thrown) {
      throw thrown instanceof Error ? thrown : new Error(`non-Error thrown: ${String(thrown)}`);
    }
  });
  app.use(requestLog());
  app.use(corsFromAllowlist());
  app.use(secureHeaders({ crossOriginResourcePolicy: "cross-origin" }));
  app.use(configAndClients());
  app.use(async function bodyLimitMiddleware(c, next) {
    return bodyLimitFor(c.get("config").MAX_BODY_BYTES)(c, next);
  });
  app.onError(renderError);
  app.notFound((c) => problemResponse(c, problems.notFound(`No route for ${c.req.method} ${c.req.path}`)));
  return app;
}
