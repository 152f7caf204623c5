import { DrizzleQueryError } from "drizzle-orm";

/** Postgres SQLSTATE codes the API maps to problems. */
export const UNIQUE_VIOLATION = "23505";
/** Raised by assert_live_session() (migration 0007) when the access token's session is over. */
export const SESSION_NOT_LIVE = "BL401";

/**
 * SQLSTATEs that say the database cannot serve right now, not that the query is wrong:
 * connection exceptions (08), insufficient resources (53), operator intervention such as a
 * shutdown or a restart (57P01-57P05) and a statement cancelled by its timeout (57014).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|53...|57P0[1-5]|57014)$/;

type PgError = { code?: string; constraint?: string; cause?: unknown };

/** The Postgres error behind a driver error (Drizzle wraps it in `cause`), if there is one. */
function pgErrorOf(error: unknown): PgError | undefined {
  for (let e = error as PgError | undefined, depth = 0; e && depth < 3; e = e.cause as PgError, depth++) {
    if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return e;
  }
  return undefined;
}

/** The SQLSTATE of a driver error, if it is a Postgres error. */
export function sqlStateOf(error: unknown): string | undefined {
  return pgErrorOf(error)?.code;
}

/** Whether a driver error (or its cause, as Drizzle wraps it) is a unique violation, optionally of one constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = pgErrorOf(error);
  return e?.code === UNIQUE_VIOLATION && (constraint === undefined || e.constraint === constraint);
}

/**
 * The errors of an error's cause chain, outermost first: Drizzle wraps the driver's error in
 * `cause`, and the Neon driver keeps the failed fetch's error as `sourceError`.
 */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    chain.push(e);
    const next = e as { cause?: unknown; sourceError?: unknown };
    e = next.cause ?? next.sourceError;
  }
  return chain;
}

/**
 * An error's class for the log. Drizzle's query error keeps the name "Error", and the worker
 * is minified (class names mangled), so it is recognized by `instanceof`; the drivers set `name`.
 */
function errorClassOf(error: unknown): string {
  if (error instanceof DrizzleQueryError) return "DrizzleQueryError";
  return error instanceof Error ? error.name : typeof error;
}

type NeonError = Error & { code?: string; sourceError?: unknown };

/** The Neon HTTP driver's error in the chain (its name; the class is not worth importing here). */
function neonErrorOf(error: unknown): NeonError | undefined {
  return causeChain(error).find((e): e is NeonError => e instanceof Error && e.name === "NeonDbError");
}

/**
 * Whether a driver error means Postgres is unreachable, too slow or shedding load, so the
 * client should retry (503), as opposed to a bug (500): the request never reached Postgres
 * or timed out (the driver keeps the fetch error as `sourceError`), Neon's endpoint answered
 * 5xx or 429, or Postgres answered with a SQLSTATE of unavailability. A syntax error or an
 * unexpected constraint violation is a bug.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const neon = neonErrorOf(error);
  if (!neon) return false;
  if (neon.code) return UNAVAILABLE_SQLSTATE.test(neon.code);
  if (neon.sourceError !== undefined) return true;
  const status = /^Server error \(HTTP status (\d{3})\)/.exec(neon.message)?.[1];
  return status !== undefined && (status.startsWith("5") || status === "429");
}

/** Whether a driver gave up waiting (its fetch timeout fired), anywhere in the cause chain. */
export function isTimeoutError(error: unknown): boolean {
  return causeChain(error).some((e) => e instanceof Error && e.name === "TimeoutError");
}

/** Whether the request's session assertion (sent while Redis was down) found the session over. */
export function isSessionNotLive(error: unknown): boolean {
  return pgErrorOf(error)?.code === SESSION_NOT_LIVE;
}

/** Names of errors whose message may quote SQL text, parameters or Redis commands. */
const CHATTY_ERRORS = new Set(["DrizzleQueryError", "NeonDbError", "UpstashError", "UpstashJSONParseError"]);

/**
 * What a log line may say about an error: its class (and its causes' classes), SQLSTATE, and
 * for errors that are not a driver's its message. Driver errors quote the failed query, its
 * parameters or the Redis command, so their message and detail never reach the log; no stack
 * trace does (it names the deployed code's files and may carry a message quoted in a frame).
 */
export function describeError(error: unknown): Record<string, unknown> {
  const chain = causeChain(error);
  const names = chain.map(errorClassOf);
  const chatty = names.some((name) => CHATTY_ERRORS.has(name));
  const sqlState = sqlStateOf(error);
  const description: Record<string, unknown> = { error: names.join(" < ") };
  if (sqlState) description.sqlState = sqlState;
  if (!chatty) description.message = error instanceof Error ? error.message : String(error);
  return description;
}
