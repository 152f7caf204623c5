import { createRoute, z } from "@hono/zod-openapi";
import { progressSummary } from "../../db/queries/progress-summary";
import { createRouter } from "../../shared/app";
import { sqlStateOf } from "../../shared/db-errors";
import { validationError } from "../../shared/errors";
import { requireAuth } from "../../shared/middleware/auth";
import { jsonContent, problemContent } from "../../shared/openapi";
import { ProgressSummaryQuery } from "../../shared/schemas/events";

const ProgressSummarySchema = z
  .object({
    timeZone: z.string(),
    completedLessons: z.number().int(),
    totalLessons: z.number().int(),
    completionPercent: z.number().openapi({ description: "Published lessons completed, 0–100, one decimal" }),
    categories: z.array(
      z.object({
        category: z.string(),
        completed: z.number().int(),
        total: z.number().int(),
        completionPercent: z.number(),
      }),
    ),
    currentStreak: z
      .number()
      .int()
      .openapi({ description: "Days in a row, ending today or yesterday in timeZone" }),
    longestStreak: z.number().int(),
    lastActiveDay: z
      .string()
      .nullable()
      .openapi({ description: "Your last day with a completed lesson (YYYY-MM-DD)" }),
    recent: z.array(
      z.object({
        lessonId: z.string(),
        title: z.string().nullable(),
        category: z.string().nullable(),
        completed: z.boolean(),
        bestScore: z.number().int(),
        attempts: z.number().int(),
        at: z.iso.datetime(),
      }),
    ),
  })
  .openapi("ProgressSummary");

const summary = createRoute({
  method: "get",
  path: "/summary",
  tags: ["Progress"],
  security: [{ bearer: [] }],
  middleware: requireAuth(),
  summary:
    "Your progress at a glance: lessons completed per category, streaks in your time zone, recent activity",
  request: { query: ProgressSummaryQuery },
  responses: {
    200: jsonContent(ProgressSummarySchema, "The summary"),
    400: problemContent("An unknown time zone"),
    401: problemContent("Not signed in"),
  },
});

const percent = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10);

/** Postgres refusing a time zone the runtime knew (their zone databases differ slightly). */
const UNKNOWN_TIME_ZONE = "22023";

/**
 * GET /api/progress/summary, mounted before the progress group so `/summary` is not taken
 * for a lesson id.
 */
export const progressSummaryRoutes = createRouter().openapi(summary, async (c) => {
  const { tz } = c.req.valid("query");
  const row = await progressSummary(c.get("db"), { userId: c.get("userId"), tz, now: new Date() }).catch(
    (error: unknown) => {
      if (sqlStateOf(error) === UNKNOWN_TIME_ZONE) {
        throw validationError([{ path: "query.tz", message: "is not a time zone we know" }]);
      }
      throw error;
    },
  );
  const completedLessons = row.categories.reduce((n, c) => n + c.completed, 0);
  const totalLessons = row.categories.reduce((n, c) => n + c.total, 0);
  return c.json(
    {
      timeZone: tz,
      completedLessons,
      totalLessons,
      completionPercent: percent(completedLessons, totalLessons),
      categories: row.categories.map((k) => ({ ...k, completionPercent: percent(k.completed, k.total) })),
      currentStreak: row.currentStreak,
      longestStreak: row.longestStreak,
      lastActiveDay: row.lastActiveDay,
      recent: row.recent,
    },
    200,
  );
});
