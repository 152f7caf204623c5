import { and, asc, eq, sql } from "drizzle-orm";
import type { Database } from "../database";
import { type LessonProgress, lessonProgress } from "../schema/lessons";
import { openedByAClass } from "./classes";

export interface ProgressInput {
  lessonId: string;
  score: number;
  completed: boolean;
  /** Client-made id of this attempt: a repeat of it is counted once. */
  attemptId?: string;
}

/**
 * Records an attempt in one statement: keeps the best score, counts attempts, stamps the
 * first completion; only for a published lesson the user's tier may take (or a class of theirs
 * opens: openedByAClass). An attempt whose
 * `attemptId` was already counted changes nothing and returns the progress as it is. Also
 * returns whether the lesson exists and is premium, to tell 404 from 403.
 */
export function recordProgressStatement(
  db: Database,
  v: ProgressInput & { userId: string; premium: boolean },
) {
  const attemptId = v.attemptId ?? null;
  return db.execute<RecordRow>(sql`
    with lesson as (
      select id, is_premium from lessons where id = ${v.lessonId} and published_at is not null
    ),
    allowed as (
      select id from lesson
      where not lesson.is_premium or ${v.premium} or ${openedByAClass(sql`lesson.id`, v.userId)}
    ),
    first_time as (
      insert into progress_attempts (user_id, attempt_id, lesson_id)
      select ${v.userId}, ${attemptId}::uuid, allowed.id from allowed where ${attemptId}::uuid is not null
      on conflict do nothing
      returning attempt_id
    ),
    up as (
      insert into lesson_progress (user_id, lesson_id, completed, score, best_score, attempts, completed_at, updated_at)
      select ${v.userId}, allowed.id, ${v.completed}, ${v.score}, ${v.score}, 1,
             case when ${v.completed} then now() end, now()
      from allowed where ${attemptId}::uuid is null or exists (select 1 from first_time)
      on conflict (user_id, lesson_id) do update set
        completed = lesson_progress.completed or excluded.completed,
        score = excluded.score,
        best_score = greatest(lesson_progress.best_score, excluded.score),
        attempts = lesson_progress.attempts + 1,
        completed_at = coalesce(lesson_progress.completed_at, excluded.completed_at),
        updated_at = now()
      returning *
    )
    select coalesce(
        (select row_to_json(up) from up),
        (select row_to_json(p) from lesson_progress p, allowed
         where p.user_id = ${v.userId} and p.lesson_id = allowed.id)
      ) as progress,
      (select is_premium from lesson) as lesson_premium
  `);
}

/** A user's progress rows, optionally for one lesson. */
export function listProgress(db: Database, userId: string, lessonId?: string) {
  return db
    .select()
    .from(lessonProgress)
    .where(
      and(eq(lessonProgress.userId, userId), lessonId ? eq(lessonProgress.lessonId, lessonId) : undefined),
    )
    .orderBy(asc(lessonProgress.lessonId));
}

/** What recording an attempt came to: the progress after it, or why it was refused. */
export type ProgressOutcome =
  | { ok: true; progress: LessonProgress }
  | { ok: false; status: 403 | 404; reason: string };

type RecordRow = { progress: Record<string, unknown> | null; lesson_premium: boolean | null };

/** A lesson_progress row as row_to_json returns it. */
function fromJson(row: Record<string, unknown>): LessonProgress {
  return {
    userId: row.user_id as string,
    lessonId: row.lesson_id as string,
    completed: row.completed as boolean,
    score: row.score as number,
    bestScore: row.best_score as number,
    attempts: row.attempts as number,
    completedAt: row.completed_at ? new Date(row.completed_at as string) : null,
    updatedAt: new Date(row.updated_at as string),
  };
}

/** Reads the result of a recordProgressStatement (alone or from a batch). */
export function readProgressOutcome(result: { rows: RecordRow[] }): ProgressOutcome {
  const row = result.rows[0];
  if (row?.progress) return { ok: true, progress: fromJson(row.progress) };
  if (row?.lesson_premium === true)
    return { ok: false, status: 403, reason: "premium required for this lesson" };
  return { ok: false, status: 404, reason: "no such lesson" };
}

/** Records one attempt. */
export async function recordProgress(db: Database, v: ProgressInput & { userId: string; premium: boolean }) {
  return readProgressOutcome(await recordProgressStatement(db, v));
}

/**
 * Records a batch of attempts and reads all the user's progress afterwards, in one
 * db.batch (one round trip, one transaction, in order).
 */
export async function recordProgressBatch(
  db: Database,
  v: { userId: string; premium: boolean; attempts: ProgressInput[] },
) {
  const statements = v.attempts.map((a) =>
    recordProgressStatement(db, { ...a, userId: v.userId, premium: v.premium }),
  );
  const all = listProgress(db, v.userId);
  const out = await db.batch([...statements, all] as unknown as [typeof all]);
  return {
    outcomes: v.attempts.map((_, i) => readProgressOutcome(out[i] as unknown as { rows: RecordRow[] })),
    progress: out[out.length - 1] as LessonProgress[],
  };
}
