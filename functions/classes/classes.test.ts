import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, type SignedUp, signUp } from "../../test/support/accounts";
import {
  addMember,
  createClass,
  createTeam,
  insertProgress,
  insertUsers,
  listLessonsInClass,
  setTier,
} from "../../test/support/classes";
import { fileEnv, send } from "../../test/support/harness";

const bindings = fileEnv("classes");
const db = () => createDb(loadConfig(bindings));
const PROBLEM = "https://backline.dev/problems/";

type Problem = { type: string; status: number; errors?: { path: string; message: string }[] };
type LessonRecord = { completed: boolean; bestScore: number; attempts: number; completedAt: string | null };
type ProgressPage = {
  lessons: { id: string; title: string }[];
  students: { userId: string; displayName: string; progress: Record<string, LessonRecord> }[];
  nextCursor: string | null;
};
type ClassLesson = { id: string; title: string; isPremium: boolean; position: number };

let owner: SignedUp;
let teacher: SignedUp;
let student: SignedUp;
let outsider: SignedUp;
/** The roster class: its students in the order the progress view pages them. */
let classId: string;
let roster: string[];
let teamId: string;

const CLASS_LESSONS = ["counting-beats", "quarter-notes", "eighth-notes", "panning"];
const DRAFT = "class-draft-lesson";

function get(path: string, who: SignedUp) {
  return send(bindings, path, { headers: bearer(who.accessToken) });
}

function putLessons(id: string, who: SignedUp, lessonIds: unknown) {
  return send(bindings, `/api/teams/${id}/lessons`, {
    method: "PUT",
    headers: bearer(who.accessToken),
    json: { lessonIds },
  });
}

beforeAll(async () => {
  [owner, teacher, student, outsider] = await Promise.all([
    signUp(bindings),
    signUp(bindings),
    signUp(bindings),
    signUp(bindings),
  ]);
  await db().execute(sql`
    insert into lessons (id, title, category, difficulty) values (${DRAFT}, 'Draft', 'mixing', 'beginner')
  `);
  classId = await createClass(bindings, { owner: owner.userId, teachers: [teacher.userId] });
  // Joined in this order; the last three within one millisecond (cursors carry milliseconds),
  // so their order falls to the user id.
  const others = await insertUsers(bindings, ["Zoe", "Ada", "Bo", "Cy", "Di"]);
  const t0 = Date.parse("2024-03-01T10:00:00.000Z");
  await addMember(bindings, classId, student.userId, "student", new Date(t0));
  await addMember(bindings, classId, others[0] as string, "student", new Date(t0 + 1000));
  await addMember(bindings, classId, others[1] as string, "student", new Date(t0 + 2000));
  for (const id of others.slice(2)) await addMember(bindings, classId, id, "student", new Date(t0 + 3000));
  const sameMillisecond = others.slice(2).sort();
  roster = [student.userId, others[0] as string, others[1] as string, ...sameMillisecond];
  // Later by microseconds only: still first, as its id sorts first within the millisecond.
  await db().execute(sql`
    update team_members set created_at = created_at + interval '500 microseconds'
    where user_id = ${sameMillisecond[0] as string}::uuid
  `);
  await listLessonsInClass(bindings, classId, [...CLASS_LESSONS, DRAFT]);
  await insertProgress(bindings, {
    userId: student.userId,
    lessonId: "counting-beats",
    bestScore: 92,
    attempts: 3,
    completedAt: new Date("2024-03-02T08:30:00.123Z"),
  });
  await insertProgress(bindings, { userId: student.userId, lessonId: "panning", bestScore: 40 });
  // Progress outside the class's lessons is not the class's business.
  await insertProgress(bindings, { userId: student.userId, lessonId: "compression", bestScore: 70 });
  await insertProgress(bindings, { userId: others[0] as string, lessonId: "quarter-notes", bestScore: 12 });
  teamId = await createTeam(bindings, "team", { owner: owner.userId });
});

describe("GET /api/teams/:id/progress", () => {
  it("pages a teacher through every student in a stable order, with the class's published lessons", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(
        `/api/teams/${classId}/progress?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        teacher,
      );
      expect(res.status).toBe(200);
      const body = (await res.json()) as ProgressPage;
      expect(body.lessons.map((l) => l.id)).toEqual(CLASS_LESSONS);
      expect(body.students.length).toBeLessThanOrEqual(2);
      seen.push(...body.students.map((s) => s.userId));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(roster);
    expect(pages).toBe(3);
  });

  it("aggregates each student's records on the class's lessons by lesson id", async () => {
    const res = await get(`/api/teams/${classId}/progress?limit=100`, owner);
    expect(res.status).toBe(200);
    const body = (await res.json()) as ProgressPage;
    expect(body.nextCursor).toBeNull();
    expect(body.students.map((s) => s.userId)).toEqual(roster);
    expect(body.students[0]?.progress).toEqual({
      "counting-beats": {
        completed: true,
        bestScore: 92,
        attempts: 3,
        completedAt: "2024-03-02T08:30:00.123Z",
      },
      panning: { completed: false, bestScore: 40, attempts: 1, completedAt: null },
    });
    expect(body.students[1]).toEqual({
      userId: roster[1],
      displayName: "Zoe",
      progress: { "quarter-notes": { completed: false, bestScore: 12, attempts: 1, completedAt: null } },
    });
    expect(body.students[2]?.progress).toEqual({});
  });

  it("gives a student only their own row", async () => {
    const res = await get(`/api/teams/${classId}/progress`, student);
    expect(res.status).toBe(200);
    const body = (await res.json()) as ProgressPage;
    expect(body.students.map((s) => s.userId)).toEqual([student.userId]);
    expect(Object.keys(body.students[0]?.progress ?? {}).sort()).toEqual(["counting-beats", "panning"]);
    expect(body.nextCursor).toBeNull();
  });

  it("refuses a cursor it did not hand out", async () => {
    const res = await get(`/api/teams/${classId}/progress?cursor=bm9wZQ`, teacher);
    expect(res.status).toBe(400);
    expect(((await res.json()) as Problem).errors?.[0]?.path).toBe("query.cursor");
  });
});

describe("who may see what", () => {
  const routes = (id: string) => [
    `/api/teams/${id}/lessons`,
    `/api/teams/${id}/lessons/counting-beats`,
    `/api/teams/${id}/progress`,
    `/api/teams/${id}/progress/summary`,
  ];

  it("answers a non-member and an unknown id alike: 404 team-not-found", async () => {
    for (const path of [...routes(classId), ...routes(crypto.randomUUID())]) {
      const res = await get(path, outsider);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as Problem).type, path).toBe(`${PROBLEM}team-not-found`);
    }
    const put = await putLessons(classId, outsider, ["counting-beats"]);
    expect(put.status).toBe(404);
    expect(((await put.json()) as Problem).type).toBe(`${PROBLEM}team-not-found`);
  });

  it("answers 409 not-a-class on a team of kind team", async () => {
    for (const path of routes(teamId)) {
      const res = await get(path, owner);
      expect(res.status, path).toBe(409);
      expect(((await res.json()) as Problem).type, path).toBe(`${PROBLEM}not-a-class`);
    }
    const put = await putLessons(teamId, owner, ["counting-beats"]);
    expect(put.status).toBe(409);
  });

  it("keeps the summary and the lesson list's changes to owners and teachers: 403 team-role-required", async () => {
    const summary = await get(`/api/teams/${classId}/progress/summary`, student);
    expect(summary.status).toBe(403);
    expect(((await summary.json()) as Problem).type).toBe(`${PROBLEM}team-role-required`);
    const put = await putLessons(classId, student, ["counting-beats"]);
    expect(put.status).toBe(403);
    expect(((await put.json()) as Problem).type).toBe(`${PROBLEM}team-role-required`);
  });

  it("needs a session", async () => {
    const res = await send(bindings, `/api/teams/${classId}/lessons`);
    expect(res.status).toBe(401);
  });
});

describe("GET /api/teams/:id/progress/summary", () => {
  it("counts students, attempts and completions per lesson, with a best-score histogram", async () => {
    const [a, b, c, d, e] = await insertUsers(bindings, ["A", "B", "C", "D", "E"]);
    const id = await createClass(bindings, {
      owner: owner.userId,
      teachers: [teacher.userId],
      students: [a, b, c, d, e] as string[],
    });
    await listLessonsInClass(bindings, id, ["counting-beats", "quarter-notes", "eighth-notes"]);
    const done = new Date();
    const rows = [
      [a, "counting-beats", 0, done],
      [b, "counting-beats", 9, undefined],
      [c, "counting-beats", 10, done],
      [d, "counting-beats", 100, done],
      [e, "counting-beats", 95, undefined],
      [a, "quarter-notes", 55, done],
      [b, "quarter-notes", 89, undefined],
      // A teacher's own attempt is not a student's.
      [teacher.userId, "quarter-notes", 70, done],
    ] as const;
    for (const [userId, lessonId, bestScore, completedAt] of rows) {
      await insertProgress(bindings, { userId: userId as string, lessonId, bestScore, completedAt });
    }
    const res = await get(`/api/teams/${id}/progress/summary`, teacher);
    expect(res.status).toBe(200);
    const { lessons } = (await res.json()) as {
      lessons: {
        lessonId: string;
        students: number;
        attempted: number;
        completed: number;
        bestScores: { from: number; to: number; count: number }[];
      }[];
    };
    const histogram = (counts: number[]) =>
      counts.map((count, i) => ({ from: i * 10, to: i === 9 ? 100 : i * 10 + 9, count }));
    expect(lessons).toEqual([
      {
        lessonId: "counting-beats",
        title: "Counting beats",
        students: 5,
        attempted: 5,
        completed: 3,
        bestScores: histogram([2, 1, 0, 0, 0, 0, 0, 0, 0, 2]),
      },
      {
        lessonId: "quarter-notes",
        title: "Quarter notes",
        students: 5,
        attempted: 2,
        completed: 1,
        bestScores: histogram([0, 0, 0, 0, 0, 1, 0, 0, 1, 0]),
      },
      {
        lessonId: "eighth-notes",
        title: "Eighth notes",
        students: 5,
        attempted: 0,
        completed: 0,
        bestScores: histogram([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
      },
    ]);
  });
});

describe("class lessons", () => {
  it("lists the class's published lessons in the class's order (drafts left out)", async () => {
    const res = await get(`/api/teams/${classId}/lessons`, student);
    expect(res.status).toBe(200);
    const { lessons } = (await res.json()) as { lessons: ClassLesson[] };
    expect(lessons.map((l) => [l.id, l.position])).toEqual(CLASS_LESSONS.map((id, i) => [id, i]));
  });

  it("replaces the list in the order given, audit-logged", async () => {
    const id = await createClass(bindings, { owner: owner.userId, teachers: [teacher.userId] });
    await listLessonsInClass(bindings, id, ["counting-beats", "panning"]);
    const res = await putLessons(id, teacher, ["boom-bap", "counting-beats", "major-scale"]);
    expect(res.status).toBe(200);
    const saved = (await res.json()) as { lessons: ClassLesson[] };
    expect(saved.lessons).toEqual([
      expect.objectContaining({ id: "boom-bap", title: "Boom bap", isPremium: true, position: 0 }),
      expect.objectContaining({ id: "counting-beats", position: 1 }),
      expect.objectContaining({ id: "major-scale", position: 2 }),
    ]);
    const listed = await get(`/api/teams/${id}/lessons`, owner);
    expect(await listed.json()).toEqual(saved);
    const audit = await db().execute<{ actor_id: string; metadata: { lessonIds: string[] } }>(sql`
      select actor_id, metadata from audit_logs where action = 'class.lessons_set' and target_id = ${id}
    `);
    expect(audit.rows).toEqual([
      { actor_id: teacher.userId, metadata: { lessonIds: ["boom-bap", "counting-beats", "major-scale"] } },
    ]);
    const cleared = await putLessons(id, owner, []);
    expect(await cleared.json()).toEqual({ lessons: [] });
  });

  it.each([
    ["an unknown lesson", ["counting-beats", "panning", "major-scale", "no-such-lesson"], ["lessonIds.3"]],
    ["a draft", [DRAFT, "panning"], ["lessonIds.0"]],
    ["a lesson listed twice", ["panning", "counting-beats", "panning"], ["lessonIds.2"]],
    ["more than 200", Array.from({ length: 201 }, (_, i) => `lesson-${i}`), ["lessonIds"]],
    ["a non-slug", ["Not A Slug"], ["lessonIds.0"]],
  ])("refuses %s with the field at fault, writing nothing", async (_case, lessonIds, paths) => {
    const res = await putLessons(classId, teacher, lessonIds);
    expect(res.status).toBe(400);
    const problem = (await res.json()) as Problem;
    expect(problem.type).toBe(`${PROBLEM}validation`);
    expect(problem.errors?.map((e) => e.path)).toEqual(paths);
    const listed = (await (await get(`/api/teams/${classId}/lessons`, teacher)).json()) as {
      lessons: ClassLesson[];
    };
    expect(listed.lessons.map((l) => l.id)).toEqual(CLASS_LESSONS);
  });
});

describe("premium lessons in a class", () => {
  let premiumClass: string;
  let freeClass: string;

  beforeAll(async () => {
    const [premiumOwner, freeOwner] = (await insertUsers(bindings, ["Premium owner", "Free owner"])) as [
      string,
      string,
    ];
    await setTier(bindings, premiumOwner, "premium");
    premiumClass = await createClass(bindings, { owner: premiumOwner, students: [student.userId] });
    freeClass = await createClass(bindings, { owner: freeOwner, students: [student.userId] });
    await listLessonsInClass(bindings, premiumClass, ["boom-bap", "counting-beats"]);
    await listLessonsInClass(bindings, freeClass, ["boom-bap", "counting-beats"]);
  });

  it("opens a premium lesson to a free member when an owner of the class is premium", async () => {
    expect((await get("/api/lessons/boom-bap", student)).status).toBe(403);
    const res = await get(`/api/teams/${premiumClass}/lessons/boom-bap`, student);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: "boom-bap",
      isPremium: true,
      published: true,
      config: { steps: 16 },
    });
  });

  it("refuses it as the lessons route does when no owner is premium", async () => {
    const res = await get(`/api/teams/${freeClass}/lessons/boom-bap`, student);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({
      type: `${PROBLEM}premium-required`,
      upgrade: "/api/billing/plans",
    });
    const free = await get(`/api/teams/${freeClass}/lessons/counting-beats`, student);
    expect(free.status).toBe(200);
    expect(await free.json()).toMatchObject({ id: "counting-beats", config: { bpm: 80 } });
  });

  it("lets a free member record progress on a premium lesson their class opens, and no one else", async () => {
    const record = (who: SignedUp) =>
      send(bindings, "/api/progress", {
        method: "POST",
        headers: bearer(who.accessToken),
        json: { lessonId: "boom-bap", score: 70, completed: true },
      });
    const [premiumOwner, freeOwner] = (await insertUsers(bindings, ["Premium teacher", "Free teacher"])) as [
      string,
      string,
    ];
    await setTier(bindings, premiumOwner, "premium");
    const [opened, notOpened, outsider] = [
      await signUp(bindings),
      await signUp(bindings),
      await signUp(bindings),
    ];
    const openingClass = await createClass(bindings, { owner: premiumOwner, students: [opened.userId] });
    const closedClass = await createClass(bindings, { owner: freeOwner, students: [notOpened.userId] });
    await listLessonsInClass(bindings, openingClass, ["boom-bap"]);
    await listLessonsInClass(bindings, closedClass, ["boom-bap"]);
    // A premium owner's class that does not list the lesson opens nothing either.
    await createClass(bindings, { owner: premiumOwner, students: [outsider.userId] });

    expect((await record(opened)).status).toBe(200);
    for (const refused of [notOpened, outsider]) {
      const res = await record(refused);
      expect(res.status).toBe(403);
      expect(((await res.json()) as Problem).type).toBe(`${PROBLEM}premium-required`);
    }
  });

  it("serves only lessons the class lists, published", async () => {
    for (const lesson of ["major-scale", DRAFT, "no-such-lesson"]) {
      const res = await get(`/api/teams/${premiumClass}/lessons/${lesson}`, student);
      expect(res.status, lesson).toBe(404);
      expect(((await res.json()) as Problem).type).toBe(`${PROBLEM}not-found`);
    }
    // Listed in the roster class, but a draft.
    expect((await get(`/api/teams/${classId}/lessons/${DRAFT}`, student)).status).toBe(404);
  });
});
