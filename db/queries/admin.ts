import { and, desc, eq, gte, ilike, lt, lte, or, sql } from "drizzle-orm";
import type { Database } from "../database";
import { auditLogs } from "../schema/audit";
import { userTotp } from "../schema/mfa";
import { passkeys } from "../schema/passkeys";
import { type Role, users } from "../schema/users";
import { type Cursor, newestFirst } from "./keyset";
import { profileColumns } from "./users";

/**
 * Whether the `users` row in scope has second factors: an active authenticator app, and how many
 * passkeys. Qualified by hand: drizzle leaves columns of a single-table select unqualified.
 */
export const mfaColumns = {
  totpEnabled: sql<boolean>`exists (select 1 from ${userTotp} where ${userTotp.userId} = "users"."id" and ${userTotp.enabledAt} is not null)`,
  passkeyCount: sql<number>`(select count(*) from ${passkeys} where ${passkeys.userId} = "users"."id")::int`,
};

/** Users whose email contains `q`, newest first, one page past `cursor` (plus one row to tell if there is more). */
export function searchUsers(db: Database, v: { q?: string; cursor?: Cursor; limit: number }) {
  const page = newestFirst(users.createdAt, users.id, v.cursor, "uuid");
  const escaped = v.q?.replace(/[\\%_]/g, (ch) => `\\${ch}`);
  return db
    .select({ ...profileColumns, disabledAt: users.disabledAt, ...mfaColumns })
    .from(users)
    .where(and(escaped ? ilike(users.email, `%${escaped}%`) : undefined, page.after))
    .orderBy(...page.orderBy)
    .limit(v.limit + 1);
}

/** One user as an admin sees it, with their second factors. */
export async function findAdminUser(db: Database, userId: string) {
  const [row] = await db
    .select({ ...profileColumns, disabledAt: users.disabledAt, ...mfaColumns })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  return row;
}

/**
 * Changes a user's role or disabled flag, audit-logged by the admin, all in one statement.
 * Disabling or a change of role revokes every session: an access token carries the role, so
 * a demoted admin must not keep using one until it expires. Returns the user and the revoked
 * session ids (for Redis).
 */
export async function adminUpdateUser(
  db: Database,
  v: { userId: string; adminId: string; role?: Role; disabled?: boolean; ip?: string; userAgent?: string },
) {
  const result = await db.execute<{ id: string; session_ids: string[] }>(sql`
    with before as (
      select id, role from users where id = ${v.userId}
    ),
    u as (
      update users set
        role = coalesce(${v.role ?? null}, role),
        disabled_at = case
          when ${v.disabled ?? null}::boolean is null then disabled_at
          when ${v.disabled ?? null}::boolean then coalesce(disabled_at, now())
          else null end,
        updated_at = now()
      where id = ${v.userId}
      returning id, role
    ),
    s as (
      update sessions set revoked_at = now()
      from u join before on before.id = u.id
      where sessions.user_id = u.id and sessions.revoked_at is null
        and (${v.disabled === true} or u.role <> before.role)
      returning sessions.id
    ),
    a as (
      insert into audit_logs (actor_id, action, target_type, target_id, ip, user_agent, metadata)
      select ${v.adminId}::uuid, 'admin.user_updated', 'user', u.id::text, ${v.ip ?? null}, ${v.userAgent ?? null},
             ${JSON.stringify({ role: v.role, disabled: v.disabled })}::jsonb
      from u
    )
    select u.id, coalesce((select array_agg(s.id::text) from s), '{}') as session_ids from u
  `);
  const row = result.rows[0];
  return row ? { id: row.id, sessionIds: row.session_ids } : undefined;
}

/** Audit entries matching the filters, newest first, one page past `cursor`. */
export function searchAuditLogs(
  db: Database,
  v: {
    actor?: string;
    /** Entries where this user acted or was acted on. */
    user?: string;
    action?: string;
    target?: string;
    from?: Date;
    to?: Date;
    cursor?: Cursor;
    limit: number;
  },
) {
  return db
    .select()
    .from(auditLogs)
    .where(
      and(
        v.actor ? eq(auditLogs.actorId, v.actor) : undefined,
        v.user
          ? or(
              eq(auditLogs.actorId, v.user),
              and(eq(auditLogs.targetType, "user"), eq(auditLogs.targetId, v.user)),
            )
          : undefined,
        v.action ? eq(auditLogs.action, v.action) : undefined,
        v.target ? eq(auditLogs.targetId, v.target) : undefined,
        v.from ? gte(auditLogs.createdAt, v.from) : undefined,
        v.to ? lte(auditLogs.createdAt, v.to) : undefined,
        // Ids grow with time, so they alone give a stable newest-first order.
        v.cursor ? lt(auditLogs.id, Number(v.cursor.id)) : undefined,
      ),
    )
    .orderBy(desc(auditLogs.id))
    .limit(v.limit + 1);
}

/** Makes the account with this email an admin (bootstrap command); returns its id, or undefined if none. */
export async function grantAdmin(db: Database, email: string): Promise<string | undefined> {
  const result = await db.execute<{ id: string }>(sql`
    with u as (
      update users set role = 'admin', updated_at = now() where email = ${email.trim().toLowerCase()} returning id
    ),
    a as (
      insert into audit_logs (actor_id, action, target_type, target_id, metadata)
      select null, 'admin.granted', 'user', u.id::text, '{"via":"admin:grant"}'::jsonb from u
    )
    select id from u
  `);
  return result.rows[0]?.id;
}
