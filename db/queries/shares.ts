import { and, desc, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { Database } from "../database";
import { iso } from "../iso";
import { patterns } from "../schema/patterns";
import { shares } from "../schema/shares";

/** Creates a share link for one of the owner's live patterns; nothing when it is not theirs. */
export async function createShare(
  db: Database,
  v: { shareId: string; patternId: string; ownerId: string; isPublic: boolean; expiresAt: Date | null },
) {
  const result = await db.execute<{ share_id: string; created_at: string }>(sql`
    insert into shares (share_id, pattern_id, owner_id, is_public, expires_at)
    select ${v.shareId}, p.id, p.user_id, ${v.isPublic}, ${iso(v.expiresAt)}::timestamptz
    from patterns p where p.id = ${v.patternId} and p.user_id = ${v.ownerId} and p.deleted_at is null
    returning share_id, created_at
  `);
  return result.rows[0];
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

/** Revokes one of the owner's links; returns whether there was a live one. */
export async function revokeShare(db: Database, shareId: string, ownerId: string) {
  const rows = await db
    .update(shares)
    .set({ revokedAt: new Date() })
    .where(and(eq(shares.shareId, shareId), eq(shares.ownerId, ownerId), isNull(shares.revokedAt)))
    .returning({ shareId: shares.shareId });
  return rows.length > 0;
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
