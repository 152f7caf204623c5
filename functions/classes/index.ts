import { createRoute } from "@hono/zod-openapi";
import {
  classProgress,
  classProgressSummary,
  findClassLesson,
  listClassLessons,
  setClassLessons,
} from "../../db/queries/classes";
import { createRouter } from "../../shared/app";
import { requestMeta } from "../../shared/client-ip";
import { page } from "../../shared/cursor";
import { problems, validationError } from "../../shared/errors";
import { requireAuth } from "../../shared/middleware/auth";
import { jsonBody, jsonContent, problemContent } from "../../shared/openapi";
import { assertClassAccess } from "./access";
import { opensClassLesson } from "./premium";
import {
  ClassLessonDetailSchema,
  ClassLessonParams,
  ClassLessonsSchema,
  ClassProgressQuery,
  ClassProgressSchema,
  ClassProgressSummarySchema,
  SetClassLessonsBody,
  TeamIdParam,
} from "./schemas";

// Routes under /api/teams/{id}/…: the teams group owns the team itself, this group a class's
// lessons and progress. Every route needs a signed-in session and reads the caller's role in
// the same statement as its data (db/queries/classes.ts).
const signedIn = { security: [{ bearer: [] }], middleware: requireAuth(), tags: ["Classes"] };

const notMember = problemContent("No such team, or you are not in it");
const notAClass = problemContent("The team is not a class");

const listLessons = createRoute({
  ...signedIn,
  method: "get",
  path: "/{id}/lessons",
  summary: "The class's published lessons in the class's order (members)",
  request: { params: TeamIdParam },
  responses: { 200: jsonContent(ClassLessonsSchema, "The lessons"), 404: notMember, 409: notAClass },
});

const putLessons = createRoute({
  ...signedIn,
  method: "put",
  path: "/{id}/lessons",
  summary: "Replaces the class's lesson list (owner or teacher)",
  request: { params: TeamIdParam, body: jsonBody(SetClassLessonsBody) },
  responses: {
    200: jsonContent(ClassLessonsSchema, "The list as saved"),
    400: problemContent("A lesson id is listed twice, is not a published lesson, or there are too many"),
    403: problemContent("Needs the owner or teacher role"),
    404: notMember,
    409: notAClass,
  },
});

const getLesson = createRoute({
  ...signedIn,
  method: "get",
  path: "/{id}/lessons/{lessonId}",
  summary:
    "One lesson of the class with its config; a premium lesson is open when an owner of the class is premium",
  request: { params: ClassLessonParams },
  responses: {
    200: jsonContent(ClassLessonDetailSchema, "The lesson"),
    403: problemContent("Premium lesson: neither you nor an owner of the class is premium"),
    404: problemContent("No such team (or you are not in it), or the class does not list this lesson"),
    409: notAClass,
  },
});

const progress = createRoute({
  ...signedIn,
  method: "get",
  path: "/{id}/progress",
  summary:
    "Each student's progress on the class's lessons, paged by student in the order they joined; a student sees only their own row",
  request: { params: TeamIdParam, query: ClassProgressQuery },
  responses: {
    200: jsonContent(ClassProgressSchema, "A page of students"),
    400: problemContent("Bad limit or cursor"),
    404: notMember,
    409: notAClass,
  },
});

const summary = createRoute({
  ...signedIn,
  method: "get",
  path: "/{id}/progress/summary",
  summary: "Per lesson of the class: students, attempted, completed, best-score histogram (owner or teacher)",
  request: { params: TeamIdParam },
  responses: {
    200: jsonContent(ClassProgressSummarySchema, "The summary"),
    403: problemContent("Needs the owner or teacher role"),
    404: notMember,
    409: notAClass,
  },
});

export const classRoutes = createRouter()
  .openapi(listLessons, async (c) => {
    const found = await listClassLessons(c.get("db"), {
      teamId: c.req.valid("param").id,
      userId: c.get("userId"),
    });
    assertClassAccess(found, "member");
    return c.json({ lessons: found.lessons }, 200);
  })
  .openapi(putLessons, async (c) => {
    const { lessonIds } = c.req.valid("json");
    const saved = await setClassLessons(c.get("db"), {
      teamId: c.req.valid("param").id,
      userId: c.get("userId"),
      lessonIds,
      ...requestMeta(c),
    });
    assertClassAccess(saved, "manager");
    if (!saved.lessons) {
      throw validationError(
        saved.missing.map((i) => ({ path: `lessonIds.${i}`, message: "is not a published lesson" })),
      );
    }
    return c.json({ lessons: saved.lessons }, 200);
  })
  .openapi(getLesson, async (c) => {
    const { id, lessonId } = c.req.valid("param");
    const found = await findClassLesson(c.get("db"), { teamId: id, userId: c.get("userId"), lessonId });
    assertClassAccess(found, "member");
    const lesson = found.lesson;
    if (!lesson) throw problems.notFound("This class lists no lesson with this id.");
    if (!opensClassLesson(lesson, { claims: c.get("claims"), ownerPremium: found.ownerPremium })) {
      // The refusal of GET /api/lessons/:id, so clients handle both the same way.
      throw problems.premiumRequired({
        detail: "This lesson is for premium members. Upgrade to unlock it.",
        extensions: { upgrade: "/api/billing/plans" },
      });
    }
    return c.json({ ...lesson, published: true }, 200);
  })
  .openapi(progress, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    const found = await classProgress(c.get("db"), {
      teamId: c.req.valid("param").id,
      userId: c.get("userId"),
      cursor,
      limit,
    });
    assertClassAccess(found, "member");
    const { items, nextCursor } = page(found.students, limit, (s) => ({ at: s.joinedAt, id: s.userId }));
    return c.json(
      {
        lessons: found.lessons,
        students: items.map(({ userId, displayName, progress }) => ({ userId, displayName, progress })),
        nextCursor,
      },
      200,
    );
  })
  .openapi(summary, async (c) => {
    const found = await classProgressSummary(c.get("db"), {
      teamId: c.req.valid("param").id,
      userId: c.get("userId"),
    });
    assertClassAccess(found, "manager");
    return c.json({ lessons: found.lessons }, 200);
  });
