import { sql } from "drizzle-orm";
import type { TeamKind, TeamRole } from "../../db/enums";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer } from "./accounts";
import { send, type TestBindings } from "./harness";

/**
 * Teams and memberships made with direct SQL, for the team API key suites: on the team-keys
 * branch teams cannot be made through the API yet (functions/teams is built beside it).
 */

const dbOf = (bindings: TestBindings) => createDb(loadConfig(bindings));

/** Creates a team (or class) whose owner is `ownerId`; its id. */
export async function createTeam(
  bindings: TestBindings,
  ownerId: string,
  kind: TeamKind = "team",
  name = `Team ${crypto.randomUUID().slice(0, 6)}`,
): Promise<string> {
  const result = await dbOf(bindings).execute<{ id: string }>(sql`
    with team as (
      insert into teams (name, kind, created_by) values (${name}, ${kind}, ${ownerId}::uuid) returning id
    )
    insert into team_members (team_id, user_id, role) select id, ${ownerId}::uuid, 'owner' from team
    returning team_id as id
  `);
  const id = result.rows[0]?.id;
  if (!id) throw new Error("team not created");
  return id;
}

/** Makes `userId` a member of the team with `role` (or changes their role). */
export async function setMember(bindings: TestBindings, teamId: string, userId: string, role: TeamRole) {
  await dbOf(bindings).execute(sql`
    insert into team_members (team_id, user_id, role) values (${teamId}::uuid, ${userId}::uuid, ${role})
    on conflict (team_id, user_id) do update set role = excluded.role, updated_at = now()
  `);
}

/** Removes `userId` from the team. */
export async function removeMember(bindings: TestBindings, teamId: string, userId: string) {
  await dbOf(bindings).execute(
    sql`delete from team_members where team_id = ${teamId}::uuid and user_id = ${userId}::uuid`,
  );
}

/** Deletes the team (its memberships and keys go with it). */
export async function deleteTeam(bindings: TestBindings, teamId: string) {
  await dbOf(bindings).execute(sql`delete from teams where id = ${teamId}::uuid`);
}

/** A team's API key as the create route answers it. */
export interface CreatedTeamKey {
  id: string;
  secret: string;
  scopes: string[];
  teamId: string;
  createdBy: string;
}

/** Sends POST /api/teams/:id/api-keys as the signed-in user behind `accessToken`. */
export function postTeamKey(
  bindings: TestBindings,
  accessToken: string,
  teamId: string,
  body: { name?: string; scopes: string[]; expiresAt?: string },
): Promise<Response> {
  return send(bindings, `/api/teams/${teamId}/api-keys`, {
    method: "POST",
    headers: bearer(accessToken),
    json: { name: "team key", ...body },
  });
}

/** Creates a team's API key as the signed-in manager behind `accessToken` (fails the test otherwise). */
export async function createTeamKey(
  bindings: TestBindings,
  accessToken: string,
  teamId: string,
  body: { name?: string; scopes: string[]; expiresAt?: string },
): Promise<CreatedTeamKey> {
  const res = await postTeamKey(bindings, accessToken, teamId, body);
  if (res.status !== 201) throw new Error(`team key creation failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as CreatedTeamKey;
}
