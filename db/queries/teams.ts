import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../database";
import { TEAM_ROLES_BY_KIND, type TeamKind, type TeamRole } from "../enums";
import { teamMembers } from "../schema/teams";
import { auditFrom } from "./audit";
import { type Cursor, newestFirst } from "./keyset";
import { isTeamManager, teamRoleOf } from "./team-access";

/**
 * Teams and their members. Every query that acts on a team decides in its own statement
 * whether the caller may (their role read with `teamRoleOf`/`isTeamManager`), does the write
 * only then, and returns the decision: `ok` or why not, so the route answers 404 (not a
 * member), 403 (wrong role) or 409 (last owner) from one round trip. Statements that change
 * who owns a team run after a lock on the team row in the same batch: under READ COMMITTED
 * the statement then reads roles committed by every concurrent change before it (a lone
 * statement reads with the snapshot it started with, so two owners demoting each other at
 * once would both see two owners).
 */

/** Teams (and classes) one user may belong to. */
export const MAX_TEAMS_PER_USER = 100;

/** Why a team action was refused. */
export type TeamRefusal =
  /** The caller is not a member (or there is no such team): answered like an unknown id. */
  | "team-not-found"
  /** A manager's action (owner, admin or teacher). */
  | "manager-required"
  /** An owner's action, or one that grants or takes ownership. */
  | "owner-required"
  | "member-not-found"
  /** The change would leave the team without an owner. */
  | "last-owner"
  /** The role is not one of the team's kind. */
  | "role-not-of-kind"
  /** A transfer of ownership to the caller. */
  | "transfer-to-self";

/** The answer of a team action: its result, or why it was refused (with the team's kind, when it exists). */
export type Decided<T, R extends string = TeamRefusal> =
  | { ok: true; value: T }
  | { ok: false; refusal: R; kind: TeamKind | null };

/** A team as one of its members sees it. */
export interface TeamView {
  id: string;
  name: string;
  kind: TeamKind;
  /** The caller's role. */
  role: TeamRole;
  memberCount: number;
  createdAt: Date;
}

/** A member as the member list shows it; `email` only for managers. */
export interface MemberView {
  userId: string;
  displayName: string;
  email: string | null;
  role: TeamRole;
  joinedAt: Date;
}

export type Meta = { ip?: string; userAgent?: string };

export const metaOf = (v: Meta): Meta => ({ ip: v.ip, userAgent: v.userAgent });

export type TeamRow = {
  id: string;
  name: string;
  kind: TeamKind;
  role: TeamRole;
  member_count: number;
  created_at: string;
};

type MemberRow = {
  user_id: string;
  display_name: string;
  email: string | null;
  role: TeamRole;
  created_at: string;
};

export function toTeamView(row: TeamRow): TeamView {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    role: row.role,
    memberCount: Number(row.member_count),
    createdAt: new Date(row.created_at),
  };
}

function toMemberView(row: MemberRow): MemberView {
  return {
    userId: row.user_id,
    displayName: row.display_name,
    email: row.email,
    role: row.role,
    joinedAt: new Date(row.created_at),
  };
}

const quoted = (values: readonly string[]) => values.map((v) => `'${v}'`).join(", ");

/** The roles a team of `kind` (an SQL expression) offers, as a text[]. */
export function rolesOfKind(kind: SQL): SQL {
  const arms = Object.entries(TEAM_ROLES_BY_KIND).map(
    ([k, roles]) => `when '${k}' then array[${quoted(roles)}]::text[]`,
  );
  return sql`(case ${kind} ${sql.raw(arms.join(" "))} end)`;
}

/** The role an owner keeps after handing ownership over: the kind's second (admin, teacher). */
function formerOwnerRole(kind: SQL): SQL {
  const arms = Object.entries(TEAM_ROLES_BY_KIND).map(([k, roles]) => `when '${k}' then '${roles[1]}'`);
  return sql`(case ${kind} ${sql.raw(arms.join(" "))} end)`;
}

/** Members of the team in scope (`t`) holding `owner`. */
const OWNER_COUNT = sql`(select count(*) from team_members o where o.team_id = t.id and o.role = 'owner')::int`;

/** The member count of the team in scope (`t`). */
export const MEMBER_COUNT = sql`(select count(*) from team_members c where c.team_id = t.id)::int`;

/**
 * Locks the team's row until the batch commits: first in every batch that changes roles or
 * removes members, so such changes to one team run one after the other.
 */
function lockTeam(db: Database, teamId: string) {
  return db.execute(sql`select 1 from teams where id = ${teamId} for update`);
}

/**
 * A decision row (`outcome`, `kind`) as a Decided: `ok` with the value, else the refusal. No row
 * (no such team) is `team-not-found`.
 */
export function decided<T, R extends string = TeamRefusal>(
  row: { outcome: string | null; kind: TeamKind | null } | undefined,
  value: () => T,
): Decided<T, R> {
  const outcome = row?.outcome ?? "team-not-found";
  if (outcome === "ok") return { ok: true, value: value() };
  return { ok: false, refusal: outcome as R, kind: row?.kind ?? null };
}

/**
 * Creates a team with the caller as its owner, audit-logged, unless they already belong to
 * MAX_TEAMS_PER_USER teams (undefined then). One batch: the caller's row is locked first, so
 * concurrent creations are counted one after the other.
 */
export async function createTeam(
  db: Database,
  v: { id: string; userId: string; name: string; kind: TeamKind } & Meta,
): Promise<TeamView | undefined> {
  const [, created] = await db.batch([
    db.execute(sql`select 1 from users where id = ${v.userId} for update`),
    db.execute<TeamRow>(sql`
      with t as (
        insert into teams (id, name, kind, created_by)
        select ${v.id}::uuid, ${v.name}, ${v.kind}, u.id from users u
        where u.id = ${v.userId}
          and (select count(*) from team_members where user_id = ${v.userId}) < ${MAX_TEAMS_PER_USER}
        returning id, name, kind, created_at
      ),
      m as (
        insert into team_members (team_id, user_id, role) select id, ${v.userId}, 'owner' from t
      ),
      a as (
        ${auditFrom(
          db,
          {
            actorId: v.userId,
            action: "team.created",
            targetType: "team",
            targetId: v.id,
            metadata: { name: v.name, kind: v.kind },
            ...metaOf(v),
          },
          sql`t`,
        )}
      )
      select id, name, kind, 'owner' as role, 1 as member_count, created_at from t
    `),
  ]);
  const row = created.rows[0];
  return row ? toTeamView(row) : undefined;
}

/** The caller's teams, newest first (at most MAX_TEAMS_PER_USER, so one page). */
export async function listTeams(db: Database, userId: string): Promise<TeamView[]> {
  const result = await db.execute<TeamRow>(sql`
    select t.id, t.name, t.kind, m.role, ${MEMBER_COUNT} as member_count, t.created_at
    from team_members m join teams t on t.id = m.team_id
    where m.user_id = ${userId}
    order by t.created_at desc, t.id desc
    limit ${MAX_TEAMS_PER_USER}
  `);
  return result.rows.map(toTeamView);
}

/** One team as the caller sees it; undefined unless they are a member. */
export async function findTeam(db: Database, teamId: string, userId: string): Promise<TeamView | undefined> {
  const result = await db.execute<TeamRow>(sql`
    select * from (
      select t.id, t.name, t.kind, ${teamRoleOf(teamId, userId)} as role, ${MEMBER_COUNT} as member_count,
             t.created_at
      from teams t where t.id = ${teamId}
    ) team where role is not null
  `);
  const row = result.rows[0];
  return row ? toTeamView(row) : undefined;
}

/** Renames a team (managers), audit-logged with the old name. */
export async function renameTeam(
  db: Database,
  v: { teamId: string; userId: string; name: string } & Meta,
): Promise<Decided<TeamView>> {
  const result = await db.execute<TeamRow & { outcome: string | null }>(sql`
    with verdict as (
      select t.kind, t.name as previous_name, ${teamRoleOf(v.teamId, v.userId)} as caller_role,
        case
          when ${teamRoleOf(v.teamId, v.userId)} is null then 'team-not-found'
          when not ${isTeamManager(v.teamId, v.userId)} then 'manager-required'
          else 'ok'
        end as outcome
      from teams t where t.id = ${v.teamId}
    ),
    renamed as (
      update teams t set name = ${v.name}, updated_at = now()
      from verdict where t.id = ${v.teamId} and verdict.outcome = 'ok'
      returning t.id, t.name, t.kind, t.created_at, ${MEMBER_COUNT} as member_count
    ),
    a as (
      ${auditFrom(
        db,
        {
          actorId: v.userId,
          action: "team.renamed",
          targetType: "team",
          targetId: v.teamId,
          metadata: sql`jsonb_build_object('name', ${v.name}::text, 'previousName', verdict.previous_name)`,
          ...metaOf(v),
        },
        sql`verdict, renamed`,
      )}
    )
    select verdict.outcome, verdict.kind, r.id, r.name, verdict.caller_role as role, r.member_count, r.created_at
    from (select 1) one left join verdict on true left join renamed r on true
  `);
  const row = result.rows[0];
  return decided(row, () => toTeamView(row as TeamRow));
}

/**
 * Deletes a team (owners), audit-logged; its members, invitations, patterns, lessons and keys
 * go with it (foreign keys cascade).
 */
export async function deleteTeam(
  db: Database,
  v: { teamId: string; userId: string } & Meta,
): Promise<Decided<true>> {
  const result = await db.execute<{ outcome: string | null; kind: TeamKind | null }>(sql`
    with verdict as (
      select t.kind, t.name,
        case
          when ${teamRoleOf(v.teamId, v.userId)} is null then 'team-not-found'
          when ${teamRoleOf(v.teamId, v.userId)} <> 'owner' then 'owner-required'
          else 'ok'
        end as outcome
      from teams t where t.id = ${v.teamId}
    ),
    deleted as (
      delete from teams t using verdict where t.id = ${v.teamId} and verdict.outcome = 'ok' returning t.id
    ),
    a as (
      ${auditFrom(
        db,
        {
          actorId: v.userId,
          action: "team.deleted",
          targetType: "team",
          targetId: v.teamId,
          metadata: sql`jsonb_build_object('name', verdict.name, 'kind', verdict.kind)`,
          ...metaOf(v),
        },
        sql`verdict, deleted`,
      )}
    )
    select verdict.outcome, verdict.kind from (select 1) one left join verdict on true
  `);
  return decided(result.rows[0], () => true as const);
}

/**
 * One page of a team's members, newest first, with the caller's role; `callerRole` null means
 * the caller is not a member (nothing else is read then). Managers see addresses.
 */
export async function listMembers(
  db: Database,
  v: { teamId: string; userId: string; cursor?: Cursor; limit: number },
): Promise<{ callerRole: TeamRole | null; members: MemberView[] }> {
  const page = newestFirst(teamMembers.createdAt, teamMembers.userId, v.cursor, "uuid");
  const result = await db.execute<MemberRow & { caller_role: TeamRole | null }>(sql`
    select caller.role as caller_role, m.*
    from (select ${teamRoleOf(v.teamId, v.userId)} as role) caller
    left join lateral (
      select team_members.user_id, u.display_name,
        case when ${isTeamManager(v.teamId, v.userId)} then u.email end as email,
        team_members.role, team_members.created_at
      from team_members join users u on u.id = team_members.user_id
      where team_members.team_id = ${v.teamId} and caller.role is not null ${page.after ? sql`and ${page.after}` : sql``}
      order by ${sql.join(page.orderBy, sql`, `)}
      limit ${v.limit + 1}
    ) m on true
  `);
  const callerRole = result.rows[0]?.caller_role ?? null;
  const members = result.rows.filter((row) => row.user_id !== null).map(toMemberView);
  return { callerRole, members };
}

/**
 * Changes a member's role (managers). Only an owner grants, takes or changes ownership; the
 * last owner cannot be demoted; the role must be one of the team's kind. Audit-logged with
 * the previous role. Returns the member as changed.
 */
export async function changeMemberRole(
  db: Database,
  v: { teamId: string; userId: string; memberId: string; role: TeamRole } & Meta,
): Promise<Decided<MemberView>> {
  const caller = teamRoleOf(v.teamId, v.userId);
  const [, result] = await db.batch([
    lockTeam(db, v.teamId),
    db.execute<MemberRow & { outcome: string | null; kind: TeamKind | null }>(sql`
      with facts as (
        select t.kind, ${caller} as caller_role, ${OWNER_COUNT} as owners,
          (select role from team_members where team_id = t.id and user_id = ${v.memberId}) as member_role
        from teams t where t.id = ${v.teamId}
      ),
      verdict as (
        select facts.*,
          case
            when caller_role is null then 'team-not-found'
            when not ${isTeamManager(v.teamId, v.userId)} then 'manager-required'
            when member_role is null then 'member-not-found'
            when not (${v.role}::text = any(${rolesOfKind(sql`kind`)})) then 'role-not-of-kind'
            when (${v.role}::text = 'owner' or member_role = 'owner') and caller_role <> 'owner' then 'owner-required'
            when member_role = 'owner' and ${v.role}::text <> 'owner' and owners <= 1 then 'last-owner'
            else 'ok'
          end as outcome
        from facts
      ),
      changed as (
        update team_members m set role = ${v.role}, updated_at = now()
        from verdict
        where verdict.outcome = 'ok' and m.team_id = ${v.teamId} and m.user_id = ${v.memberId}
        returning m.user_id
      ),
      a as (
        ${auditFrom(
          db,
          {
            actorId: v.userId,
            action: "team.member_role_changed",
            targetType: "team",
            targetId: v.teamId,
            metadata: sql`jsonb_build_object('userId', ${v.memberId}::text, 'role', ${v.role}::text,
              'previousRole', verdict.member_role)`,
            ...metaOf(v),
          },
          sql`verdict, changed`,
        )}
      )
      select verdict.outcome, verdict.kind, m.user_id, u.display_name, u.email, ${v.role}::text as role, m.created_at
      from (select 1) one
      left join verdict on true
      left join changed on true
      left join team_members m on m.team_id = ${v.teamId} and m.user_id = changed.user_id
      left join users u on u.id = changed.user_id
    `),
  ]);
  const row = result.rows[0];
  return decided(row, () => toMemberView(row as MemberRow));
}

/**
 * Removes a member (managers; only an owner removes an owner), or the caller themselves when
 * `memberId` is theirs (leaving: any member). The last owner can do neither. Audit-logged.
 */
export async function removeMember(
  db: Database,
  v: { teamId: string; userId: string; memberId: string } & Meta,
): Promise<Decided<true>> {
  const leaving = v.memberId === v.userId;
  const [, result] = await db.batch([
    lockTeam(db, v.teamId),
    db.execute<{ outcome: string | null; kind: TeamKind | null }>(sql`
      with facts as (
        select t.kind, ${teamRoleOf(v.teamId, v.userId)} as caller_role, ${OWNER_COUNT} as owners,
          (select role from team_members where team_id = t.id and user_id = ${v.memberId}) as member_role
        from teams t where t.id = ${v.teamId}
      ),
      verdict as (
        select facts.*,
          case
            when caller_role is null then 'team-not-found'
            when not ${leaving}::boolean and not ${isTeamManager(v.teamId, v.userId)} then 'manager-required'
            when member_role is null then 'member-not-found'
            when not ${leaving}::boolean and member_role = 'owner' and caller_role <> 'owner' then 'owner-required'
            when member_role = 'owner' and owners <= 1 then 'last-owner'
            else 'ok'
          end as outcome
        from facts
      ),
      removed as (
        delete from team_members m using verdict
        where verdict.outcome = 'ok' and m.team_id = ${v.teamId} and m.user_id = ${v.memberId}
        returning m.user_id, m.role
      ),
      a as (
        ${auditFrom(
          db,
          {
            actorId: v.userId,
            action: leaving ? "team.member_left" : "team.member_removed",
            targetType: "team",
            targetId: v.teamId,
            metadata: sql`jsonb_build_object('userId', removed.user_id, 'role', removed.role)`,
            ...metaOf(v),
          },
          sql`removed`,
        )}
      )
      select verdict.outcome, verdict.kind from (select 1) one left join verdict on true
    `),
  ]);
  return decided(result.rows[0], () => true as const);
}

/**
 * Hands ownership to another member (owners): they become owner, the caller the kind's
 * second role (admin, teacher). Audit-logged. Returns the team as the caller now sees it.
 */
export async function transferOwnership(
  db: Database,
  v: { teamId: string; userId: string; memberId: string } & Meta,
): Promise<Decided<TeamView>> {
  const [, result] = await db.batch([
    lockTeam(db, v.teamId),
    db.execute<TeamRow & { outcome: string | null }>(sql`
      with verdict as (
        select t.id, t.name, t.kind, t.created_at, ${MEMBER_COUNT} as member_count,
          (select role from team_members where team_id = t.id and user_id = ${v.memberId}) as member_role,
          case
            when ${teamRoleOf(v.teamId, v.userId)} is null then 'team-not-found'
            when ${teamRoleOf(v.teamId, v.userId)} <> 'owner' then 'owner-required'
            when ${v.memberId}::uuid = ${v.userId}::uuid then 'transfer-to-self'
            when not exists (select 1 from team_members where team_id = t.id and user_id = ${v.memberId})
              then 'member-not-found'
            else 'ok'
          end as outcome
        from teams t where t.id = ${v.teamId}
      ),
      changed as (
        update team_members m
        set role = case when m.user_id = ${v.memberId} then 'owner' else ${formerOwnerRole(sql`verdict.kind`)} end,
            updated_at = now()
        from verdict
        where verdict.outcome = 'ok' and m.team_id = ${v.teamId} and m.user_id in (${v.memberId}, ${v.userId})
        returning m.user_id, m.role
      ),
      a as (
        ${auditFrom(
          db,
          {
            actorId: v.userId,
            action: "team.ownership_transferred",
            targetType: "team",
            targetId: v.teamId,
            metadata: sql`jsonb_build_object('userId', ${v.memberId}::text, 'previousRole', verdict.member_role)`,
            ...metaOf(v),
          },
          sql`verdict where verdict.outcome = 'ok'`,
        )}
      )
      select verdict.outcome, verdict.kind, verdict.id, verdict.name, verdict.member_count, verdict.created_at,
        ${formerOwnerRole(sql`verdict.kind`)} as role
      from (select 1) one left join verdict on true
    `),
  ]);
  const row = result.rows[0];
  return decided(row, () => toTeamView(row as TeamRow));
}
