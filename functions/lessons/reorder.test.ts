/**
 * POST /api/lessons/reorder: a category's lessons in a new order, written in one statement,
 * only when the list names every lesson of the category exactly once; audit-logged; admins only.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { grantAdmin } from "../../db/queries/admin";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, refreshedAccessToken, type SignedUp, signUp } from "../../test/support/accounts";
import { fileEnv, roundTrips, send, traceId } from "../../test/support/harness";

const bindings = fileEnv("lessons-reorder");
let admin: SignedUp;
let adminToken: string;

beforeAll(async () => {
  admin = await signUp(bindings);
  await grantAdmin(createDb(loadConfig(bindings)), admin.email);
  adminToken = await refreshedAccessToken(bindings, admin);
});

/** A fresh category of `n` lessons (positions 10, 20, …); their ids in order. */
async function category(n: number) {
  const slug = `reorder-${crypto.randomUUID().slice(0, 8)}`;
  const ids: string[] = [];
  for (let i = 1; i <= n; i++) {
    const id = `${slug}-${i}`;
    const res = await send(bindings, "/api/lessons", {
      method: "POST",
      headers: bearer(adminToken),
      json: {
        id,
        title: `Lesson ${i}`,
        category: slug,
        difficulty: "beginner",
        position: i * 10,
        published: i !== n,
      },
    });
    expect(res.status).toBe(201);
    ids.push(id);
  }
  return { slug, ids };
}

/** The category's lessons (drafts included) in catalogue order: `id@position`. */
async function order(slug: string) {
  const res = await send(bindings, "/api/lessons", { headers: bearer(adminToken) });
  const { lessons } = (await res.json()) as { lessons: { id: string; category: string; position: number }[] };
  return lessons.filter((l) => l.category === slug).map((l) => `${l.id}@${l.position}`);
}

function reorder(json: unknown, token = adminToken, headers: Record<string, string> = {}) {
  return send(bindings, "/api/lessons/reorder", {
    method: "POST",
    headers: { ...bearer(token), ...headers },
    json,
  });
}

describe("POST /api/lessons/reorder", () => {
  it("rewrites the positions to the list's order (drafts included) in one Neon round trip, audit-logged", async () => {
    const { slug, ids } = await category(4);
    const [a, b, c, d] = ids as [string, string, string, string];
    const trace = traceId();
    const res = await reorder({ category: slug, lessonIds: [c, a, d, b] }, adminToken, {
      "X-Request-Id": trace,
    });
    expect(res.status).toBe(204);
    expect((await roundTrips(trace)).neon).toBe(1);
    expect(await order(slug)).toEqual([`${c}@1`, `${a}@2`, `${d}@3`, `${b}@4`]);

    const logs = await send(bindings, `/api/admin/audit-logs?action=lesson.reordered&target=${slug}`, {
      headers: bearer(adminToken),
    });
    const { entries } = (await logs.json()) as { entries: { actorId: string; metadata: unknown }[] };
    expect(entries).toEqual([
      expect.objectContaining({ actorId: admin.userId, metadata: { lessonIds: [c, a, d, b], moved: 4 } }),
    ]);
  });

  it.each([
    ["leaves a lesson out", (ids: string[]) => ids.slice(1), /leaves out .*-3$/],
    [
      "names a lesson of another category",
      (ids: string[]) => [...ids, "counting-beats"],
      /names counting-beats/,
    ],
    [
      "names a lesson that does not exist",
      (ids: string[]) => [...ids, "no-such-lesson"],
      /names no-such-lesson/,
    ],
  ])("refuses a list that %s: 400 on lessonIds, nothing moves", async (_, edit, message) => {
    const { slug, ids } = await category(3);
    const before = await order(slug);
    const res = await reorder({ category: slug, lessonIds: edit([...ids].reverse()) });
    expect(res.status).toBe(400);
    expect(res.headers.get("Content-Type")).toMatch(/problem\+json/);
    const problem = (await res.json()) as { errors: { path: string; message: string }[] };
    expect(problem.errors).toEqual([{ path: "lessonIds", message: expect.stringMatching(message) }]);
    expect(await order(slug)).toEqual(before);
  });

  it("refuses a repeated lesson, an empty list and a category with no lessons", async () => {
    const { slug, ids } = await category(2);
    const [a, b] = ids as [string, string];
    const repeated = await reorder({ category: slug, lessonIds: [a, b, a] });
    expect(repeated.status).toBe(400);
    expect(((await repeated.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe("lessonIds");
    expect((await reorder({ category: slug, lessonIds: [] })).status).toBe(400);
    const empty = await reorder({ category: "no-such-category", lessonIds: [a] });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(
      "lessonIds",
    );
  });

  it("is for admins only: 401 anonymous, 403 for a learner", async () => {
    const { slug, ids } = await category(2);
    const learner = await signUp(bindings);
    const anonymous = await send(bindings, "/api/lessons/reorder", {
      method: "POST",
      json: { category: slug, lessonIds: ids },
    });
    expect(anonymous.status).toBe(401);
    expect((await reorder({ category: slug, lessonIds: ids }, learner.accessToken)).status).toBe(403);
  });
});
