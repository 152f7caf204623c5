import type { MiddlewareHandler } from "hono";
import { principalOf } from "../client-ip";
import { sha256 } from "../crypto";
import { describeError } from "../db-errors";
import type { AppEnv } from "../env";
import { dependencyUnavailable, PROBLEM_BASE, problems, validationError } from "../errors";

export interface IdempotencyOptions {
  /** How long a completed response is kept for replay; 24 h by default (published in the docs). */
  retentionSeconds?: number;
  /** How long the in-flight lock lives if the worker dies mid-request. */
  lockMs?: number;
  /** Refuse requests without a key (400): for routes that move money. */
  required?: boolean;
}

/** Response header marking a replayed response. */
export const REPLAYED_HEADER = "Idempotent-Replayed";

const KEY_PATTERN = /^[A-Za-z0-9_\-:.]{1,255}$/;
const KEPT_HEADERS = ["content-type", "location", "etag", "cache-control"];

type Entry =
  | { state: "in-flight"; fingerprint: string }
  | { state: "done"; fingerprint: string; status: number; headers: Record<string, string>; body: string };

function fingerprintOf(method: string, path: string, body: string): Promise<string> {
  return sha256(`${method}\n${path}\n${body}`);
}

/**
 * Idempotency-Key support (draft-ietf-httpapi-idempotency-key-header, Stripe's semantics)
 * for the unsafe routes it is attached to. Keys are stored per principal with a
 * fingerprint of method, path and body: the first request takes an in-flight lock,
 * a retry while it runs gets 409, a retry with another fingerprint gets 422, and a retry
 * after completion replays the saved response. 5xx and validation failures are not saved.
 */
export function idempotency({
  retentionSeconds = 24 * 60 * 60,
  lockMs = 60_000,
  required = false,
}: IdempotencyOptions = {}): MiddlewareHandler<AppEnv> {
  return async function idempotencyMiddleware(c, next) {
    const key = c.req.header("Idempotency-Key");
    if (!["POST", "PATCH"].includes(c.req.method)) return next();
    if (key === undefined) {
      if (!required) return next();
      throw validationError([
        { path: "Idempotency-Key", message: "is required: a retry with the same key is then safe" },
      ]);
    }
    if (!KEY_PATTERN.test(key)) {
      throw validationError([
        {
          path: "Idempotency-Key",
          message: "must be 1-255 characters of letters, digits, '_', '-', ':' or '.'",
        },
      ]);
    }
    const redis = c.get("redis");
    const fingerprint = await fingerprintOf(c.req.method, c.req.path, await c.req.text());
    const storeKey = `idem:${principalOf(c)}:${key}`;
    let previous: Entry | null;
    try {
      // One round trip both claims the key and reads what was there.
      const old = await redis.set<Entry>(
        storeKey,
        { state: "in-flight", fingerprint },
        { nx: true, px: lockMs, get: true },
      );
      previous = old === "OK" ? null : old;
    } catch (cause) {
      // Without the key store a retry could run twice: refuse rather than risk a double payment.
      throw dependencyUnavailable("Idempotency keys are unavailable; try again shortly.", cause);
    }
    if (previous) {
      if (previous.fingerprint !== fingerprint) {
        throw problems.unprocessable({
          detail: "This Idempotency-Key was used with a different request (method, path or body).",
        });
      }
      if (previous.state === "in-flight") {
        throw problems.conflict({
          detail: "A request with this Idempotency-Key is still being processed.",
          headers: { "Retry-After": "1" },
        });
      }
      const headers = new Headers(previous.headers);
      headers.set(REPLAYED_HEADER, "true");
      return new Response(previous.body, { status: previous.status, headers });
    }

    await next();

    const res = c.res;
    const failedValidation = res.status === 400 && (await isValidationProblem(res));
    if (res.status >= 500 || failedValidation) {
      await redis.del(storeKey).catch(() => undefined);
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const value = res.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    const entry: Entry = {
      state: "done",
      fingerprint,
      status: res.status,
      headers,
      body: await res.clone().text(),
    };
    await redis.set(storeKey, entry, { ex: retentionSeconds }).catch((cause) => {
      console.warn(
        JSON.stringify({
          level: "warn",
          msg: "idempotency save failed",
          requestId: c.get("requestId"),
          ...describeError(cause),
        }),
      );
    });
  };
}

async function isValidationProblem(res: Response): Promise<boolean> {
  try {
    const body = (await res.clone().json()) as { type?: string };
    return body.type === `${PROBLEM_BASE}validation`;
  } catch {
    return false;
  }
}
