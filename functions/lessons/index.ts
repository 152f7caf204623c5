import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { DIFFICULTIES } from "../../db/enums";
import { iso } from "../../db/iso";
import { reorderCategory } from "../../db/queries/admin-lessons";
import { insertAudit } from "../../db/queries/audit";
import {
  deleteLesson,
  findLesson,
  insertLesson,
  insertLessonAudit,
  listLessons,
  replaceLesson,
} from "../../db/queries/lessons";
import type { Lesson } from "../../db/schema/lessons";
import { createRouter } from "../../shared/app";
import { unlocksPremium } from "../../shared/auth/access-token";
import { requestMeta } from "../../shared/client-ip";
import { sha256 } from "../../shared/crypto";
import { isUniqueViolation } from "../../shared/db-errors";
import type { AppEnv } from "../../shared/env";
import { problems, validationError } from "../../shared/errors";
import { assertLiveSession, requireRole } from "../../shared/middleware/auth";
import { idempotency } from "../../shared/middleware/idempotency";
import { jsonBody, jsonContent, problemContent } from "../../shared/openapi";
import { incompleteOrder, ReorderLessonsBody } from "../../shared/schemas/admin";
import { LessonBody, LessonIdParam, ReplaceLessonBody } from "../../shared/schemas/lessons";

const LessonSummary = z
  .object({
    id: z.string(),
    title: z.string(),
    category: z.string(),
    difficulty: z.enum(DIFFICULTIES),
    isPremium: z.boolean(),
    position: z.number().int(),
    published: z.boolean(),
    publishedAt: z.iso
      .datetime()
      .nullable()
      .openapi({ description: "When it was first published (kept while it stays published); null: a draft" }),
    updatedAt: z.iso.datetime(),
  })
  .openapi("LessonSummary");
const LessonSchema = LessonSummary.extend({ config: z.record(z.string(), z.unknown()) }).openapi("Lesson");

type Summary = Pick<
  Lesson,
  "id" | "title" | "category" | "difficulty" | "isPremium" | "position" | "publishedAt" | "updatedAt"
>;

function toSummary(l: Summary) {
  return {
    id: l.id,
    title: l.title,
    category: l.category,
    difficulty: l.difficulty,
    isPremium: l.isPremium,
    position: l.position,
    published: l.publishedAt !== null,
    publishedAt: iso(l.publishedAt),
    updatedAt: l.updatedAt.toISOString(),
  };
}

/** ETags of the last few catalogue bodies, per isolate: hashed once per content version, not per request. */
const etags = new Map<string, string>();
const ETAGS_KEPT = 4;

/** A weak ETag for a catalogue body: a SHA-256 prefix of the body itself. */
async function etagOf(body: string): Promise<string> {
  const known = etags.get(body);
  if (known) return known;
  const etag = `W/"${(await sha256(body)).slice(0, 27)}"`;
  if (etags.size >= ETAGS_KEPT) etags.delete(etags.keys().next().value as string);
  etags.set(body, etag);
  return etag;
}

/** The caller's role, verified (no DB query), if they sent a token. */
async function viewer<E extends AppEnv>(c: Context<E>) {
  return c.get("auth") ? await assertLiveSession(c) : undefined;
}

const adminOnly = { security: [{ bearer: [] }], tags: ["Lessons"] };

const list = createRoute({
  method: "get",
  path: "/",
  tags: ["Lessons"],
  summary: "The published curriculum, by category and position (admins also see drafts)",
  responses: {
    200: jsonContent(
      z.object({ lessons: z.array(LessonSummary) }),
      "Cacheable: ETag, max-age 60 s, stale-while-revalidate 300 s",
    ),
    304: { description: "Not modified since the ETag you sent" },
  },
});

const get = createRoute({
  method: "get",
  path: "/{id}",
  tags: ["Lessons"],
  summary: "One lesson with its config",
  request: { params: LessonIdParam },
  responses: {
    200: jsonContent(LessonSchema, "The lesson"),
    403: problemContent("Premium lesson: premium required"),
    404: problemContent("No such published lesson"),
  },
});

const create = createRoute({
  ...adminOnly,
  method: "post",
  path: "/",
  summary: "Adds a lesson (admin); accepts Idempotency-Key",
  middleware: [requireRole("admin"), idempotency()] as const,
  request: { body: { content: { "application/json": { schema: LessonBody } }, required: true } },
  responses: {
    201: jsonContent(LessonSchema, "Created"),
    400: problemContent("Invalid lesson"),
    409: problemContent("The id is taken"),
  },
});

const put = createRoute({
  ...adminOnly,
  method: "put",
  path: "/{id}",
  summary: "Replaces a lesson (admin)",
  middleware: [requireRole("admin")] as const,
  request: {
    params: LessonIdParam,
    body: { content: { "application/json": { schema: ReplaceLessonBody } }, required: true },
  },
  responses: { 200: jsonContent(LessonSchema, "Saved"), 404: problemContent("No such lesson") },
});

const remove = createRoute({
  ...adminOnly,
  method: "delete",
  path: "/{id}",
  summary: "Deletes a lesson and its progress records (admin)",
  middleware: [requireRole("admin")] as const,
  request: { params: LessonIdParam },
  responses: { 204: { description: "Deleted" }, 404: problemContent("No such lesson") },
});

const reorder = createRoute({
  ...adminOnly,
  method: "post",
  path: "/reorder",
  summary: "Puts a category's lessons in a new order (admin); one statement, audit-logged",
  description:
    "`lessonIds` must name every lesson of the category exactly once; their positions become 1, 2, … " +
    "in that order. Anything else is a 400 naming the missing, unknown or repeated lessons, and nothing changes.",
  middleware: [requireRole("admin")] as const,
  request: { body: jsonBody(ReorderLessonsBody) },
  responses: {
    204: { description: "Reordered" },
    400: problemContent("Not every lesson of the category exactly once"),
    401: problemContent("Not signed in"),
    403: problemContent("Not an admin"),
  },
});

export const lessonRoutes = createRouter()
  .openapi(list, async (c) => {
    const admin = (await viewer(c))?.role === "admin";
    const rows = await listLessons(c.get("db"), admin);
    const body = JSON.stringify({ lessons: rows.map(toSummary) });
    const etag = await etagOf(body);
    c.header("ETag", etag);
    c.header("Cache-Control", admin ? "private, no-cache" : "public, max-age=60, stale-while-revalidate=300");
    c.header("Vary", "Authorization", { append: true });
    if (
      c.req
        .header("If-None-Match")
        ?.split(",")
        .some((tag) => tag.trim() === etag)
    )
      return c.body(null, 304);
    return c.body(body, 200, { "Content-Type": "application/json" });
  })
  .openapi(get, async (c) => {
    const who = await viewer(c);
    const lesson = await findLesson(c.get("db"), c.req.valid("param").id);
    if (!lesson || (!lesson.publishedAt && who?.role !== "admin"))
      throw problems.notFound("No lesson with this id.");
    if (lesson.isPremium && !unlocksPremium(who)) {
      throw problems.premiumRequired({
        detail: "This lesson is for premium members. Upgrade to unlock it.",
        extensions: { upgrade: "/api/billing/plans" },
      });
    }
    return c.json({ ...toSummary(lesson), config: lesson.config }, 200);
  })
  .openapi(create, async (c) => {
    const input = c.req.valid("json");
    const db = c.get("db");
    const adminId = c.get("userId");
    try {
      const [[lesson]] = await db.batch([
        insertLesson(db, input),
        insertAudit(db, {
          actorId: adminId,
          action: "lesson.created",
          targetType: "lesson",
          targetId: input.id,
          ...requestMeta(c),
        }),
      ]);
      if (!lesson) throw new Error("lesson insert returned nothing");
      c.header("Location", `/api/lessons/${lesson.id}`);
      return c.json({ ...toSummary(lesson), config: lesson.config }, 201);
    } catch (error) {
      if (isUniqueViolation(error)) throw problems.conflict("A lesson with this id already exists.");
      throw error;
    }
  })
  .openapi(put, async (c) => {
    const id = c.req.valid("param").id;
    const db = c.get("db");
    const audit = { actorId: c.get("userId"), action: "lesson.updated", ...requestMeta(c) };
    const [, [lesson]] = await db.batch([
      insertLessonAudit(db, id, audit),
      replaceLesson(db, { id, ...c.req.valid("json") }),
    ]);
    if (!lesson) throw problems.notFound("No lesson with this id.");
    return c.json({ ...toSummary(lesson), config: lesson.config }, 200);
  })
  .openapi(reorder, async (c) => {
    const { category, lessonIds } = c.req.valid("json");
    const outcome = await reorderCategory(c.get("db"), {
      category,
      lessonIds,
      audit: { actorId: c.get("userId"), action: "lesson.reordered", ...requestMeta(c) },
    });
    if (!outcome.applied)
      throw validationError([incompleteOrder(category, outcome.missing, outcome.unknown)]);
    return c.body(null, 204);
  })
  .openapi(remove, async (c) => {
    const id = c.req.valid("param").id;
    const db = c.get("db");
    const audit = { actorId: c.get("userId"), action: "lesson.deleted", ...requestMeta(c) };
    const [, deleted] = await db.batch([insertLessonAudit(db, id, audit), deleteLesson(db, id)]);
    if (deleted.length === 0) throw problems.notFound("No lesson with this id.");
    return c.body(null, 204);
  });
