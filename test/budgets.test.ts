import { beforeAll, describe, expect, it } from "vitest";
import { bearer, type SignedUp, signUp } from "./support/accounts";
import { DEAD_URL, fileEnv, roundTrips, send, traceId } from "./support/harness";

/** Round-trip budgets of the read and write endpoints not pinned in their own suites. */
const bindings = fileEnv("budgets");
let user: SignedUp;
let patternId: string;
let shareId: string;
let teamId: string;

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
  const team = await send(bindings, "/api/teams", {
    method: "POST",
    headers: bearer(user.accessToken),
    json: { name: "Budget band", kind: "team" },
  });
  teamId = ((await team.json()) as { id: string }).id;
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
  {
    name: "POST /api/teams",
    path: () => "/api/teams",
    method: "POST",
    json: () => ({ name: "Budget", kind: "class" }),
    auth: true,
    neon: 1,
    upstash: 1,
  },
  { name: "GET /api/teams", path: () => "/api/teams", auth: true, neon: 1, upstash: 1 },
  { name: "GET /api/teams/:id", path: () => `/api/teams/${teamId}`, auth: true, neon: 1, upstash: 1 },
  {
    name: "GET /api/teams/:id/members",
    path: () => `/api/teams/${teamId}/members`,
    auth: true,
    neon: 1,
    upstash: 1,
  },
  {
    name: "PATCH /api/teams/:id/members/:userId",
    path: () => `/api/teams/${teamId}/members/${user.userId}`,
    method: "PATCH",
    json: () => ({ role: "owner" }),
    auth: true,
    neon: 1,
    upstash: 1,
  },
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
