import { beforeAll, describe, expect, it } from "vitest";
import { bearer, type SignedUp, signUp } from "./support/accounts";
import { createClass, insertProgress, insertUsers, listLessonsInClass } from "./support/classes";
import { DEAD_URL, fileEnv, roundTrips, send, traceId } from "./support/harness";
import { createTeam, createTeamKey } from "./support/team-keys";

/** Round-trip budgets of the read and write endpoints not pinned in their own suites. */
const bindings = fileEnv("budgets");
let user: SignedUp;
let patternId: string;
let shareId: string;
let classId: string;
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
  const team = await send(bindings, "/api/teams", {
    method: "POST",
    headers: bearer(user.accessToken),
    json: { name: "Budget band", kind: "team" },
  });
  teamId = ((await team.json()) as { id: string }).id;
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
  const [student] = (await insertUsers(bindings, ["Student"])) as [string];
  classId = await createClass(bindings, { owner: user.userId, students: [student] });
  await listLessonsInClass(bindings, classId, ["counting-beats", "boom-bap"]);
  await insertProgress(bindings, { userId: student, lessonId: "counting-beats", bestScore: 80 });
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
    name: "GET /api/teams/:id/lessons",
    path: () => `/api/teams/${classId}/lessons`,
    auth: true,
    neon: 1,
    upstash: 1,
  },
  {
    name: "PUT /api/teams/:id/lessons",
    path: () => `/api/teams/${classId}/lessons`,
    method: "PUT",
    json: () => ({ lessonIds: ["counting-beats", "boom-bap"] }),
    auth: true,
    neon: 1,
    upstash: 1,
  },
  {
    name: "GET /api/teams/:id/lessons/:lessonId",
    path: () => `/api/teams/${classId}/lessons/counting-beats`,
    auth: true,
    neon: 1,
    upstash: 1,
  },
  {
    name: "GET /api/teams/:id/progress",
    path: () => `/api/teams/${classId}/progress`,
    auth: true,
    neon: 1,
    upstash: 1,
  },
  {
    name: "GET /api/teams/:id/progress/summary",
    path: () => `/api/teams/${classId}/progress/summary`,
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

describe("round-trip budgets of a request made with a team's API key", () => {
  // The facts of a team key are cached like a personal key's: a hit costs the route's statement
  // (which asserts the key live and its creator still a manager) and the limiter's pipeline.
  it.each([
    ["GET /api/patterns", "GET", undefined],
    ["POST /api/patterns", "POST", { name: "Team budget", tempo: 90, tracks: [] }],
  ])(
    "%s: a miss costs 2 Neon (lookup, route) and 2 Upstash (pipeline, cache write); a hit 1 and 1",
    async (_name, method, json) => {
      const teamId = await createTeam(bindings, user.userId, "team");
      const key = await createTeamKey(bindings, user.accessToken, teamId, {
        scopes: ["patterns:read", "patterns:write"],
      });
      const call = async () => {
        const trace = traceId();
        const res = await send(bindings, "/api/patterns", {
          method,
          headers: { Authorization: `Bearer ${key.secret}`, "X-Request-Id": trace },
          ...(json && { json }),
        });
        expect(res.status).toBeLessThan(300);
        return roundTrips(trace);
      };
      expect(await call()).toMatchObject({ neon: 2, upstash: 2 });
      expect(await call()).toMatchObject({ neon: 1, upstash: 1 });
    },
  );
});
