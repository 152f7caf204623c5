import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, refreshedAccessToken, signUp } from "../../test/support/accounts";
import { fileEnv, roundTrips, send, traceId } from "../../test/support/harness";

const bindings = fileEnv("patterns");

type Pattern = {
  id: string;
  userId: string;
  name: string;
  tempo: number;
  version: number;
  isPublic: boolean;
  deletedAt: string | null;
};
type Page = { items: Pattern[]; nextCursor: string | null };

const beat = (name = "Boom bap") => ({
  name,
  tempo: 92,
  tracks: [
    { instrument: "kick", steps: [true, false, false, false, true, false, false, false], volume: 0.9 },
    { instrument: "snare", steps: [false, false, 1, false], volume: 0.7, pan: -0.2 },
  ],
  mixer: { masterVolume: 0.8, swing: 0.1 },
});

async function create(token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return send(bindings, "/api/patterns", {
    method: "POST",
    headers: { ...bearer(token), ...headers },
    json: body,
  });
}

describe("patterns CRUD", () => {
  it("creates with a client-made id; an identical repeat is 200, a different body 409", async () => {
    const user = await signUp(bindings);
    const id = crypto.randomUUID();
    const first = await create(user.accessToken, { id, ...beat() });
    expect(first.status).toBe(201);
    expect(first.headers.get("ETag")).toBe('"v1"');
    expect(first.headers.get("Location")).toBe(`/api/patterns/${id}`);
    expect(await first.json()).toMatchObject({
      id,
      name: "Boom bap",
      tempo: 92,
      version: 1,
      isPublic: false,
    });
    const repeat = await create(user.accessToken, { id, ...beat() });
    expect(repeat.status).toBe(200);
    const different = await create(user.accessToken, { id, ...beat("Other") });
    expect(different.status).toBe(409);
  });

  it.each([
    [{ ...beat(), tempo: 10 }, "tempo"],
    [{ ...beat(), name: "" }, "name"],
    [{ ...beat(), tracks: Array.from({ length: 65 }, () => beat().tracks[0]) }, "tracks"],
    [{ ...beat(), tracks: [{ instrument: "kick", steps: [], volume: 1 }] }, "tracks.0.steps"],
    [{ ...beat(), owner: "someone" }, "owner"],
    [{ ...beat(), userId: crypto.randomUUID() }, "userId"],
  ])("answers 400 naming the field at fault (%#)", async (body, field) => {
    const user = await signUp(bindings);
    const res = await create(user.accessToken, body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(field);
  });

  it("updates with If-Match, answers 412 with the current pattern when stale, and sends ETags", async () => {
    const user = await signUp(bindings);
    const { id } = (await (await create(user.accessToken, beat())).json()) as Pattern;
    const put = await send(bindings, `/api/patterns/${id}`, {
      method: "PUT",
      headers: { ...bearer(user.accessToken), "If-Match": '"v1"' },
      json: { ...beat("Renamed"), tempo: 100 },
    });
    expect(put.status).toBe(200);
    expect(put.headers.get("ETag")).toBe('"v2"');
    expect(await put.json()).toMatchObject({ name: "Renamed", tempo: 100, version: 2 });

    const stale = await send(bindings, `/api/patterns/${id}`, {
      method: "PATCH",
      headers: { ...bearer(user.accessToken), "If-Match": "1" },
      json: { tempo: 120 },
    });
    expect(stale.status).toBe(412);
    const problem = (await stale.json()) as { type: string; current: Pattern };
    expect(problem.type).toBe("https://backline.dev/problems/version-mismatch");
    expect(problem.current).toMatchObject({ name: "Renamed", tempo: 100, version: 2 });

    const patch = await send(bindings, `/api/patterns/${id}`, {
      method: "PATCH",
      headers: bearer(user.accessToken),
      json: { tempo: 120 },
    });
    expect(await patch.json()).toMatchObject({ name: "Renamed", tempo: 120, version: 3 });
  });

  it("deletes as a tombstone: gone from reads and lists, delivered by delta sync", async () => {
    const user = await signUp(bindings);
    const { id } = (await (await create(user.accessToken, beat())).json()) as Pattern;
    expect(
      (await send(bindings, `/api/patterns/${id}`, { method: "DELETE", headers: bearer(user.accessToken) }))
        .status,
    ).toBe(204);
    expect((await send(bindings, `/api/patterns/${id}`, { headers: bearer(user.accessToken) })).status).toBe(
      404,
    );
    const list = (await (
      await send(bindings, "/api/patterns", { headers: bearer(user.accessToken) })
    ).json()) as Page;
    expect(list.items).toHaveLength(0);
    const delta = (await (
      await send(bindings, "/api/patterns?since=0", { headers: bearer(user.accessToken) })
    ).json()) as Page;
    expect(delta.items.map((p) => [p.id, p.deletedAt !== null])).toEqual([[id, true]]);
  });

  it("names the owner's user id on every pattern it answers: create, read, list, sync", async () => {
    const owner = await signUp(bindings);
    const created = (await (
      await create(owner.accessToken, { ...beat(), isPublic: true })
    ).json()) as Pattern;
    expect(created.userId).toBe(owner.userId);
    const anonymous = (await (await send(bindings, `/api/patterns/${created.id}`)).json()) as Pattern;
    expect(anonymous.userId).toBe(owner.userId);
    const page = (await (
      await send(bindings, "/api/patterns", { headers: bearer(owner.accessToken) })
    ).json()) as Page;
    expect(page.items.map((p) => p.userId)).toEqual([owner.userId]);
    const sync = await send(bindings, "/api/patterns/sync", {
      method: "POST",
      headers: bearer(owner.accessToken),
      json: { since: "0", changes: [{ op: "upsert", id: crypto.randomUUID(), pattern: beat("Synced") }] },
    });
    const synced = (await sync.json()) as { results: { pattern: Pattern }[]; changes: Pattern[] };
    expect(synced.results.map((r) => r.pattern.userId)).toEqual([owner.userId]);
    expect(new Set(synced.changes.map((p) => p.userId))).toEqual(new Set([owner.userId]));
  });

  it("shows public patterns to anyone, private ones only to their owner", async () => {
    const owner = await signUp(bindings);
    const pub = (await (await create(owner.accessToken, { ...beat(), isPublic: true })).json()) as Pattern;
    const priv = (await (await create(owner.accessToken, beat())).json()) as Pattern;
    expect((await send(bindings, `/api/patterns/${pub.id}`)).status).toBe(200);
    expect((await send(bindings, `/api/patterns/${priv.id}`)).status).toBe(404);
    expect(
      (await send(bindings, `/api/patterns/${priv.id}`, { headers: bearer(owner.accessToken) })).status,
    ).toBe(200);
  });
});

describe("IDOR: another user's private pattern answers 404 and stays unchanged", () => {
  it("read, replace, patch, delete, share and sync", async () => {
    const a = await signUp(bindings);
    const b = await signUp(bindings);
    const { id } = (await (await create(a.accessToken, beat())).json()) as Pattern;
    const attempts = [
      send(bindings, `/api/patterns/${id}`, { headers: bearer(b.accessToken) }),
      send(bindings, `/api/patterns/${id}`, {
        method: "PUT",
        headers: bearer(b.accessToken),
        json: beat("Hijacked"),
      }),
      send(bindings, `/api/patterns/${id}`, {
        method: "PATCH",
        headers: bearer(b.accessToken),
        json: { name: "Hijacked" },
      }),
      send(bindings, `/api/patterns/${id}`, { method: "DELETE", headers: bearer(b.accessToken) }),
      create(b.accessToken, { id, ...beat() }),
      send(bindings, "/api/shares", {
        method: "POST",
        headers: bearer(b.accessToken),
        json: { patternId: id },
      }),
    ];
    const statuses = (await Promise.all(attempts)).map((r) => r.status);
    expect(statuses).toEqual([404, 404, 404, 404, 409, 404]);
    const sync = await send(bindings, "/api/patterns/sync", {
      method: "POST",
      headers: bearer(b.accessToken),
      json: {
        since: "0",
        changes: [
          { op: "upsert", id, baseVersion: 1, pattern: beat("Hijacked") },
          { op: "delete", id, baseVersion: 1 },
        ],
      },
    });
    const synced = (await sync.json()) as {
      results: { status: string; pattern?: unknown }[];
      changes: unknown[];
    };
    expect(synced.results.map((r) => r.status)).toEqual(["rejected", "applied"]);
    expect(synced.results.every((r) => r.pattern === undefined)).toBe(true);
    expect(synced.changes).toEqual([]);
    const mine = (await (
      await send(bindings, `/api/patterns/${id}`, { headers: bearer(a.accessToken) })
    ).json()) as Pattern;
    expect(mine).toMatchObject({ name: "Boom bap", version: 1, deletedAt: null });
  });
});

describe("GET /api/patterns pagination", () => {
  it("pages live patterns with limit and nextCursor, in a stable order", async () => {
    const user = await signUp(bindings);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(((await (await create(user.accessToken, beat(`L${i}`))).json()) as Pattern).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = (await (
        await send(bindings, `/api/patterns?limit=2${cursor ? `&cursor=${cursor}` : ""}`, {
          headers: bearer(user.accessToken),
        })
      ).json()) as Page;
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
    const tooMany = await send(bindings, "/api/patterns?limit=101", { headers: bearer(user.accessToken) });
    expect(tooMany.status).toBe(400);
  });
});

describe("delta sync cursors", () => {
  it("never skip or repeat a change", async () => {
    const user = await signUp(bindings);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(((await (await create(user.accessToken, beat(`P${i}`))).json()) as Pattern).id);
    const seen: string[] = [];
    let cursor = "0";
    for (;;) {
      const page = (await (
        await send(bindings, `/api/patterns?since=${cursor}&limit=2`, { headers: bearer(user.accessToken) })
      ).json()) as Page;
      seen.push(...page.items.map((p) => p.id));
      if (page.items.length === 0) break;
      cursor = page.nextCursor as string;
    }
    expect(seen).toEqual(ids);
    await send(bindings, `/api/patterns/${ids[1]}`, {
      method: "PATCH",
      headers: bearer(user.accessToken),
      json: { tempo: 99 },
    });
    const next = (await (
      await send(bindings, `/api/patterns?since=${cursor}`, { headers: bearer(user.accessToken) })
    ).json()) as Page;
    expect(next.items.map((p) => [p.id, p.tempo])).toEqual([[ids[1], 99]]);
  });
});

describe("free tier quota", () => {
  it("refuses the 51st live pattern with premium-required, and premium lifts it", async () => {
    const user = await signUp(bindings);
    const db = createDb(loadConfig(bindings));
    await db.execute(sql`
      with u as (update users set pattern_seq = 49 where id = ${user.userId} returning id)
      insert into patterns (id, user_id, name, tempo, tracks, change_seq)
      select gen_random_uuid(), u.id, 'filler ' || n, 90, '[]'::jsonb, n from u, generate_series(1, 49) n`);
    expect((await create(user.accessToken, beat("50th"))).status).toBe(201);
    const over = await create(user.accessToken, beat("51st"));
    expect(over.status).toBe(403);
    const problem = (await over.json()) as { type: string; detail: string; upgrade: string };
    expect(problem.type).toBe("https://backline.dev/problems/premium-required");
    expect(problem.detail).toMatch(/premium/i);
    await db.execute(sql`update users set tier = 'premium' where id = ${user.userId}`);
    expect((await create(user.accessToken, beat("51st"))).status).toBe(201);
  });
});

describe("free tier quota under concurrency", () => {
  // The quota held only when creates did not overlap: two statements could both count 49.
  it("10 parallel creates at 49 live patterns make exactly one the 50th (10 rounds)", async () => {
    const db = createDb(loadConfig(bindings));
    for (let round = 0; round < 10; round++) {
      const user = await signUp(bindings);
      await db.execute(sql`
        with u as (update users set pattern_seq = 49 where id = ${user.userId} returning id)
        insert into patterns (id, user_id, name, tempo, tracks, change_seq)
        select gen_random_uuid(), u.id, 'filler ' || n, 90, '[]'::jsonb, n from u, generate_series(1, 49) n`);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => create(user.accessToken, beat(`race ${i}`))),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, ...Array(9).fill(403)]);
      const live = await db.execute<{ n: string }>(
        sql`select count(*) as n from patterns where user_id = ${user.userId} and deleted_at is null`,
      );
      expect(Number(live.rows[0]?.n)).toBe(50);
    }
  });
});

describe("a premium account's create: one statement, no lock", () => {
  const fill = (userId: string, n: number) =>
    createDb(loadConfig(bindings)).execute(sql`
      with u as (update users set pattern_seq = ${n} where id = ${userId} returning id)
      insert into patterns (id, user_id, name, tempo, tracks, change_seq)
      select gen_random_uuid(), u.id, 'filler ' || n, 90, '[]'::jsonb, n from u, generate_series(1, ${n}) n`);
  const setTier = (userId: string, tier: "free" | "premium") =>
    createDb(loadConfig(bindings)).execute(sql`update users set tier = ${tier} where id = ${userId}`);

  async function premiumUser() {
    const user = await signUp(bindings);
    await setTier(user.userId, "premium");
    return { ...user, accessToken: await refreshedAccessToken(bindings, user) };
  }

  it("creates past the free limit in one round trip; an identical repeat is 200, a different body 409", async () => {
    const user = await premiumUser();
    await fill(user.userId, 50);
    const id = crypto.randomUUID();
    const trace = traceId();
    const first = await create(user.accessToken, { id, ...beat() }, { "X-Request-Id": trace });
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ id, name: "Boom bap", version: 1 });
    expect(await roundTrips(trace)).toMatchObject({ neon: 1 });
    const repeatTrace = traceId();
    expect((await create(user.accessToken, { id, ...beat() }, { "X-Request-Id": repeatTrace })).status).toBe(
      200,
    );
    expect(await roundTrips(repeatTrace)).toMatchObject({ neon: 1 });
    expect((await create(user.accessToken, { id, ...beat("Other") })).status).toBe(409);
  });

  it("a token still saying premium after a downgrade gets the free limit, in a second round trip", async () => {
    const user = await premiumUser();
    await setTier(user.userId, "free");
    await fill(user.userId, 49);
    const trace = traceId();
    expect((await create(user.accessToken, beat("50th"), { "X-Request-Id": trace })).status).toBe(201);
    expect(await roundTrips(trace)).toMatchObject({ neon: 2 });
    const over = await create(user.accessToken, beat("51st"));
    expect(over.status).toBe(403);
    expect(((await over.json()) as { type: string }).type).toBe(
      "https://backline.dev/problems/premium-required",
    );
  });

  it("10 parallel creates with downgraded premium tokens at 49 live patterns make exactly one the 50th", async () => {
    const user = await premiumUser();
    await setTier(user.userId, "free");
    await fill(user.userId, 49);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => create(user.accessToken, beat(`race ${i}`))),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, ...Array(9).fill(403)]);
  });

  it("10 parallel creates of one id make one pattern: one 201, the rest 200", async () => {
    const user = await premiumUser();
    const id = crypto.randomUUID();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => create(user.accessToken, { id, ...beat() })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const rows = await createDb(loadConfig(bindings)).execute<{ n: string }>(
      sql`select count(*) as n from patterns where id = ${id}`,
    );
    expect(Number(rows.rows[0]?.n)).toBe(1);
  });
});

describe("round-trip budget: one Neon round trip per endpoint", () => {
  it.each(["list", "since", "create", "get", "put", "patch", "delete"])("%s", async (op) => {
    const user = await signUp(bindings);
    const { id } = (await (await create(user.accessToken, beat())).json()) as Pattern;
    await send(bindings, "/api/patterns", { headers: bearer(user.accessToken) }); // warm the limiter scripts
    const trace = traceId();
    const h = { ...bearer(user.accessToken), "X-Request-Id": trace };
    const requests: Record<string, () => Promise<Response>> = {
      list: () => send(bindings, "/api/patterns", { headers: h }),
      since: () => send(bindings, "/api/patterns?since=0", { headers: h }),
      create: () => create(user.accessToken, beat(), { "X-Request-Id": trace }),
      get: () => send(bindings, `/api/patterns/${id}`, { headers: h }),
      put: () => send(bindings, `/api/patterns/${id}`, { method: "PUT", headers: h, json: beat() }),
      patch: () =>
        send(bindings, `/api/patterns/${id}`, { method: "PATCH", headers: h, json: { tempo: 101 } }),
      delete: () => send(bindings, `/api/patterns/${id}`, { method: "DELETE", headers: h }),
    };
    const res = await (requests[op] as () => Promise<Response>)();
    expect(res.status).toBeLessThan(300);
    expect(await roundTrips(trace)).toMatchObject({ neon: 1, upstash: 1 });
  });
});
