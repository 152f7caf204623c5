import { beforeAll, describe, expect, it } from "vitest";
import { bearer, type SignedUp, signUp } from "./support/accounts";
import { DEAD_URL, fileEnv, roundTrips, send, traceId } from "./support/harness";
import { createTeam } from "./support/teams";

/** Round-trip budgets of the read and write endpoints not pinned in their own suites. */
const bindings = fileEnv("budgets");
let user: SignedUp;
let patternId: string;
let shareId: string;
let teamId: string;
let teamPatternId: string;

beforeAll(async () => {
  user = await signUp(bindings);
  const created = await send(bindings, "/api/patterns", {
    method: "POST",
    headers: bearer(user.accessToken),
    json: { name: "Budget", tempo: 90, tracks: [] },
  });
  patternId = ((await created.json()) as { id: string }).id;
  const shared = await send(bindings, "/api/shares", {
    method: "POST",
    headers: bearer(user.accessToken),
    json: { patternId },
  });
  shareId = ((await shared.json()) as { shareId: string }).shareId;
  teamId = await createTeam(bindings, { kind: "team", members: [{ userId: user.userId, role: "member" }] });
  const teamPattern = await send(bindings, "/api/patterns", {
    method: "POST",
    headers: bearer(user.accessToken),
    json: { name: "Team budget", tempo: 90, tracks: [], teamId },
  });
  teamPatternId = ((await teamPattern.json()) as { id: string }).id;
  await send(bindings, "/api/progress", {
    method: "POST",
    headers: bearer(user.accessToken),
    json: { lessonId: "counting-beats", score: 1 },
  });
});

const cases: {
  name: string;
  path: () => string;
  method?: string;
  json?: () => unknown;
  auth: boolean;
  neon: number;
  upstash: number;
}[] = [
  { name: "GET /api/me", path: () => "/api/me", auth: true, neon: 1, upstash: 1 },
  {
    name: "PATCH /api/me",
    path: () => "/api/me",
    method: "PATCH",
    json: () => ({ displayName: "B" }),
    auth: true,
    neon: 1,
    upstash: 1,
  },
  { name: "GET /api/auth/sessions", path: () => "/api/auth/sessions", auth: true, neon: 1, upstash: 1 },
  { name: "GET /api/lessons", path: () => "/api/lessons", auth: false, neon: 1, upstash: 1 },
  {
    name: "GET /api/lessons/:id",
    path: () => "/api/lessons/counting-beats",
    auth: false,
    neon: 1,
    upstash: 1,
  },
  { name: "GET /api/progress", path: () => "/api/progress", auth: true, neon: 1, upstash: 1 },
  {
    name: "POST /api/progress",
    path: () => "/api/progress",
    method: "POST",
    json: () => ({ lessonId: "counting-beats", score: 5 }),
    auth: true,
    neon: 1,
    upstash: 1,
  },
  {
    name: "GET /api/progress/:lessonId",
    path: () => "/api/progress/counting-beats",
    auth: true,
    neon: 1,
    upstash: 1,
  },
  { name: "GET /api/shares", path: () => "/api/shares", auth: true, neon: 1, upstash: 1 },
  { name: "GET /api/shares/:id", path: () => `/api/shares/${shareId}`, auth: false, neon: 1, upstash: 1 },
  {
    name: "POST /api/shares",
    path: () => "/api/shares",
    method: "POST",
    json: () => ({ patternId }),
    auth: true,
    neon: 1,
    upstash: 1,
  },
  // Team patterns: the membership and role checks ride in the route's own statement.
  {
    name: "POST /api/patterns (team)",
    path: () => "/api/patterns",
    method: "POST",
    json: () => ({ name: "Team", tempo: 90, tracks: [], teamId }),
    auth: true,
    neon: 1,
    upstash: 1,
  },
  {
    name: "GET /api/patterns?teamId",
    path: () => `/api/patterns?teamId=${teamId}`,
    auth: true,
    neon: 1,
    upstash: 1,
  },
  {
    name: "POST /api/patterns/sync (team)",
    path: () => "/api/patterns/sync",
    method: "POST",
    json: () => ({
      teamId,
      changes: [
        { op: "upsert", id: crypto.randomUUID(), pattern: { name: "Synced", tempo: 90, tracks: [] } },
        { op: "upsert", id: teamPatternId, pattern: { name: "Team budget", tempo: 91, tracks: [] } },
      ],
    }),
    auth: true,
    neon: 1,
    upstash: 1,
  },
  {
    name: "PATCH /api/patterns/:id (team)",
    path: () => `/api/patterns/${teamPatternId}`,
    method: "PATCH",
    json: () => ({ tempo: 95 }),
    auth: true,
    neon: 1,
    upstash: 1,
  },
  {
    name: "POST /api/shares (team pattern)",
    path: () => "/api/shares",
    method: "POST",
    json: () => ({ patternId: teamPatternId }),
    auth: true,
    neon: 1,
    upstash: 1,
  },
  { name: "GET /api/health", path: () => "/api/health", auth: false, neon: 1, upstash: 1 },
  { name: "GET /api/billing/plans", path: () => "/api/billing/plans", auth: false, neon: 0, upstash: 1 },
  {
    name: "GET /api/billing/subscription",
    path: () => "/api/billing/subscription",
    auth: true,
    neon: 1,
    upstash: 1,
  },
  { name: "GET /api/billing/invoices", path: () => "/api/billing/invoices", auth: true, neon: 1, upstash: 1 },
];

describe("round-trip budgets", () => {
  it.each(cases)("$name: $neon Neon, $upstash Upstash", async (c) => {
    const headers = c.auth ? bearer(user.accessToken) : {};
    const init = { method: c.method ?? "GET", headers, ...(c.json && { json: c.json() }) };
    await send(bindings, c.path(), init); // warm the limiter scripts
    const trace = traceId();
    const res = await send(bindings, c.path(), { ...init, headers: { ...headers, "X-Request-Id": trace } });
    expect(res.status).toBeLessThan(300);
    expect(await roundTrips(trace)).toMatchObject({ neon: c.neon, upstash: c.upstash });
  });
});

describe("round-trip budgets while Redis is down", () => {
  // Health reports the outage and billing fails closed (test/outages.test.ts); every other
  // route keeps its Neon budget: a signed-in request's session check rides in the same round trip.
  const redisDown = { ...bindings, UPSTASH_REDIS_REST_URL: DEAD_URL };
  const working = cases.filter((c) => !c.name.includes("/api/health") && !c.name.includes("/api/billing"));

  it.each(working)("$name: $neon Neon, no Upstash", async (c) => {
    const headers = { ...(c.auth ? bearer(user.accessToken) : {}), "X-Request-Id": traceId() };
    const init = { method: c.method ?? "GET", headers, ...(c.json && { json: c.json() }) };
    const res = await send(redisDown, c.path(), init);
    expect(res.status).toBeLessThan(300);
    expect(await roundTrips(headers["X-Request-Id"])).toMatchObject({ neon: c.neon, upstash: 0 });
  });
});
