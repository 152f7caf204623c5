import type { Context } from "hono";
import type { PatternScope } from "../../db/queries/patterns";
import type { AppEnv } from "../../shared/env";
import { patternProblems } from "./problems";

/**
 * The team a list, sync or create acts on. A request made with a team's API key acts on that
 * team (naming another one is answered as an unknown team); otherwise the team the request
 * names, or none (the caller's personal patterns). In lower case, as Postgres gives uuids back,
 * so it compares equal to a pattern's `teamId` and to the key's team.
 */
export function actingTeam<E extends AppEnv>(c: Context<E>, named: string | undefined): string | undefined {
  const requested = named?.toLowerCase();
  const keyTeam = c.get("keyTeamId");
  if (keyTeam === undefined) return requested;
  if (requested !== undefined && requested !== keyTeam) throw teamNotFound();
  return keyTeam;
}

/** Which patterns a request may reach by id: with a team's API key only that team's. */
export function scopeById<E extends AppEnv>(c: Context<E>): PatternScope {
  const keyTeam = c.get("keyTeamId");
  return keyTeam === undefined ? "any" : { teamId: keyTeam };
}

/** A non-member and an unknown team get the same answer. */
export function teamNotFound() {
  return patternProblems.teamNotFound("No team you belong to has this id.");
}

/** A member who neither wrote the pattern nor manages the team tried to change it. */
export function teamRoleRequired() {
  return patternProblems.teamRoleRequired(
    "Only the pattern's author or a team owner, admin or teacher can change it.",
  );
}
