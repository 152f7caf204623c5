import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, type SignedUp, signUp } from "../../test/support/accounts";
import { DEAD_URL, fileEnv, roundTrips, send, type TestBindings, traceId } from "../../test/support/harness";

const bindings = fileEnv("events");
const db = createDb(loadConfig(bindings));

type Results = { results: { index: number; status: string; reason?: string; detail?: string }[] };

function track(
  body: unknown,
  init: { token?: string; target?: TestBindings; headers?: Record<string, string> } = {},
) {
  return send(init.target ?? bindings, "/api/events", {
    method: "POST",
    headers: { ...(init.token ? bearer(init.token) : {}), ...init.headers },
    json: body,
  });
}

const now = () => new Date().toISOString();
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();

async function eventsOf(where: ReturnType<typeof sql>) {
  const { rows } = await db.execute<{
    name: string;
    user_id: string | null;
    anonymous_id: string | null;
    props: unknown;
  }>(sql`select name, user_id, anonymous_id, props from usage_events where ${where} order by id`);
  return rows;
}

describe("POST /api/events", () => {
  it("judges each event on its own: stores the good ones and lists why each bad one was refused", async () => {
    const anonymousId = crypto.randomUUID();
    const res = await track({
      anonymousId,
      events: [
        { name: "page_view", ts: now(), props: { path: "/lessons", n: 3, first: true } },
        { name: "made_up_event", ts: now() },
        { name: "sign_up", ts: now() },
        { name: "lesson_started", ts: new Date(Date.now() + 3_600_000).toISOString() },
        { name: "lesson_started", ts: daysAgo(91) },
        { name: "lesson_started", ts: "yesterday" },
        { name: "lesson_started", ts: now(), props: { nested: { a: 1 } } },
        { name: "lesson_started", ts: now(), props: { text: "x".repeat(201) } },
        { name: "lesson_started", ts: daysAgo(89), props: { lessonId: "counting-beats" } },
      ],
    });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as Results;
    expect(results.map((r) => [r.index, r.status, r.reason])).toEqual([
      [0, "accepted", undefined],
      [1, "rejected", "unknown-name"],
      [2, "rejected", "server-only-name"],
      [3, "rejected", "ts-in-future"],
      [4, "rejected", "ts-expired"],
      [5, "rejected", "invalid-ts"],
      [6, "rejected", "invalid-props"],
      [7, "rejected", "invalid-props"],
      [8, "accepted", undefined],
    ]);
    expect(results[6]?.detail).toMatch(/props\.nested/);
    const stored = await eventsOf(sql`anonymous_id = ${anonymousId}`);
    expect(stored).toEqual([
      {
        name: "page_view",
        user_id: null,
        anonymous_id: anonymousId,
        props: { path: "/lessons", n: 3, first: true },
      },
      {
        name: "lesson_started",
        user_id: null,
        anonymous_id: anonymousId,
        props: { lessonId: "counting-beats" },
      },
    ]);
  });

  it.each([
    [{ events: [] }, "events"],
    [{}, "events"],
    [{ events: Array.from({ length: 101 }, () => ({ name: "page_view", ts: now() })) }, "events"],
    [{ anonymousId: "not-a-uuid", events: [{ name: "page_view", ts: now() }] }, "anonymousId"],
    [{ events: [{ name: 42, ts: now() }] }, "events.0.name"],
    [{ events: [{ name: "page_view" }] }, "events.0.ts"],
    [{ events: [{ name: "page_view", ts: now(), props: [1] }] }, "events.0.props"],
    [{ events: [{ name: "page_view", ts: now(), userId: crypto.randomUUID() }] }, "events.0.userId"],
  ])("answers 400 problem+json naming the field of a malformed envelope (%#)", async (body, field) => {
    const res = await track(body);
    expect(res.status).toBe(400);
    expect(res.headers.get("Content-Type")).toBe("application/problem+json");
    const problem = (await res.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path)).toContain(field);
  });

  it("signed in with the device's anonymous id, takes that id's earlier events, and only those", async () => {
    const user = await signUp(bindings);
    const device = crypto.randomUUID();
    const otherDevice = crypto.randomUUID();
    await track({
      anonymousId: device,
      events: [
        { name: "page_view", ts: now() },
        { name: "plans_viewed", ts: now() },
      ],
    });
    await track({ anonymousId: otherDevice, events: [{ name: "page_view", ts: now() }] });

    const res = await track(
      { anonymousId: device, events: [{ name: "signed_in", ts: now() }] },
      { token: user.accessToken },
    );
    expect(res.status).toBe(200);
    expect(await eventsOf(sql`anonymous_id = ${device}`)).toEqual([
      expect.objectContaining({ name: "page_view", user_id: user.userId }),
      expect.objectContaining({ name: "plans_viewed", user_id: user.userId }),
      expect.objectContaining({ name: "signed_in", user_id: user.userId }),
    ]);
    expect(await eventsOf(sql`anonymous_id = ${otherDevice}`)).toEqual([
      expect.objectContaining({ user_id: null }),
    ]);
  });

  it("never moves events another account already holds", async () => {
    const first = await signUp(bindings);
    const second = await signUp(bindings);
    const device = crypto.randomUUID();
    await track(
      { anonymousId: device, events: [{ name: "page_view", ts: now() }] },
      { token: first.accessToken },
    );
    await track(
      { anonymousId: device, events: [{ name: "page_view", ts: now() }] },
      { token: second.accessToken },
    );
    const owners = (await eventsOf(sql`anonymous_id = ${device}`)).map((e) => e.user_id);
    expect(owners).toEqual([first.userId, second.userId]);
  });

  it("merges with no events accepted at all (a batch of rejects still signs the device in)", async () => {
    const user = await signUp(bindings);
    const device = crypto.randomUUID();
    await track({ anonymousId: device, events: [{ name: "page_view", ts: now() }] });
    const res = await track(
      { anonymousId: device, events: [{ name: "nope", ts: now() }] },
      { token: user.accessToken },
    );
    expect(((await res.json()) as Results).results[0]?.status).toBe("rejected");
    expect(await eventsOf(sql`anonymous_id = ${device}`)).toEqual([
      expect.objectContaining({ user_id: user.userId }),
    ]);
  });

  it("accepts the names EVENT_NAMES_EXTRA adds, only where it is set", async () => {
    const extra = fileEnv("events-extra", { EVENT_NAMES_EXTRA: "recording_exported, midi_connected" });
    const body = { events: [{ name: "recording_exported", ts: now() }] };
    const withExtra = (await (await track(body, { target: extra })).json()) as Results;
    const without = (await (await track(body)).json()) as Results;
    expect(withExtra.results[0]?.status).toBe("accepted");
    expect(without.results[0]).toMatchObject({ status: "rejected", reason: "unknown-name" });
  });

  it("bounds ts by EVENT_RETENTION_DAYS", async () => {
    const short = fileEnv("events-short", { EVENT_RETENTION_DAYS: "7" });
    const res = await track(
      {
        events: [
          { name: "page_view", ts: daysAgo(8) },
          { name: "page_view", ts: daysAgo(6) },
        ],
      },
      { target: short },
    );
    const { results } = (await res.json()) as Results;
    expect(results.map((r) => r.reason ?? r.status)).toEqual(["ts-expired", "accepted"]);
  });

  it("refuses an invalid or revoked access token instead of storing the events anonymously", async () => {
    const user = await signUp(bindings);
    const body = { events: [{ name: "page_view", ts: now() }] };
    expect((await track(body, { token: "not.a.jwt" })).status).toBe(401);
    await send(bindings, "/api/auth/signout-all", { method: "POST", headers: bearer(user.accessToken) });
    expect((await track(body, { token: user.accessToken })).status).toBe(401);
    expect(await eventsOf(sql`user_id = ${user.userId} and name = 'page_view'`)).toEqual([]);
  });

  it("is limited by its own policy, per user when signed in and per client IP otherwise", async () => {
    const user = await signUp(bindings);
    const body = { events: [{ name: "page_view", ts: now() }] };
    const signedIn = await track(body, {
      token: user.accessToken,
      headers: { "CF-Connecting-IP": "10.9.9.1" },
    });
    expect(signedIn.headers.get("RateLimit-Policy")).toBe('"events";q=60;w=60');
    const again = await track(body, { token: user.accessToken, headers: { "CF-Connecting-IP": "10.9.9.2" } });
    const remaining = (r: Response) => Number(r.headers.get("X-RateLimit-Remaining"));
    // The same user from another address spends the same bucket; an anonymous caller there has its own.
    expect(remaining(again)).toBe(remaining(signedIn) - 1);
    const anonymous = await track(body, { headers: { "CF-Connecting-IP": "10.9.9.2" } });
    expect(remaining(anonymous)).toBe(59);
  });

  it("fails closed with 503 and Retry-After while Redis is down, storing nothing", async () => {
    const anonymousId = crypto.randomUUID();
    const res = await track(
      { anonymousId, events: [{ name: "page_view", ts: now() }] },
      { target: { ...bindings, UPSTASH_REDIS_REST_URL: DEAD_URL } },
    );
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBeTruthy();
    expect(await eventsOf(sql`anonymous_id = ${anonymousId}`)).toEqual([]);
  });

  it("deletes a user's events, merged anonymous ones included, with the account", async () => {
    const user = await signUp(bindings);
    const device = crypto.randomUUID();
    await track({ anonymousId: device, events: [{ name: "page_view", ts: now() }] });
    await track(
      { anonymousId: device, events: [{ name: "lesson_started", ts: now() }] },
      { token: user.accessToken },
    );
    const deleted = await send(bindings, "/api/me", {
      method: "DELETE",
      headers: bearer(user.accessToken),
      json: { password: user.password },
    });
    expect(deleted.status).toBe(204);
    expect(await eventsOf(sql`anonymous_id = ${device} or user_id = ${user.userId}`)).toEqual([]);
  });
});

describe("POST /api/events round trips", () => {
  const batch = (anonymousId: string) => ({
    anonymousId,
    events: Array.from({ length: 100 }, (_, i) => ({ name: "page_view", ts: now(), props: { i } })),
  });

  async function budget(user: SignedUp | undefined, anonymousId: string) {
    const headers = { "X-Request-Id": traceId(), "CF-Connecting-IP": "10.8.8.8" };
    const res = await track(batch(anonymousId), { token: user?.accessToken, headers });
    expect(res.status).toBe(200);
    return roundTrips(headers["X-Request-Id"]);
  }

  it("a batch of 100 costs one Neon and one Upstash round trip, anonymous or signed in with a merge", async () => {
    const user = await signUp(bindings);
    const device = crypto.randomUUID();
    await budget(undefined, device); // warms the limiter script
    expect(await budget(undefined, device)).toMatchObject({ neon: 1, upstash: 1 });
    expect(await budget(user, device)).toMatchObject({ neon: 1, upstash: 1 });
    expect(await eventsOf(sql`anonymous_id = ${device} and user_id is null`)).toEqual([]);
  });
});
