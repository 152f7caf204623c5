import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { TeamKind, TeamRole } from "../../db/enums";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, type SignedUp, signUp } from "../../test/support/accounts";
import { fileEnv, send } from "../../test/support/harness";
import { createTeam, setTeamRole } from "../../test/support/teams";

const bindings = fileEnv("team_patterns");
const db = () => createDb(loadConfig(bindings));

const TEAM_NOT_FOUND = "https://backline.dev/problems/team-not-found";
const ROLE_REQUIRED = "https://backline.dev/problems/team-role-required";
const NOT_FOUND = "https://backline.dev/problems/not-found";

type Pattern = {
  id: string;
  userId: string;
  teamId: string | null;
  authorId: string;
  name: string;
  tempo: number;
  version: number;
  deletedAt: string | null;
};
type Page = { items: Pattern[]; nextCursor: string | null };
type SyncResponse = {
  results: { id: string; status: string; pattern?: Pattern; reason?: string }[];
  changes: Pattern[];
  cursor: string;
};

const beat = (name = "Team beat", tempo = 96) => ({
  name,
  tempo,
  tracks: [{ instrument: "kick", steps: [true, false, true, false], volume: 1 }],
});

/** Besides the owner, each kind's managing role and its plain member role. */
const ROLES: Record<TeamKind, { manager: TeamRole; plain: TeamRole }> = {
  team: { manager: "admin", plain: "member" },
  class: { manager: "teacher", plain: "student" },
};

interface World {
  teamId: string;
  owner: SignedUp;
  manager: SignedUp;
  author: SignedUp;
  plain: SignedUp;
  outsider: SignedUp;
}

/** A team or class with an owner, a manager (admin/teacher), two plain members and a stranger. */
async function world(kind: TeamKind = "team"): Promise<World> {
  const [owner, manager, author, plain, outsider] = await Promise.all(
    Array.from({ length: 5 }, () => signUp(bindings)),
  );
  if (!owner || !manager || !author || !plain || !outsider) throw new Error("sign-up failed");
  const teamId = await createTeam(bindings, {
    kind,
    members: [
      { userId: owner.userId, role: "owner" },
      { userId: manager.userId, role: ROLES[kind].manager },
      { userId: author.userId, role: ROLES[kind].plain },
      { userId: plain.userId, role: ROLES[kind].plain },
    ],
  });
  return { teamId, owner, manager, author, plain, outsider };
}

async function create(user: SignedUp, body: Record<string, unknown>) {
  return send(bindings, "/api/patterns", { method: "POST", headers: bearer(user.accessToken), json: body });
}

async function teamPattern(w: World, by: SignedUp = w.author, name = "Team beat"): Promise<Pattern> {
  const res = await create(by, { ...beat(name), teamId: w.teamId });
  expect(res.status).toBe(201);
  return (await res.json()) as Pattern;
}

async function sync(user: SignedUp, body: { since?: string; teamId?: string; changes: unknown[] }) {
  return send(bindings, "/api/patterns/sync", {
    method: "POST",
    headers: bearer(user.accessToken),
    json: { since: "0", ...body },
  });
}

async function synced(user: SignedUp, body: { since?: string; teamId?: string; changes: unknown[] }) {
  const res = await sync(user, body);
  expect(res.status).toBe(200);
  return (await res.json()) as SyncResponse;
}

async function problemType(res: Response): Promise<string> {
  return ((await res.json()) as { type: string }).type;
}

describe("team patterns: create and read", () => {
  it.each([
    ["team", "owner"],
    ["team", "admin"],
    ["team", "member"],
    ["class", "owner"],
    ["class", "teacher"],
    ["class", "student"],
  ] as const)("a %s's %s creates one as its author; every member reads it", async (kind, role) => {
    const w = await world(kind);
    const by = { owner: w.owner, admin: w.manager, teacher: w.manager, member: w.plain, student: w.plain }[
      role
    ];
    const created = await teamPattern(w, by);
    expect(created).toMatchObject({ teamId: w.teamId, authorId: by.userId, userId: by.userId, version: 1 });
    for (const reader of [w.owner, w.manager, w.author, w.plain]) {
      const res = await send(bindings, `/api/patterns/${created.id}`, {
        headers: bearer(reader.accessToken),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id: created.id, teamId: w.teamId, authorId: by.userId });
    }
  });

  it("names teamId null and authorId on a personal pattern", async () => {
    const user = await signUp(bindings);
    const res = await create(user, beat("Mine"));
    expect(await res.json()).toMatchObject({ teamId: null, authorId: user.userId, userId: user.userId });
  });

  it("lists a team's patterns with ?teamId for members; the personal list leaves them out", async () => {
    const w = await world();
    const a = await teamPattern(w, w.author, "A");
    const b = await teamPattern(w, w.plain, "B");
    const personal = (await (await create(w.author, beat("Personal"))).json()) as Pattern;
    const team = (await (
      await send(bindings, `/api/patterns?teamId=${w.teamId}&limit=1`, {
        headers: bearer(w.owner.accessToken),
      })
    ).json()) as Page;
    expect(team.items.map((p) => p.id)).toEqual([a.id]);
    const rest = (await (
      await send(bindings, `/api/patterns?teamId=${w.teamId}&cursor=${team.nextCursor}`, {
        headers: bearer(w.owner.accessToken),
      })
    ).json()) as Page;
    expect(rest).toEqual({ items: [expect.objectContaining({ id: b.id })], nextCursor: null });
    const mine = (await (
      await send(bindings, "/api/patterns", { headers: bearer(w.author.accessToken) })
    ).json()) as Page;
    expect(mine.items.map((p) => p.id)).toEqual([personal.id]);
    const delta = (await (
      await send(bindings, "/api/patterns?since=0", { headers: bearer(w.author.accessToken) })
    ).json()) as Page;
    expect(delta.items.map((p) => p.id)).toEqual([personal.id]);
  });

  it("answers 400 naming teamId when it is not a team id", async () => {
    const user = await signUp(bindings);
    const res = await create(user, { ...beat(), teamId: "team-1" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(
      "teamId",
    );
  });

  it("never moves a pattern between teams: PATCH with teamId is refused naming the field", async () => {
    const w = await world();
    const p = await teamPattern(w);
    const res = await send(bindings, `/api/patterns/${p.id}`, {
      method: "PATCH",
      headers: bearer(w.owner.accessToken),
      json: { teamId: crypto.randomUUID() },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(
      "teamId",
    );
  });
});

describe("team patterns: a non-member gets 404 on every route and changes nothing", () => {
  it("read, replace, patch, delete, share, list, sync and create", async () => {
    const w = await world();
    const p = await teamPattern(w);
    const h = bearer(w.outsider.accessToken);
    const byId = await Promise.all([
      send(bindings, `/api/patterns/${p.id}`, { headers: h }),
      send(bindings, `/api/patterns/${p.id}`, { method: "PUT", headers: h, json: beat("Hijacked") }),
      send(bindings, `/api/patterns/${p.id}`, { method: "PATCH", headers: h, json: { name: "Hijacked" } }),
      send(bindings, `/api/patterns/${p.id}`, { method: "DELETE", headers: h }),
      send(bindings, "/api/shares", { method: "POST", headers: h, json: { patternId: p.id } }),
    ]);
    expect(byId.map((r) => r.status)).toEqual([404, 404, 404, 404, 404]);
    expect(await Promise.all(byId.map(problemType))).toEqual(Array(5).fill(NOT_FOUND));

    const onTeam = await Promise.all([
      send(bindings, `/api/patterns?teamId=${w.teamId}`, { headers: h }),
      send(bindings, `/api/patterns?teamId=${w.teamId}&since=0`, { headers: h }),
      sync(w.outsider, { teamId: w.teamId, changes: [] }),
      sync(w.outsider, {
        teamId: w.teamId,
        changes: [
          { op: "upsert", id: p.id, baseVersion: 1, pattern: beat("Hijacked") },
          { op: "upsert", id: crypto.randomUUID(), pattern: beat("Smuggled") },
          { op: "delete", id: p.id, baseVersion: 1 },
        ],
      }),
      create(w.outsider, { ...beat("Smuggled"), teamId: w.teamId }),
      // An unknown team answers the same.
      send(bindings, `/api/patterns?teamId=${crypto.randomUUID()}`, { headers: h }),
    ]);
    expect(onTeam.map((r) => r.status)).toEqual([404, 404, 404, 404, 404, 404]);
    expect(await Promise.all(onTeam.map(problemType))).toEqual(Array(6).fill(TEAM_NOT_FOUND));

    const team = (await (
      await send(bindings, `/api/patterns?teamId=${w.teamId}&since=0`, {
        headers: bearer(w.owner.accessToken),
      })
    ).json()) as Page;
    expect(team.items).toEqual([
      expect.objectContaining({ id: p.id, name: "Team beat", version: 1, deletedAt: null }),
    ]);
    const seq = await db().execute<{ pattern_seq: string }>(
      sql`select pattern_seq from teams where id = ${w.teamId}`,
    );
    expect(Number(seq.rows[0]?.pattern_seq)).toBe(1);
  });

  it("a member who leaves the team loses access to the patterns they wrote", async () => {
    const w = await world();
    const p = await teamPattern(w);
    await setTeamRole(bindings, w.teamId, w.author.userId, null);
    const h = bearer(w.author.accessToken);
    expect((await send(bindings, `/api/patterns/${p.id}`, { headers: h })).status).toBe(404);
    expect(
      (await send(bindings, `/api/patterns/${p.id}`, { method: "PATCH", headers: h, json: { tempo: 99 } }))
        .status,
    ).toBe(404);
    expect((await send(bindings, `/api/patterns?teamId=${w.teamId}`, { headers: h })).status).toBe(404);
  });

  it("a public team pattern is readable by anyone, like a public personal one", async () => {
    const w = await world();
    const res = await create(w.author, { ...beat(), teamId: w.teamId, isPublic: true });
    const p = (await res.json()) as Pattern;
    expect((await send(bindings, `/api/patterns/${p.id}`)).status).toBe(200);
    expect(
      (
        await send(bindings, `/api/patterns/${p.id}`, {
          method: "PATCH",
          headers: bearer(w.outsider.accessToken),
          json: { tempo: 99 },
        })
      ).status,
    ).toBe(404);
  });
});

describe("team patterns: who writes", () => {
  // Role x write: managers write every pattern of the team, a plain member only their own.
  const cases = [
    ["team", "owner", 200],
    ["team", "manager", 200],
    ["team", "author", 200],
    ["team", "plain", 403],
    ["class", "owner", 200],
    ["class", "manager", 200],
    ["class", "author", 200],
    ["class", "plain", 403],
  ] as const;

  it.each(cases)("%s: the %s → PUT, PATCH, DELETE %i", async (kind, who, status) => {
    const w = await world(kind);
    const p = await teamPattern(w);
    const h = bearer(w[who].accessToken);
    const put = await send(bindings, `/api/patterns/${p.id}`, {
      method: "PUT",
      headers: { ...h, "If-Match": '"v1"' },
      json: beat("Replaced", 100),
    });
    expect(put.status).toBe(status);
    const patch = await send(bindings, `/api/patterns/${p.id}`, {
      method: "PATCH",
      headers: h,
      json: { tempo: 110 },
    });
    expect(patch.status).toBe(status);
    const del = await send(bindings, `/api/patterns/${p.id}`, { method: "DELETE", headers: h });
    expect(del.status).toBe(status === 200 ? 204 : status);
    const after = await send(bindings, `/api/patterns/${p.id}`, { headers: bearer(w.owner.accessToken) });
    if (status === 200) {
      expect(await put.json()).toMatchObject({ name: "Replaced", version: 2, authorId: w.author.userId });
      expect(await patch.json()).toMatchObject({ tempo: 110, version: 3 });
      expect(after.status).toBe(404);
    } else {
      const problem = (await put.json()) as { type: string; detail: string };
      expect(problem.type).toBe(ROLE_REQUIRED);
      expect(problem.detail).toMatch(/author or a team owner, admin or teacher/);
      expect(await problemType(patch)).toBe(ROLE_REQUIRED);
      expect(await problemType(del)).toBe(ROLE_REQUIRED);
      expect(await after.json()).toMatchObject({ name: "Team beat", version: 1, deletedAt: null });
    }
  });

  it("keeps If-Match: a stale version answers 412 with the current team pattern", async () => {
    const w = await world();
    const p = await teamPattern(w);
    await send(bindings, `/api/patterns/${p.id}`, {
      method: "PATCH",
      headers: bearer(w.manager.accessToken),
      json: { tempo: 120 },
    });
    const stale = await send(bindings, `/api/patterns/${p.id}`, {
      method: "PATCH",
      headers: { ...bearer(w.author.accessToken), "If-Match": '"v1"' },
      json: { tempo: 80 },
    });
    expect(stale.status).toBe(412);
    expect(stale.headers.get("ETag")).toBe('"v2"');
    expect(((await stale.json()) as { current: Pattern }).current).toMatchObject({
      teamId: w.teamId,
      tempo: 120,
      version: 2,
    });
  });

  it("a demoted manager writes only their own patterns from then on", async () => {
    const w = await world();
    const p = await teamPattern(w);
    await setTeamRole(bindings, w.teamId, w.manager.userId, "member");
    const res = await send(bindings, `/api/patterns/${p.id}`, {
      method: "PATCH",
      headers: bearer(w.manager.accessToken),
      json: { tempo: 70 },
    });
    expect(res.status).toBe(403);
  });
});

describe("team sync", () => {
  it("two members' devices see each other's changes with the team's cursor", async () => {
    const w = await world();
    const id = crypto.randomUUID();
    const first = await synced(w.author, {
      teamId: w.teamId,
      changes: [{ op: "upsert", id, pattern: beat("From author") }],
    });
    expect(first.results).toEqual([
      {
        id,
        status: "applied",
        pattern: expect.objectContaining({ teamId: w.teamId, authorId: w.author.userId }),
      },
    ]);
    // The cursor counts the team's writes (teams.pattern_seq), not the author's.
    expect(first.cursor).toBe("1");

    const other = await synced(w.manager, { teamId: w.teamId, changes: [] });
    expect(other.changes.map((p) => [p.id, p.name])).toEqual([[id, "From author"]]);
    const edit = await synced(w.manager, {
      since: other.cursor,
      teamId: w.teamId,
      changes: [{ op: "upsert", id, baseVersion: 1, pattern: beat("Edited by admin", 130) }],
    });
    expect(edit.results[0]).toMatchObject({ status: "applied", pattern: { version: 2 } });
    expect(edit.cursor).toBe("2");

    const back = await synced(w.author, { since: first.cursor, teamId: w.teamId, changes: [] });
    expect(back.changes.map((p) => [p.id, p.name, p.version])).toEqual([[id, "Edited by admin", 2]]);
    expect(back.cursor).toBe("2");

    const del = await synced(w.author, {
      since: back.cursor,
      teamId: w.teamId,
      changes: [{ op: "delete", id, baseVersion: 2 }],
    });
    expect(del.results[0]).toMatchObject({ status: "applied", pattern: { deletedAt: expect.any(String) } });
    const tombstone = await synced(w.manager, { since: edit.cursor, teamId: w.teamId, changes: [] });
    expect(tombstone.changes.map((p) => [p.id, p.deletedAt !== null])).toEqual([[id, true]]);
  });

  it("personal sync does not carry team patterns, nor does team sync carry personal ones", async () => {
    const w = await world();
    const team = await teamPattern(w);
    const personal = (await (await create(w.author, beat("Personal"))).json()) as Pattern;
    const mine = await synced(w.author, { changes: [] });
    expect(mine.changes.map((p) => p.id)).toEqual([personal.id]);
    const ours = await synced(w.author, { teamId: w.teamId, changes: [] });
    expect(ours.changes.map((p) => p.id)).toEqual([team.id]);
  });

  it("refuses a member's edit or delete of another member's pattern, and a personal sync's edit of a team pattern", async () => {
    const w = await world();
    const p = await teamPattern(w);
    const out = await synced(w.plain, {
      teamId: w.teamId,
      changes: [
        { op: "upsert", id: p.id, baseVersion: 1, pattern: beat("Mine now") },
        { op: "delete", id: p.id, baseVersion: 1 },
      ],
    });
    expect(out.results).toEqual([
      { id: p.id, status: "rejected", reason: "only its author or a manager of the team may change it" },
      { id: p.id, status: "rejected", reason: "only its author or a manager of the team may change it" },
    ]);
    const personal = await synced(w.author, {
      changes: [{ op: "upsert", id: p.id, baseVersion: 1, pattern: beat("Moved out") }],
    });
    expect(personal.results).toEqual([
      { id: p.id, status: "rejected", reason: "this id is used by another pattern" },
    ]);
    const now = await send(bindings, `/api/patterns/${p.id}`, { headers: bearer(w.owner.accessToken) });
    expect(await now.json()).toMatchObject({ name: "Team beat", version: 1, deletedAt: null });
  });
});

describe("limits", () => {
  it("team patterns leave the free personal count alone, and a member at the personal limit still creates team patterns", async () => {
    const w = await world();
    await db().execute(sql`
      with u as (update users set pattern_seq = 49 where id = ${w.author.userId} returning id)
      insert into patterns (id, user_id, name, tempo, tracks, change_seq)
      select gen_random_uuid(), u.id, 'filler ' || n, 90, '[]'::jsonb, n from u, generate_series(1, 49) n`);
    await teamPattern(w, w.author, "Team 1");
    await teamPattern(w, w.author, "Team 2");
    expect((await create(w.author, beat("50th"))).status).toBe(201);
    expect((await create(w.author, beat("51st"))).status).toBe(403);
    expect((await create(w.author, { ...beat("Team 3"), teamId: w.teamId })).status).toBe(201);
  });

  it("a team keeps at most 1,000 live patterns: the next create answers 409 team-pattern-limit", async () => {
    const w = await world();
    await db().execute(sql`
      with t as (update teams set pattern_seq = 999 where id = ${w.teamId} returning id)
      insert into patterns (id, user_id, team_id, name, tempo, tracks, change_seq)
      select gen_random_uuid(), ${w.owner.userId}, t.id, 'filler ' || n, 90, '[]'::jsonb, n
      from t, generate_series(1, 999) n`);
    expect((await create(w.plain, { ...beat("1000th"), teamId: w.teamId })).status).toBe(201);
    const over = await create(w.plain, { ...beat("1001st"), teamId: w.teamId });
    expect(over.status).toBe(409);
    expect(await over.json()).toMatchObject({
      type: "https://backline.dev/problems/team-pattern-limit",
      limit: 1000,
    });
    const out = await synced(w.plain, {
      teamId: w.teamId,
      changes: [{ op: "upsert", id: crypto.randomUUID(), pattern: beat("1001st") }],
    });
    expect(out.results[0]).toMatchObject({
      status: "rejected",
      reason: "the team keeps at most 1000 patterns",
    });
  });

  it("a repeat of a team create is idempotent; the same id in another team or as personal is 409", async () => {
    const w = await world();
    const id = crypto.randomUUID();
    expect((await create(w.author, { id, ...beat(), teamId: w.teamId })).status).toBe(201);
    expect((await create(w.author, { id, ...beat(), teamId: w.teamId })).status).toBe(200);
    // The team's id in capitals names the same team (a uuid is compared in lower case).
    expect((await create(w.author, { id, ...beat(), teamId: w.teamId.toUpperCase() })).status).toBe(200);
    expect((await create(w.author, { id, ...beat() })).status).toBe(409);
  });
});

describe("share links to team patterns", () => {
  async function share(user: SignedUp, patternId: string) {
    return send(bindings, "/api/shares", {
      method: "POST",
      headers: bearer(user.accessToken),
      json: { patternId },
    });
  }

  it("its author and a manager share it; another member gets 403, a stranger 404; the link opens as usual", async () => {
    const w = await world("class");
    const p = await teamPattern(w);
    const byAuthor = await share(w.author, p.id);
    expect(byAuthor.status).toBe(201);
    expect((await share(w.manager, p.id)).status).toBe(201);
    expect((await share(w.owner, p.id)).status).toBe(201);
    const denied = await share(w.plain, p.id);
    expect(denied.status).toBe(403);
    expect(await problemType(denied)).toBe(ROLE_REQUIRED);
    expect((await share(w.outsider, p.id)).status).toBe(404);

    const { shareId } = (await byAuthor.json()) as { shareId: string };
    const opened = await send(bindings, `/api/shares/${shareId}`);
    expect(opened.status).toBe(200);
    expect(await opened.json()).toMatchObject({
      views: 1,
      pattern: { id: p.id, teamId: w.teamId, authorId: w.author.userId },
    });
  });

  it("a manager revokes a link the author made; another member cannot", async () => {
    const w = await world();
    const p = await teamPattern(w);
    const { shareId } = (await (await share(w.author, p.id)).json()) as { shareId: string };
    const revoke = (user: SignedUp) =>
      send(bindings, `/api/shares/${shareId}`, { method: "DELETE", headers: bearer(user.accessToken) });
    expect((await revoke(w.plain)).status).toBe(404);
    expect((await revoke(w.outsider)).status).toBe(404);
    expect((await send(bindings, `/api/shares/${shareId}`)).status).toBe(200);
    expect((await revoke(w.manager)).status).toBe(204);
    expect((await send(bindings, `/api/shares/${shareId}`)).status).toBe(404);
  });
});
