/** Postgres SQLSTATE codes the API maps to problems. */
export const UNIQUE_VIOLATION = "23505";

type PgError = { code?: string; constraint?: string; cause?: unknown };

/** Whether a driver error (or its cause, as Drizzle wraps it) is a unique violation, optionally of one constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (let e = error as PgError | undefined, depth = 0; e && depth < 3; e = e.cause as PgError, depth++) {
    if (e.code === UNIQUE_VIOLATION) return constraint === undefined || e.constraint === constraint;
  }
  return false;
}
