import { type SQL, sql } from "drizzle-orm";
import { TEAM_MANAGER_ROLES } from "../enums";

/**
 * Membership checks made inside the statement that acts on a team (≤ 1 round trip per
 * request): `team_role()` (migration 0016) gives the user's role in the team, null for a
 * non-member, whom the routes answer with 404.
 */

/** The user's role in the team, or null: an SQL expression for a route's own statement. */
export function teamRoleOf(teamId: string, userId: string): SQL {
  return sql`team_role(${teamId}::uuid, ${userId}::uuid)`;
}

/** True when the user runs the team (owner, admin or teacher). */
export function isTeamManager(teamId: string, userId: string): SQL {
  return sql`(${teamRoleOf(teamId, userId)} = any(${sql.raw(`array['${TEAM_MANAGER_ROLES.join("','")}']`)}))`;
}
