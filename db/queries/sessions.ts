import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import { type Database, renderOnce } from "../database";
import { sessions } from "../schema/sessions";
import type { Role, Tier } from "../schema/users";

/** Absolute lifetime of a sign-in. */
export const SESSION_MAX_AGE_DAYS = 30;
/** A session unused this long is over. */
export const SESSION_IDLE_DAYS = 7;
/** How long the previous refresh token still works after a rotation (two tabs refreshing at once). */
export const REFRESH_GRACE_SECONDS = 10;

/** The insert of a new session (one refresh-token family). */
export function insertSession(
  db: Database,
  values: {
    id: string;
    userId: string;
    refreshHash: string;
    userAgent?: string;
    ip?: string;
    method?: string;
  },
) {
  const expiresAt = new Date(Date.now() + SESSION_MAX_AGE_DAYS * 86_400_000);
  return db.insert(sessions).values({ ...values, expiresAt });
}

export type RefreshOutcome =
  | { outcome: "rotate" | "grace"; userId: string; role: Role; tier: Tier; emailVerified: boolean }
  | { outcome: "reuse"; userId: string }
  | { outcome: "invalid" };

type RotateValues = {
  sessionId: string;
  presentedHash: string;
  presentedWasIssued: boolean;
  newHash: string;
  ip: string | null;
  userAgent: string | null;
};

/** `rotate_refresh_token` of migration 0020, whose statement PostgreSQL plans once per connection. */
const rotateSql = renderOnce<RotateValues>(() => {
  const at = (name: keyof RotateValues) => sql.placeholder(name);
  return sql`select * from rotate_refresh_token(${at("sessionId")}::uuid, ${at("presentedHash")},
    ${at("presentedWasIssued")}, ${at("newHash")}, ${at("ip")}, ${at("userAgent")},
    ${SESSION_IDLE_DAYS}, ${REFRESH_GRACE_SECONDS})`;
});

/**
 * Rotates a refresh token in one statement: the current token is swapped for `newHash`;
 * the previous one within the grace window is accepted without rotating again; any other
 * token this session once issued (`presentedWasIssued`) is a replay and revokes the session
 * (audit-logged), while a made-up one is only invalid. Expired, idle,
 * revoked and disabled sessions are invalid. Concurrent refreshes serialize on the row lock.
 */
export async function rotateRefreshToken(
  db: Database,
  args: {
    sessionId: string;
    presentedHash: string;
    presentedWasIssued: boolean;
    newHash: string;
    ip?: string;
    userAgent?: string;
  },
): Promise<RefreshOutcome> {
  const result = await db.execute<{
    outcome: "rotate" | "grace" | "reuse" | "invalid";
    user_id: string;
    role: Role;
    tier: Tier;
    email_verified: boolean;
  }>(
    rotateSql({
      ...args,
      ip: args.ip ?? null,
      userAgent: args.userAgent ?? null,
    }),
  );
  const row = result.rows[0];
  if (!row || row.outcome === "invalid") return { outcome: "invalid" };
  if (row.outcome === "reuse") return { outcome: "reuse", userId: row.user_id };
  return {
    outcome: row.outcome,
    userId: row.user_id,
    role: row.role,
    tier: row.tier,
    emailVerified: row.email_verified,
  };
}

export interface RevokeSessions {
  /** Whose sessions; required unless `sessionId` and `refreshHash` pin one session. */
  userId?: string;
  sessionId?: string;
  exceptSessionId?: string;
  /** Only if this is the session's current or previous refresh token hash (cookie sign-out). */
  refreshHash?: string;
  /** Audit action written per revoked session, in the same statement. */
  action: string;
  actorId?: string | null;
  ip?: string;
  userAgent?: string;
}

/** Revokes live sessions and audit-logs each one in one statement; returns the revoked ids. */
export async function revokeSessions(db: Database, r: RevokeSessions): Promise<string[]> {
  const result = await revokeSessionsStatement(db, r);
  return result.rows.map((row) => row.id);
}

/** The statement of `revokeSessions`, for a `db.batch` (rows: the revoked ids). */
export function revokeSessionsStatement(db: Database, r: RevokeSessions) {
  if (!r.userId && !(r.sessionId && r.refreshHash)) {
    throw new Error("revokeSessions needs a user or a proven session");
  }
  return db.execute<{ id: string }>(sql`
    with revoked as (
      update sessions set revoked_at = now()
      where revoked_at is null
        and (${r.userId ?? null}::uuid is null or user_id = ${r.userId ?? null}::uuid)
        and (${r.sessionId ?? null}::uuid is null or id = ${r.sessionId ?? null}::uuid)
        and (${r.exceptSessionId ?? null}::uuid is null or id <> ${r.exceptSessionId ?? null}::uuid)
        and (${r.refreshHash ?? null}::text is null or refresh_hash = ${r.refreshHash ?? null}
             or previous_refresh_hash = ${r.refreshHash ?? null})
      returning id, user_id
    ),
    audited as (
      insert into audit_logs (actor_id, action, target_type, target_id, ip, user_agent, metadata)
      select coalesce(${r.actorId ?? null}::uuid, revoked.user_id), ${r.action}, 'session', revoked.id::text,
             ${r.ip ?? null}, ${r.userAgent ?? null}, '{}'::jsonb
      from revoked
    )
    select id from revoked
  `);
}

/**
 * Ids of the sessions revoked in the last `seconds`, newest first, at most `limit`: those whose
 * access tokens may still be live. A scan of recent revocations, for the scheduled job.
 */
export async function recentlyRevokedSessionIds(
  db: Database,
  seconds: number,
  limit = 10_000,
): Promise<string[]> {
  const rows = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(gt(sessions.revokedAt, sql`now() - make_interval(secs => ${seconds})`))
    .orderBy(desc(sessions.revokedAt))
    .limit(limit);
  return rows.map((row) => row.id);
}

/** A user's live sessions, newest first. */
export function listLiveSessions(db: Database, userId: string) {
  return db
    .select({
      id: sessions.id,
      createdAt: sessions.createdAt,
      lastUsedAt: sessions.lastUsedAt,
      userAgent: sessions.userAgent,
      ip: sessions.ip,
    })
    .from(sessions)
    .where(
      and(
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, sql`now()`),
        gt(sessions.lastUsedAt, sql`now() - make_interval(days => ${SESSION_IDLE_DAYS})`),
      ),
    )
    .orderBy(desc(sessions.lastUsedAt))
    .limit(100);
}

/**
 * The statement that fails with SQLSTATE BL401 (assert_live_session, migration 0007) unless the
 * session is live and the user's: sent ahead of a request's first statement while Redis cannot
 * tell whether the session was revoked (see `withAssertion` in db/database.ts).
 */
export function liveSessionAssertion(sessionId: string, userId: string) {
  return { query: "select assert_live_session($1, $2)", params: [sessionId, userId] };
}

/**
 * Fails with SQLSTATE BL401 unless the session is live and the user's: the session check of a
 * read that left before Redis answered, when Redis then could not tell (shared/middleware/read-ahead.ts).
 */
export async function assertSessionLive(db: Database, sessionId: string, userId: string): Promise<void> {
  await db.execute(sql`select assert_live_session(${sessionId}, ${userId})`);
}
