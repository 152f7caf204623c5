import { and, asc, eq, isNotNull, sql } from "drizzle-orm";
import type { Database } from "../database";
import { type Lesson, lessonProgress, lessons } from "../schema/lessons";

export type LessonInput = Omit<Lesson, "createdAt" | "updatedAt" | "publishedAt"> & { published: boolean };

/** The curriculum in order, without configs; drafts only when asked (admins). */
export function listLessons(db: Database, withDrafts: boolean) {
  return db
    .select({
      id: lessons.id,
      title: lessons.title,
      category: lessons.category,
      difficulty: lessons.difficulty,
      isPremium: lessons.isPremium,
      position: lessons.position,
      publishedAt: lessons.publishedAt,
      updatedAt: lessons.updatedAt,
    })
    .from(lessons)
    .where(withDrafts ? undefined : isNotNull(lessons.publishedAt))
    .orderBy(asc(lessons.category), asc(lessons.position), asc(lessons.id));
}

/** One lesson with its config. */
export async function findLesson(db: Database, id: string) {
  const [lesson] = await db.select().from(lessons).where(eq(lessons.id, id)).limit(1);
  return lesson;
}

function values(input: LessonInput) {
  const { published, ...rest } = input;
  return { ...rest, publishedAt: published ? sql`coalesce(${lessons.publishedAt}, now())` : null };
}

/** The insert of a new lesson (a unique violation means the id is taken). */
export function insertLesson(db: Database, input: LessonInput) {
  const { published, ...rest } = input;
  return db
    .insert(lessons)
    .values({ ...rest, publishedAt: published ? new Date() : null })
    .returning();
}

/** The update of a lesson, keeping its first publication time while it stays published. */
export function replaceLesson(db: Database, input: LessonInput) {
  return db
    .update(lessons)
    .set({ ...values(input), updatedAt: new Date() })
    .where(eq(lessons.id, input.id))
    .returning();
}

/** The delete of a lesson (its progress rows go with it). */
export function deleteLesson(db: Database, id: string) {
  return db.delete(lessons).where(eq(lessons.id, id)).returning({ id: lessons.id });
}

export interface ProgressInput {
  lessonId: string;
  score: number;
  completed: boolean;
  /** Client-made id of this attempt: a repeat of it is counted once. */
  attemptId?: string;
}

/**
 * Records an attempt in one statement: keeps the best score, counts attempts, stamps the
 * first completion; only for a published lesson the user's tier may take. An attempt whose
 * `attemptId` was already counted changes nothing and returns the progress as it is. Also
 * returns whether the lesson exists and is premium, to tell 404 from 403.
 */
export function recordProgressStatement(
  db: Database,
  v: ProgressInput & { userId: string; premium: boolean },
) {
  const attemptId = v.attemptId ?? null;
  return db.execute<{ progress: Record<string, unknown> | null; lesson_premium: boolean | null }>(sql`
    with lesson as (
      select id, is_premium from lessons where id = ${v.lessonId} and published_at is not null
    ),
    allowed as (
      select id from lesson where not lesson.is_premium or ${v.premium}
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
