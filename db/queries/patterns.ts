import { and, asc, eq, gt, isNull, or, type SQL, sql } from "drizzle-orm";
import { type Database, prepareOnce, renderOnce } from "../database";
import { FREE_PATTERN_LIMIT, TEAM_PATTERN_LIMIT } from "../entitlements";
import { TEAM_MANAGER_ROLES } from "../enums";
import { type Mixer, type Pattern, patterns, type Track } from "../schema/patterns";
import { teamRoleOf } from "./team-access";

export interface PatternInput {
  name: string;
  tempo: number;
  tracks: Track[];
  mixer: Mixer;
  isPublic: boolean;
}

type Row = Record<string, unknown>;

/**
 * Which patterns a write by id may reach: the user's personal ones, one team's (a team sync,
 * or any request made with that team's API key), or either (a signed-in user by id).
 */
export type PatternScope = "personal" | "any" | { teamId: string };

/** The roles that write every team pattern, as an SQL array literal. */
const MANAGER_ROLES = sql.raw(`array['${TEAM_MANAGER_ROLES.join("','")}']`);

/**
 * The user's role in the team of the pattern row `p` (null for a personal pattern or a
 * non-member): teamRoleOf for a team named by a column instead of a value.
 */
function roleInPatternTeam(userId: string): SQL {
  return sql`team_role(p.team_id, ${userId}::uuid)`;
}

/** A pattern row as row_to_json gives it (snake_case, ISO strings) back in the schema's shape. */
export function fromRow(row: Row): Pattern {
  return {
    id: row.id as string,
    userId: row.user_id as string,
    teamId: (row.team_id as string | null) ?? null,
    name: row.name as string,
    tempo: row.tempo as number,
    tracks: row.tracks as Track[],
    mixer: row.mixer as Mixer,
    isPublic: row.is_public as boolean,
    version: row.version as number,
    changeSeq: Number(row.change_seq),
    createdAt: new Date(row.created_at as string),
    updatedAt: new Date(row.updated_at as string),
    deletedAt: row.deleted_at ? new Date(row.deleted_at as string) : null,
  };
}

function fromJson(row: Row | null): Pattern | undefined {
  return row ? fromRow(row) : undefined;
}

export interface NewPattern extends PatternInput {
  id: string;
  /** The author (and, for a personal pattern, the owner). */
  userId: string;
  /** The team the pattern belongs to; absent for a personal pattern. */
  teamId?: string;
}

/**
 * Creates a pattern with a (possibly client-made) id, unless the id is taken, a free account
 * is at its limit, or (for a team's pattern) the author is not a member or the team is at
 * TEAM_PATTERN_LIMIT; one round trip (the owner's lock, then the insert, in one batch).
 * Returns what happened and, when the id exists, that pattern (for the idempotent-repeat check).
 *
 * `premium` is what the author's access token says. A premium account has no quota to count,
 * so its personal pattern is created by the statement alone, without the lock and the
 * transaction around it (a third of the create's PostgreSQL time): the update of the user's
 * row re-checks the tier on the row it locks, so a concurrent downgrade cannot slip past it.
 * When that statement settles nothing (the account is free by now, or a create of the same id
 * was committing meanwhile), the locked batch answers, in a second round trip.
 */
export async function createPattern(db: Database, v: NewPattern, premium = false) {
  if (premium && v.teamId === undefined) {
    const fast = readCreate(await createPatternStatement(db, v, { premiumOnly: true }));
    if (fast.outcome !== "quota") return fast;
  }
  const [, created] = await db.batch([lockPatternOwnerStatement(db, v), createPatternStatement(db, v)]);
  return readCreate(created);
}

/**
 * Locks the row that counts the new patterns' quota until the batch commits: the user's, or
 * for a team's patterns the team's (only when the user is a member, so a stranger cannot hold
 * a team's lock). Put it first in a batch that creates patterns: under READ COMMITTED each later
 * statement then counts with a snapshot taken after every concurrent create has committed, so
 * the quota holds (a lone statement counts with the snapshot it started with, and two
 * overlapping creates both saw 49).
 */
export function lockPatternOwnerStatement(db: Database, v: { userId: string; teamId?: string }) {
  if (v.teamId === undefined) return db.execute(sql`select 1 from users where id = ${v.userId} for update`);
  return db.execute(
    sql`select 1 from teams where id = ${v.teamId}::uuid and ${teamRoleOf(v.teamId, v.userId)} is not null for update`,
  );
}

/**
 * The statement of `createPattern`, for a `db.batch` after `lockPatternOwnerStatement`;
 * read its result with `readCreate`. A personal pattern takes its change_seq from
 * `users.pattern_seq` and counts toward the free tier's limit (personal patterns only); a
 * team's takes it from `teams.pattern_seq`, needs the author's membership, and counts toward
 * the team's cap. With `premiumOnly` a personal pattern is created only for a premium account
 * (nothing to count, so no lock is needed: `createPattern`). `create_pattern` of migration 0021,
 * whose statements PostgreSQL plans once per connection.
 */
export function createPatternStatement(db: Database, v: NewPattern, options: { premiumOnly?: boolean } = {}) {
  return db.execute<{ created: Row | null; existing: Row | null; member: boolean }>(
    createPatternSql({
      id: v.id,
      userId: v.userId,
      teamId: v.teamId ?? null,
      name: v.name,
      tempo: v.tempo,
      tracks: JSON.stringify(v.tracks),
      mixer: JSON.stringify(v.mixer),
      isPublic: v.isPublic,
      premiumOnly: options.premiumOnly ?? false,
    }),
  );
}

type CreateValues = {
  id: string;
  userId: string;
  teamId: string | null;
  name: string;
  tempo: number;
  tracks: string;
  mixer: string;
  isPublic: boolean;
  premiumOnly: boolean;
};

const createPatternSql = renderOnce<CreateValues>(() => {
  const at = (name: keyof CreateValues) => sql.placeholder(name);
  return sql`select * from create_pattern(${at("id")}::uuid, ${at("userId")}::uuid, ${at("teamId")}::uuid,
    ${at("name")}, ${at("tempo")}, ${at("tracks")}::jsonb, ${at("mixer")}::jsonb, ${at("isPublic")},
    ${at("premiumOnly")}, ${FREE_PATTERN_LIMIT}, ${TEAM_PATTERN_LIMIT})`;
});

/**
 * What `createPatternStatement` did: `no-team` when the author is not a member of the team
 * (nothing else is told), `quota` when a limit stopped it.
 */
export function readCreate(result: {
  rows: { created: Row | null; existing: Row | null; member: boolean }[];
}) {
  const row = result.rows[0];
  if (row && !row.member) return { outcome: "no-team" as const };
  const created = fromJson(row?.created ?? null);
  if (created) return { outcome: "created" as const, pattern: created };
  const existing = fromJson(row?.existing ?? null);
  if (existing) return { outcome: "exists" as const, pattern: existing };
  return { outcome: "quota" as const };
}

/**
 * Writes changes to a live pattern the user may write (or tombstones it), optionally only if it
 * is still at `ifVersion`; one statement. `current` is the pattern as it was when the user may
 * see it, so a version mismatch can answer 412 with it; `denied` tells a team member who may
 * read it but neither wrote it nor manages the team.
 */
export async function updatePattern(db: Database, v: PatternUpdate) {
  return readUpdate(await updatePatternStatement(db, v));
}

export interface PatternUpdate {
  id: string;
  userId: string;
  ifVersion?: number;
  changes: Partial<PatternInput>;
  remove?: boolean;
  /** Which patterns this write may reach (default `personal`). */
  scope?: PatternScope;
}

function scopeFilter(scope: PatternScope): SQL {
  if (scope === "personal") return sql`p.team_id is null`;
  if (scope === "any") return sql`true`;
  return sql`p.team_id = ${scope.teamId}::uuid`;
}

/**
 * The statement of `updatePattern`, for a `db.batch`; read its result with `readUpdate`.
 * Who may write: the owner of a personal pattern; for a team's pattern, a member who wrote it or
 * a manager of the team. Everyone else sees nothing of it (a team member: `current` and
 * `denied`). The new change_seq comes from `users.pattern_seq` for a personal pattern and from
 * `teams.pattern_seq` for a team's, taken in this statement so each sequence commits in order.
 */
export function updatePatternStatement(db: Database, v: PatternUpdate) {
  const c = v.changes;
  const ifVersion = v.ifVersion ?? null;
  return db.execute<{ updated: Row | null; current: Row | null; denied: boolean }>(sql`
    with current as (
      select p.*, ${roleInPatternTeam(v.userId)} as caller_role
      from patterns p
      where p.id = ${v.id} and p.deleted_at is null and ${scopeFilter(v.scope ?? "personal")}
        and case when p.team_id is null then p.user_id = ${v.userId}
                 else ${roleInPatternTeam(v.userId)} is not null end
    ),
    writable as (
      select * from current
      where team_id is null or user_id = ${v.userId} or caller_role = any(${MANAGER_ROLES})
    ),
    allowed as (
      select id, team_id from writable where ${ifVersion}::int is null or version = ${ifVersion}::int
    ),
    user_seq as (
      update users set pattern_seq = pattern_seq + 1
      where id = ${v.userId} and exists (select 1 from allowed where team_id is null)
      returning pattern_seq
    ),
    team_seq as (
      update teams t set pattern_seq = t.pattern_seq + 1
      from allowed a where t.id = a.team_id
      returning t.pattern_seq
    ),
    seq as (select pattern_seq from user_seq union all select pattern_seq from team_seq),
    upd as (
      update patterns p set
        name = coalesce(${c.name ?? null}, p.name),
        tempo = coalesce(${c.tempo ?? null}::int, p.tempo),
        tracks = coalesce(${c.tracks ? JSON.stringify(c.tracks) : null}::jsonb, p.tracks),
        mixer = coalesce(${c.mixer ? JSON.stringify(c.mixer) : null}::jsonb, p.mixer),
        is_public = coalesce(${c.isPublic ?? null}::boolean, p.is_public),
        deleted_at = case when ${v.remove === true} then now() else null end,
        version = p.version + 1,
        change_seq = seq.pattern_seq,
        updated_at = now()
      from seq, allowed a
      where p.id = a.id and p.deleted_at is null
        and (${ifVersion}::int is null or p.version = ${ifVersion}::int)
      returning p.*
    )
    select (select row_to_json(upd) from upd) as updated, (select row_to_json(c) from current c) as current,
      exists (select 1 from current) and not exists (select 1 from writable) as denied
  `);
}

/** What `updatePatternStatement` did: the new pattern, the pattern as it was, and whether the user lacked the right. */
export function readUpdate(result: {
  rows: { updated: Row | null; current: Row | null; denied: boolean }[];
}) {
  const row = result.rows[0];
  return {
    updated: fromJson(row?.updated ?? null),
    current: fromJson(row?.current ?? null),
    denied: row?.denied === true,
  };
}

/**
 * A live pattern the user may see: their own personal one, any pattern of a team they belong
 * to, or anyone's public one. With `teamId` (a team API key's request) only that team's.
 */
export async function findVisiblePattern(
  db: Database,
  id: string,
  userId: string | undefined,
  teamId?: string,
) {
  const [pattern] = await db
    .select()
    .from(patterns)
    .where(
      and(
        eq(patterns.id, id),
        isNull(patterns.deletedAt),
        teamId === undefined ? undefined : eq(patterns.teamId, teamId),
        userId
          ? or(
              and(isNull(patterns.teamId), eq(patterns.userId, userId)),
              sql`team_role(${patterns.teamId}, ${userId}::uuid) is not null`,
              eq(patterns.isPublic, true),
            )
          : eq(patterns.isPublic, true),
      ),
    )
    .limit(1);
  return pattern;
}

/**
 * The user's personal patterns (team patterns have a cursor of their own) in change order, as
 * a query builder (delta sync batches it with its writes).
 */
export function listPatterns(
  db: Database,
  v: { userId: string; afterSeq: number; limit: number; withDeleted: boolean },
) {
  return db
    .select()
    .from(patterns)
    .where(
      and(
        eq(patterns.userId, v.userId),
        isNull(patterns.teamId),
        gt(patterns.changeSeq, v.afterSeq),
        v.withDeleted ? undefined : isNull(patterns.deletedAt),
      ),
    )
    .orderBy(asc(patterns.changeSeq))
    .limit(v.limit + 1);
}

/** The listing query, prepared once per isolate with and without tombstones. */
const pageStatement = (withDeleted: boolean) =>
  prepareOnce((db) =>
    db
      .select()
      .from(patterns)
      .where(
        and(
          eq(patterns.userId, sql.placeholder("userId")),
          isNull(patterns.teamId),
          gt(patterns.changeSeq, sql.placeholder("afterSeq")),
          withDeleted ? undefined : isNull(patterns.deletedAt),
        ),
      )
      .orderBy(asc(patterns.changeSeq))
      .limit(sql.placeholder("rows"))
      .prepare(withDeleted ? "list_pattern_changes" : "list_patterns"),
  );
const livePage = pageStatement(false);
const changesPage = pageStatement(true);

/**
 * The user's personal patterns in change order after `afterSeq`: live ones for a listing, or every
 * change including tombstones for delta sync. One more row than `limit` tells if there is more.
 * The same query as listPatterns, run as a statement prepared once per isolate.
 */
export function listPatternPage(
  db: Database,
  v: { userId: string; afterSeq: number; limit: number; withDeleted: boolean },
): Promise<Pattern[]> {
  return (v.withDeleted ? changesPage : livePage)(db).execute({
    userId: v.userId,
    afterSeq: v.afterSeq,
    rows: v.limit + 1,
  });
}

export interface TeamPage {
  /** False when the user is not a member of the team (then `patterns` is empty). */
  member: boolean;
  patterns: Pattern[];
}

/**
 * A team's patterns in change order after `afterSeq` (cursor from `teams.pattern_seq`), read
 * only when the user is a member: the statement answers the membership too, so a non-member
 * is told apart from an empty page in the same round trip. One more row than `limit` tells
 * if there is more. Read its result with `readTeamPage`; team sync batches it with its writes.
 */
export function listTeamPatternsStatement(
  db: Database,
  v: { teamId: string; userId: string; afterSeq: number; limit: number; withDeleted: boolean },
) {
  const role = teamRoleOf(v.teamId, v.userId);
  return db.execute<{ role: string | null; items: Row[] }>(sql`
    select ${role} as role, coalesce((
      select json_agg(row_to_json(p) order by p.change_seq)
      from (
        select * from patterns
        where team_id = ${v.teamId}::uuid and change_seq > ${v.afterSeq}
          and (${v.withDeleted} or deleted_at is null) and ${role} is not null
        order by change_seq
        limit ${v.limit + 1}
      ) p
    ), '[]'::json) as items
  `);
}

/** What `listTeamPatternsStatement` read. */
export function readTeamPage(result: { rows: { role: string | null; items: Row[] }[] }): TeamPage {
  const row = result.rows[0];
  if (!row || row.role === null) return { member: false, patterns: [] };
  return { member: true, patterns: row.items.map(fromRow) };
}

/** A page of a team's patterns for a member (see listTeamPatternsStatement); one statement. */
export async function listTeamPatternPage(
  db: Database,
  v: { teamId: string; userId: string; afterSeq: number; limit: number; withDeleted: boolean },
): Promise<TeamPage> {
  return readTeamPage(await listTeamPatternsStatement(db, v));
}
