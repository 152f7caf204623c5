import { sql } from "drizzle-orm";
import type { TeamKind, TeamRole } from "../../db/enums";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import type { TestBindings } from "./harness";

export interface TeamSpec {
  kind: TeamKind;
  members: { userId: string; role: TeamRole }[];
  name?: string;
}

/**
 * A team (or class) and its memberships, written straight into the file's database: suites that
 * exercise team data before the teams routes exist on their branch (the lead may switch them to
 * `POST /api/teams` and invitations). Returns the team's id.
 */
export async function createTeam(bindings: TestBindings, spec: TeamSpec): Promise<string> {
  const db = createDb(loadConfig(bindings));
  const [first] = spec.members;
  const members = spec.members.map((m) => ({ user_id: m.userId, role: m.role }));
  const result = await db.execute<{ id: string }>(sql`
    with team as (
      insert into teams (name, kind, created_by)
      values (${spec.name ?? "Test team"}, ${spec.kind}, ${first?.userId ?? null}::uuid)
      returning id
    ),
    members as (
      insert into team_members (team_id, user_id, role)
      select team.id, m.user_id, m.role
      from team, jsonb_to_recordset(${JSON.stringify(members)}::jsonb) as m(user_id uuid, role text)
    )
    select id from team
  `);
  const id = result.rows[0]?.id;
  if (!id) throw new Error("team not created");
  return id;
}

/** Changes a member's role, or removes them (`null`), straight in the database. */
export async function setTeamRole(
  bindings: TestBindings,
  teamId: string,
  userId: string,
  role: TeamRole | null,
): Promise<void> {
  const db = createDb(loadConfig(bindings));
  if (role === null) {
    await db.execute(sql`delete from team_members where team_id = ${teamId} and user_id = ${userId}`);
    return;
  }
  await db.execute(
    sql`update team_members set role = ${role} where team_id = ${teamId} and user_id = ${userId}`,
  );
}
