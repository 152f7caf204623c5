import { eq, type SQL, sql } from "drizzle-orm";
import type { Database } from "../database";
import { ENDED_STATUSES } from "../entitlements";
import { users } from "../schema/users";
import { mfaColumns } from "./admin";
import { SESSION_IDLE_DAYS } from "./sessions";
import { profileColumns } from "./users";

/** How many of a user's audit entries the user view carries; more pages come from the audit log. */
export const USER_AUDIT_PAGE = 20;
/** The live sessions the user view lists (a user rarely has more). */
const USER_SESSIONS_SHOWN = 50;

/** A timestamptz as ISO 8601 UTC text inside JSON (the API's format, whatever the session's time zone). */
const isoText = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export interface AdminSessionRow {
  id: string;
  method: string;
  userAgent: string | null;
  ip: string | null;
  createdAt: string;
  lastUsedAt: string;
}

export interface AdminSubscriptionRow {
  id: string;
  status: string;
  priceId: string | null;
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: string | null;
}

export interface AdminAuditRow {
  id: number;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
}

/**
 * The user's live sessions, newest use first (the live rule of `listLiveSessions`), as JSON.
 * Correlated on the outer `users` row.
 */
const liveSessionsJson = sql<AdminSessionRow[]>`coalesce((
  select json_agg(json_build_object('id', s.id, 'method', s.method, 'userAgent', s.user_agent, 'ip', s.ip,
      'createdAt', ${isoText(sql`s.created_at`)}, 'lastUsedAt', ${isoText(sql`s.last_used_at`)})
    order by s.last_used_at desc)
  from (select * from sessions
        where sessions.user_id = "users"."id" and sessions.revoked_at is null and sessions.expires_at > now()
          and sessions.last_used_at > now() - make_interval(days => ${SESSION_IDLE_DAYS})
        order by sessions.last_used_at desc limit ${USER_SESSIONS_SHOWN}) s
), '[]'::json)`;

/** The user's current subscription: the newest one that has not ended, else the newest of all. */
const subscriptionJson = sql<AdminSubscriptionRow | null>`(
  select json_build_object('id', s.id, 'status', s.status, 'priceId', s.price_id,
      'currentPeriodEnd', ${isoText(sql`s.current_period_end`)}, 'cancelAtPeriodEnd', s.cancel_at_period_end,
      'canceledAt', ${isoText(sql`s.canceled_at`)})
  from subscriptions s where s.user_id = "users"."id"
  order by (s.status not in (${sql.join(
    ENDED_STATUSES.map((status) => sql`${status}`),
    sql`, `,
  )})) desc, s.event_at desc
  limit 1
)`;

/** Entries where the user acted or was acted on, newest first, one more than a page (to tell if there is more). */
const auditTrailJson = sql<AdminAuditRow[]>`coalesce((
  select json_agg(json_build_object('id', a.id, 'actorId', a.actor_id, 'action', a.action,
      'targetType', a.target_type, 'targetId', a.target_id, 'ip', a.ip, 'userAgent', a.user_agent,
      'metadata', a.metadata, 'createdAt', ${isoText(sql`a.created_at`)}) order by a.id desc)
  from (select * from audit_logs
        where audit_logs.actor_id = "users"."id"
           or (audit_logs.target_type = 'user' and audit_logs.target_id = "users"."id"::text)
        order by audit_logs.id desc limit ${USER_AUDIT_PAGE + 1}) a
), '[]'::json)`;

/**
 * One user as the admin console's user view shows it, in one statement: the profile and second
 * factors, the live sessions, the current subscription and the first page of their audit trail.
 */
export async function findAdminUserView(db: Database, userId: string) {
  const [row] = await db
    .select({
      ...profileColumns,
      disabledAt: users.disabledAt,
      ...mfaColumns,
      sessions: liveSessionsJson,
      subscription: subscriptionJson,
      audit: auditTrailJson,
    })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  return row;
}
