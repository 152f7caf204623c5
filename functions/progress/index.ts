import { createRoute, z } from "@hono/zod-openapi";
import { iso } from "../../db/iso";
import { listProgress, recordProgress, recordProgressBatch } from "../../db/queries/progress";
import type { LessonProgress } from "../../db/schema/lessons";
import { createRouter } from "../../shared/app";
import { unlocksPremium } from "../../shared/auth/access-token";
import { problems } from "../../shared/errors";
import { requireAuth } from "../../shared/middleware/auth";
import { jsonContent, problemContent } from "../../shared/openapi";
import { AttemptBody, LessonRefParam, SyncProgressBody } from "../../shared/schemas/progress";

const ProgressSchema = z
  .object({
    lessonId: z.string(),
    completed: z.boolean(),
    score: z.number().int(),
    bestScore: z.number().int(),
    attempts: z.number().int(),
    completedAt: z.iso.datetime().nullable(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Progress");

type ProgressDto = z.infer<typeof ProgressSchema>;

function toDto(p: LessonProgress): ProgressDto {
  return {
    lessonId: p.lessonId,
    completed: p.completed,
    score: p.score,
    bestScore: p.bestScore,
    attempts: p.attempts,
    completedAt: iso(p.completedAt),
    updatedAt: p.updatedAt.toISOString(),
  };
}

const signedIn = { security: [{ bearer: [] }], middleware: requireAuth(), tags: ["Progress"] };

const list = createRoute({
  ...signedIn,
  method: "get",
  path: "/",
  summary: "Your progress on every lesson you tried",
  responses: { 200: jsonContent(z.object({ progress: z.array(ProgressSchema) }), "Progress by lesson") },
});

const getOne = createRoute({
  ...signedIn,
  method: "get",
  path: "/{lessonId}",
  summary: "Your progress on one lesson",
  request: { params: LessonRefParam },
  responses: {
    200: jsonContent(ProgressSchema, "Progress"),
    404: problemContent("No progress on this lesson yet"),
  },
});

const record = createRoute({
  ...signedIn,
  method: "post",
  path: "/",
  summary: "Records an attempt: keeps the best score, counts attempts, stamps the first completion",
  request: { body: { content: { "application/json": { schema: AttemptBody } }, required: true } },
  responses: {
    200: jsonContent(ProgressSchema, "Progress after this attempt"),
    403: problemContent("Premium lesson: premium required"),
    404: problemContent("No such lesson"),
  },
});

const sync = createRoute({
  ...signedIn,
  method: "post",
  path: "/sync",
  summary: "Records a batch of attempts made offline, in one round trip",
  request: {
    body: {
      content: { "application/json": { schema: SyncProgressBody } },
      required: true,
    },
  },
  responses: {
    200: jsonContent(
      z.object({
        results: z.array(
          z.object({
            lessonId: z.string(),
            status: z.enum(["applied", "rejected"]),
            progress: ProgressSchema.optional(),
            reason: z.string().optional(),
          }),
        ),
        progress: z.array(ProgressSchema),
      }),
      "A result per attempt and all your progress",
    ),
  },
});

export const progressRoutes = createRouter()
  .openapi(list, async (c) => {
    const rows = await listProgress(c.get("db"), c.get("userId"));
    return c.json({ progress: rows.map(toDto) }, 200);
  })
  .openapi(getOne, async (c) => {
    const [row] = await listProgress(c.get("db"), c.get("userId"), c.req.valid("param").lessonId);
    if (!row) throw problems.notFound("No progress on this lesson yet.");
    return c.json(toDto(row), 200);
  })
  .openapi(record, async (c) => {
    const outcome = await recordProgress(c.get("db"), {
      ...c.req.valid("json"),
      userId: c.get("userId"),
      premium: unlocksPremium(c.get("claims")),
    });
    if (outcome.ok) return c.json(toDto(outcome.progress), 200);
    if (outcome.status === 403) {
      throw problems.premiumRequired({
        detail: "This lesson is for premium members.",
        extensions: { upgrade: "/api/billing/plans" },
      });
    }
    throw problems.notFound("No published lesson with this id.");
  })
  .openapi(sync, async (c) => {
    const { attempts } = c.req.valid("json");
    const { outcomes, progress } = await recordProgressBatch(c.get("db"), {
      userId: c.get("userId"),
      premium: unlocksPremium(c.get("claims")),
      attempts,
    });
    const results = attempts.map((a, i) => {
      const o = outcomes[i];
      return o?.ok
        ? { lessonId: a.lessonId, status: "applied" as const, progress: toDto(o.progress) }
        : { lessonId: a.lessonId, status: "rejected" as const, reason: o?.reason };
    });
    return c.json({ results, progress: progress.map(toDto) }, 200);
  });
