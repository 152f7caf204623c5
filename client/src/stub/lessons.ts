/** Stub lessons (functions/lessons): the seeded curriculum, premium gating, admin edits. */
import { LessonBody, LessonIdParam, ReplaceLessonBody } from "../../../shared/schemas/lessons";
import type { Backend } from "../backend";
import type { Lesson, LessonSummary } from "../types";
import { stubProblems as p, validate } from "./problems";
import { SEED_LESSONS } from "./seed";
import type { StoredLesson, StubDb, StubWorld } from "./world";

/** The lessons table, seeded from db/seed.sql on first use. */
export function lessonsOf(db: StubDb): Record<string, StoredLesson> {
  if (!db.lessons) {
    const now = new Date().toISOString();
    db.lessons = {};
    for (const l of SEED_LESSONS) {
      const { published, ...rest } = l;
      db.lessons[l.id] = { ...rest, publishedAt: published ? now : null, updatedAt: now };
    }
  }
  return db.lessons;
}

/** functions/lessons/index.ts toSummary. */
function toLessonSummary(l: StoredLesson): LessonSummary {
  return {
    id: l.id,
    title: l.title,
    category: l.category,
    difficulty: l.difficulty,
    isPremium: l.isPremium,
    position: l.position,
    published: l.publishedAt !== null,
    publishedAt: l.publishedAt,
    updatedAt: l.updatedAt,
  };
}
const toLessonDto = (l: StoredLesson): Lesson => ({ ...toLessonSummary(l), config: l.config });

const byCategoryAndPosition = (a: StoredLesson, b: StoredLesson) =>
  a.category !== b.category
    ? a.category < b.category
      ? -1
      : 1
    : a.position !== b.position
      ? a.position - b.position
      : a.id < b.id
        ? -1
        : 1;

type LessonCalls = "listLessons" | "getLesson" | "createLesson" | "updateLesson" | "deleteLesson";

/** The curriculum for everyone, drafts for admins, and the admins' edits. */
export function stubLessons(world: StubWorld): Pick<Backend, LessonCalls> {
  return {
    listLessons() {
      return world.tx((db) => {
        const withDrafts = world.maybeViewer(db, "/api/lessons")?.role === "admin";
        return Object.values(lessonsOf(db))
          .filter((l) => withDrafts || l.publishedAt !== null)
          .sort(byCategoryAndPosition)
          .map(toLessonSummary);
      });
    },
    getLesson(id) {
      const instance = `/api/lessons/${id}`;
      return world.tx((db) => {
        validate(LessonIdParam, { id }, instance, "param");
        const who = world.maybeViewer(db, instance);
        const lesson = lessonsOf(db)[id];
        if (!lesson || (lesson.publishedAt === null && who?.role !== "admin"))
          throw p.notFound("No lesson with this id.", instance);
        if (lesson.isPremium && who?.tier !== "premium" && who?.role !== "admin")
          throw p.premiumRequired("This lesson is for premium members. Upgrade to unlock it.", instance);
        return toLessonDto(lesson);
      });
    },
    createLesson(body) {
      const instance = "/api/lessons";
      return world.tx((db) => {
        world.admin(db, instance);
        const input = validate(LessonBody, body, instance);
        const lessons = lessonsOf(db);
        if (lessons[input.id]) throw p.conflict("A lesson with this id already exists.", instance);
        const { published, ...rest } = input;
        const now = new Date().toISOString();
        const lesson: StoredLesson = { ...rest, publishedAt: published ? now : null, updatedAt: now };
        lessons[input.id] = lesson;
        return toLessonDto(lesson);
      });
    },
    updateLesson(id, body) {
      const instance = `/api/lessons/${id}`;
      return world.tx((db) => {
        world.admin(db, instance);
        validate(LessonIdParam, { id }, instance, "param");
        const input = validate(ReplaceLessonBody, body, instance);
        const lessons = lessonsOf(db);
        const before = lessons[id];
        if (!before) throw p.notFound("No lesson with this id.", instance);
        const { published, ...rest } = input;
        const now = new Date().toISOString();
        const lesson: StoredLesson = {
          id,
          ...rest,
          publishedAt: published ? (before.publishedAt ?? now) : null,
          updatedAt: now,
        };
        lessons[id] = lesson;
        return toLessonDto(lesson);
      });
    },
    async deleteLesson(id) {
      const instance = `/api/lessons/${id}`;
      await world.tx((db) => {
        world.admin(db, instance);
        validate(LessonIdParam, { id }, instance, "param");
        const lessons = lessonsOf(db);
        if (!lessons[id]) throw p.notFound("No lesson with this id.", instance);
        delete lessons[id];
        for (const mine of Object.values(db.progress)) delete mine[id];
      });
    },
  };
}
