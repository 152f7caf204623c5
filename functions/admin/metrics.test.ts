import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { grantAdmin } from "../../db/queries/admin";
import { rollUpDays } from "../../db/queries/events";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { rollUpRecentEvents } from "../../shared/events/rollups";
import { bearer, refreshedAccessToken, type SignedUp, signUp } from "../../test/support/accounts";
import { fileEnv, roundTrips, send, type TestBindings, traceId } from "../../test/support/harness";
import worker from "..";

const bindings = fileEnv("metrics");
const db = createDb(loadConfig(bindings));
const RANGE = "from=2025-03-01&to=2025-03-10";

let adminToken: string;
let learner: SignedUp;
const shareIds: string[] = [];

type EventSeed = { name: string; ts: string; user?: string | null; anon?: string | null; props?: object };

async function insertEvents(events: EventSeed[], target = db) {
  for (const e of events) {
    await target.execute(sql`
      insert into usage_events (name, ts, user_id, anonymous_id, props)
      values (${e.name}, ${e.ts}::timestamptz, ${e.user ?? null}::uuid, ${e.anon ?? null}::uuid,
        ${JSON.stringify(e.props ?? {})}::jsonb)`);
  }
}

const times = (n: number, e: EventSeed) => Array.from({ length: n }, () => e);

async function insertUser(createdAt: string) {
  const id = crypto.randomUUID();
  await db.execute(sql`
    insert into users (id, email, password_hash, display_name, created_at)
    values (${id}, ${`${id}@example.com`}, 'x', 'Seeded', ${createdAt}::timestamptz)`);
  return id;
}

async function insertSubscription(s: {
  userId?: string;
  status: string;
  priceId: string;
  createdAt: string;
  endedAt?: string;
}) {
  await db.execute(sql`
    insert into subscriptions (id, user_id, customer_id, status, price_id, created_at, ended_at, event_at, event_rank)
    values (${`sub_${crypto.randomUUID().slice(0, 12)}`}, ${s.userId ?? null}::uuid, 'cus_seeded', ${s.status},
      ${s.priceId}, ${s.createdAt}::timestamptz, ${s.endedAt ?? null}::timestamptz, now(), 0)`);
}

const A = crypto.randomUUID();
const B = crypto.randomUUID();

beforeAll(async () => {
  const admin = await signUp(bindings);
  await grantAdmin(db, admin.email);
  adminToken = await refreshedAccessToken(bindings, admin);
  learner = await signUp(bindings);
  for (const name of ["Boom bap", "Four on the floor"]) {
    const created = await send(bindings, "/api/patterns", {
      method: "POST",
      headers: bearer(learner.accessToken),
      json: { name, tempo: 90, tracks: [] },
    });
    const { id } = (await created.json()) as { id: string };
    const shared = await send(bindings, "/api/shares", {
      method: "POST",
      headers: bearer(learner.accessToken),
      json: { patternId: id },
    });
    shareIds.push(((await shared.json()) as { shareId: string }).shareId);
  }

  await insertEvents([
    ...times(2, { name: "sign_up", ts: "2025-03-01T10:00:00Z" }),
    { name: "sign_up", ts: "2025-03-03T23:59:59Z" },
    { name: "sign_up", ts: "2025-03-11T00:00:00Z" }, // the day after the range
    { name: "page_view", ts: "2025-03-01T08:00:00Z", anon: A },
    { name: "page_view", ts: "2025-03-02T08:00:00Z", anon: A },
    { name: "page_view", ts: "2025-03-02T09:00:00Z", anon: B },
    { name: "page_view", ts: "2025-03-08T09:00:00Z", user: learner.userId, anon: A },
    ...times(3, {
      name: "lesson_started",
      ts: "2025-03-02T12:00:00Z",
      anon: A,
      props: { lessonId: "counting-beats" },
    }),
    ...times(2, {
      name: "lesson_completed",
      ts: "2025-03-02T12:05:00Z",
      anon: A,
      props: { lessonId: "counting-beats" },
    }),
    { name: "lesson_started", ts: "2025-03-05T12:00:00Z", anon: B, props: { lessonId: "quarter-notes" } },
    { name: "lesson_started", ts: "2025-02-20T12:00:00Z", anon: B, props: { lessonId: "quarter-notes" } },
    ...times(5, {
      name: "share_opened",
      ts: "2025-03-04T12:00:00Z",
      anon: B,
      props: { shareId: shareIds[1] },
    }),
    ...times(2, {
      name: "share_opened",
      ts: "2025-03-06T12:00:00Z",
      anon: A,
      props: { shareId: shareIds[0] },
    }),
    ...times(2, { name: "checkout_completed", ts: "2025-03-05T12:00:00Z" }),
  ]);

  const cohort = await Promise.all(
    ["2025-03-01", "2025-03-02", "2025-03-04", "2025-03-10"].map((d) => insertUser(`${d}T12:00:00Z`)),
  );
  await insertUser("2025-02-27T12:00:00Z");
  await insertSubscription({
    status: "active",
    priceId: "price_premium_monthly",
    createdAt: "2025-01-01T00:00:00Z",
  });
  await insertSubscription({
    status: "canceled",
    priceId: "price_premium_yearly",
    createdAt: "2025-02-01T00:00:00Z",
    endedAt: "2025-03-05T00:00:00Z",
  });
  await insertSubscription({
    userId: cohort[2],
    status: "active",
    priceId: "price_premium_monthly",
    createdAt: "2025-03-05T00:00:00Z",
  });
  await insertSubscription({
    userId: cohort[3],
    status: "incomplete",
    priceId: "price_premium_monthly",
    createdAt: "2025-03-06T00:00:00Z",
  });
  await insertSubscription({ status: "active", priceId: "price_unknown", createdAt: "2025-01-01T00:00:00Z" });

  for (const [type, status, at] of [
    ["invoice.paid", "failed", "2025-03-02T10:00:00Z"],
    ["invoice.paid", "failed", "2025-03-02T11:00:00Z"],
    ["customer.subscription.updated", "failed", "2025-03-04T10:00:00Z"],
    ["invoice.paid", "processed", "2025-03-04T10:00:00Z"],
    ["invoice.paid", "failed", "2025-02-04T10:00:00Z"],
  ] as const) {
    await db.execute(sql`
      insert into stripe_events (id, type, created_at, received_at, status, payload)
      values (${`evt_${crypto.randomUUID().slice(0, 12)}`}, ${type}, ${at}::timestamptz, ${at}::timestamptz, ${status}, '{}')`);
  }
  for (const [at, sent] of [
    ["2025-03-01T10:00:00Z", true],
    ["2025-03-01T11:00:00Z", false],
    ["2025-03-03T10:00:00Z", false],
  ] as const) {
    await db.execute(sql`
      insert into email_outbox (template, created_at, sent_at)
      values ('welcome', ${at}::timestamptz, ${sent ? at : null}::timestamptz)`);
  }

  await rollUpDays(db, { from: "2025-02-01", to: "2025-03-12" });
});

async function metric<T>(name: string, query = RANGE, token = adminToken) {
  const res = await send(bindings, `/api/admin/metrics/${name}?${query}`, { headers: bearer(token) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: T }).data;
}

describe("admin metrics, against seeded data with known answers", () => {
  it("sign-ups per day, zero-filled over the range", async () => {
    const data = await metric<{ day: string; signUps: number }[]>("signups");
    expect(data).toHaveLength(10);
    expect(data.filter((d) => d.signUps > 0)).toEqual([
      { day: "2025-03-01", signUps: 2 },
      { day: "2025-03-03", signUps: 1 },
    ]);
  });

  it("DAU, WAU and MAU count distinct actors (user or anonymous id) over their windows", async () => {
    const data = await metric<{ day: string; dau: number; wau: number; mau: number }[]>("active-users");
    const on = (day: string) => data.find((d) => d.day === day);
    // B's lesson on 02-20 is within 03-01's 30 days, not within its week.
    expect(on("2025-03-01")).toEqual({ day: "2025-03-01", dau: 1, wau: 1, mau: 2 });
    expect(on("2025-03-02")).toEqual({ day: "2025-03-02", dau: 2, wau: 2, mau: 2 });
    expect(on("2025-03-03")).toEqual({ day: "2025-03-03", dau: 0, wau: 2, mau: 2 });
    // 03-02..03-08: A, B and the learner (one user counted once however many events).
    expect(on("2025-03-08")).toEqual({ day: "2025-03-08", dau: 1, wau: 3, mau: 3 });
    expect(on("2025-03-10")).toEqual({ day: "2025-03-10", dau: 0, wau: 3, mau: 3 });
  });

  it("free → premium conversion of the accounts created in the range", async () => {
    expect(await metric("conversion")).toEqual({
      signedUp: 4,
      converted: 1,
      rate: 0.25,
      checkoutsCompleted: 2,
    });
  });

  it("MRR at the range's end and churn over it, from the subscriptions and the plans' prices", async () => {
    expect(await metric("revenue")).toEqual([
      {
        currency: "usd",
        mrr: 1800,
        activeAtStart: 2,
        activeAtEnd: 2,
        started: 1,
        churned: 1,
        churnRate: 0.5,
      },
    ]);
    // Before the yearly plan ended: 900 + 9000 / 12.
    const february = await metric<{ mrr: number }[]>("revenue", "from=2025-02-01&to=2025-02-28");
    expect(february[0]?.mrr).toBe(1650);
  });

  it("the lesson funnel: starts and completions per lesson in the range", async () => {
    expect(await metric("lesson-funnel")).toEqual([
      {
        lessonId: "counting-beats",
        title: expect.any(String),
        category: expect.any(String),
        started: 3,
        completed: 2,
        completionRate: 0.6667,
      },
      {
        lessonId: "quarter-notes",
        title: expect.any(String),
        category: expect.any(String),
        started: 1,
        completed: 0,
        completionRate: 0,
      },
    ]);
  });

  it("the most opened shared patterns", async () => {
    const data = await metric<{ name: string; opens: number; links: number }[]>("top-shared-patterns");
    expect(data.map(({ name, opens, links }) => ({ name, opens, links }))).toEqual([
      { name: "Four on the floor", opens: 5, links: 1 },
      { name: "Boom bap", opens: 2, links: 1 },
    ]);
  });

  it("failed webhooks per day and per type", async () => {
    const data = await metric<{ days: { day: string; failed: number }[]; byType: unknown[] }>(
      "failed-webhooks",
    );
    expect(data.days.filter((d) => d.failed > 0)).toEqual([
      { day: "2025-03-02", failed: 2 },
      { day: "2025-03-04", failed: 1 },
    ]);
    expect(data.byType).toEqual([
      { type: "invoice.paid", failed: 2 },
      { type: "customer.subscription.updated", failed: 1 },
    ]);
  });

  it("the outbox backlog per day and now", async () => {
    const data = await metric<{
      days: { day: string; queued: number; sent: number; pending: number }[];
      pending: number;
      oldestPendingAt: string;
    }>("outbox-backlog");
    expect(data.days.filter((d) => d.queued > 0)).toEqual([
      { day: "2025-03-01", queued: 2, sent: 1, pending: 1 },
      { day: "2025-03-03", queued: 1, sent: 0, pending: 1 },
    ]);
    expect(data.pending).toBeGreaterThanOrEqual(2);
    expect(data.oldestPendingAt).toBe("2025-03-01T11:00:00Z");
  });

  it.each([
    ["from=2025-03-10&to=2025-03-01", "query.to"],
    ["from=2024-01-01&to=2025-03-01", "query.to"],
    ["from=2025-02-30&to=2025-03-01", "query.from"],
    ["from=03/01/2025&to=2025-03-01", "query.from"],
    ["to=2025-03-01", "query.from"],
  ])("answers 400 problem+json naming the field for a bad range (%s)", async (query, field) => {
    const res = await send(bindings, `/api/admin/metrics/signups?${query}`, { headers: bearer(adminToken) });
    expect(res.status).toBe(400);
    expect(res.headers.get("Content-Type")).toBe("application/problem+json");
    const problem = (await res.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path)).toContain(field);
  });

  it.each([
    "signups",
    "active-users",
    "conversion",
    "revenue",
    "lesson-funnel",
    "top-shared-patterns",
    "failed-webhooks",
    "outbox-backlog",
  ])("%s: admin only, one Neon and one Upstash round trip", async (name) => {
    const path = `/api/admin/metrics/${name}?${RANGE}`;
    expect((await send(bindings, path)).status).toBe(401);
    expect((await send(bindings, path, { headers: bearer(learner.accessToken) })).status).toBe(403);
    const trace = traceId();
    const res = await send(bindings, path, { headers: { ...bearer(adminToken), "X-Request-Id": trace } });
    expect(res.status).toBe(200);
    expect(await roundTrips(trace)).toMatchObject({ neon: 1, upstash: 1 });
  });
});

describe("rollups and retention (cron)", () => {
  const fresh = (name: string, overrides: Partial<TestBindings> = {}) => {
    const env = fileEnv(name, overrides);
    return { env, db: createDb(loadConfig(env)) };
  };
  const rollups = async (target: typeof db) =>
    (
      await target.execute(
        sql`select day::text, name, subject, events, actors from event_daily_rollups order by day, name, subject`,
      )
    ).rows;

  it("re-running a day replaces its rollups instead of adding to them", async () => {
    const { db: own } = fresh("rollup-idempotent");
    await insertEvents(times(3, { name: "page_view", ts: "2025-05-01T12:00:00Z", anon: A }), own);
    await rollUpDays(own, { from: "2025-05-01", to: "2025-05-01" });
    const once = await rollups(own);
    await rollUpDays(own, { from: "2025-05-01", to: "2025-05-01" });
    expect(await rollups(own)).toEqual(once);
    expect(once).toEqual([{ day: "2025-05-01", name: "page_view", subject: "", events: 3, actors: 1 }]);
    // An event deleted since (retention, a deleted account) leaves the day when it is re-run.
    await own.execute(sql`delete from usage_events`);
    await rollUpDays(own, { from: "2025-05-01", to: "2025-05-01" });
    expect(await rollups(own)).toEqual([]);
  });

  it("the cron rolls up today and reaches back to the day of an event received late", async () => {
    const { env, db: own } = fresh("rollup-cron");
    const today = new Date().toISOString().slice(0, 10);
    const lateDay = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10);
    await send(env, "/api/events", {
      method: "POST",
      json: {
        events: [
          { name: "page_view", ts: new Date().toISOString() },
          { name: "lesson_started", ts: `${lateDay}T12:00:00Z`, props: { lessonId: "counting-beats" } },
        ],
      },
    });
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "*/5 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect((await rollups(own)).map((r) => [r.day, r.name, r.subject, r.events])).toEqual([
      [lateDay, "lesson_started", "counting-beats", 1],
      [today, "page_view", "", 1],
    ]);
    expect(await rollUpRecentEvents(own, loadConfig(env))).toEqual({ from: lateDay, to: today });
  });

  it("deletes raw events past EVENT_RETENTION_DAYS and keeps their rollups", async () => {
    const { env, db: own } = fresh("retention", { EVENT_RETENTION_DAYS: "30" });
    const old = new Date(Date.now() - 31 * 86_400_000).toISOString();
    const recent = new Date(Date.now() - 29 * 86_400_000).toISOString();
    await insertEvents(
      [
        { name: "page_view", ts: old, anon: A },
        { name: "page_view", ts: recent, anon: A },
      ],
      own,
    );
    await rollUpDays(own, { from: old.slice(0, 10), to: recent.slice(0, 10) });
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "*/5 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const left = await own.execute<{ ts: string }>(sql`select ts from usage_events`);
    expect(left.rows.map((r) => new Date(r.ts).toISOString())).toEqual([recent]);
    expect((await rollups(own)).map((r) => r.day)).toContain(old.slice(0, 10));
  });
});
