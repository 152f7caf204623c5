import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_LIVE_TEAM_API_KEYS } from "../../db/queries/team-api-keys";
import { createRouter } from "../../shared/app";
import { API_KEY_LOOKUP_POLICY } from "../../shared/auth/api-key-auth";
import { apiKeyChecksum, newApiKeyId } from "../../shared/auth/api-key-format";
import { apiKeyRoutes } from "../../shared/auth/api-key-scopes";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { authenticate, resolveApiKeys } from "../../shared/middleware/auth";
import { bearer, type SignedUp, signUp } from "../../test/support/accounts";
import { fileEnv, roundTrips, send, traceId } from "../../test/support/harness";
import {
  type CreatedTeamKey,
  createTeam,
  createTeamKey,
  deleteTeam,
  postTeamKey,
  removeMember,
  setMember,
} from "../../test/support/team-keys";
import { appWith } from "../../test/support/test-app";
import { createKey, keyAuth } from "./test-keys";

const bindings = fileEnv("team_api_keys");
const db = () => createDb(loadConfig(bindings));
const PROBLEMS = "https://backline.dev/problems/";

type Problem = { type: string; detail?: string; errors?: { path: string }[] };
type TeamKeyDto = CreatedTeamKey & { revokedAt: string | null; lastFour: string };

/** A team (kind `team`) with an owner, an admin and a member; a class with an owner, a teacher and a student; an outsider. */
let owner: SignedUp;
let admin: SignedUp;
let member: SignedUp;
let outsider: SignedUp;
let teacher: SignedUp;
let student: SignedUp;
let team: string;
let klass: string;

beforeAll(async () => {
  // One after the other: password hashing holds the isolate (shared/auth/hash-gate.ts).
  const users: SignedUp[] = [];
  for (let i = 0; i < 6; i++) users.push(await signUp(bindings));
  [owner, admin, member, outsider, teacher, student] = users as [
    SignedUp,
    SignedUp,
    SignedUp,
    SignedUp,
    SignedUp,
    SignedUp,
  ];
  team = await createTeam(bindings, owner.userId, "team");
  await setMember(bindings, team, admin.userId, "admin");
  await setMember(bindings, team, member.userId, "member");
  klass = await createTeam(bindings, owner.userId, "class");
  await setMember(bindings, klass, teacher.userId, "teacher");
  await setMember(bindings, klass, student.userId, "student");
});

async function problem(res: Response): Promise<Problem> {
  expect(res.headers.get("Content-Type")).toBe("application/problem+json");
  return (await res.json()) as Problem;
}

async function listTeamKeys(user: SignedUp, teamId: string): Promise<TeamKeyDto[]> {
  const res = await send(bindings, `/api/teams/${teamId}/api-keys`, { headers: bearer(user.accessToken) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { keys: TeamKeyDto[] }).keys;
}

/** Calls GET /api/patterns with a key under a fresh trace; the status and the round trips. */
async function callWith(secret: string, path = "/api/patterns", ip?: string) {
  const trace = traceId();
  const res = await send(bindings, path, {
    headers: { ...keyAuth(secret), "X-Request-Id": trace, ...(ip && { "CF-Connecting-IP": ip }) },
  });
  return { status: res.status, res, trips: await roundTrips(trace) };
}

describe("creating a team's key: who may, with which scopes", () => {
  const users = () => ({ owner, admin, member, outsider, teacher, student });
  it.each([
    ["team", "owner", ["patterns:read", "patterns:write"], 201, undefined],
    ["team", "admin", ["patterns:read", "patterns:write"], 201, undefined],
    ["team", "member", ["patterns:read"], 403, "team-role-required"],
    ["team", "outsider", ["patterns:read"], 404, "team-not-found"],
    ["team", "owner", ["patterns:read", "progress:read"], 403, "scope-not-allowed"],
    ["class", "owner", ["patterns:read", "patterns:write", "progress:read"], 201, undefined],
    ["class", "teacher", ["progress:read"], 201, undefined],
    ["class", "student", ["patterns:read"], 403, "team-role-required"],
    ["class", "student", ["progress:read"], 403, "team-role-required"],
    ["class", "outsider", ["progress:read"], 404, "team-not-found"],
  ] as const)("%s %s with %j → %i %s", async (kind, who, scopes, status, type) => {
    const teamId = kind === "team" ? team : klass;
    const res = await postTeamKey(bindings, users()[who].accessToken, teamId, { scopes: [...scopes] });
    expect(res.status).toBe(status);
    if (type) {
      expect((await problem(res)).type).toBe(PROBLEMS + type);
      return;
    }
    const key = (await res.json()) as TeamKeyDto;
    expect(key).toMatchObject({ teamId, createdBy: users()[who].userId, scopes: [...scopes] });
    expect(key.secret).toMatch(/^bk_test_[0-9A-Za-z]{50}$/);
    expect(res.headers.get("Location")).toBe(`/api/teams/${teamId}/api-keys/${key.id}`);
  });

  it("names the role a member lacks, and each scope above the creator's rights as scopes.N", async () => {
    const asMember = await problem(
      await postTeamKey(bindings, member.accessToken, team, { scopes: ["patterns:read"] }),
    );
    expect(asMember.detail).toContain("owner or admin");
    const asStudent = await problem(
      await postTeamKey(bindings, student.accessToken, klass, { scopes: ["patterns:read"] }),
    );
    expect(asStudent.detail).toContain("owner or teacher");
    const above = await problem(
      await postTeamKey(bindings, admin.accessToken, team, { scopes: ["patterns:read", "progress:read"] }),
    );
    expect(above.errors?.map((e) => e.path)).toEqual(["scopes.1"]);
  });

  it.each([
    [{ scopes: ["lessons:write"] }, "scopes.0"],
    [{ scopes: ["progress:write"] }, "scopes.0"],
    [{ scopes: [] }, "scopes"],
    [{ scopes: ["patterns:read", "patterns:read"] }, "scopes"],
    [{ name: "", scopes: ["patterns:read"] }, "name"],
  ])("refuses %j naming %s (400)", async (json, path) => {
    const res = await postTeamKey(bindings, owner.accessToken, team, json);
    expect(res.status).toBe(400);
    expect((await problem(res)).errors?.map((e) => e.path)).toContain(path);
  });

  it("answers an unknown team as a non-member's (404), a malformed id with 400", async () => {
    const unknown = await postTeamKey(bindings, owner.accessToken, crypto.randomUUID(), {
      scopes: ["patterns:read"],
    });
    expect(unknown.status).toBe(404);
    expect((await problem(unknown)).type).toBe(`${PROBLEMS}team-not-found`);
    const malformed = await postTeamKey(bindings, owner.accessToken, "not-a-uuid", {
      scopes: ["patterns:read"],
    });
    expect(malformed.status).toBe(400);
  });

  it("audits the creation under the team, the key's id in metadata, in the same round trip", async () => {
    const trace = traceId();
    const res = await send(bindings, `/api/teams/${team}/api-keys`, {
      method: "POST",
      headers: { ...bearer(admin.accessToken), "X-Request-Id": trace },
      json: { name: "CI", scopes: ["patterns:read"] },
    });
    expect(res.status).toBe(201);
    expect(await roundTrips(trace)).toMatchObject({ neon: 1, upstash: 1 });
    const key = (await res.json()) as TeamKeyDto;
    const audit = await db().execute<{
      action: string;
      actor_id: string;
      target_type: string;
      target_id: string;
      metadata: { keyId: string };
    }>(
      sql`select action, actor_id, target_type, target_id, metadata from audit_logs where metadata->>'keyId' = ${key.id}`,
    );
    expect(audit.rows).toEqual([
      {
        action: "team.api_key_created",
        actor_id: admin.userId,
        target_type: "team",
        target_id: team,
        metadata: expect.objectContaining({ keyId: key.id, scopes: ["patterns:read"] }),
      },
    ]);
  });

  it(`caps live keys at ${MAX_LIVE_TEAM_API_KEYS} per team; a revoked one frees a place`, async () => {
    const capped = await createTeam(bindings, owner.userId, "team");
    const keys: CreatedTeamKey[] = [];
    for (let i = 0; i < MAX_LIVE_TEAM_API_KEYS; i++)
      keys.push(await createTeamKey(bindings, owner.accessToken, capped, { scopes: ["patterns:read"] }));
    const over = await postTeamKey(bindings, owner.accessToken, capped, { scopes: ["patterns:read"] });
    expect(over.status).toBe(409);
    expect((await problem(over)).type).toBe(`${PROBLEMS}too-many-team-keys`);
    // The creator's personal keys are counted apart.
    await createKey(bindings, owner.accessToken, { scopes: ["patterns:read"] });
    const revoked = await send(bindings, `/api/teams/${capped}/api-keys/${keys[0]?.id}`, {
      method: "DELETE",
      headers: bearer(owner.accessToken),
    });
    expect(revoked.status).toBe(204);
    await createTeamKey(bindings, owner.accessToken, capped, { scopes: ["patterns:read"] });
  });
});

describe("listing, revoking and rotating a team's keys", () => {
  it("lists the team's keys to its managers only, never a secret; the creators' personal lists leave them out", async () => {
    const byOwner = await createTeamKey(bindings, owner.accessToken, team, { scopes: ["patterns:read"] });
    const byAdmin = await createTeamKey(bindings, admin.accessToken, team, { scopes: ["patterns:write"] });
    const trace = traceId();
    const res = await send(bindings, `/api/teams/${team}/api-keys`, {
      headers: { ...bearer(admin.accessToken), "X-Request-Id": trace },
    });
    expect(await roundTrips(trace)).toMatchObject({ neon: 1, upstash: 1 });
    const { keys } = (await res.json()) as { keys: TeamKeyDto[] };
    expect(keys.map((k) => k.id)).toEqual(expect.arrayContaining([byOwner.id, byAdmin.id]));
    expect(keys.find((k) => k.id === byAdmin.id)).toMatchObject({ teamId: team, createdBy: admin.userId });
    expect(JSON.stringify(keys)).not.toContain(byOwner.secret.slice(8, 40));
    expect(keys.every((k) => !("secret" in k))).toBe(true);
    expect((await listTeamKeys(owner, klass)).some((k) => k.id === byOwner.id)).toBe(false);
    for (const [who, status, type] of [
      [member, 403, "team-role-required"],
      [outsider, 404, "team-not-found"],
    ] as const) {
      const refused = await send(bindings, `/api/teams/${team}/api-keys`, {
        headers: bearer(who.accessToken),
      });
      expect(refused.status).toBe(status);
      expect((await problem(refused)).type).toBe(PROBLEMS + type);
    }
    const personal = await send(bindings, "/api/api-keys", { headers: bearer(owner.accessToken) });
    const personalIds = ((await personal.json()) as { keys: { id: string }[] }).keys.map((k) => k.id);
    expect(personalIds).not.toContain(byOwner.id);
  });

  it("the personal key routes cannot revoke or rotate a team's key, even its creator's", async () => {
    const key = await createTeamKey(bindings, owner.accessToken, team, { scopes: ["patterns:read"] });
    for (const [method, path] of [
      ["DELETE", `/api/api-keys/${key.id}`],
      ["POST", `/api/api-keys/${key.id}/rotate`],
    ] as const) {
      const res = await send(bindings, path, { method, headers: bearer(owner.accessToken) });
      expect(res.status).toBe(404);
    }
    expect((await callWith(key.secret)).status).toBe(200);
  });

  it("any manager revokes any of the team's keys; a member may not (403), an outsider is told 404; audit-logged", async () => {
    const key = await createTeamKey(bindings, owner.accessToken, team, { scopes: ["patterns:read"] });
    const revoke = (who: SignedUp, teamId = team) =>
      send(bindings, `/api/teams/${teamId}/api-keys/${key.id}`, {
        method: "DELETE",
        headers: bearer(who.accessToken),
      });
    const byMember = await revoke(member);
    expect(byMember.status).toBe(403);
    expect((await problem(byMember)).type).toBe(`${PROBLEMS}team-role-required`);
    const byOutsider = await revoke(outsider);
    expect(byOutsider.status).toBe(404);
    expect((await problem(byOutsider)).type).toBe(`${PROBLEMS}team-not-found`);
    // Through another team the owner manages, the key is not found.
    expect((await revoke(owner, klass)).status).toBe(404);
    expect((await callWith(key.secret)).status).toBe(200);
    expect((await revoke(admin)).status).toBe(204);
    expect((await revoke(admin)).status).toBe(404);
    expect((await listTeamKeys(owner, team)).find((k) => k.id === key.id)?.revokedAt).not.toBeNull();
    const audit = await db().execute<{ action: string; actor_id: string; target_id: string }>(
      sql`select action, actor_id, target_id from audit_logs where target_type = 'team' and metadata->>'keyId' = ${key.id} order by id`,
    );
    expect(audit.rows).toEqual([
      { action: "team.api_key_created", actor_id: owner.userId, target_id: team },
      { action: "team.api_key_revoked", actor_id: admin.userId, target_id: team },
    ]);
  });

  it("rotation by a manager: the new secret works, the old one during the grace; the creator stays; members may not", async () => {
    const key = await createTeamKey(bindings, owner.accessToken, klass, { scopes: ["patterns:read"] });
    const rotate = (who: SignedUp) =>
      send(bindings, `/api/teams/${klass}/api-keys/${key.id}/rotate`, {
        method: "POST",
        headers: bearer(who.accessToken),
      });
    expect((await rotate(student)).status).toBe(403);
    expect((await rotate(outsider)).status).toBe(404);
    const res = await rotate(teacher);
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as TeamKeyDto & { previousSecretValidUntil: string };
    expect(rotated).toMatchObject({ id: key.id, teamId: klass, createdBy: owner.userId });
    expect(rotated.secret).not.toBe(key.secret);
    expect(Date.parse(rotated.previousSecretValidUntil) - Date.now()).toBeGreaterThan(23 * 3600_000);
    expect((await callWith(rotated.secret)).status).toBe(200);
    expect((await callWith(key.secret)).status).toBe(200);
    await db().execute(
      sql`update api_keys set rotated_at = now() - interval '25 hours' where id = ${key.id}`,
    );
    expect((await callWith(key.secret)).status).toBe(401);
    const audit = await db().execute<{ action: string; actor_id: string }>(
      sql`select action, actor_id from audit_logs where target_type = 'team' and metadata->>'keyId' = ${key.id} order by id`,
    );
    expect(audit.rows.map((r) => r.action)).toEqual(["team.api_key_created", "team.api_key_rotated"]);
    expect(audit.rows[1]?.actor_id).toBe(teacher.userId);
  });
});

describe("authenticating with a team's key", () => {
  it("acts as its creator with keyTeamId set to its team; a personal key sets none", async () => {
    const probe = createRouter().get("/", async (c) => {
      await c.get("db").execute(sql`select 1`);
      return c.json({ userId: c.get("userId"), keyTeamId: c.get("keyTeamId") ?? null });
    });
    const route = apiKeyRoutes({ "GET /api/probe": "patterns:read" });
    const app = appWith(
      "/api/probe",
      probe,
      authenticate({ apiKeys: { user: route, team: route } }),
      resolveApiKeys(),
    );
    const teamKey = await createTeamKey(bindings, teacher.accessToken, klass, { scopes: ["patterns:read"] });
    const personal = await createKey(bindings, teacher.accessToken, { scopes: ["patterns:read"] });
    const asTeam = await send(bindings, "/api/probe", { headers: keyAuth(teamKey.secret) }, app);
    expect(await asTeam.json()).toEqual({ userId: teacher.userId, keyTeamId: klass });
    const asUser = await send(bindings, "/api/probe", { headers: keyAuth(personal.secret) }, app);
    expect(await asUser.json()).toEqual({ userId: teacher.userId, keyTeamId: null });
  });

  it("stops a revoked key at once, its facts still cached", async () => {
    const key = await createTeamKey(bindings, admin.accessToken, team, { scopes: ["patterns:read"] });
    expect((await callWith(key.secret)).status).toBe(200);
    expect((await callWith(key.secret)).trips).toMatchObject({ neon: 1, upstash: 1 }); // cached
    await send(bindings, `/api/teams/${team}/api-keys/${key.id}`, {
      method: "DELETE",
      headers: bearer(owner.accessToken),
    });
    const after = await callWith(key.secret);
    expect(after.status).toBe(401);
    expect(after.trips).toMatchObject({ neon: 1, upstash: 1 });
  });

  it.each([
    [
      "demoted to member",
      (teamId: string, user: SignedUp) => setMember(bindings, teamId, user.userId, "member"),
    ],
    [
      "removed from the team",
      (teamId: string, user: SignedUp) => removeMember(bindings, teamId, user.userId),
    ],
  ])("stops at once when its creator is %s (cached facts or not)", async (_name, change) => {
    const creator = await signUp(bindings);
    const teamId = await createTeam(bindings, owner.userId, "team");
    await setMember(bindings, teamId, creator.userId, "admin");
    const warm = await createTeamKey(bindings, creator.accessToken, teamId, { scopes: ["patterns:read"] });
    const cold = await createTeamKey(bindings, creator.accessToken, teamId, { scopes: ["patterns:read"] });
    expect((await callWith(warm.secret)).status).toBe(200);
    await change(teamId, creator);
    const cached = await callWith(warm.secret);
    expect(cached.status).toBe(401);
    expect(cached.trips.neon).toBe(1);
    expect((await callWith(cold.secret)).status).toBe(401);
    // The other manager's key of the same team keeps working.
    const owners = await createTeamKey(bindings, owner.accessToken, teamId, { scopes: ["patterns:read"] });
    expect((await callWith(owners.secret)).status).toBe(200);
  });

  it("stops at once when the team is deleted", async () => {
    const teamId = await createTeam(bindings, owner.userId, "class");
    const key = await createTeamKey(bindings, owner.accessToken, teamId, { scopes: ["patterns:read"] });
    expect((await callWith(key.secret)).status).toBe(200);
    await deleteTeam(bindings, teamId);
    expect((await callWith(key.secret)).status).toBe(401);
  });

  it.each([
    ["GET", "/api/progress"],
    ["GET", "/api/progress/counting-beats"],
    ["POST", "/api/progress"],
    ["GET", "/api/lessons"],
    ["POST", "/api/lessons"],
  ])("is not accepted on %s %s, which act on no team (403 api-key-not-accepted)", async (method, path) => {
    const key = await createTeamKey(bindings, owner.accessToken, klass, {
      scopes: ["patterns:read", "patterns:write", "progress:read"],
    });
    const res = await send(bindings, path, {
      method,
      headers: keyAuth(key.secret),
      ...(method === "POST" && { json: {} }),
    });
    expect(res.status).toBe(403);
    expect((await problem(res)).type).toBe(`${PROBLEMS}api-key-not-accepted`);
  });

  it("acts on its own team only on routes naming a team; a personal key is not accepted there", async () => {
    const key = await createTeamKey(bindings, owner.accessToken, klass, { scopes: ["progress:read"] });
    const other = await createTeam(bindings, owner.userId, "class");
    const elsewhere = await callWith(key.secret, `/api/teams/${other}/progress`);
    expect(elsewhere.status).toBe(403);
    expect((await problem(elsewhere.res)).type).toBe(`${PROBLEMS}api-key-not-accepted`);
    // Its own class passes the key's gates (the class progress route itself is on its own branch).
    expect((await callWith(key.secret, `/api/teams/${klass}/progress`)).status).not.toBe(403);
    expect((await callWith(key.secret, `/api/teams/${klass.toUpperCase()}/progress`)).status).not.toBe(403);
    const personal = await createKey(bindings, owner.accessToken, { scopes: ["progress:read"] });
    const refused = await callWith(personal.secret, `/api/teams/${klass}/progress`);
    expect(refused.status).toBe(403);
    expect((await problem(refused.res)).type).toBe(`${PROBLEMS}api-key-not-accepted`);
  });

  it("cannot manage keys or teams: refused before any lookup", async () => {
    const key = await createTeamKey(bindings, owner.accessToken, team, {
      scopes: ["patterns:read", "patterns:write"],
    });
    for (const [method, path] of [
      ["GET", `/api/teams/${team}/api-keys`],
      ["POST", `/api/teams/${team}/api-keys`],
      ["DELETE", `/api/teams/${team}/api-keys/${key.id}`],
      ["POST", `/api/teams/${team}/api-keys/${key.id}/rotate`],
      ["GET", `/api/teams/${team}`],
      ["GET", "/api/api-keys"],
    ] as const) {
      const trace = traceId();
      const res = await send(bindings, path, {
        method,
        headers: { ...keyAuth(key.secret), "X-Request-Id": trace },
        ...(method === "POST" && { json: { name: "x", scopes: ["patterns:read"] } }),
      });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect((await problem(res)).type).toBe(`${PROBLEMS}api-key-not-accepted`);
      expect(await roundTrips(trace)).toMatchObject({ neon: 0, upstash: 0 });
    }
  });
});

describe("a flood of keys nobody issued", () => {
  /** A well-formed key (valid checksum) that no one issued. */
  async function unknownKey(): Promise<string> {
    const body = `${newApiKeyId()}${"q".repeat(28)}`;
    return `bk_test_${body}${apiKeyChecksum(body)}`;
  }

  it("costs at most the per-IP lookup budget in Neon queries; then 429, while cached keys and other clients go on", async () => {
    const ip = "10.250.1.1";
    const key = await createTeamKey(bindings, owner.accessToken, team, { scopes: ["patterns:read"] });
    expect((await callWith(key.secret, "/api/patterns", ip)).status).toBe(200); // cached now (one miss)
    for (let i = 1; i < API_KEY_LOOKUP_POLICY.limit; i++) {
      const miss = await callWith(await unknownKey(), "/api/patterns", ip);
      expect(miss.status).toBe(401);
      expect(miss.trips.neon).toBe(1);
    }
    const over = await callWith(await unknownKey(), "/api/patterns", ip);
    expect(over.status).toBe(429);
    expect(over.trips).toMatchObject({ neon: 0, upstash: 1 });
    expect(Number(over.res.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(over.res.headers.get("RateLimit-Policy")).toMatch(/^"api-key-lookups";q=30;w=60$/);
    expect((await callWith(key.secret, "/api/patterns", ip)).status).toBe(200);
    expect((await callWith(await unknownKey(), "/api/patterns", "10.250.1.2")).status).toBe(401);
  });
});
