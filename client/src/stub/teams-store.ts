/**
 * The stub's team tables (db/schema/teams.ts) beside its other data, and the checks every team
 * route makes: membership (non-members get the 404 an unknown id gets) and role (the 403 naming
 * the role), as `team_role()` does inside the server's statements.
 */
import { fromBase64Url, toBase64Url } from "../../../shared/base64url";
import { defineProblems } from "../../../shared/errors";
import { teamAccessProblems } from "../../../shared/teams/problems";
import { fromApiError, validationProblem } from "../errors";
import {
  TEAM_MANAGER_ROLES,
  TEAM_ROLES_BY_KIND,
  type Team,
  type TeamApiKey,
  type TeamKind,
  type TeamRole,
} from "../teams-types";
import type { StubDb, StubUser } from "./world";

/**
 * The teams contract's problems: the answers of every team route (shared/teams/problems.ts), and
 * the rest as the server's functions/teams, functions/classes and functions/me lists word them.
 */
export const teamProblems = {
  ...teamAccessProblems,
  ...defineProblems({
    lastOwner: { status: 409, title: "A team keeps at least one owner" },
    teamLimit: { status: 409, title: "You belong to as many teams as an account may" },
    memberNotFound: { status: 404, title: "No such member of this team" },
    alreadyMember: { status: 409, title: "This address already belongs to a member" },
    invitationPending: { status: 409, title: "This address already has a pending invitation" },
    invitationNotFound: { status: 404, title: "No pending invitation of this team has this id" },
    invitationInvalid: { status: 404, title: "This invitation link is not valid" },
    invitationWrongEmail: { status: 403, title: "This invitation is for another email address" },
    notAClass: { status: 409, title: "This team is not a class" },
    // DELETE /api/me (functions/me/problems.ts).
    soleTeamOwner: {
      status: 409,
      title:
        "You are the only owner of a team others belong to: make someone else an owner, or delete the team, first",
    },
  }),
};

export interface StubTeam {
  id: string;
  name: string;
  kind: TeamKind;
  createdBy: string | null;
  /** The team's pattern change sequence (teams.pattern_seq): the team sync cursor. */
  patternSeq: number;
  createdAt: string;
  updatedAt: string;
}
export interface StubMembership {
  role: TeamRole;
  joinedAt: string;
}
/** An invitation; only the hash of its link's token is kept, replaced at each send. */
export interface StubInvitation {
  id: string;
  teamId: string;
  email: string;
  role: TeamRole;
  tokenHash: string | null;
  invitedBy: string | null;
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
  acceptedBy: string | null;
  revokedAt: string | null;
}
export type StoredTeamKey = TeamApiKey;

export interface TeamTables {
  teams: Record<string, StubTeam>;
  /** By team id, then user id. */
  members: Record<string, Record<string, StubMembership>>;
  invitations: Record<string, StubInvitation>;
  /** A class's lesson ids, in order. */
  classLessons: Record<string, string[]>;
  apiKeys: Record<string, StoredTeamKey>;
}
/** The stub keeps the team tables beside its other ones (an older stub's data has none yet). */
export type WithTeams = StubDb & { teamTables?: TeamTables };

export function teamTables(db: WithTeams): TeamTables {
  db.teamTables ??= { teams: {}, members: {}, invitations: {}, classLessons: {}, apiKeys: {} };
  return db.teamTables;
}

/** A team's members whose account still exists (the server cascades deleted accounts away). */
export function membersOf(db: WithTeams, teamId: string): [string, StubMembership][] {
  return Object.entries(teamTables(db).members[teamId] ?? {}).filter(([userId]) => db.users[userId]);
}

/** The user's role in the team, or undefined for a non-member (`team_role()`). */
export function roleOf(db: WithTeams, teamId: string, userId: string): TeamRole | undefined {
  return teamTables(db).members[teamId]?.[userId]?.role;
}

export const isManager = (role: TeamRole | undefined): boolean =>
  (TEAM_MANAGER_ROLES as readonly string[]).includes(role ?? "");

/** The team and the caller's role in it; a non-member gets the same 404 as an unknown id. */
export function memberTeam(db: WithTeams, teamId: string, user: StubUser, instance: string) {
  const team = teamTables(db).teams[teamId];
  const role = team ? roleOf(db, teamId, user.id) : undefined;
  if (!team || !role)
    throw fromApiError(teamProblems.teamNotFound("No team of yours has this id."), instance);
  return { team, role };
}

/** The 403 for a member lacking the role an action needs. */
export function roleRequired(needed: string, instance: string) {
  return fromApiError(teamProblems.teamRoleRequired(`This needs the ${needed} role in the team.`), instance);
}

/** The team and the caller's role, when the caller runs the team (owner, admin or teacher). */
export function managedTeam(db: WithTeams, teamId: string, user: StubUser, instance: string) {
  const found = memberTeam(db, teamId, user, instance);
  if (!isManager(found.role)) throw roleRequired(managerWords(found.team.kind), instance);
  return found;
}

/** How the manager roles of a kind are named in a 403's detail. */
export function managerWords(kind: TeamKind): string {
  return kind === "class" ? "owner or teacher" : "owner or admin";
}

/** A team as its member sees it (`role`: theirs). */
export function toTeamDto(db: WithTeams, team: StubTeam, role: TeamRole): Team {
  return {
    id: team.id,
    name: team.name,
    kind: team.kind,
    role,
    memberCount: membersOf(db, team.id).length,
    createdAt: team.createdAt,
  };
}

/** The 400 for a role the team's kind does not offer (or not a role at all). */
export function checkRole(kind: TeamKind, role: unknown, instance: string, path = "role"): TeamRole {
  const roles: readonly string[] = TEAM_ROLES_BY_KIND[kind];
  if (typeof role !== "string" || !roles.includes(role))
    throw validationProblem([{ path, message: `must be one of ${roles.join(", ")}` }], instance);
  return role as TeamRole;
}

/** A team name: 1–80 characters once trimmed. */
export function checkName(name: unknown, instance: string): string {
  const trimmed = typeof name === "string" ? name.trim() : "";
  if (trimmed.length < 1 || trimmed.length > 80)
    throw validationProblem([{ path: "name", message: "must be 1 to 80 characters" }], instance);
  return trimmed;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A path id that is not a UUID answers as an unknown one would for a team (404), a 400 elsewhere. */
export const isUuid = (id: unknown): id is string => typeof id === "string" && UUID.test(id);

/** A page of a list by a keyset (`key`: text that sorts in the list's order). */
export function page<T>(
  items: T[],
  key: (item: T) => string,
  query: { cursor?: string; limit?: number },
  instance: string,
): { items: T[]; nextCursor: string | null } {
  const limit = query.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw validationProblem([{ path: "limit", message: "must be an integer from 1 to 100" }], instance);
  let after: string | undefined;
  if (query.cursor !== undefined) {
    try {
      after = new TextDecoder().decode(fromBase64Url(query.cursor));
    } catch {
      throw validationProblem([{ path: "cursor", message: "is not a cursor of this list" }], instance);
    }
  }
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const rest = after === undefined ? sorted : sorted.filter((item) => key(item) > after);
  const taken = rest.slice(0, limit);
  const last = taken[taken.length - 1];
  return {
    items: taken,
    nextCursor: rest.length > limit && last ? toBase64Url(new TextEncoder().encode(key(last))) : null,
  };
}

/**
 * Before an account is deleted (DELETE /api/me, db/queries/accounts.ts): refused while it is the
 * only owner of a team others belong to (409 naming them); else its memberships go, and the
 * teams it was alone in with them. Its patterns in the teams that remain pass to each team's
 * longest-standing other owner, with new change_seqs from the team's cursor.
 */
export function leaveAllTeams(db: WithTeams, userId: string, instance: string): void {
  const tables = teamTables(db);
  const mine = Object.values(tables.teams).filter((t) => roleOf(db, t.id, userId) !== undefined);
  const others = (t: StubTeam) => membersOf(db, t.id).filter(([id]) => id !== userId);
  const stranded = mine
    .filter((t) => roleOf(db, t.id, userId) === "owner")
    .filter((t) => others(t).length > 0 && !others(t).some(([, m]) => m.role === "owner"))
    .map((t) => t.name)
    .sort();
  if (stranded.length > 0) {
    const detail = `Hand over ownership of the teams you alone own: ${stranded.join(", ")}, or delete them, before deleting your account.`;
    throw fromApiError(teamProblems.soleTeamOwner({ detail, extensions: { teams: stranded } }), instance);
  }
  for (const team of mine) {
    if (others(team).length === 0) {
      delete tables.teams[team.id];
      delete tables.members[team.id];
      delete tables.classLessons[team.id];
    } else {
      handOverPatterns(db, team, userId);
      delete tables.members[team.id]?.[userId];
    }
  }
}

/** The user's patterns in the team go to its longest-standing other owner, each with the team's next change_seq. */
function handOverPatterns(db: WithTeams, team: StubTeam, userId: string): void {
  const [heir] = membersOf(db, team.id)
    .filter(([id, m]) => id !== userId && m.role === "owner")
    .sort(([a, x], [b, y]) => x.joinedAt.localeCompare(y.joinedAt) || a.localeCompare(b));
  if (!heir) return;
  const now = new Date().toISOString();
  const authored = Object.values(db.patterns)
    .filter((p) => p.teamId === team.id && p.userId === userId)
    .sort((a, b) => a.changeSeq - b.changeSeq);
  for (const pattern of authored) {
    team.patternSeq += 1;
    Object.assign(pattern, { userId: heir[0], changeSeq: team.patternSeq, updatedAt: now });
  }
}

/** Whether an owner of the team is on the premium tier (the classes' premium rule, README). */
export function ownerIsPremium(db: WithTeams, teamId: string): boolean {
  return membersOf(db, teamId).some(
    ([userId, m]) => m.role === "owner" && db.users[userId]?.tier === "premium",
  );
}

/** Whether a class of the user's lists the lesson and has a premium owner (db/queries/classes.ts). */
export function openedByAClass(db: WithTeams, lessonId: string, userId: string): boolean {
  return Object.entries(teamTables(db).classLessons).some(
    ([teamId, ids]) =>
      ids.includes(lessonId) && roleOf(db, teamId, userId) !== undefined && ownerIsPremium(db, teamId),
  );
}
