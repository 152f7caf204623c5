import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { type SignedUp, signUp, uniqueEmail } from "../../test/support/accounts";
import { fileEnv } from "../../test/support/harness";
import { call, createTeamAs, type ProblemBody, problemSlug, type TeamBody } from "./test-teams";

const bindings = fileEnv("teams");
const db = () => createDb(loadConfig(bindings));

/** A user row made directly (no session needed): a member the tests act on. */
async function insertUser(name = "Member"): Promise<{ id: string; email: string }> {
  const email = uniqueEmail("member");
  const result = await db().execute<{ id: string }>(
    sql`insert into users (email, password_hash, display_name) values (${email}, 'x', ${name}) returning id`,
  );
  return { id: result.rows[0]!.id, email };
}

async function addMember(teamId: string, userId: string, role: string): Promise<void> {
  await db().execute(
    sql`insert into team_members (team_id, user_id, role) values (${teamId}, ${userId}, ${role})`,
  );
}

async function insertTeam(kind: "team" | "class"): Promise<string> {
  const id = crypto.randomUUID();
  await db().execute(sql`insert into teams (id, name, kind) values (${id}, 'Fixture', ${kind})`);
  return id;
}

async function rolesOf(teamId: string): Promise<Record<string, string>> {
  const result = await db().execute<{ user_id: string; role: string }>(
    sql`select user_id, role from team_members where team_id = ${teamId}`,
  );
  return Object.fromEntries(result.rows.map((r) => [r.user_id, r.role]));
}

async function auditActions(teamId: string): Promise<string[]> {
  const result = await db().execute<{ action: string }>(
    sql`select action from audit_logs where target_type = 'team' and target_id = ${teamId} order by id`,
  );
  return result.rows.map((r) => r.action);
}

let owner: SignedUp;
let other: SignedUp;

beforeAll(async () => {
  [owner, other] = await Promise.all([signUp(bindings), signUp(bindings)]);
});

describe("teams", () => {
  it("creates a team with the caller as owner, audit-logged", async () => {
    const res = await call(bindings, owner.accessToken, "POST", "/api/teams", {
      name: "  Drum Club ",
      kind: "team",
    });
    expect(res.status).toBe(201);
    const team = (await res.json()) as TeamBody;
    expect(res.headers.get("Location")).toBe(`/api/teams/${team.id}`);
    expect(team).toMatchObject({ name: "Drum Club", kind: "team", role: "owner", memberCount: 1 });
    expect(Date.parse(team.createdAt)).not.toBeNaN();
    expect(await rolesOf(team.id)).toEqual({ [owner.userId]: "owner" });
    expect(await auditActions(team.id)).toEqual(["team.created"]);
  });

  it("refuses a bad name or kind with the field at fault", async () => {
    for (const [json, path] of [
      [{ name: "   ", kind: "team" }, "name"],
      [{ name: "x".repeat(81), kind: "team" }, "name"],
      [{ name: "Band", kind: "orchestra" }, "kind"],
      [{ name: "Band", kind: "team", role: "owner" }, ""],
    ] as const) {
      const res = await call(bindings, owner.accessToken, "POST", "/api/teams", json);
      expect(res.status).toBe(400);
      const body = (await res.json()) as ProblemBody;
      if (path) expect(body.errors?.map((e) => e.path)).toContain(path);
    }
  });

  it("needs a session", async () => {
    expect((await call(bindings, null, "GET", "/api/teams")).status).toBe(401);
    expect((await call(bindings, null, "POST", "/api/teams", { name: "A", kind: "team" })).status).toBe(401);
  });

  it("lists the caller's teams newest first, and only theirs", async () => {
    const user = await signUp(bindings);
    const first = await createTeamAs(bindings, user.accessToken, "team", "First");
    const second = await createTeamAs(bindings, user.accessToken, "class", "Second");
    await createTeamAs(bindings, other.accessToken, "team", "Not theirs");
    const res = await call(bindings, user.accessToken, "GET", "/api/teams");
    expect(res.status).toBe(200);
    const { teams } = (await res.json()) as { teams: TeamBody[] };
    expect(teams.map((t) => t.id)).toEqual([second.id, first.id]);
    expect(teams[0]).toMatchObject({ kind: "class", role: "owner", memberCount: 1 });
  });

  it("shows a team to members with their role and the member count; 404 to anyone else", async () => {
    const team = await createTeamAs(bindings, owner.accessToken);
    const member = await signUp(bindings);
    await addMember(team.id, member.userId, "member");
    const res = await call(bindings, member.accessToken, "GET", `/api/teams/${team.id}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: team.id, role: "member", memberCount: 2 });

    const stranger = await call(bindings, other.accessToken, "GET", `/api/teams/${team.id}`);
    const unknown = await call(bindings, other.accessToken, "GET", `/api/teams/${crypto.randomUUID()}`);
    expect(stranger.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(await problemSlug(stranger)).toBe("team-not-found");
    expect(await problemSlug(unknown)).toBe("team-not-found");
    expect((await call(bindings, other.accessToken, "GET", "/api/teams/not-a-uuid")).status).toBe(400);
  });

  it("renames for managers; a member gets 403 naming the roles", async () => {
    const team = await createTeamAs(bindings, owner.accessToken, "class");
    const student = await signUp(bindings);
    await addMember(team.id, student.userId, "student");
    const refused = await call(bindings, student.accessToken, "PATCH", `/api/teams/${team.id}`, {
      name: "Mine",
    });
    expect(refused.status).toBe(403);
    const problem = (await refused.json()) as ProblemBody;
    expect(problem.type).toMatch(/\/team-role-required$/);
    expect(problem.detail).toContain("owner or teacher");

    const res = await call(bindings, owner.accessToken, "PATCH", `/api/teams/${team.id}`, {
      name: " Class B ",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: team.id, name: "Class B", role: "owner", memberCount: 2 });
    expect(await auditActions(team.id)).toEqual(["team.created", "team.renamed"]);
  });

  it("deletes for owners only, with everything in it", async () => {
    const team = await createTeamAs(bindings, owner.accessToken);
    const admin = await signUp(bindings);
    await addMember(team.id, admin.userId, "admin");
    const refused = await call(bindings, admin.accessToken, "DELETE", `/api/teams/${team.id}`);
    expect(refused.status).toBe(403);
    expect((await refused.json()) as ProblemBody).toMatchObject({ detail: expect.stringContaining("owner") });

    expect((await call(bindings, owner.accessToken, "DELETE", `/api/teams/${team.id}`)).status).toBe(204);
    expect((await call(bindings, owner.accessToken, "GET", `/api/teams/${team.id}`)).status).toBe(404);
    expect(await rolesOf(team.id)).toEqual({});
    expect(await auditActions(team.id)).toEqual(["team.created", "team.deleted"]);
  });

  it("caps the teams one user belongs to (409 team-limit)", async () => {
    const user = await signUp(bindings);
    await db().execute(sql`
      with t as (
        insert into teams (name, kind) select 'Filler ' || n, 'team' from generate_series(1, 100) n returning id
      )
      insert into team_members (team_id, user_id, role) select id, ${user.userId}, 'member' from t
    `);
    const res = await call(bindings, user.accessToken, "POST", "/api/teams", {
      name: "One too many",
      kind: "team",
    });
    expect(res.status).toBe(409);
    expect(await problemSlug(res)).toBe("team-limit");
  });
});

describe("members", () => {
  it("pages the members newest first; addresses for managers only", async () => {
    const team = await createTeamAs(bindings, owner.accessToken);
    const member = await signUp(bindings);
    const extra = await insertUser("Extra");
    await addMember(team.id, member.userId, "member");
    await addMember(team.id, extra.id, "member");

    const first = await call(bindings, owner.accessToken, "GET", `/api/teams/${team.id}/members?limit=2`);
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as {
      members: { userId: string; email: string | null; role: string; displayName: string }[];
      nextCursor: string | null;
    };
    expect(page1.members.map((m) => m.userId)).toEqual([extra.id, member.userId]);
    expect(page1.members[0]).toMatchObject({ email: extra.email, displayName: "Extra", role: "member" });
    expect(page1.nextCursor).toEqual(expect.any(String));
    const second = await call(
      bindings,
      owner.accessToken,
      "GET",
      `/api/teams/${team.id}/members?limit=2&cursor=${page1.nextCursor}`,
    );
    const page2 = (await second.json()) as typeof page1;
    expect(page2.members.map((m) => [m.userId, m.role])).toEqual([[owner.userId, "owner"]]);
    expect(page2.nextCursor).toBeNull();

    const asMember = await call(bindings, member.accessToken, "GET", `/api/teams/${team.id}/members`);
    const seen = (await asMember.json()) as typeof page1;
    expect(seen.members).toHaveLength(3);
    expect(seen.members.every((m) => m.email === null)).toBe(true);

    const bad = await call(bindings, owner.accessToken, "GET", `/api/teams/${team.id}/members?cursor=nope`);
    expect(bad.status).toBe(400);
  });

  it("changes a role, audit-logged; a role of the other kind is a 400 on `role`", async () => {
    const team = await createTeamAs(bindings, owner.accessToken);
    const target = await insertUser("Target");
    await addMember(team.id, target.id, "member");
    const res = await call(
      bindings,
      owner.accessToken,
      "PATCH",
      `/api/teams/${team.id}/members/${target.id}`,
      {
        role: "admin",
      },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      userId: target.id,
      displayName: "Target",
      email: target.email,
      role: "admin",
      joinedAt: expect.any(String),
    });
    expect((await rolesOf(team.id))[target.id]).toBe("admin");
    expect(await auditActions(team.id)).toContain("team.member_role_changed");

    const wrongKind = await call(
      bindings,
      owner.accessToken,
      "PATCH",
      `/api/teams/${team.id}/members/${target.id}`,
      { role: "teacher" },
    );
    expect(wrongKind.status).toBe(400);
    expect(((await wrongKind.json()) as ProblemBody).errors?.[0]?.path).toBe("role");

    const missing = await call(
      bindings,
      owner.accessToken,
      "PATCH",
      `/api/teams/${team.id}/members/${crypto.randomUUID()}`,
      { role: "member" },
    );
    expect(missing.status).toBe(404);
    expect(await problemSlug(missing)).toBe("member-not-found");
  });

  it("lets any member leave (members/me), audit-logged", async () => {
    const team = await createTeamAs(bindings, owner.accessToken, "class");
    const student = await signUp(bindings);
    await addMember(team.id, student.userId, "student");
    const res = await call(bindings, student.accessToken, "DELETE", `/api/teams/${team.id}/members/me`);
    expect(res.status).toBe(204);
    expect(await rolesOf(team.id)).toEqual({ [owner.userId]: "owner" });
    expect(await auditActions(team.id)).toContain("team.member_left");
    expect((await call(bindings, student.accessToken, "GET", `/api/teams/${team.id}`)).status).toBe(404);
  });

  it("transfers ownership: the target owns it, the caller becomes admin (team) or teacher (class)", async () => {
    for (const [kind, former] of [
      ["team", "admin"],
      ["class", "teacher"],
    ] as const) {
      const user = await signUp(bindings);
      const team = await createTeamAs(bindings, user.accessToken, kind);
      const target = await insertUser();
      await addMember(team.id, target.id, kind === "team" ? "member" : "student");
      const res = await call(bindings, user.accessToken, "POST", `/api/teams/${team.id}/transfer`, {
        userId: target.id,
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id: team.id, role: former, memberCount: 2 });
      expect(await rolesOf(team.id)).toEqual({ [user.userId]: former, [target.id]: "owner" });
      expect(await auditActions(team.id)).toContain("team.ownership_transferred");
    }
  });

  it("refuses a transfer to a non-member (404) or to oneself (400 on userId)", async () => {
    const team = await createTeamAs(bindings, owner.accessToken);
    const stranger = await insertUser();
    const toStranger = await call(bindings, owner.accessToken, "POST", `/api/teams/${team.id}/transfer`, {
      userId: stranger.id,
    });
    expect(toStranger.status).toBe(404);
    expect(await problemSlug(toStranger)).toBe("member-not-found");
    const toSelf = await call(bindings, owner.accessToken, "POST", `/api/teams/${team.id}/transfer`, {
      userId: owner.userId,
    });
    expect(toSelf.status).toBe(400);
    expect(((await toSelf.json()) as ProblemBody).errors?.[0]?.path).toBe("userId");
  });
});

describe("the last owner", () => {
  it("cannot demote themselves, leave, or be removed (409 last-owner)", async () => {
    const user = await signUp(bindings);
    const team = await createTeamAs(bindings, user.accessToken);
    const attempts = [
      call(bindings, user.accessToken, "PATCH", `/api/teams/${team.id}/members/${user.userId}`, {
        role: "admin",
      }),
      call(bindings, user.accessToken, "DELETE", `/api/teams/${team.id}/members/me`),
      call(bindings, user.accessToken, "DELETE", `/api/teams/${team.id}/members/${user.userId}`),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(409);
      expect(await problemSlug(res)).toBe("last-owner");
    }
    expect(await rolesOf(team.id)).toEqual({ [user.userId]: "owner" });
  });

  it("two owners demoting each other at once: one wins, the other is no longer an owner (403)", async () => {
    const [a, b] = await Promise.all([signUp(bindings), signUp(bindings)]);
    const team = await createTeamAs(bindings, a.accessToken);
    await addMember(team.id, b.userId, "owner");
    const [byA, byB] = await Promise.all([
      call(bindings, a.accessToken, "PATCH", `/api/teams/${team.id}/members/${b.userId}`, { role: "member" }),
      call(bindings, b.accessToken, "PATCH", `/api/teams/${team.id}/members/${a.userId}`, { role: "member" }),
    ]);
    expect([byA.status, byB.status].sort()).toEqual([200, 403]);
    expect(Object.values(await rolesOf(team.id)).sort()).toEqual(["member", "owner"]);
  });

  it("two owners stepping down at once: one succeeds, the other is the last owner (409)", async () => {
    const [a, b] = await Promise.all([signUp(bindings), signUp(bindings)]);
    const team = await createTeamAs(bindings, a.accessToken);
    await addMember(team.id, b.userId, "owner");
    const results = await Promise.all([
      call(bindings, a.accessToken, "PATCH", `/api/teams/${team.id}/members/${a.userId}`, { role: "admin" }),
      call(bindings, b.accessToken, "PATCH", `/api/teams/${team.id}/members/${b.userId}`, { role: "admin" }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(Object.values(await rolesOf(team.id)).sort()).toEqual(["admin", "owner"]);

    const [c, d] = await Promise.all([signUp(bindings), signUp(bindings)]);
    const other = await createTeamAs(bindings, c.accessToken);
    await addMember(other.id, d.userId, "owner");
    const leaving = await Promise.all([
      call(bindings, c.accessToken, "DELETE", `/api/teams/${other.id}/members/me`),
      call(bindings, d.accessToken, "DELETE", `/api/teams/${other.id}/members/me`),
    ]);
    expect(leaving.map((r) => r.status).sort()).toEqual([204, 409]);
    expect(Object.values(await rolesOf(other.id))).toEqual(["owner"]);
  });
});

describe("non-members", () => {
  it("get 404 team-not-found on every /api/teams/:id route", async () => {
    const team = await createTeamAs(bindings, owner.accessToken);
    const someone = crypto.randomUUID();
    const routes: [string, string, unknown?][] = [
      ["GET", ""],
      ["PATCH", "", { name: "Mine now" }],
      ["DELETE", ""],
      ["GET", "/members"],
      ["PATCH", `/members/${owner.userId}`, { role: "member" }],
      ["DELETE", `/members/${owner.userId}`],
      ["DELETE", "/members/me"],
      ["POST", "/transfer", { userId: someone }],
      ["POST", "/invitations", { email: uniqueEmail(), role: "member" }],
      ["GET", "/invitations"],
      ["DELETE", `/invitations/${someone}`],
      ["POST", `/invitations/${someone}/resend`],
    ];
    for (const id of [team.id, crypto.randomUUID()]) {
      for (const [method, path, json] of routes) {
        const res = await call(bindings, other.accessToken, method, `/api/teams/${id}${path}`, json);
        expect([method, path, res.status]).toEqual([method, path, 404]);
        expect(await problemSlug(res)).toBe("team-not-found");
      }
    }
    expect(await rolesOf(team.id)).toEqual({ [owner.userId]: "owner" });
  });
});

/**
 * The access matrix: for each kind, each caller role × action × the target's role. Every cell
 * runs on its own team holding a founding owner, the caller and the target.
 */
describe("role matrix", () => {
  type Cell = {
    kind: "team" | "class";
    caller: string;
    action: string;
    target?: string;
    to?: string;
    status: number;
  };
  const cells: Cell[] = [];
  const byKind = { team: ["owner", "admin", "member"], class: ["owner", "teacher", "student"] } as const;
  for (const kind of ["team", "class"] as const) {
    const [own, manager, plain] = byKind[kind];
    const expectations: Omit<Cell, "kind">[] = [
      // Invite to each role: managers invite; only owners invite owners.
      { caller: own, action: "invite", to: own, status: 201 },
      { caller: own, action: "invite", to: manager, status: 201 },
      { caller: own, action: "invite", to: plain, status: 201 },
      { caller: manager, action: "invite", to: own, status: 403 },
      { caller: manager, action: "invite", to: manager, status: 201 },
      { caller: manager, action: "invite", to: plain, status: 201 },
      { caller: plain, action: "invite", to: plain, status: 403 },
      // Role changes: only owners grant or take ownership.
      { caller: own, action: "role", target: plain, to: manager, status: 200 },
      { caller: own, action: "role", target: manager, to: own, status: 200 },
      { caller: own, action: "role", target: own, to: plain, status: 200 },
      { caller: manager, action: "role", target: plain, to: manager, status: 200 },
      { caller: manager, action: "role", target: manager, to: plain, status: 200 },
      { caller: manager, action: "role", target: plain, to: own, status: 403 },
      { caller: manager, action: "role", target: own, to: plain, status: 403 },
      { caller: plain, action: "role", target: plain, to: manager, status: 403 },
      // Removal: only owners remove owners.
      { caller: own, action: "remove", target: own, status: 204 },
      { caller: own, action: "remove", target: manager, status: 204 },
      { caller: own, action: "remove", target: plain, status: 204 },
      { caller: manager, action: "remove", target: own, status: 403 },
      { caller: manager, action: "remove", target: manager, status: 204 },
      { caller: manager, action: "remove", target: plain, status: 204 },
      { caller: plain, action: "remove", target: plain, status: 403 },
      // Transfer: owners only.
      { caller: own, action: "transfer", target: plain, status: 200 },
      { caller: manager, action: "transfer", target: plain, status: 403 },
      { caller: plain, action: "transfer", target: plain, status: 403 },
    ];
    cells.push(...expectations.map((e) => ({ ...e, kind })));
  }

  let caller: SignedUp;
  let founder: { id: string };
  let target: { id: string };
  beforeAll(async () => {
    [caller, founder, target] = await Promise.all([
      signUp(bindings),
      insertUser("Founder"),
      insertUser("Target"),
    ]);
  });

  it.each(cells)("$kind: $caller $action $target → $to: $status", async (cell) => {
    const teamId = await insertTeam(cell.kind);
    await addMember(teamId, founder.id, "owner");
    await addMember(teamId, caller.userId, cell.caller);
    if (cell.target) await addMember(teamId, target.id, cell.target);
    const base = `/api/teams/${teamId}`;
    const token = caller.accessToken;
    const res =
      cell.action === "invite"
        ? await call(bindings, token, "POST", `${base}/invitations`, { email: uniqueEmail(), role: cell.to })
        : cell.action === "role"
          ? await call(bindings, token, "PATCH", `${base}/members/${target.id}`, { role: cell.to })
          : cell.action === "remove"
            ? await call(bindings, token, "DELETE", `${base}/members/${target.id}`)
            : await call(bindings, token, "POST", `${base}/transfer`, { userId: target.id });
    expect(res.status).toBe(cell.status);
    if (cell.status === 403) expect(await problemSlug(res)).toBe("team-role-required");
    const roles = await rolesOf(teamId);
    if (cell.status >= 400) {
      // A refusal changes nothing.
      expect(roles[caller.userId]).toBe(cell.caller);
      if (cell.target) expect(roles[target.id]).toBe(cell.target);
    } else if (cell.action === "role") {
      expect(roles[target.id]).toBe(cell.to);
    } else if (cell.action === "remove") {
      expect(roles[target.id]).toBeUndefined();
    } else if (cell.action === "transfer") {
      expect(roles[target.id]).toBe("owner");
    }
  });
});
