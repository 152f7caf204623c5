import { asc, eq, isNotNull, sql } from "drizzle-orm";
import { type Database, prepareOnce } from "../database";
import { type Lesson, lessons } from "../schema/lessons";
import { type AuditEntry, insertAuditIf } from "./audit";

export type LessonInput = Omit<Lesson, "createdAt" | "updatedAt" | "publishedAt"> & { published: boolean };

const lessonSummaryColumns = {
  id: lessons.id,
  title: lessons.title,
  category: lessons.category,
  difficulty: lessons.difficulty,
  isPremium: lessons.isPremium,
  position: lessons.position,
  publishedAt: lessons.publishedAt,
  updatedAt: lessons.updatedAt,
};

/** The curriculum query, prepared once per isolate for each audience. */
const curriculumStatement = (withDrafts: boolean) =>
  prepareOnce((db) =>
    db
      .select(lessonSummaryColumns)
      .from(lessons)
      .where(withDrafts ? undefined : isNotNull(lessons.publishedAt))
      .orderBy(asc(lessons.category), asc(lessons.position), asc(lessons.id))
      .prepare(withDrafts ? "list_lessons_with_drafts" : "list_lessons"),
  );
const publishedCurriculum = curriculumStatement(false);
const fullCurriculum = curriculumStatement(true);

/** The curriculum in order, without configs; drafts only when asked (admins). */
export function listLessons(db: Database, withDrafts: boolean) {
  return (withDrafts ? fullCurriculum : publishedCurriculum)(db).execute();
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

/** The audit insert of a change to a lesson, written only if the lesson exists (for one batch with the change). */
export function insertLessonAudit(db: Database, id: string, entry: AuditEntry) {
  return insertAuditIf(
    db,
    { ...entry, targetType: "lesson", targetId: id },
    sql`select 1 from lessons where id = ${id}`,
  );
}
