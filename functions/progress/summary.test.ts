import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { progressSummary } from "../../db/queries/progress-summary";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, type SignedUp, signUp } from "../../test/support/accounts";
import { fileEnv, roundTrips, send, traceId } from "../../test/support/harness";

// Also run on PGlite: BACKLINE_POSTGRES=pglite BACKLINE_REDIS=embedded npx vitest run --project workers <this file>
const bindings = fileEnv("progress-summary");
const db = createDb(loadConfig(bindings));

/** lesson_completed events of a user at given instants (a repeat of a lesson counts for streaks too). */
async function completedAt(userId: string, instants: string[]) {
  for (const ts of instants) {
    await db.execute(sql`
      insert into usage_events (name, ts, user_id, props)
      values ('lesson_completed', ${ts}::timestamptz, ${userId}::uuid, '{"lessonId":"counting-beats"}'::jsonb)`);
  }
}

async function streaks(userId: string, tz: string, now: string) {
  const row = await progressSummary(db, { userId, tz, now: new Date(now) });
  return { current: row.currentStreak, longest: row.longestStreak, last: row.lastActiveDay };
}

describe("streaks in the learner's time zone (the query, with a fixed now)", () => {
  it("across the spring-forward change in New York: days are local days, not UTC or a fixed offset", async () => {
    const { userId } = await signUp(bindings);
    // Sat 9 March 23:30 EST, then Mon 11 March 00:30 EDT (clocks went forward on Sunday the 10th).
    await completedAt(userId, ["2024-03-10T04:30:00Z", "2024-03-11T04:30:00Z"]);
    const now = "2024-03-11T12:00:00Z";
    expect(await streaks(userId, "America/New_York", now)).toEqual({
      current: 1,
      longest: 1,
      last: "2024-03-11",
    });
    // In UTC the two are on the 10th and the 11th; at a fixed UTC-5 on the 9th and the 10th: both consecutive.
    expect(await streaks(userId, "UTC", now)).toEqual({ current: 2, longest: 2, last: "2024-03-11" });
    expect(await streaks(userId, "Etc/GMT+5", now)).toEqual({ current: 2, longest: 2, last: "2024-03-10" });
  });

  it("across the fall-back change in Berlin: a 25-hour day holds both completions", async () => {
    const { userId } = await signUp(bindings);
    // Sun 27 October 00:30 CEST and 23:30 CET: one local day (clocks went back at 03:00).
    await completedAt(userId, ["2024-10-26T22:30:00Z", "2024-10-27T22:30:00Z"]);
    const now = "2024-10-28T08:00:00Z";
    expect(await streaks(userId, "Europe/Berlin", now)).toEqual({
      current: 1,
      longest: 1,
      last: "2024-10-27",
    });
    expect(await streaks(userId, "Etc/GMT-2", now)).toEqual({ current: 2, longest: 2, last: "2024-10-28" });
  });

  it("the current streak reaches today or yesterday in the zone, and is over after a missed day", async () => {
    const { userId } = await signUp(bindings);
    // New York: Sat 9, Mon 11 and Tue 12 March (15:00 UTC = 11:00 EDT).
    await completedAt(userId, ["2024-03-10T04:30:00Z", "2024-03-11T04:30:00Z", "2024-03-12T15:00:00Z"]);
    const ny = (now: string) => streaks(userId, "America/New_York", now);
    expect(await ny("2024-03-13T03:00:00Z")).toMatchObject({ current: 2, longest: 2 }); // Tue 23:00: today
    expect(await ny("2024-03-14T03:00:00Z")).toMatchObject({ current: 2, longest: 2 }); // Wed 23:00: yesterday
    expect(await ny("2024-03-15T03:00:00Z")).toMatchObject({ current: 0, longest: 2 }); // Thu: a day missed
    // The same instants are Sun 10, Mon 11, Tue 12 in UTC: three in a row.
    expect(await streaks(userId, "UTC", "2024-03-13T03:00:00Z")).toMatchObject({ current: 3, longest: 3 });
  });

  it("on either side of the date line the same instant is another day", async () => {
    const { userId } = await signUp(bindings);
    // 1 June 20:00 UTC and 2 June 10:00 UTC.
    await completedAt(userId, ["2024-06-01T20:00:00Z", "2024-06-02T10:00:00Z"]);
    const now = "2024-06-02T11:00:00Z";
    // Auckland (UTC+12): 2 June 08:00 and 22:00, one day. Los Angeles (UTC-7): 1 June 13:00 and 2 June 03:00, two.
    expect(await streaks(userId, "Pacific/Auckland", now)).toEqual({
      current: 1,
      longest: 1,
      last: "2024-06-02",
    });
    expect(await streaks(userId, "America/Los_Angeles", now)).toEqual({
      current: 2,
      longest: 2,
      last: "2024-06-02",
    });
  });
});

describe("GET /api/progress/summary", () => {
  async function summary(user: SignedUp, query = "", headers: Record<string, string> = {}) {
    return send(bindings, `/api/progress/summary${query}`, {
      headers: { ...bearer(user.accessToken), ...headers },
    });
  }

  it("lessons completed per category, completion, streaks and recent activity", async () => {
    const user = await signUp(bindings);
    for (const [lessonId, completed] of [
      ["counting-beats", true],
      ["quarter-notes", true],
      ["your-first-kick-pattern", true],
      ["eighth-notes", false],
    ] as const) {
      const res = await send(bindings, "/api/progress", {
        method: "POST",
        headers: bearer(user.accessToken),
        json: { lessonId, score: 80, completed },
      });
      expect(res.status).toBe(200);
    }
    // A lesson repeated yesterday, tracked by the SDK: yesterday and today make a streak of two.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    await send(bindings, "/api/events", {
      method: "POST",
      headers: bearer(user.accessToken),
      json: { events: [{ name: "lesson_completed", ts: yesterday, props: { lessonId: "counting-beats" } }] },
    });

    const res = await summary(user, "?tz=UTC");
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      categories: { category: string; completed: number; total: number; completionPercent: number }[];
      [key: string]: unknown;
    };
    const published = (
      await db.execute<{ n: number }>(
        sql`select count(*)::int as n from lessons where published_at is not null`,
      )
    ).rows[0]?.n as number;
    expect(body).toMatchObject({
      timeZone: "UTC",
      completedLessons: 3,
      totalLessons: published,
      completionPercent: Math.round((3 / published) * 1000) / 10,
      currentStreak: 2,
      longestStreak: 2,
      lastActiveDay: new Date().toISOString().slice(0, 10),
    });
    expect(body.categories.find((c) => c.category === "rhythm-basics")).toMatchObject({ completed: 2 });
    expect(body.categories.find((c) => c.category === "drum-programming")).toMatchObject({ completed: 1 });
    expect(body.categories.find((c) => c.category === "mixing")).toMatchObject({
      completed: 0,
      completionPercent: 0,
    });
    expect((body.recent as { lessonId: string }[]).map((r) => r.lessonId)).toEqual([
      "eighth-notes",
      "your-first-kick-pattern",
      "quarter-notes",
      "counting-beats",
    ]);
  });

  it("a new learner's summary is all zeros, in UTC when no zone is given", async () => {
    const user = await signUp(bindings);
    const body = (await (await summary(user)).json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      timeZone: "UTC",
      completedLessons: 0,
      completionPercent: 0,
      currentStreak: 0,
      longestStreak: 0,
      lastActiveDay: null,
      recent: [],
    });
  });

  it.each(["Mars/Olympus_Mons", "Europe/Berlin; drop table users", "+05:00", "x".repeat(65)])(
    "answers 400 naming query.tz for %s",
    async (tz) => {
      const user = await signUp(bindings);
      const res = await summary(user, `?tz=${encodeURIComponent(tz)}`);
      expect(res.status).toBe(400);
      const problem = (await res.json()) as { errors: { path: string }[] };
      expect(problem.errors.map((e) => e.path)).toEqual(["query.tz"]);
    },
  );

  it("signed in only; one Neon and one Upstash round trip", async () => {
    expect((await send(bindings, "/api/progress/summary")).status).toBe(401);
    const user = await signUp(bindings);
    await summary(user, "?tz=Europe/Berlin");
    const trace = traceId();
    const res = await summary(user, "?tz=Europe/Berlin", { "X-Request-Id": trace });
    expect(res.status).toBe(200);
    expect(await roundTrips(trace)).toMatchObject({ neon: 1, upstash: 1 });
  });
});
