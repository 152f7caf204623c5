import { and, asc, eq, gt, isNull, or, sql } from "drizzle-orm";
import { type Database, prepareOnce } from "../database";
import { FREE_PATTERN_LIMIT } from "../entitlements";
import { type Mixer, type Pattern, patterns, type Track } from "../schema/patterns";

export interface PatternInput {
  name: string;
  tempo: number;
  tracks: Track[];
  mixer: Mixer;
  isPublic: boolean;
}

type Row = Record<string, unknown>;

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

/**
 * Creates a pattern with a (possibly client-made) id, unless the id is taken or a free
 * account is at its limit; one round trip (the owner's lock, then the insert, in one batch).
 * Returns what happened and, when the id exists, that pattern (for the idempotent-repeat check).
 */
export async function createPattern(db: Database, v: PatternInput & { id: string; userId: string }) {
  const [, created] = await db.batch([
    lockPatternOwnerStatement(db, v.userId),
    createPatternStatement(db, v),
  ]);
  return readCreate(created);
}

/**
 * Locks the user's row until the batch commits. Put it first in a batch that creates
 * patterns: under READ COMMITTED each later statement then counts the user's patterns with
 * a snapshot taken after every concurrent create has committed, so the free quota holds
 * (a lone statement counts with the snapshot it started with, and two overlapping creates
 * both saw 49).
 */
export function lockPatternOwnerStatement(db: Database, userId: string) {
  return db.execute(sql`select 1 from users where id = ${userId} for update`);
}

/**
 * The statement of `createPattern`, for a `db.batch` after `lockPatternOwnerStatement`;
 * read its result with `readCreate`.
 */
export function createPatternStatement(db: Database, v: PatternInput & { id: string; userId: string }) {
  return db.execute<{ created: Row | null; existing: Row | null }>(sql`
    with existing as (select * from patterns where id = ${v.id}),
    seq as (
      update users set pattern_seq = pattern_seq + 1
      where id = ${v.userId} and not exists (select 1 from existing)
        and (tier = 'premium'
             or (select count(*) from patterns where user_id = ${v.userId} and deleted_at is null) < ${FREE_PATTERN_LIMIT})
      returning pattern_seq
    ),
    ins as (
      insert into patterns (id, user_id, name, tempo, tracks, mixer, is_public, change_seq)
      select ${v.id}, ${v.userId}, ${v.name}, ${v.tempo}, ${JSON.stringify(v.tracks)}::jsonb,
             ${JSON.stringify(v.mixer)}::jsonb, ${v.isPublic}, seq.pattern_seq
      from seq
      on conflict (id) do nothing
      returning *
    )
    select (select row_to_json(ins) from ins) as created, (select row_to_json(e) from existing e) as existing
  `);
}

/** What `createPatternStatement` did. */
export function readCreate(result: { rows: { created: Row | null; existing: Row | null }[] }) {
  const row = result.rows[0];
  const created = fromJson(row?.created ?? null);
  if (created) return { outcome: "created" as const, pattern: created };
  const existing = fromJson(row?.existing ?? null);
  if (existing) return { outcome: "exists" as const, pattern: existing };
  return { outcome: "quota" as const };
}

/**
 * Writes changes to one of the user's live patterns (or tombstones it), optionally only if
 * it is still at `ifVersion`; one statement. `current` is the pattern as it was, so a
 * version mismatch can answer 412 with it.
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
}

/** The statement of `updatePattern`, for a `db.batch`; read its result with `readUpdate`. */
export function updatePatternStatement(db: Database, v: PatternUpdate) {
  const c = v.changes;
  return db.execute<{ updated: Row | null; current: Row | null }>(sql`
    with current as (
      select * from patterns where id = ${v.id} and user_id = ${v.userId} and deleted_at is null
    ),
    seq as (
      update users set pattern_seq = pattern_seq + 1
      where id = ${v.userId}
        and exists (select 1 from current where ${v.ifVersion ?? null}::int is null or version = ${v.ifVersion ?? null}::int)
      returning pattern_seq
    ),
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
      from seq
      where p.id = ${v.id} and p.user_id = ${v.userId} and p.deleted_at is null
        and (${v.ifVersion ?? null}::int is null or p.version = ${v.ifVersion ?? null}::int)
      returning p.*
    )
    select (select row_to_json(upd) from upd) as updated, (select row_to_json(c) from current c) as current
  `);
}

/** What `updatePatternStatement` did: the new pattern, and the pattern as it was. */
export function readUpdate(result: { rows: { updated: Row | null; current: Row | null }[] }) {
  const row = result.rows[0];
  return { updated: fromJson(row?.updated ?? null), current: fromJson(row?.current ?? null) };
}

/** A live pattern the user may see: their own, or anyone's public one. */
export async function findVisiblePattern(db: Database, id: string, userId: string | undefined) {
  const [pattern] = await db
    .select()
    .from(patterns)
    .where(
      and(
        eq(patterns.id, id),
        isNull(patterns.deletedAt),
        userId ? or(eq(patterns.userId, userId), eq(patterns.isPublic, true)) : eq(patterns.isPublic, true),
      ),
    )
    .limit(1);
  return pattern;
}

/** The user's patterns in change order, as a query builder (delta sync batches it with its writes). */
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
 * The user's patterns in change order after `afterSeq`: live ones for a listing, or every
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
