import type { Redis } from "@upstash/redis/cloudflare";
import type { Database } from "../../db/database";
import { recentlyRevokedSessionIds } from "../../db/queries/sessions";
import { describeError } from "../db-errors";
import { ACCESS_TOKEN_TTL_SECONDS } from "./access-token";

/** The pending Redis check that a session is not revoked, started by authenticate() and awaited by requireAuth(). */
export type RevocationCheck = Promise<{ ok: true; revoked: boolean } | { ok: false; error: unknown }>;

/** Redis key marking a session whose access tokens must be refused before they expire. */
export function revokedKey(sessionId: string): string {
  return `revoked:sid:${sessionId}`;
}

// EVAL is a "write" to the SDK's auto-pipeline, so this check travels in the same
// HTTP request as the rate limiter's EVALSHA instead of a separate read pipeline.
const IS_REVOKED = "return redis.call('EXISTS', KEYS[1])";

/** The log line of a request whose session Redis could not check, so the database checks it. */
export function warnRevocationUnavailable(requestId: string | undefined, cause: unknown): void {
  console.warn(
    JSON.stringify({
      level: "warn",
      msg: "session revocation check unavailable; asserting the session in the database",
      requestId,
      ...describeError(cause),
    }),
  );
}

/** Whether a session was revoked (sign-out, password change, admin action). */
export async function isSessionRevoked(redis: Redis, sessionId: string): Promise<boolean> {
  return (await redis.eval<[], number>(IS_REVOKED, [revokedKey(sessionId)], [])) === 1;
}

/**
 * Marks sessions revoked for as long as their access tokens could live; one pipelined
 * round trip however many sessions. Best effort: the database revocation, already committed
 * by the caller, is what counts, and while Redis is down every signed-in request asserts its
 * session in the database instead (shared/middleware/auth.ts). A failure is logged, never thrown.
 */
export async function markSessionsRevoked(
  redis: Redis,
  sessionIds: string[],
  requestId?: string,
): Promise<void> {
  if (sessionIds.length === 0) return;
  const pipeline = redis.pipeline();
  for (const id of sessionIds) pipeline.set(revokedKey(id), 1, { ex: ACCESS_TOKEN_TTL_SECONDS + 60 });
  try {
    await pipeline.exec();
  } catch (error) {
    console.warn(
      JSON.stringify({
        level: "warn",
        msg: "revocation mark not saved in Redis",
        requestId,
        sessions: sessionIds.length,
        ...describeError(error),
      }),
    );
  }
}

/**
 * Marks again every session revoked within an access token's lifetime. A revocation made while
 * Redis was down left no mark, so once Redis is back its access tokens would pass until they
 * expire; run from the scheduled handler, this closes that window to one cron interval.
 */
export async function remarkRecentRevocations(db: Database, redis: Redis): Promise<void> {
  const ids = await recentlyRevokedSessionIds(db, ACCESS_TOKEN_TTL_SECONDS + 60);
  await markSessionsRevoked(redis, ids);
}
