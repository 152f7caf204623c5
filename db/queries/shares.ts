import { and, desc, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { Database } from "../database";
import { TEAM_MANAGER_ROLES } from "../enums";
import { iso } from "../iso";
import { patterns } from "../schema/patterns";
import { shares } from "../schema/shares";

/** The roles that share and revoke links to every team pattern, as an SQL array literal. */
const MANAGER_ROLES = sql.raw(`array['${TEAM_MANAGER_ROLES.join("','")}']`);

export type CreatedShare =
  | { outcome: "created"; shareId: string; createdAt: string }
  | { outcome: "missing" }
  | { outcome: "denied" };

/**
 * Creates a share link to a live pattern the user may share, in one statement: their personal
 * pattern, or a team's pattern they wrote or whose team they manage. `missing` when they may not
 * see it (not theirs, not a member of its team); `denied` for a team member who may see it but
 * neither wrote it nor manages the team. The link's owner is whoever made it.
 */
export async function createShare(
  db: Database,
  v: { shareId: string; patternId: string; ownerId: string; isPublic: boolean; expiresAt: Date | null },
): Promise<CreatedShare> {
  const result = await db.execute<{
    share_id: string | null;
    created_at: string | null;
    visible: boolean;
  }>(sql`
    with target as (
      select p.id, p.team_id, p.user_id, team_role(p.team_id, ${v.ownerId}::uuid) as role
      from patterns p
      where p.id = ${v.patternId} and p.deleted_at is null
    ),
    visible as (
      select * from target
      where case when team_id is null then user_id = ${v.ownerId} else role is not null end
    ),
    ins as (
      insert into shares (share_id, pattern_id, owner_id, is_public, expires_at)
      select ${v.shareId}, t.id, ${v.ownerId}, ${v.isPublic}, ${iso(v.expiresAt)}::timestamptz
      from visible t
      where t.team_id is null or t.user_id = ${v.ownerId} or t.role = any(${MANAGER_ROLES})
      returning share_id, created_at
    )
    select ins.share_id, ins.created_at, exists (select 1 from visible) as visible
    from (select 1) one left join ins on true
  `);
  const row = result.rows[0];
  if (row?.share_id && row.created_at) {
    return { outcome: "created", shareId: row.share_id, createdAt: row.created_at };
  }
  return row?.visible ? { outcome: "denied" } : { outcome: "missing" };
}

export type ShareView =
  | { outcome: "ok"; views: number; pattern: Record<string, unknown> }
  | { outcome: "missing" | "expired" | "needs-auth" };

/**
 * Opens a share link: counts the view in the same statement that reads the live pattern.
 * Tells apart unknown or revoked links and deleted patterns (missing), expired links, and
 * non-public links opened without signing in.
 */
export async function viewShare(db: Database, shareId: string, signedIn: boolean): Promise<ShareView> {
  const result = await db.execute<{
    state: "missing" | "expired" | "needs-auth" | "ok";
    views: number | null;
    pattern: Record<string, unknown> | null;
  }>(sql`
    with s as (
      select s.share_id, s.is_public, s.expires_at, s.revoked_at, p.deleted_at, p.id as pattern_id
      from shares s join patterns p on p.id = s.pattern_id
      where s.share_id = ${shareId}
    ),
    state as (
      select case
        when s.share_id is null or s.revoked_at is not null or s.deleted_at is not null then 'missing'
        when s.expires_at is not null and s.expires_at <= now() then 'expired'
        when not s.is_public and not ${signedIn} then 'needs-auth'
        else 'ok' end as state
      from (select 1) one left join s on true
    ),
    counted as (
      update shares set views = views + 1
      from state where shares.share_id = ${shareId} and state.state = 'ok'
      returning shares.views
    )
    select state.state, (select views from counted) as views,
      (select row_to_json(p) from patterns p, counted where p.id = (select pattern_id from s)) as pattern
    from state
  `);
  const row = result.rows[0];
  if (!row) return { outcome: "missing" };
  if (row.state !== "ok") return { outcome: row.state };
  if (!row.pattern) return { outcome: "missing" };
  return { outcome: "ok", views: Number(row.views), pattern: row.pattern };
}

/**
 * Revokes a live link; returns whether there was one the user may revoke: a link they made,
 * or a link to a team's pattern they wrote or whose team they manage (while a member).
 */
export async function revokeShare(db: Database, shareId: string, userId: string) {
  const result = await db.execute<{ share_id: string }>(sql`
    update shares s set revoked_at = now()
    from patterns p
    where s.share_id = ${shareId} and s.revoked_at is null and p.id = s.pattern_id
      and (s.owner_id = ${userId}
           or (p.team_id is not null
               and (team_role(p.team_id, ${userId}::uuid) = any(${MANAGER_ROLES})
                    or (p.user_id = ${userId} and team_role(p.team_id, ${userId}::uuid) is not null))))
    returning s.share_id
  `);
  return result.rows.length > 0;
}

/** The owner's live links (not revoked, not expired, to a live pattern), newest first. */
export async function listShares(db: Database, ownerId: string) {
  const rows = await db
    .select({ share: shares })
    .from(shares)
    .innerJoin(patterns, and(eq(patterns.id, shares.patternId), isNull(patterns.deletedAt)))
    .where(
      and(
        eq(shares.ownerId, ownerId),
        isNull(shares.revokedAt),
        or(isNull(shares.expiresAt), gt(shares.expiresAt, sql`now()`)),
      ),
    )
    .orderBy(desc(shares.createdAt))
    .limit(200);
  return rows.map((r) => r.share);
}
