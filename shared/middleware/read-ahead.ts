import type { Context, Next } from "hono";
import { assertSessionLive } from "../../db/queries/sessions";
import { authProblems } from "../auth/problems";
import { warnRevocationUnavailable } from "../auth/revocation";
import { createGatedDb } from "../clients";
import type { AppEnv, Database } from "../env";

/**
 * Read-ahead for GETs: the route's reads leave at once, beside the Upstash round trip that
 * carries the rate limiter and the session revocation check, instead of after it. A request
 * then waits for the slower of its two round trips, not for both in turn.
 *
 * What the route reads reaches it only through the gate: the request's database handle holds
 * every result until the checks have passed, and rejects with their error (429, 401, 503)
 * otherwise, ahead of any error of its own. A request over its limit or with a revoked session
 * gets the same answer as without read-ahead, and nothing of what was read.
 *
 * The trade: such a request has cost one database read. A caller this isolate has already
 * refused is not read ahead for until its window resets (shared/middleware/rate-limit.ts), so
 * a flood costs the database one read per isolate and window, not one per request.
 */
export async function readAhead(c: Context<AppEnv>, next: Next, limitChecked: Promise<void>): Promise<void> {
  const db = c.get("db");
  const gate = checksPassed(c, db, limitChecked);
  // Observed now so a refusal before the route reads is not unhandled; surfaced below.
  gate.catch(() => {});
  c.set("readAhead", true);
  c.set("db", createGatedDb(db, gate));
  await next();
  const refusal = await gate.then(
    () => undefined,
    (error: unknown) => error,
  );
  // A route that read has already answered with the refusal (Drizzle wraps it as the cause of
  // its query error). One that did not (it failed validation, or answered from memory) must not
  // answer instead of it.
  if (refusal !== undefined && c.error !== refusal && c.error?.cause !== refusal) throw refusal;
}

/** The checks the route's reads wait for, in the order a request without read-ahead meets them. */
async function checksPassed(c: Context<AppEnv>, db: Database, limitChecked: Promise<void>): Promise<void> {
  await limitChecked;
  const auth = c.get("auth");
  const revocation = c.get("revocation");
  if (!auth || !revocation) return;
  const result = await revocation;
  if (result.ok) {
    if (result.revoked) throw authProblems.invalidAccessToken();
    return;
  }
  // Redis could not say: the database can, in a round trip of its own (outages only).
  warnRevocationUnavailable(c.get("requestId"), result.error);
  await assertSessionLive(db, auth.sid, auth.sub);
}
