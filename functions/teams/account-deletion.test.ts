import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, signUp } from "../../test/support/accounts";
import { fileEnv, send } from "../../test/support/harness";
import { setMember } from "../../test/support/team-keys";
import { call, createTeamAs, problemSlug } from "./test-teams";

const bindings = fileEnv("teams_account_deletion");
const PASSWORD = "a sturdy passphrase 42";

function deleteAccount(accessToken: string) {
  return call(bindings, accessToken, "DELETE", "/api/me", { password: PASSWORD });
}

async function teamExists(teamId: string): Promise<boolean> {
  const db = createDb(loadConfig(bindings));
  const result = await db.execute<{ n: number }>(
    sql`select count(*)::int as n from teams where id = ${teamId}`,
  );
  return result.rows[0]?.n === 1;
}

describe("DELETE /api/me and the teams the account owns", () => {
  it("refuses while the account is the only owner of a team others belong to, naming it, and deletes nothing", async () => {
    const owner = await signUp(bindings);
    const member = await signUp(bindings);
    const team = await createTeamAs(bindings, owner.accessToken, "class", "Beat makers 101");
    await setMember(bindings, team.id, member.userId, "student");

    const refused = await deleteAccount(owner.accessToken);
    expect(refused.status).toBe(409);
    const body = (await refused.clone().json()) as { teams: string[]; detail: string };
    expect(await problemSlug(refused)).toBe("sole-team-owner");
    expect(body.teams).toEqual(["Beat makers 101"]);
    expect(body.detail).toContain("Beat makers 101");
    expect((await send(bindings, "/api/me", { headers: bearer(owner.accessToken) })).status).toBe(200);
    expect(await teamExists(team.id)).toBe(true);
  });

  it("deletes once ownership is handed over; the team stays with its new owner", async () => {
    const owner = await signUp(bindings);
    const member = await signUp(bindings);
    const team = await createTeamAs(bindings, owner.accessToken);
    await setMember(bindings, team.id, member.userId, "member");
    const transfer = await call(bindings, owner.accessToken, "POST", `/api/teams/${team.id}/transfer`, {
      userId: member.userId,
    });
    expect(transfer.status).toBe(200);

    expect((await deleteAccount(owner.accessToken)).status).toBe(204);
    const seen = await call(bindings, member.accessToken, "GET", `/api/teams/${team.id}`);
    expect(seen.status).toBe(200);
    expect(await seen.json()).toMatchObject({ role: "owner", memberCount: 1 });
  });

  it("deletes when another owner remains", async () => {
    const owner = await signUp(bindings);
    const coOwner = await signUp(bindings);
    const team = await createTeamAs(bindings, owner.accessToken);
    await setMember(bindings, team.id, coOwner.userId, "owner");
    expect((await deleteAccount(owner.accessToken)).status).toBe(204);
    expect(await teamExists(team.id)).toBe(true);
  });

  it("hands the account's team patterns to the team's other owner, through the team's cursor, and deletes its own", async () => {
    const owner = await signUp(bindings);
    const member = await signUp(bindings);
    const team = await createTeamAs(bindings, owner.accessToken);
    await setMember(bindings, team.id, member.userId, "member");
    const beat = (name: string, teamId?: string) => ({
      name,
      tempo: 100,
      tracks: [{ instrument: "kick", steps: [true, false, true, false], volume: 1 }],
      ...(teamId && { teamId }),
    });
    const created: { id: string }[] = [];
    for (const body of [beat("Team groove", team.id), beat("Team fill", team.id), beat("Mine")]) {
      const res = await call(bindings, member.accessToken, "POST", "/api/patterns", body);
      expect(res.status).toBe(201);
      created.push((await res.json()) as { id: string });
    }
    const [groove, fill, mine] = created as [{ id: string }, { id: string }, { id: string }];
    type Synced = { changes: { id: string; authorId: string; userId: string }[]; cursor: string };
    const sync = async (since: string) => {
      const res = await call(bindings, owner.accessToken, "POST", "/api/patterns/sync", {
        teamId: team.id,
        since,
        changes: [],
      });
      expect(res.status).toBe(200);
      return (await res.json()) as Synced;
    };
    const before = await sync("0");

    expect((await deleteAccount(member.accessToken)).status).toBe(204);

    const after = await sync(before.cursor);
    expect(after.changes.map((p) => p.id).sort()).toEqual([groove.id, fill.id].sort());
    for (const p of after.changes) expect(p).toMatchObject({ authorId: owner.userId, userId: owner.userId });
    expect(Number(after.cursor)).toBe(Number(before.cursor) + 2);
    const listed = await call(bindings, owner.accessToken, "GET", `/api/patterns?teamId=${team.id}`);
    expect(((await listed.json()) as { items: { id: string }[] }).items).toHaveLength(2);
    const db = createDb(loadConfig(bindings));
    const left = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from patterns where id = ${mine.id}`,
    );
    expect(left.rows[0]?.n).toBe(0);
  });

  it("takes the teams the account is alone in along with it", async () => {
    const owner = await signUp(bindings);
    const solo = await createTeamAs(bindings, owner.accessToken, "team", "Just me");
    expect((await deleteAccount(owner.accessToken)).status).toBe(204);
    expect(await teamExists(solo.id)).toBe(false);
  });
});
