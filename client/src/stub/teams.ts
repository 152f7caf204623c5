/**
 * Stub teams (functions/teams): create, list, get, rename, delete, members with roles, leave
 * and transfer, with the server's rules: roles by kind, managers, only an owner touches
 * ownership, and at least one owner always.
 */
import { fromApiError, randomId, validationProblem } from "../errors";
import type { TeamBackend, TeamKind, TeamMember, TeamRole } from "../teams-types";
import {
  checkName,
  checkRole,
  isManager,
  managedTeam,
  membersOf,
  memberTeam,
  page,
  roleRequired,
  type StubTeam,
  teamProblems,
  teamTables,
  toTeamDto,
  type WithTeams,
} from "./teams-store";
import type { StubUser, StubWorld } from "./world";

/** As the server's cap: a user belongs to at most this many teams. */
export const MAX_TEAMS_PER_USER = 100;

type TeamCalls =
  | "listTeams"
  | "createTeam"
  | "getTeam"
  | "renameTeam"
  | "deleteTeam"
  | "listTeamMembers"
  | "setTeamMemberRole"
  | "removeTeamMember"
  | "transferTeam";

function toMemberDto(db: WithTeams, teamId: string, userId: string, showEmail: boolean): TeamMember {
  const membership = teamTables(db).members[teamId]?.[userId];
  const user = db.users[userId];
  if (!membership || !user) throw new Error(`no member ${userId} in ${teamId}`);
  return {
    userId,
    displayName: user.displayName,
    email: showEmail ? user.email : null,
    role: membership.role,
    joinedAt: membership.joinedAt,
  };
}

const ownerCount = (db: WithTeams, teamId: string) =>
  membersOf(db, teamId).filter(([, m]) => m.role === "owner").length;

function lastOwner(instance: string) {
  return fromApiError(
    teamProblems.lastOwner("Make another member an owner first (or delete the team)."),
    instance,
  );
}

/** The membership of `userId` in the team, or the 404 for someone who is not a member. */
function targetMember(db: WithTeams, teamId: string, userId: string, instance: string) {
  const membership = teamTables(db).members[teamId]?.[userId];
  if (!membership || !db.users[userId])
    throw fromApiError(teamProblems.memberNotFound("No member of this team has this id."), instance);
  return membership;
}

/** Ends a membership; the last owner cannot go. */
function dropMember(db: WithTeams, team: StubTeam, userId: string, instance: string): void {
  const members = teamTables(db).members[team.id] ?? {};
  if (members[userId]?.role === "owner" && ownerCount(db, team.id) <= 1) throw lastOwner(instance);
  delete members[userId];
}

/** The team and everything that belongs to it go (the server's cascades). */
function deleteTeamRows(db: WithTeams, teamId: string): void {
  const tables = teamTables(db);
  delete tables.teams[teamId];
  delete tables.members[teamId];
  delete tables.classLessons[teamId];
  for (const [id, invitation] of Object.entries(tables.invitations))
    if (invitation.teamId === teamId) delete tables.invitations[id];
  for (const [id, key] of Object.entries(tables.apiKeys))
    if (key.teamId === teamId) delete tables.apiKeys[id];
  for (const [id, pattern] of Object.entries(db.patterns))
    if ((pattern as { teamId?: string | null }).teamId === teamId) delete db.patterns[id];
}

/** Makes the user a member (inside a transaction; the caller checked the rules). */
export function addMember(db: WithTeams, teamId: string, userId: string, role: TeamRole): void {
  const members = teamTables(db).members;
  members[teamId] ??= {};
  members[teamId][userId] = { role, joinedAt: new Date().toISOString() };
}

/** How many teams the user belongs to. */
export function teamCountOf(db: WithTeams, userId: string): number {
  return Object.values(teamTables(db).members).filter((m) => m[userId]).length;
}

/** A new team's name (1–80 characters once trimmed) and kind, or the 400 listing both faults. */
function checkNewTeam(body: { name?: unknown; kind?: unknown } | undefined, instance: string) {
  const errors: { path: string; message: string }[] = [];
  const kind = body?.kind;
  if (kind !== "team" && kind !== "class")
    errors.push({ path: "kind", message: "must be one of team, class" });
  const name = typeof body?.name === "string" ? body.name.trim() : "";
  if (name.length < 1 || name.length > 80)
    errors.push({ path: "name", message: "must be 1 to 80 characters" });
  if (errors.length > 0) throw validationProblem(errors, instance);
  return { name, kind: kind as TeamKind };
}

/** The routes of functions/teams in the stub. */
export function stubTeams(world: StubWorld): Pick<TeamBackend, TeamCalls> {
  const viewer = (db: WithTeams, instance: string): StubUser => world.viewer(db, instance);
  return {
    async listTeams() {
      const db: WithTeams = await world.read();
      const user = viewer(db, "/api/teams");
      const tables = teamTables(db);
      // Newest first. The server's clock has microseconds; two teams made in one of the stub's
      // milliseconds keep the order they were made in (the tables keep insertion order).
      return Object.values(tables.teams)
        .flatMap((team, made) => {
          const role = tables.members[team.id]?.[user.id]?.role;
          return role ? [{ made, dto: toTeamDto(db, team, role) }] : [];
        })
        .sort((a, b) =>
          a.dto.createdAt === b.dto.createdAt ? b.made - a.made : a.dto.createdAt < b.dto.createdAt ? 1 : -1,
        )
        .map(({ dto }) => dto);
    },
    createTeam(body) {
      const instance = "/api/teams";
      return world.tx((db: WithTeams) => {
        const user = viewer(db, instance);
        const { name, kind } = checkNewTeam(body, instance);
        if (teamCountOf(db, user.id) >= MAX_TEAMS_PER_USER)
          throw fromApiError(
            teamProblems.teamLimit(`An account belongs to at most ${MAX_TEAMS_PER_USER} teams.`),
            instance,
          );
        const now = new Date().toISOString();
        const team: StubTeam = {
          id: randomId(),
          name,
          kind,
          createdBy: user.id,
          patternSeq: 0,
          createdAt: now,
          updatedAt: now,
        };
        teamTables(db).teams[team.id] = team;
        addMember(db, team.id, user.id, "owner");
        return toTeamDto(db, team, "owner");
      });
    },
    async getTeam(id) {
      const instance = `/api/teams/${id}`;
      const db: WithTeams = await world.read();
      const { team, role } = memberTeam(db, id, viewer(db, instance), instance);
      return toTeamDto(db, team, role);
    },
    renameTeam(id, name) {
      const instance = `/api/teams/${id}`;
      return world.tx((db: WithTeams) => {
        const { team, role } = managedTeam(db, id, viewer(db, instance), instance);
        team.name = checkName(name, instance);
        team.updatedAt = new Date().toISOString();
        return toTeamDto(db, team, role);
      });
    },
    async deleteTeam(id) {
      const instance = `/api/teams/${id}`;
      await world.tx((db: WithTeams) => {
        const { role } = memberTeam(db, id, viewer(db, instance), instance);
        if (role !== "owner") throw roleRequired("owner", instance);
        deleteTeamRows(db, id);
      });
    },
    async listTeamMembers(id, query) {
      const instance = `/api/teams/${id}/members`;
      const db: WithTeams = await world.read();
      const { role } = memberTeam(db, id, viewer(db, instance), instance);
      const found = page(membersOf(db, id), ([userId, m]) => `${m.joinedAt}|${userId}`, query, instance);
      return {
        members: found.items.map(([userId]) => toMemberDto(db, id, userId, isManager(role))),
        nextCursor: found.nextCursor,
      };
    },
    setTeamMemberRole(id, userId, role) {
      const instance = `/api/teams/${id}/members/${userId}`;
      return world.tx((db: WithTeams) => {
        const { team, role: mine } = managedTeam(db, id, viewer(db, instance), instance);
        const next = checkRole(team.kind, role, instance);
        const target = targetMember(db, id, userId, instance);
        if ((target.role === "owner" || next === "owner") && mine !== "owner")
          throw roleRequired("owner", instance);
        if (target.role === "owner" && next !== "owner" && ownerCount(db, id) <= 1) throw lastOwner(instance);
        target.role = next;
        return toMemberDto(db, id, userId, true);
      });
    },
    async removeTeamMember(id, userId) {
      const instance = `/api/teams/${id}/members/${userId}`;
      await world.tx((db: WithTeams) => {
        const user = viewer(db, instance);
        if (userId === "me" || userId === user.id) {
          const { team } = memberTeam(db, id, user, instance);
          dropMember(db, team, user.id, instance);
          return;
        }
        const { team, role: mine } = managedTeam(db, id, user, instance);
        const target = targetMember(db, id, userId, instance);
        if (target.role === "owner" && mine !== "owner") throw roleRequired("owner", instance);
        dropMember(db, team, userId, instance);
      });
    },
    transferTeam(id, userId) {
      const instance = `/api/teams/${id}/transfer`;
      return world.tx((db: WithTeams) => {
        const user = viewer(db, instance);
        const { team, role } = memberTeam(db, id, user, instance);
        if (role !== "owner") throw roleRequired("owner", instance);
        const target = targetMember(db, id, userId, instance);
        if (userId === user.id) return toTeamDto(db, team, role);
        target.role = "owner";
        const mine = teamTables(db).members[id]?.[user.id];
        const stepDown: TeamRole = team.kind === "class" ? "teacher" : "admin";
        if (mine) mine.role = stepDown;
        return toTeamDto(db, team, stepDown);
      });
    },
  };
}
