import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { grantAdmin } from "../../db/queries/admin";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, refreshedAccessToken, type SignedUp, signUp } from "../../test/support/accounts";
import { fileEnv, send } from "../../test/support/harness";

const bindings = fileEnv("lessons");
const db = () => createDb(loadConfig(bindings));

type Summary = {
  id: string;
  category: string;
  position: number;
  isPremium: boolean;
  published: boolean;
  publishedAt: string | null;
  updatedAt: string;
  config?: unknown;
};

let free: SignedUp;
let premiumToken: string;
let adminToken: string;

beforeAll(async () => {
  free = await signUp(bindings);
  const premium = await signUp(bindings);
  await db().execute(sql`update users set tier = 'premium' where id = ${premium.userId}`);
  premiumToken = await refreshedAccessToken(bindings, premium);
  const admin = await signUp(bindings);
  await grantAdmin(db(), admin.email);
  adminToken = await refreshedAccessToken(bindings, admin);
});

describe("GET /api/lessons", () => {
  it("lists the seeded curriculum by category and position, without configs, cacheably", async () => {
    const res = await send(bindings, "/api/lessons");
    expect(res.status).toBe(200);
    const { lessons } = (await res.json()) as { lessons: Summary[] };
    expect(lessons.length).toBeGreaterThanOrEqual(20);
    expect(new Set(lessons.map((l) => l.category)).size).toBeGreaterThanOrEqual(4);
    expect(lessons.some((l) => l.isPremium)).toBe(true);
    expect(lessons.every((l) => l.config === undefined && l.published)).toBe(true);
    expect(
      lessons.every((l) => typeof l.publishedAt === "string" && !Number.isNaN(Date.parse(l.publishedAt))),
    ).toBe(true);
    const order = lessons.map((l) => `${l.category}/${String(l.position).padStart(5, "0")}`);
    expect(order).toEqual([...order].sort());
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=60, stale-while-revalidate=300");
    const etag = res.headers.get("ETag") as string;
    expect(etag).toMatch(/^W\/".+"$/);
    const again = await send(bindings, "/api/lessons", { headers: { "If-None-Match": etag } });
    expect(again.status).toBe(304);
  });
});

describe("premium gating of GET /api/lessons/:id", () => {
  it.each([
    ["anonymous", () => undefined, 403],
    ["free", () => free.accessToken, 403],
    ["premium", () => premiumToken, 200],
  ])("%s", async (_who, token, status) => {
    const t = token();
    const res = await send(bindings, "/api/lessons/boom-bap", { headers: t ? bearer(t) : {} });
    expect(res.status).toBe(status);
    if (status === 200) expect(((await res.json()) as Summary).config).toMatchObject({ steps: 16 });
    else
      expect(((await res.json()) as { type: string }).type).toBe(
        "https://backline.dev/problems/premium-required",
      );
  });

  it("serves free lessons with their config to anyone", async () => {
    const res = await send(bindings, "/api/lessons/counting-beats");
    expect(res.status).toBe(200);
    expect(((await res.json()) as Summary).config).toMatchObject({ bpm: 80 });
  });
});

describe("admin writes", () => {
  const draft = {
    id: `draft-${crypto.randomUUID().slice(0, 8)}`,
    title: "Polyrhythms",
    category: "rhythm-basics",
    difficulty: "advanced",
    config: { bpm: 100 },
    published: false,
  };

  it("refuses non-admins", async () => {
    const res = await send(bindings, "/api/lessons", {
      method: "POST",
      headers: bearer(free.accessToken),
      json: draft,
    });
    expect(res.status).toBe(403);
    expect((await send(bindings, "/api/lessons", { method: "POST", json: draft })).status).toBe(401);
  });

  it("creates a draft (idempotently), visible to admins only, then publishes, edits and deletes it, audit-logged", async () => {
    const key = crypto.randomUUID();
    const create = () =>
      send(bindings, "/api/lessons", {
        method: "POST",
        headers: { ...bearer(adminToken), "Idempotency-Key": key },
        json: draft,
      });
    expect((await create()).status).toBe(201);
    const replay = await create();
    expect(replay.status).toBe(201);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect((await send(bindings, `/api/lessons/${draft.id}`)).status).toBe(404);
    expect((await send(bindings, `/api/lessons/${draft.id}`, { headers: bearer(adminToken) })).status).toBe(
      200,
    );
    const publicList = (await (await send(bindings, "/api/lessons")).json()) as { lessons: Summary[] };
    expect(publicList.lessons.some((l) => l.id === draft.id)).toBe(false);

    const { id: _id, ...rest } = draft;
    const put = await send(bindings, `/api/lessons/${draft.id}`, {
      method: "PUT",
      headers: bearer(adminToken),
      json: { ...rest, title: "Polyrhythms 101", published: true },
    });
    expect(await put.json()).toMatchObject({ title: "Polyrhythms 101", published: true });
    expect((await send(bindings, `/api/lessons/${draft.id}`)).status).toBe(200);

    expect(
      (await send(bindings, `/api/lessons/${draft.id}`, { method: "DELETE", headers: bearer(adminToken) }))
        .status,
    ).toBe(204);
    expect(
      (await send(bindings, `/api/lessons/${draft.id}`, { method: "DELETE", headers: bearer(adminToken) }))
        .status,
    ).toBe(404);
    const audit = await db().execute<{ action: string }>(
      sql`select action from audit_logs where target_type = 'lesson' and target_id = ${draft.id} order by id`,
    );
    expect(audit.rows.map((r) => r.action)).toEqual(["lesson.created", "lesson.updated", "lesson.deleted"]);
  });

  it("says when a lesson was published: null for a draft, the first publication kept across edits", async () => {
    const id = `pub-${crypto.randomUUID().slice(0, 8)}`;
    const { id: _id, ...rest } = draft;
    const write = async (method: "POST" | "PUT", body: object) => {
      const res = await send(bindings, method === "POST" ? "/api/lessons" : `/api/lessons/${id}`, {
        method,
        headers: bearer(adminToken),
        json: body,
      });
      expect(res.status).toBe(method === "POST" ? 201 : 200);
      return (await res.json()) as Summary;
    };
    expect(await write("POST", { ...draft, id })).toMatchObject({ published: false, publishedAt: null });

    const published = await write("PUT", { ...rest, published: true });
    const publishedAt = published.publishedAt as string;
    expect(new Date(publishedAt).toISOString()).toBe(publishedAt);
    const edited = await write("PUT", { ...rest, title: "Polyrhythms, edited", published: true });
    expect(edited.publishedAt).toBe(publishedAt);

    const one = (await (await send(bindings, `/api/lessons/${id}`)).json()) as Summary;
    expect(one.publishedAt).toBe(publishedAt);
    const { lessons } = (await (await send(bindings, "/api/lessons")).json()) as { lessons: Summary[] };
    expect(lessons.find((l) => l.id === id)?.publishedAt).toBe(publishedAt);

    expect(await write("PUT", { ...rest, published: false })).toMatchObject({ publishedAt: null });
  });

  it("validates lessons with field errors", async () => {
    const res = await send(bindings, "/api/lessons", {
      method: "POST",
      headers: bearer(adminToken),
      json: { ...draft, id: "Not A Slug", difficulty: "expert" },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { path: string }[] }).errors.map((e) => e.path).sort()).toEqual([
      "difficulty",
      "id",
    ]);
  });

  it("bounds a lesson's config at 16 KiB of JSON", async () => {
    const create = (config: unknown, id: string) =>
      send(bindings, "/api/lessons", {
        method: "POST",
        headers: bearer(adminToken),
        json: { ...draft, id, config },
      });
    const big = await create({ notes: "x".repeat(16_400) }, `big-${crypto.randomUUID().slice(0, 8)}`);
    expect(big.status).toBe(400);
    expect(await big.json()).toMatchObject({
      errors: [{ path: "config", message: "is larger than 16 KiB of JSON" }],
    });
    const fits = await create({ notes: "x".repeat(16_000) }, `fits-${crypto.randomUUID().slice(0, 8)}`);
    expect(fits.status).toBe(201);
  });
});
