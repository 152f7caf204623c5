/**
 * The team scope a team's API key gives a request (`keyTeamId`): the query functions with a
 * team id, and the routes with `keyTeamId` set as the key authentication sets it. Real team keys
 * are exercised end to end where they are minted (functions/api-keys, functions/teams).
 */
import { createMiddleware } from "hono/factory";
import { describe, expect, it } from "vitest";
import {
  createPattern,
  findVisiblePattern,
  listTeamPatternPage,
  updatePattern,
} from "../../db/queries/patterns";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import type { AppEnv } from "../../shared/env";
import { authenticate } from "../../shared/middleware/auth";
import { bearer, type SignedUp, signUp } from "../../test/support/accounts";
import { fileEnv, send } from "../../test/support/harness";
import { createTeam } from "../../test/support/teams";
import { appWith } from "../../test/support/test-app";
import { patternRoutes } from ".";

const bindings = fileEnv("team_pattern_scope");
const db = () => createDb(loadConfig(bindings));

const content = { name: "Scoped", tempo: 100, tracks: [], mixer: {}, isPublic: false };

/** A user in two teams, with a pattern in each, a personal one and a public one of a stranger. */
async function twoTeams() {
  const [user, stranger] = (await Promise.all([signUp(bindings), signUp(bindings)])) as [SignedUp, SignedUp];
  const [teamA, teamB] = await Promise.all(
    ["A", "B"].map((name) =>
      createTeam(bindings, { kind: "team", name, members: [{ userId: user.userId, role: "owner" }] }),
    ),
  );
  const make = async (v: { userId: string; teamId?: string; isPublic?: boolean }) => {
    const result = await createPattern(db(), { ...content, ...v, id: crypto.randomUUID() });
    if (result.outcome !== "created") throw new Error(result.outcome);
    return result.pattern;
  };
  return {
    user,
    stranger,
    teamA: teamA as string,
    teamB: teamB as string,
    inA: await make({ userId: user.userId, teamId: teamA }),
    inB: await make({ userId: user.userId, teamId: teamB }),
    personal: await make({ userId: user.userId }),
    publicElsewhere: await make({ userId: stranger.userId, isPublic: true }),
  };
}

describe("query functions with a team", () => {
  it("createPattern with a team takes the team's sequence and refuses a non-member", async () => {
    const t = await twoTeams();
    expect(t.inA).toMatchObject({ teamId: t.teamA, userId: t.user.userId, changeSeq: 1 });
    expect(t.personal).toMatchObject({ teamId: null, changeSeq: 1 });
    const refused = await createPattern(db(), {
      ...content,
      id: crypto.randomUUID(),
      userId: t.stranger.userId,
      teamId: t.teamA,
    });
    expect(refused).toEqual({ outcome: "no-team" });
  });

  it("updatePattern scoped to a team reaches only that team's patterns", async () => {
    const t = await twoTeams();
    const scope = { teamId: t.teamA };
    for (const other of [t.inB, t.personal]) {
      const out = await updatePattern(db(), {
        id: other.id,
        userId: t.user.userId,
        changes: { tempo: 90 },
        scope,
      });
      expect(out).toEqual({ updated: undefined, current: undefined, denied: false });
    }
    const own = await updatePattern(db(), {
      id: t.inA.id,
      userId: t.user.userId,
      changes: { tempo: 90 },
      scope,
    });
    expect(own.updated).toMatchObject({ id: t.inA.id, tempo: 90, version: 2, changeSeq: 2 });
  });

  it("updatePattern scoped to personal patterns leaves team patterns alone", async () => {
    const t = await twoTeams();
    const out = await updatePattern(db(), { id: t.inA.id, userId: t.user.userId, changes: { tempo: 90 } });
    expect(out.updated).toBeUndefined();
  });

  it("findVisiblePattern with a team finds only that team's patterns, not even public ones elsewhere", async () => {
    const t = await twoTeams();
    const find = (id: string) => findVisiblePattern(db(), id, t.user.userId, t.teamA);
    expect(await find(t.inA.id)).toMatchObject({ id: t.inA.id });
    for (const other of [t.inB, t.personal, t.publicElsewhere]) expect(await find(other.id)).toBeUndefined();
    expect(await findVisiblePattern(db(), t.publicElsewhere.id, t.user.userId)).toBeDefined();
  });

  it("listTeamPatternPage lists a team's patterns for a member and tells a non-member apart", async () => {
    const t = await twoTeams();
    const page = { afterSeq: 0, limit: 10, withDeleted: false };
    const member = await listTeamPatternPage(db(), { ...page, teamId: t.teamA, userId: t.user.userId });
    expect(member.member).toBe(true);
    expect(member.patterns.map((p) => p.id)).toEqual([t.inA.id]);
    expect(await listTeamPatternPage(db(), { ...page, teamId: t.teamA, userId: t.stranger.userId })).toEqual({
      member: false,
      patterns: [],
    });
  });
});

/** The patterns routes as a team key's request reaches them: signed in as its creator, `keyTeamId` set. */
function asTeamKey(teamId: string) {
  const setKeyTeam = createMiddleware<AppEnv>(async (c, next) => {
    c.set("keyTeamId", teamId);
    await next();
  });
  return appWith("/api/patterns", patternRoutes, authenticate(), setKeyTeam);
}

describe("routes with keyTeamId set", () => {
  it("list, sync and create act on the key's team; naming another team is 404", async () => {
    const t = await twoTeams();
    const app = asTeamKey(t.teamA);
    const h = bearer(t.user.accessToken);
    const list = await send(bindings, "/api/patterns", { headers: h }, app);
    expect(((await list.json()) as { items: { id: string }[] }).items.map((p) => p.id)).toEqual([t.inA.id]);
    const created = await send(bindings, "/api/patterns", { method: "POST", headers: h, json: content }, app);
    expect(await created.json()).toMatchObject({ teamId: t.teamA });
    const synced = await send(
      bindings,
      "/api/patterns/sync",
      { method: "POST", headers: h, json: { since: "0", changes: [] } },
      app,
    );
    expect(((await synced.json()) as { changes: { teamId: string }[] }).changes.map((p) => p.teamId)).toEqual(
      [t.teamA, t.teamA],
    );
    const elsewhere = await Promise.all([
      send(bindings, `/api/patterns?teamId=${t.teamB}`, { headers: h }, app),
      send(
        bindings,
        "/api/patterns",
        { method: "POST", headers: h, json: { ...content, teamId: t.teamB } },
        app,
      ),
      send(
        bindings,
        "/api/patterns/sync",
        { method: "POST", headers: h, json: { teamId: t.teamB, changes: [] } },
        app,
      ),
    ]);
    expect(elsewhere.map((r) => r.status)).toEqual([404, 404, 404]);
    const same = await send(bindings, `/api/patterns?teamId=${t.teamA.toUpperCase()}`, { headers: h }, app);
    expect(same.status).toBe(200);
  });

  it("by-id routes refuse patterns outside the key's team with 404", async () => {
    const t = await twoTeams();
    const app = asTeamKey(t.teamA);
    const h = bearer(t.user.accessToken);
    for (const other of [t.inB, t.personal, t.publicElsewhere]) {
      const statuses = await Promise.all([
        send(bindings, `/api/patterns/${other.id}`, { headers: h }, app),
        send(
          bindings,
          `/api/patterns/${other.id}`,
          { method: "PATCH", headers: h, json: { tempo: 90 } },
          app,
        ),
        send(bindings, `/api/patterns/${other.id}`, { method: "DELETE", headers: h }, app),
      ]);
      expect(statuses.map((r) => r.status)).toEqual([404, 404, 404]);
    }
    const own = await send(
      bindings,
      `/api/patterns/${t.inA.id}`,
      { method: "PATCH", headers: h, json: { tempo: 90 } },
      app,
    );
    expect(own.status).toBe(200);
  });
});
