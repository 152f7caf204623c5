/** Postgres SQLSTATE codes the API maps to problems. */
export const UNIQUE_VIOLATION = "23505";

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
