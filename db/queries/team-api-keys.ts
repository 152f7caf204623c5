import { and, desc, eq, sql } from "drizzle-orm";
import type { Database } from "../database";
import type { TeamKind, TeamRole } from "../enums";
import { iso } from "../iso";
import { apiKeys } from "../schema/api-keys";
import { teams } from "../schema/teams";
import { API_KEY_ROTATION_GRACE_SECONDS, type ApiKeyView, apiKeyColumns } from "./api-keys";
import { insertAuditIf } from "./audit";
import { isTeamManager, teamRoleOf } from "./team-access";

/**
 * A team's API keys. Each query checks the caller's role in the team inside its own statement
 * or batch (one round trip) and answers it beside the result, so the route tells a non-member
 * (404) from a member who does not manage the team (403) without asking again.
 */

/** Live (not revoked, not expired) keys one team may hold. */
export const MAX_LIVE_TEAM_API_KEYS = 20;

/** A team key as the list and the create/rotate answers show it: never a secret or its hash. */
export type TeamApiKeyView = ApiKeyView & { teamId: string | null; createdBy: string };

const teamApiKeyColumns = { ...apiKeyColumns, teamId: apiKeys.teamId, createdBy: apiKeys.userId };

/** The caller's standing in a team; undefined when the team does not exist. */
export type TeamStanding = { kind: TeamKind; role: TeamRole | null };

type Meta = { ip?: string; userAgent?: string };
type Caller = { teamId: string; userId: string };

const live = sql`${apiKeys.revokedAt} is null and (${apiKeys.expiresAt} is null or ${apiKeys.expiresAt} > now())`;

/** The caller's kind-and-role pair (`class:teacher`) in the team of row `t`, for the creation check. */
function standingPair(v: Caller) {
  return sql`(t.kind || ':' || coalesce(${teamRoleOf(v.teamId, v.userId)}, ''))`;
}

/** A select of the team's kind and the caller's role, with `key` (left-joined on `on`) beside them. */
function standingWith(db: Database, v: Caller) {
  return db
    .select({
      kind: teams.kind,
      role: sql<TeamRole | null>`${teamRoleOf(v.teamId, v.userId)}`,
      key: teamApiKeyColumns,
    })
    .from(teams);
}

/**
 * Creates a team's key, audit-logged, when the caller's (kind, role) pair is one of `creators`
 * (managers whose role grants every scope: shared/auth/api-key-scopes.ts `teamKeyCreators`)
 * and the team holds fewer than MAX_LIVE_TEAM_API_KEYS live keys. One batch (one transaction,
 * one round trip): the team's row is locked first, so creations, role changes and removals
 * that lock it too are counted and checked one after the other. Answers the caller's standing
 * and the key, if it was made.
 */
export async function createTeamApiKey(
  db: Database,
  k: Caller & {
    id: string;
    name: string;
    scopes: string[];
    creators: readonly (readonly [TeamKind, TeamRole])[];
    secretHash: string;
    prefix: string;
    lastFour: string;
    expiresAt: Date | null;
  } & Meta,
): Promise<{ standing?: TeamStanding; key?: TeamApiKeyView }> {
  const creators =
    k.creators.length > 0
      ? sql`${standingPair(k)} in (${sql.join(
          k.creators.map(([kind, role]) => sql`${`${kind}:${role}`}`),
          sql`, `,
        )})`
      : sql`false`;
  const [, , , [row]] = await db.batch([
    db.execute(sql`select id from teams where id = ${k.teamId}::uuid for update`),
    db.execute(sql`
      insert into api_keys (id, user_id, team_id, name, scopes, secret_hash, prefix, last_four, expires_at)
      select ${k.id}, ${k.userId}::uuid, t.id, ${k.name}, array[${sql.join(
        k.scopes.map((scope) => sql`${scope}`),
        sql`, `,
      )}]::text[], ${k.secretHash}, ${k.prefix}, ${k.lastFour}, ${iso(k.expiresAt)}::timestamptz
      from teams t
      where t.id = ${k.teamId}::uuid and ${creators}
        and (select count(*) from api_keys where team_id = t.id and revoked_at is null
             and (expires_at is null or expires_at > now())) < ${MAX_LIVE_TEAM_API_KEYS}
    `),
    insertAuditIf(
      db,
      {
        actorId: k.userId,
        action: "team.api_key_created",
        targetType: "team",
        targetId: k.teamId,
        ip: k.ip,
        userAgent: k.userAgent,
        metadata: { keyId: k.id, name: k.name, scopes: k.scopes, expiresAt: iso(k.expiresAt) },
      },
      sql`select 1 from api_keys where id = ${k.id}`,
    ),
    standingWith(db, k)
      .leftJoin(apiKeys, and(eq(apiKeys.id, k.id), eq(apiKeys.teamId, teams.id)))
      .where(eq(teams.id, k.teamId)),
  ]);
  return row ? { standing: { kind: row.kind, role: row.role }, key: row.key ?? undefined } : {};
}

/**
 * A team's keys, newest first, revoked and expired ones included, with the caller's standing;
 * the keys only when the caller manages the team. One statement.
 */
export async function listTeamApiKeys(
  db: Database,
  v: Caller,
): Promise<{ standing?: TeamStanding; keys: TeamApiKeyView[] }> {
  const rows = await standingWith(db, v)
    .leftJoin(apiKeys, and(eq(apiKeys.teamId, teams.id), isTeamManager(v.teamId, v.userId)))
    .where(eq(teams.id, v.teamId))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
    .limit(100);
  const [first] = rows;
  if (!first) return { keys: [] };
  return {
    standing: { kind: first.kind, role: first.role },
    keys: rows.flatMap((r) => (r.key ? [r.key] : [])),
  };
}

/**
 * Revokes one of a team's live keys if the caller manages the team, audit-logged in the same
 * statement. Answers the caller's standing (none: no such team) and whether a key was revoked.
 */
export async function revokeTeamApiKey(
  db: Database,
  v: Caller & { keyId: string } & Meta,
): Promise<{ standing?: TeamStanding; revoked: boolean }> {
  const result = await db.execute<{ kind: TeamKind; role: TeamRole | null; revoked_id: string | null }>(sql`
    with caller as (
      select t.id, t.kind, ${teamRoleOf(v.teamId, v.userId)} as role from teams t where t.id = ${v.teamId}::uuid
    ),
    revoked as (
      update api_keys set revoked_at = now()
      where id = ${v.keyId} and team_id = ${v.teamId}::uuid and revoked_at is null
        and ${isTeamManager(v.teamId, v.userId)}
      returning id
    ),
    audited as (
      insert into audit_logs (actor_id, action, target_type, target_id, ip, user_agent, metadata)
      select ${v.userId}::uuid, 'team.api_key_revoked', 'team', ${v.teamId}, ${v.ip ?? null},
             ${v.userAgent ?? null}, jsonb_build_object('keyId', revoked.id)
      from revoked
    )
    select caller.kind, caller.role, (select id from revoked) as revoked_id from caller
  `);
  const [row] = result.rows;
  return row
    ? { standing: { kind: row.kind, role: row.role }, revoked: row.revoked_id !== null }
    : { revoked: false };
}

/**
 * Gives one of a team's live keys a new secret if the caller manages the team, audit-logged in
 * the same statement: as for personal keys, the current secret stays valid for
 * API_KEY_ROTATION_GRACE_SECONDS. The key keeps its creator (whose role keeps it live). One
 * batch; answers the caller's standing and the key if it was rotated just now.
 */
export async function rotateTeamApiKey(
  db: Database,
  v: Caller & { keyId: string; secretHash: string; lastFour: string } & Meta,
): Promise<{ standing?: TeamStanding; key?: TeamApiKeyView }> {
  const [, [row]] = await db.batch([
    db.execute(sql`
      with rotated as (
        update api_keys set previous_secret_hash = secret_hash, secret_hash = ${v.secretHash},
          rotated_at = now(), last_four = ${v.lastFour}
        where id = ${v.keyId} and team_id = ${v.teamId}::uuid and ${live}
          and ${isTeamManager(v.teamId, v.userId)}
        returning id
      )
      insert into audit_logs (actor_id, action, target_type, target_id, ip, user_agent, metadata)
      select ${v.userId}::uuid, 'team.api_key_rotated', 'team', ${v.teamId}, ${v.ip ?? null},
             ${v.userAgent ?? null},
             jsonb_build_object('keyId', rotated.id, 'graceSeconds', ${API_KEY_ROTATION_GRACE_SECONDS}::integer)
      from rotated
    `),
    // The key as the rotation left it: only if this batch rotated it to the new secret.
    standingWith(db, v)
      .leftJoin(
        apiKeys,
        and(eq(apiKeys.id, v.keyId), eq(apiKeys.teamId, teams.id), eq(apiKeys.secretHash, v.secretHash)),
      )
      .where(eq(teams.id, v.teamId)),
  ]);
  return row ? { standing: { kind: row.kind, role: row.role }, key: row.key ?? undefined } : {};
}
