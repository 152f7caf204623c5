import { createRoute, z } from "@hono/zod-openapi";
import {
  activeUsersPerDay,
  conversion,
  failedWebhooks,
  lessonFunnel,
  outboxBacklog,
  revenue,
  signUpsPerDay,
  topSharedPatterns,
} from "../../db/queries/metrics";
import { createRouter } from "../../shared/app";
import { requireRole } from "../../shared/middleware/auth";
import { jsonContent, problemContent } from "../../shared/openapi";
import { MetricsRangeQuery } from "../../shared/schemas/events";

/** Top shared patterns listed. */
const TOP_PATTERNS = 10;

const Range = z.object({ from: z.string(), to: z.string() });

const metricRoute = <T extends z.ZodType>(path: string, summary: string, schema: T) =>
  createRoute({
    method: "get",
    path: `/metrics/${path}`,
    tags: ["Admin metrics"],
    security: [{ bearer: [] }],
    middleware: requireRole("admin"),
    summary,
    description:
      "Over UTC days `from`..`to` (both included, at most 366 days). Event-based figures come from the daily " +
      "rollups, refreshed by the cron every 5 minutes (today's so far included).",
    request: { query: MetricsRangeQuery },
    responses: {
      200: jsonContent(z.object({ range: Range }).extend({ data: schema }), "The metric"),
      400: problemContent("A bad date range (the field is named)"),
      401: problemContent("Not signed in"),
      403: problemContent("Not an admin"),
    },
  });

const Day = z.string().openapi({ example: "2025-01-31" });
const rate = (part: number, whole: number) =>
  whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000;

const signUps = metricRoute(
  "signups",
  "Sign-ups per day",
  z.array(z.object({ day: Day, signUps: z.number().int() })).openapi("SignUpsPerDay"),
);

const activeUsers = metricRoute(
  "active-users",
  "Daily, weekly and monthly active users (distinct users or anonymous devices) per day",
  z
    .array(z.object({ day: Day, dau: z.number().int(), wau: z.number().int(), mau: z.number().int() }))
    .openapi("ActiveUsersPerDay"),
);

const conversionRoute = metricRoute(
  "conversion",
  "Free → premium: accounts created in the range that have subscribed since, and checkouts completed",
  z
    .object({
      signedUp: z.number().int(),
      converted: z.number().int(),
      rate: z.number(),
      checkoutsCompleted: z.number().int(),
    })
    .openapi("ConversionMetric"),
);

const revenueRoute = metricRoute(
  "revenue",
  "MRR at the end of the range and churn over it, per currency (prices from BILLING_PLANS)",
  z
    .array(
      z.object({
        currency: z.string(),
        mrr: z.number().int().openapi({ description: "Monthly recurring revenue in minor units" }),
        activeAtStart: z.number().int(),
        activeAtEnd: z.number().int(),
        started: z.number().int(),
        churned: z.number().int(),
        churnRate: z.number().openapi({ description: "churned / activeAtStart" }),
      }),
    )
    .openapi("RevenueMetric"),
);

const funnel = metricRoute(
  "lesson-funnel",
  "Per lesson: lesson_started and lesson_completed events",
  z
    .array(
      z.object({
        lessonId: z.string(),
        title: z.string().nullable(),
        category: z.string().nullable(),
        started: z.number().int(),
        completed: z.number().int(),
        completionRate: z.number(),
      }),
    )
    .openapi("LessonFunnel"),
);

const topShared = metricRoute(
  "top-shared-patterns",
  "The patterns whose share links were opened most",
  z
    .array(
      z.object({ patternId: z.string(), name: z.string(), opens: z.number().int(), links: z.number().int() }),
    )
    .openapi("TopSharedPatterns"),
);

const webhooks = metricRoute(
  "failed-webhooks",
  "Stripe events received in the range that are failed now, per day and per type",
  z
    .object({
      days: z.array(z.object({ day: Day, failed: z.number().int() })),
      byType: z.array(z.object({ type: z.string(), failed: z.number().int() })),
    })
    .openapi("FailedWebhooks"),
);

const outbox = metricRoute(
  "outbox-backlog",
  "Emails queued per day and how many are still unsent; the whole backlog now",
  z
    .object({
      days: z.array(
        z.object({ day: Day, queued: z.number().int(), sent: z.number().int(), pending: z.number().int() }),
      ),
      pending: z.number().int(),
      oldestPendingAt: z.iso.datetime().nullable(),
    })
    .openapi("OutboxBacklog"),
);

/** GET /api/admin/metrics/*: one statement each, for the admin console's dashboard. */
export const adminMetricsRoutes = createRouter()
  .openapi(signUps, async (c) => {
    const range = c.req.valid("query");
    return c.json({ range, data: await signUpsPerDay(c.get("db"), range) }, 200);
  })
  .openapi(activeUsers, async (c) => {
    const range = c.req.valid("query");
    return c.json({ range, data: await activeUsersPerDay(c.get("db"), range) }, 200);
  })
  .openapi(conversionRoute, async (c) => {
    const range = c.req.valid("query");
    const row = await conversion(c.get("db"), range);
    return c.json({ range, data: { ...row, rate: rate(row.converted, row.signedUp) } }, 200);
  })
  .openapi(revenueRoute, async (c) => {
    const range = c.req.valid("query");
    const rows = await revenue(c.get("db"), range, c.get("config").BILLING_PLANS);
    return c.json(
      { range, data: rows.map((r) => ({ ...r, churnRate: rate(r.churned, r.activeAtStart) })) },
      200,
    );
  })
  .openapi(funnel, async (c) => {
    const range = c.req.valid("query");
    const rows = await lessonFunnel(c.get("db"), range);
    return c.json(
      { range, data: rows.map((r) => ({ ...r, completionRate: rate(r.completed, r.started) })) },
      200,
    );
  })
  .openapi(topShared, async (c) => {
    const range = c.req.valid("query");
    return c.json({ range, data: await topSharedPatterns(c.get("db"), range, TOP_PATTERNS) }, 200);
  })
  .openapi(webhooks, async (c) => {
    const range = c.req.valid("query");
    return c.json({ range, data: await failedWebhooks(c.get("db"), range) }, 200);
  })
  .openapi(outbox, async (c) => {
    const range = c.req.valid("query");
    return c.json({ range, data: await outboxBacklog(c.get("db"), range) }, 200);
  });
