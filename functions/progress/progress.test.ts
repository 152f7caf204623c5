import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { grantAdmin } from "../../db/queries/admin";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, refreshedAccessToken, signUp } from "../../test/support/accounts";
import { fileEnv, roundTrips, send, traceId } from "../../test/support/harness";

const bindings = fileEnv("progress");
const db = () => createDb(loadConfig(bindings));

let premiumToken: string;
let adminToken: string;

beforeAll(async () => {
  const premium = await signUp(bindings);
  await db().execute(sql`update users set tier = 'premium' where id = ${premium.userId}`);
  premiumToken = await refreshedAccessToken(bindings, premium);
  const admin = await signUp(bindings);
  await grantAdmin(db(), admin.email);
  adminToken = await refreshedAccessToken(bindings, admin);
});

describe("progress", () => {
  it("keeps the best score, counts attempts and stamps only the first completion", async () => {
    const user = await signUp(bindings);
    const post = (score: number, completed: boolean) =>
      send(bindings, "/api/progress", {
        method: "POST",
        headers: bearer(user.accessToken),
        json: { lessonId: "quarter-notes", score, completed },
      });
    const first = (await (await post(70, true)).json()) as { completedAt: string };
    await post(95, false);
    const third = (await (await post(40, true)).json()) as Record<string, unknown>;
    expect(third).toMatchObject({
      lessonId: "quarter-notes",
      score: 40,
      bestScore: 95,
      attempts: 3,
      completed: true,
    });
    expect(third.completedAt).toBe(first.completedAt);
    const one = await send(bindings, "/api/progress/quarter-notes", { headers: bearer(user.accessToken) });
    expect(await one.json()).toMatchObject({ bestScore: 95 });
  });

  it.each([
    [{ lessonId: "counting-beats", score: 101 }, "score"],
    [{ lessonId: "counting-beats", score: 5.5 }, "score"],
    [{ lessonId: "", score: 5 }, "lessonId"],
    [{ lessonId: "counting-beats", score: 5, bestScore: 100 }, "bestScore"],
  ])("answers 400 for an invalid attempt (%#)", async (json, field) => {
    const user = await signUp(bindings);
    const res = await send(bindings, "/api/progress", {
      method: "POST",
      headers: bearer(user.accessToken),
      json,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(field);
  });

  it("needs an existing lesson, and premium for a premium lesson", async () => {
    const user = await signUp(bindings);
    const post = (lessonId: string, token: string) =>
      send(bindings, "/api/progress", {
        method: "POST",
        headers: bearer(token),
        json: { lessonId, score: 50 },
      });
    expect((await post("no-such-lesson", user.accessToken)).status).toBe(404);
    expect((await post("boom-bap", user.accessToken)).status).toBe(403);
    expect((await post("boom-bap", premiumToken)).status).toBe(200);
    // Admins open premium lessons, so they may also record progress on them.
    expect((await post("boom-bap", adminToken)).status).toBe(200);
  });

  it("counts an attempt sent again with the same attemptId once, alone or in a sync batch", async () => {
    const user = await signUp(bindings);
    const attempt = { lessonId: "counting-beats", score: 70, attemptId: crypto.randomUUID() };
    const post = (json: unknown) =>
      send(bindings, "/api/progress", { method: "POST", headers: bearer(user.accessToken), json });
    const first = (await (await post(attempt)).json()) as { attempts: number };
    const again = await post(attempt);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(first);
    expect(first.attempts).toBe(1);
    // Without an id every send is an attempt.
    await post({ lessonId: "counting-beats", score: 10 });
    await post({ lessonId: "counting-beats", score: 10 });
    const repeat = { lessonId: "counting-beats", score: 90, attemptId: crypto.randomUUID() };
    const res = await send(bindings, "/api/progress/sync", {
      method: "POST",
      headers: bearer(user.accessToken),
      json: { attempts: [repeat, repeat, attempt] },
    });
    const body = (await res.json()) as {
      progress: { lessonId: string; attempts: number; bestScore: number }[];
    };
    expect(body.progress).toEqual([
      expect.objectContaining({ lessonId: "counting-beats", attempts: 4, bestScore: 90 }),
    ]);
    const bad = await post({ lessonId: "counting-beats", score: 1, attemptId: "not-a-uuid" });
    expect(bad.status).toBe(400);
  });

  it("syncs a batch of attempts in one Neon round trip", async () => {
    const user = await signUp(bindings);
    await send(bindings, "/api/progress", { headers: bearer(user.accessToken) }); // warm the limiter scripts
    const trace = traceId();
    const res = await send(bindings, "/api/progress/sync", {
      method: "POST",
      headers: { ...bearer(user.accessToken), "X-Request-Id": trace },
      json: {
        attempts: [
          { lessonId: "counting-beats", score: 60, completed: true },
          { lessonId: "counting-beats", score: 80 },
          { lessonId: "boom-bap", score: 99 },
          { lessonId: "nope", score: 1 },
        ],
      },
    });
    const body = (await res.json()) as {
      results: { status: string }[];
      progress: { lessonId: string; bestScore: number; attempts: number }[];
    };
    expect(body.results.map((r) => r.status)).toEqual(["applied", "applied", "rejected", "rejected"]);
    expect(body.progress).toEqual([
      expect.objectContaining({ lessonId: "counting-beats", bestScore: 80, attempts: 2 }),
    ]);
    expect(await roundTrips(trace)).toMatchObject({ neon: 1, upstash: 1 });
  });
});
