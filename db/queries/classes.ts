import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../database";
import type { Difficulty, TeamKind, TeamRole } from "../enums";
import type { Cursor } from "./keyset";
import { isTeamManager, teamRoleOf } from "./team-access";

/**
 * Class lessons, the teacher's progress view and the per-lesson summary. Each route runs ONE
 * statement that reads the caller's place in the team beside its data, so the route tells an
 * unknown team or a non-member (404), a team of the wrong kind (409) and a missing role (403)
 * apart with no round trip of its own; the data parts run only when the caller may see them.
 */

/** The caller's place in the team: no row at all when the team does not exist. */
export interface ClassAccess {
  kind: TeamKind;
  /** Null for a non-member. */
  role: TeamRole | null;
  /** Owner or teacher (the roles that run a class). */
  manager: boolean;
}

/** A lesson as a class lists it; `position` is its place in the class (0 first). */
export interface ClassLessonView {
  id: string;
  title: string;
  category: string;
  difficulty: Difficulty;
  isPremium: boolean;
  position: number;
}

/** The most lessons a class may list. */
export const MAX_CLASS_LESSONS = 200;

/** A timestamptz as the API writes it inside JSON (ISO 8601, UTC, milliseconds). */
function isoText(column: SQL): SQL {
  return sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** The access row of `with access as (…)`; `lock` takes the team row for a write. */
function accessOf(teamId: string, userId: string, lock = false): SQL {
  return sql`
    select kind, ${teamRoleOf(teamId, userId)} as role, coalesce(${isTeamManager(teamId, userId)}, false) as manager
    from teams where id = ${teamId}::uuid ${lock ? sql`for update` : sql``}`;
}

/** True inside a statement when the caller is a member of a class (the `access` CTE). */
const memberOfClass = sql`exists (select 1 from access where kind = 'class' and role is not null)`;

/** True inside a statement when the caller runs the class (the `access` CTE). */
const managerOfClass = sql`exists (select 1 from access where kind = 'class' and manager)`;

/** A lesson row (alias `l`) as the class routes list it, with its place in the class. */
function lessonJson(l: string, position: SQL): SQL {
  const a = sql.raw(l);
  return sql`json_build_object('id', ${a}.id, 'title', ${a}.title, 'category', ${a}.category,
    'difficulty', ${a}.difficulty, 'isPremium', ${a}.is_premium, 'position', ${position})`;
}

type AccessRow = { kind: TeamKind; role: TeamRole | null; manager: boolean };

function accessFrom(row: AccessRow): ClassAccess {
  return { kind: row.kind, role: row.role, manager: row.manager };
}

/** A class's published lessons in the class's order, with the caller's access (members only). */
export async function listClassLessons(
  db: Database,
  v: { teamId: string; userId: string },
): Promise<{ access: ClassAccess; lessons: ClassLessonView[] } | undefined> {
  const result = await db.execute<AccessRow & { lessons: ClassLessonView[] | null }>(sql`
    with access as (${accessOf(v.teamId, v.userId)})
    select a.kind, a.role, a.manager,
      case when ${memberOfClass} then (
        select coalesce(json_agg(${lessonJson("l", sql`c.position`)} order by c.position, l.id), '[]')
        from class_lessons c join lessons l on l.id = c.lesson_id and l.published_at is not null
        where c.team_id = ${v.teamId}::uuid
      ) end as lessons
    from access a
  `);
  const row = result.rows[0];
  return row && { access: accessFrom(row), lessons: row.lessons ?? [] };
}

/**
 * Replaces a class's lesson list (managers), in the order given, with its audit entry: one
 * statement that locks the team row, so two teachers saving at once leave one list or the
 * other. Writes nothing when the caller may not, or when an id is not a published lesson:
 * `missing` then lists the positions in `lessonIds` of those ids.
 */
export async function setClassLessons(
  db: Database,
  v: { teamId: string; userId: string; lessonIds: string[]; ip?: string; userAgent?: string },
): Promise<{ access: ClassAccess; missing: number[]; lessons: ClassLessonView[] | null } | undefined> {
  const result = await db.execute<AccessRow & { missing: number[]; lessons: ClassLessonView[] | null }>(sql`
    with access as (${accessOf(v.teamId, v.userId, true)}),
    wanted as (
      select value as lesson_id, (ordinality - 1)::int as position
      from json_array_elements_text(${JSON.stringify(v.lessonIds)}::json) with ordinality
    ),
    chosen as (
      select w.position, l.id, l.title, l.category, l.difficulty, l.is_premium from wanted w
      join lessons l on l.id = w.lesson_id and l.published_at is not null
    ),
    missing as (
      select coalesce(json_agg(w.position order by w.position), '[]') as positions from wanted w
      where not exists (select 1 from chosen c where c.id = w.lesson_id)
    ),
    allowed as (
      select 1 from missing where ${managerOfClass} and json_array_length(positions) = 0
    ),
    dropped as (
      delete from class_lessons
      where team_id = ${v.teamId}::uuid and exists (select 1 from allowed)
        and lesson_id not in (select id from chosen)
    ),
    listed as (
      insert into class_lessons (team_id, lesson_id, position)
      select ${v.teamId}::uuid, c.id, c.position from chosen c where exists (select 1 from allowed)
      on conflict (team_id, lesson_id) do update set position = excluded.position
    ),
    audited as (
      insert into audit_logs (actor_id, action, target_type, target_id, ip, user_agent, metadata)
      select ${v.userId}::uuid, 'class.lessons_set', 'team', ${v.teamId}, ${v.ip ?? null}, ${v.userAgent ?? null},
        json_build_object('lessonIds', (select coalesce(json_agg(id order by position), '[]') from chosen))::jsonb
      from allowed
    )
    select a.kind, a.role, a.manager, m.positions as missing,
      case when exists (select 1 from allowed) then (
        select coalesce(json_agg(${lessonJson("c", sql`c.position`)} order by c.position), '[]') from chosen c
      ) end as lessons
    from access a, missing m
  `);
  const row = result.rows[0];
  return row && { access: accessFrom(row), missing: row.missing, lessons: row.lessons };
}

/** A published lesson with its config, as GET /api/lessons/:id gives it. */
export interface ClassLessonDetail {
  id: string;
  title: string;
  category: string;
  difficulty: Difficulty;
  isPremium: boolean;
  position: number;
  publishedAt: string;
  updatedAt: string;
  config: Record<string, unknown>;
}

/**
 * The premium rule of classes (README): a premium lesson listed in a class is open to the
 * class's members when one of the class's owners is on the premium tier. True inside a
 * statement when an owner of the team is.
 */
function ownerIsPremium(teamId: SQL): SQL {
  return sql`exists (
    select 1 from team_members m join users u on u.id = m.user_id
    where m.team_id = ${teamId} and m.role = 'owner' and u.tier = 'premium'
  )`;
}

/**
 * The premium rule seen from a lesson: true inside a statement when the user belongs to a class
 * that lists the lesson and has a premium owner (so a free student records progress on a premium
 * lesson their class opens, as they may open it).
 */
export function openedByAClass(lessonId: SQL, userId: string): SQL {
  return sql`exists (
    select 1 from class_lessons cl
    join team_members me on me.team_id = cl.team_id and me.user_id = ${userId}::uuid
    where cl.lesson_id = ${lessonId} and ${ownerIsPremium(sql`cl.team_id`)}
  )`;
}

/**
 * One published lesson listed in the class, config included, with whether an owner of the
 * class is premium (the premium rule); the lesson only for members of a class.
 */
export async function findClassLesson(
  db: Database,
  v: { teamId: string; userId: string; lessonId: string },
): Promise<{ access: ClassAccess; ownerPremium: boolean; lesson: ClassLessonDetail | null } | undefined> {
  const result = await db.execute<
    AccessRow & { owner_premium: boolean; lesson: ClassLessonDetail | null }
  >(sql`
    with access as (${accessOf(v.teamId, v.userId)})
    select a.kind, a.role, a.manager,
      (${memberOfClass} and ${ownerIsPremium(sql`${v.teamId}::uuid`)}) as owner_premium,
      case when ${memberOfClass} then (
        select json_build_object('id', l.id, 'title', l.title, 'category', l.category,
          'difficulty', l.difficulty, 'isPremium', l.is_premium, 'position', l.position,
          'publishedAt', ${isoText(sql`l.published_at`)}, 'updatedAt', ${isoText(sql`l.updated_at`)},
          'config', l.config)
        from class_lessons c join lessons l on l.id = c.lesson_id and l.published_at is not null
        where c.team_id = ${v.teamId}::uuid and c.lesson_id = ${v.lessonId}
      ) end as lesson
    from access a
  `);
  const row = result.rows[0];
  return row && { access: accessFrom(row), ownerPremium: row.owner_premium, lesson: row.lesson };
}

/** A student's record on one lesson of the class. */
export interface LessonRecord {
  completed: boolean;
  bestScore: number;
  attempts: number;
  completedAt: string | null;
}

/** One student's row of the progress view; `joinedAt` keys the page. */
export interface StudentProgress {
  userId: string;
  displayName: string;
  joinedAt: string;
  /** By lesson id; a lesson the student has not tried has no entry. */
  progress: Record<string, LessonRecord>;
}

/**
 * The progress view of a class, one page of students in the order they joined (keyset on
 * joined_at at millisecond precision, then user id, as cursors carry milliseconds): the
 * class's published lessons × its students × their lesson progress, aggregated per student.
 * Managers get every student; a student only their own row; others nothing. Fetches one row
 * more than `limit` to tell whether a next page exists.
 */
export async function classProgress(
  db: Database,
  v: { teamId: string; userId: string; cursor?: Cursor; limit: number },
): Promise<
  { access: ClassAccess; lessons: { id: string; title: string }[]; students: StudentProgress[] } | undefined
> {
  const joinedMs = sql`date_trunc('milliseconds', m.created_at)`;
  const after = v.cursor
    ? sql`and (${joinedMs}, m.user_id) > (${v.cursor.at}::timestamptz, ${v.cursor.id}::uuid)`
    : sql``;
  const result = await db.execute<
    AccessRow & { lessons: { id: string; title: string }[] | null; students: StudentProgress[] | null }
  >(sql`
    with access as (${accessOf(v.teamId, v.userId)}),
    class_lesson as (
      select l.id, l.title, c.position from class_lessons c
      join lessons l on l.id = c.lesson_id and l.published_at is not null
      where c.team_id = ${v.teamId}::uuid and ${memberOfClass}
    ),
    roster as (
      select m.user_id, u.display_name, ${joinedMs} as joined_at
      from team_members m join users u on u.id = m.user_id
      where m.team_id = ${v.teamId}::uuid and m.role = 'student'
        and (${managerOfClass} or (${memberOfClass} and m.user_id = ${v.userId}::uuid))
        ${after}
      order by ${joinedMs}, m.user_id
      limit ${v.limit + 1}
    ),
    student_row as (
      select r.user_id, r.display_name, r.joined_at,
        coalesce(json_object_agg(p.lesson_id, json_build_object(
          'completed', p.completed, 'bestScore', p.best_score, 'attempts', p.attempts,
          'completedAt', ${isoText(sql`p.completed_at`)}
        )) filter (where p.lesson_id is not null), '{}') as progress
      from roster r
      left join (lesson_progress p join class_lesson cl on cl.id = p.lesson_id) on p.user_id = r.user_id
      group by r.user_id, r.display_name, r.joined_at
    )
    select a.kind, a.role, a.manager,
      (select coalesce(json_agg(json_build_object('id', id, 'title', title) order by position, id), '[]')
       from class_lesson) as lessons,
      (select coalesce(json_agg(json_build_object('userId', user_id, 'displayName', display_name,
          'joinedAt', ${isoText(sql`joined_at`)}, 'progress', progress) order by joined_at, user_id), '[]')
       from student_row) as students
    from access a
  `);
  const row = result.rows[0];
  return row && { access: accessFrom(row), lessons: row.lessons ?? [], students: row.students ?? [] };
}

/** One bucket of a best-score histogram: scores `from`–`to`, both included. */
export interface ScoreBucket {
  from: number;
  to: number;
  count: number;
}

/** A lesson's line in the class summary. */
export interface LessonSummaryLine {
  lessonId: string;
  title: string;
  /** Students in the class (the same for every lesson). */
  students: number;
  /** Students with at least one attempt. */
  attempted: number;
  completed: number;
  /** Best scores of the students who attempted, in 10 buckets: 0–9, 10–19, … 80–89, 90–100. */
  bestScores: ScoreBucket[];
}

/**
 * Per lesson of the class (managers): students, how many attempted and completed it, and a
 * histogram of their best scores in ten buckets (width_bucket over 0–100; a perfect 100
 * joins the 90s, so the last bucket is 90–100). One statement.
 */
export async function classProgressSummary(
  db: Database,
  v: { teamId: string; userId: string },
): Promise<{ access: ClassAccess; lessons: LessonSummaryLine[] } | undefined> {
  const result = await db.execute<AccessRow & { lessons: LessonSummaryLine[] | null }>(sql`
    with access as (${accessOf(v.teamId, v.userId)}),
    class_lesson as (
      select l.id, l.title, c.position from class_lessons c
      join lessons l on l.id = c.lesson_id and l.published_at is not null
      where c.team_id = ${v.teamId}::uuid and ${managerOfClass}
    ),
    student as (
      select user_id from team_members where team_id = ${v.teamId}::uuid and role = 'student'
    ),
    score as (
      select p.lesson_id, p.completed, least(width_bucket(p.best_score, 0, 100, 10), 10) as bucket
      from lesson_progress p
      join student s on s.user_id = p.user_id
      join class_lesson cl on cl.id = p.lesson_id
    ),
    bucket_count as (
      select lesson_id, bucket, count(*)::int as n from score group by lesson_id, bucket
    ),
    histogram as (
      select cl.id as lesson_id,
        json_agg(json_build_object('from', (g.b - 1) * 10, 'to', case when g.b = 10 then 100 else g.b * 10 - 1 end,
          'count', coalesce(bc.n, 0)) order by g.b) as buckets
      from class_lesson cl cross join generate_series(1, 10) as g(b)
      left join bucket_count bc on bc.lesson_id = cl.id and bc.bucket = g.b
      group by cl.id
    ),
    total as (
      select lesson_id, count(*)::int as attempted, (count(*) filter (where completed))::int as completed
      from score group by lesson_id
    ),
    line as (
      select cl.id, cl.title, cl.position, h.buckets,
        (select count(*) from student)::int as students,
        coalesce(t.attempted, 0) as attempted, coalesce(t.completed, 0) as completed
      from class_lesson cl join histogram h on h.lesson_id = cl.id
      left join total t on t.lesson_id = cl.id
    )
    select a.kind, a.role, a.manager,
      (select coalesce(json_agg(json_build_object('lessonId', id, 'title', title, 'students', students,
          'attempted', attempted, 'completed', completed, 'bestScores', buckets) order by position, id), '[]')
       from line) as lessons
    from access a
  `);
  const row = result.rows[0];
  return row && { access: accessFrom(row), lessons: row.lessons ?? [] };
}
