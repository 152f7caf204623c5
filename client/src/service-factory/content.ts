/** IContentService over the SDK's lessons: `publishedAt` for `published`, partial updates. */
import type { ContentService, LessonInput } from "../types";
import { expectArg, expectOptionalArg } from "./args";
import { toLesson } from "./convert";
import type { IContentService, Lesson, LessonToCreate } from "./types";

type Fields = Partial<Omit<Lesson, "config">> & { config?: Record<string, unknown> | null };

/** Checks the fields the site may send; `method` names the call in the error. */
function checkFields(method: string, fields: Fields): void {
  expectOptionalArg(method, "lesson.title", fields.title, "string");
  expectOptionalArg(method, "lesson.category", fields.category, "string");
  expectOptionalArg(method, "lesson.difficulty", fields.difficulty, "string");
  if (fields.config !== null) expectOptionalArg(method, "lesson.config", fields.config, "object");
  expectOptionalArg(method, "lesson.isPremium", fields.isPremium, "boolean");
  if (
    fields.publishedAt !== undefined &&
    fields.publishedAt !== null &&
    !(fields.publishedAt instanceof Date)
  )
    throw new TypeError(`${method}: lesson.publishedAt must be a Date or null`);
}

/** `published` from `publishedAt` (a date: published; null: a draft), when given. */
const publishedOf = (fields: Fields) =>
  fields.publishedAt === undefined ? {} : { published: fields.publishedAt !== null };

export function adaptContent(content: ContentService): IContentService {
  return {
    async loadCurriculum() {
      return (await content.loadCurriculum()).map(toLesson);
    },
    async loadLesson(lessonId) {
      expectArg("contentService.loadLesson", "lessonId", lessonId, "string");
      return toLesson(await content.loadLesson(lessonId));
    },
    async createLesson(lesson: LessonToCreate) {
      const method = "contentService.createLesson";
      expectArg(method, "lesson", lesson, "object");
      expectArg(method, "lesson.id", lesson.id, "string");
      expectArg(method, "lesson.title", lesson.title, "string");
      expectArg(method, "lesson.category", lesson.category, "string");
      expectArg(method, "lesson.difficulty", lesson.difficulty, "string");
      checkFields(method, lesson);
      const input: LessonInput = {
        id: lesson.id,
        title: lesson.title,
        category: lesson.category,
        difficulty: lesson.difficulty,
        ...(lesson.config && { config: lesson.config }),
        ...(lesson.isPremium !== undefined && { isPremium: lesson.isPremium }),
        ...publishedOf(lesson),
      };
      return toLesson(await content.createLesson(input));
    },
    async updateLesson(lessonId, updates) {
      const method = "contentService.updateLesson";
      expectArg(method, "lessonId", lessonId, "string");
      expectArg(method, "updates", updates, "object");
      checkFields(method, updates);
      // The API replaces a lesson whole (PUT): the fields not given are the lesson's own.
      const current = await content.loadLesson(lessonId);
      const updated = await content.updateLesson(lessonId, {
        title: updates.title ?? current.title,
        category: updates.category ?? current.category,
        difficulty: updates.difficulty ?? current.difficulty,
        config: updates.config ?? current.config,
        isPremium: updates.isPremium ?? current.isPremium,
        position: current.position,
        published: current.published,
        ...publishedOf(updates),
      });
      return toLesson(updated);
    },
    async deleteLesson(lessonId) {
      expectArg("contentService.deleteLesson", "lessonId", lessonId, "string");
      await content.deleteLesson(lessonId);
    },
  };
}
