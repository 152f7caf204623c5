import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { DIFFICULTIES } from "../enums";
import { users } from "./users";

export { DIFFICULTIES, type Difficulty } from "../enums";

/** The lesson catalogue, edited by admins without a deploy. Unpublished lessons are drafts. */
export const lessons = pgTable(
  "lessons",
  {
    id: text().primaryKey(),
    title: text().notNull(),
    category: text().notNull(),
    difficulty: text({ enum: DIFFICULTIES }).notNull(),
    config: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    isPremium: boolean().notNull().default(false),
    position: integer().notNull().default(0),
    publishedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check("lessons_difficulty_check", sql`${t.difficulty} in ('beginner', 'intermediate', 'advanced')`),
    index("lessons_catalogue_idx").on(t.category, t.position),
  ],
);

/** A user's progress on a lesson: best score, attempts, first completion. */
export const lessonProgress = pgTable(
  "lesson_progress",
  {
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    lessonId: text()
      .notNull()
      .references(() => lessons.id, { onDelete: "cascade" }),
    completed: boolean().notNull().default(false),
    score: integer().notNull(),
    bestScore: integer().notNull(),
    attempts: integer().notNull().default(1),
    completedAt: timestamp({ withTimezone: true }),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.lessonId] })],
);

export type Lesson = typeof lessons.$inferSelect;
export type LessonProgress = typeof lessonProgress.$inferSelect;

/**
 * Client-made attempt ids already counted, per user: an attempt sent again (a retry after a
 * lost answer, or an offline queue flushed twice) is recognised and counted once.
 */
export const progressAttempts = pgTable(
  "progress_attempts",
  {
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    attemptId: uuid().notNull(),
    lessonId: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.attemptId] })],
);
