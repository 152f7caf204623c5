import { z } from "@hono/zod-openapi";
import { DIFFICULTIES } from "../../db/enums";
import { MAX_CLASS_LESSONS } from "../../db/queries/classes";
import { Slug } from "../../shared/schemas/lessons";
import { pageQuery } from "../../shared/schemas/page";

export const TeamIdParam = z.object({ id: z.uuid() });

export const ClassLessonParams = z.object({ id: z.uuid(), lessonId: Slug });

export const SetClassLessonsBody = z
  .object({
    lessonIds: z
      .array(Slug)
      .max(MAX_CLASS_LESSONS)
      .superRefine((ids, ctx) => {
        const seen = new Set<string>();
        ids.forEach((id, i) => {
          if (seen.has(id)) ctx.addIssue({ code: "custom", path: [i], message: "lists this lesson twice" });
          seen.add(id);
        });
      })
      .openapi({ description: `Published lesson ids in the class's order, at most ${MAX_CLASS_LESSONS}` }),
  })
  .strict()
  .openapi("SetClassLessons");

/** Students are paged in the order they joined the class. */
export const ClassProgressQuery = pageQuery(z.uuid());

export const ClassLessonSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    category: z.string(),
    difficulty: z.enum(DIFFICULTIES),
    isPremium: z.boolean(),
    position: z.number().int().openapi({ description: "Its place in the class, 0 first" }),
  })
  .openapi("ClassLesson");

export const ClassLessonsSchema = z.object({ lessons: z.array(ClassLessonSchema) }).openapi("ClassLessons");

/** The lesson as GET /api/lessons/:id gives it (a class lists published lessons only). */
export const ClassLessonDetailSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    category: z.string(),
    difficulty: z.enum(DIFFICULTIES),
    isPremium: z.boolean(),
    position: z.number().int().openapi({ description: "Its place in the catalogue's category" }),
    published: z.boolean(),
    publishedAt: z.iso.datetime().nullable(),
    updatedAt: z.iso.datetime(),
    config: z.record(z.string(), z.unknown()),
  })
  .openapi("ClassLessonDetail");

const LessonRecordSchema = z.object({
  completed: z.boolean(),
  bestScore: z.number().int(),
  attempts: z.number().int(),
  completedAt: z.iso.datetime().nullable(),
});

export const ClassProgressSchema = z
  .object({
    lessons: z.array(z.object({ id: z.string(), title: z.string() })),
    students: z.array(
      z.object({
        userId: z.string(),
        displayName: z.string(),
        progress: z
          .record(z.string(), LessonRecordSchema)
          .openapi({ description: "By lesson id; a lesson the student has not tried has no entry" }),
      }),
    ),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: "Pass as `cursor` for the next page of students; null at the end" }),
  })
  .openapi("ClassProgress");

export const ClassProgressSummarySchema = z
  .object({
    lessons: z.array(
      z.object({
        lessonId: z.string(),
        title: z.string(),
        students: z.number().int(),
        attempted: z.number().int(),
        completed: z.number().int(),
        bestScores: z
          .array(z.object({ from: z.number().int(), to: z.number().int(), count: z.number().int() }))
          .openapi({ description: "Best scores of the students who tried it: 0–9, 10–19, … 90–100" }),
      }),
    ),
  })
  .openapi("ClassProgressSummary");
