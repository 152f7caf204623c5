/**
 * Stub invitations (functions/teams invitations, functions/invitations): invite by email with a
 * role, resend (a new link, the old one dead, a new expiry), revoke, preview and accept. The
 * link's token is minted at each send and only its SHA-256 kept; accepting is single use,
 * checks the signed-in address, and proves it (the email counts as verified).
 */
import { fromApiError, randomId, validationProblem } from "../errors";
import type { InvitationPreview, TeamBackend, TeamInvitation, TeamKind, TeamRole } from "../teams-types";
import { newEmailToken, sha256Hex } from "./mail";
import { addMember, MAX_TEAMS_PER_USER, teamCountOf } from "./teams";
import {
  checkRole,
  managedTeam,
  membersOf,
  roleOf,
  roleRequired,
  type StubInvitation,
  teamProblems,
  teamTables,
  toTeamDto,
  type WithTeams,
} from "./teams-store";
import type { StubWorld } from "./world";

/** As the server: an invitation link works for 7 days from its (last) send. */
const INVITATION_TTL_MS = 7 * 24 * 3600_000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** owner 0, admin/teacher 1, member/student 2: nobody invites above their own rank. */
const rank = (role: TeamRole) => (role === "owner" ? 0 : role === "admin" || role === "teacher" ? 1 : 2);

const isPending = (i: StubInvitation) => i.acceptedAt === null && i.revokedAt === null;

function toInvitationDto(db: WithTeams, i: StubInvitation): TeamInvitation {
  return {
    id: i.id,
    email: i.email,
    role: i.role,
    invitedBy: { userId: i.invitedBy ?? "", displayName: db.users[i.invitedBy ?? ""]?.displayName ?? "" },
    createdAt: i.createdAt,
    expiresAt: i.expiresAt,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** "Sends" the invitation (template `team-invitation`, shared/email/templates.ts on the server). */
function sendInvitation(
  db: WithTeams,
  world: StubWorld,
  invitation: StubInvitation,
  token: string,
  inviter: string,
  team: { name: string; kind: TeamKind },
): void {
  const url = new URL("join", `${world.appUrl}/`);
  url.searchParams.set("token", token);
  const link = url.toString();
  const lines = [
    `${inviter} invited you to join the ${team.kind} “${team.name}” on Music Producer Lab as ${invitation.role}.`,
    "Open the link to accept (sign up first with this address if you have no account). It works for 7 days.",
  ];
  db.outbox.unshift({
    id: randomId(),
    to: invitation.email,
    template: "team-invitation",
    subject: `${inviter} invited you to join ${team.name}`,
    text: [...lines, link].join("\n\n"),
    html: `<!doctype html><html><body>${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join("")}<p><a href="${escapeHtml(link)}">Join ${escapeHtml(team.name)}</a></p></body></html>`,
    sentAt: new Date().toISOString(),
  });
  if (db.outbox.length > 200) db.outbox.length = 200;
}

/** A pending invitation of the team, or the 404. */
function pendingOf(db: WithTeams, teamId: string, invitationId: string, instance: string): StubInvitation {
  const invitation = teamTables(db).invitations[invitationId];
  if (!invitation || invitation.teamId !== teamId || !isPending(invitation))
    throw fromApiError(teamProblems.invitationNotFound(), instance);
  return invitation;
}

/** The live invitation a token opens, or the one 404 for every other case (unknown, used, revoked, expired). */
async function invitationOfToken(db: WithTeams, token: unknown, instance: string): Promise<StubInvitation> {
  const hash = typeof token === "string" && token.length > 0 ? await sha256Hex(token) : "";
  const invitation = Object.values(teamTables(db).invitations).find((i) => i.tokenHash === hash);
  if (!invitation || !isPending(invitation) || Date.parse(invitation.expiresAt) <= Date.now())
    throw fromApiError(
      teamProblems.invitationInvalid("This invitation link is invalid, was used, revoked or has expired."),
      instance,
    );
  return invitation;
}

type InvitationCalls =
  | "inviteToTeam"
  | "listTeamInvitations"
  | "revokeTeamInvitation"
  | "resendTeamInvitation"
  | "previewInvitation"
  | "acceptInvitation";

export function stubInvitations(world: StubWorld): Pick<TeamBackend, InvitationCalls> {
  return {
    async inviteToTeam(id, body) {
      const instance = `/api/teams/${id}/invitations`;
      const minted = await newEmailToken();
      return world.tx((db: WithTeams) => {
        const inviter = world.viewer(db, instance);
        const { team, role: mine } = managedTeam(db, id, inviter, instance);
        const email = typeof body?.email === "string" ? body.email.trim().toLowerCase() : "";
        if (!EMAIL.test(email) || email.length > 254)
          throw validationProblem([{ path: "email", message: "must be a valid email address" }], instance);
        const role = checkRole(team.kind, body?.role, instance);
        if (rank(role) < rank(mine)) throw roleRequired("owner", instance);
        if (membersOf(db, id).some(([userId]) => db.users[userId]?.email === email))
          throw fromApiError(
            teamProblems.alreadyMember("This address belongs to a member already."),
            instance,
          );
        const tables = teamTables(db);
        if (
          Object.values(tables.invitations).some((i) => i.teamId === id && i.email === email && isPending(i))
        )
          throw fromApiError(
            teamProblems.invitationPending("An invitation to this address is pending: resend it instead."),
            instance,
          );
        const now = Date.now();
        const invitation: StubInvitation = {
          id: randomId(),
          teamId: id,
          email,
          role,
          tokenHash: minted.hash,
          invitedBy: inviter.id,
          createdAt: new Date(now).toISOString(),
          expiresAt: new Date(now + INVITATION_TTL_MS).toISOString(),
          acceptedAt: null,
          acceptedBy: null,
          revokedAt: null,
        };
        tables.invitations[invitation.id] = invitation;
        sendInvitation(db, world, invitation, minted.token, inviter.displayName, team);
        return toInvitationDto(db, invitation);
      });
    },
    async listTeamInvitations(id) {
      const instance = `/api/teams/${id}/invitations`;
      const db: WithTeams = await world.read();
      managedTeam(db, id, world.viewer(db, instance), instance);
      return Object.values(teamTables(db).invitations)
        .filter((i) => i.teamId === id && isPending(i))
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
        .map((i) => toInvitationDto(db, i));
    },
    async revokeTeamInvitation(id, invitationId) {
      const instance = `/api/teams/${id}/invitations/${invitationId}`;
      await world.tx((db: WithTeams) => {
        managedTeam(db, id, world.viewer(db, instance), instance);
        pendingOf(db, id, invitationId, instance).revokedAt = new Date().toISOString();
      });
    },
    async resendTeamInvitation(id, invitationId) {
      const instance = `/api/teams/${id}/invitations/${invitationId}/resend`;
      const minted = await newEmailToken();
      await world.tx((db: WithTeams) => {
        const user = world.viewer(db, instance);
        const { team } = managedTeam(db, id, user, instance);
        const invitation = pendingOf(db, id, invitationId, instance);
        invitation.tokenHash = minted.hash;
        invitation.expiresAt = new Date(Date.now() + INVITATION_TTL_MS).toISOString();
        sendInvitation(db, world, invitation, minted.token, user.displayName, team);
      });
    },
    async previewInvitation(token): Promise<InvitationPreview> {
      const db: WithTeams = await world.read();
      const invitation = await invitationOfToken(db, token, "/api/invitations/preview");
      const team = teamTables(db).teams[invitation.teamId];
      return {
        teamName: team?.name ?? "",
        kind: team?.kind ?? "team",
        role: invitation.role,
        email: invitation.email,
        invitedBy: db.users[invitation.invitedBy ?? ""]?.displayName ?? "",
        expiresAt: invitation.expiresAt,
      };
    },
    async acceptInvitation(token) {
      const instance = "/api/invitations/accept";
      return world.tx(async (db: WithTeams) => {
        const user = world.viewer(db, instance);
        const invitation = await invitationOfToken(db, token, instance);
        if (invitation.email !== user.email)
          throw fromApiError(
            teamProblems.invitationWrongEmail(
              "This invitation is for another email address: sign in with the address it was sent to.",
            ),
            instance,
          );
        const teamId = invitation.teamId;
        const team = teamTables(db).teams[teamId];
        if (!team) throw fromApiError(teamProblems.invitationInvalid(), instance);
        if (roleOf(db, teamId, user.id))
          throw fromApiError(teamProblems.alreadyMember("You are a member of this team already."), instance);
        if (teamCountOf(db, user.id) >= MAX_TEAMS_PER_USER)
          throw fromApiError(
            teamProblems.teamLimit(`An account belongs to at most ${MAX_TEAMS_PER_USER} teams.`),
            instance,
          );
        const now = new Date().toISOString();
        Object.assign(invitation, { acceptedAt: now, acceptedBy: user.id, tokenHash: null });
        addMember(db, teamId, user.id, invitation.role);
        user.emailVerifiedAt ??= now;
        return { team: toTeamDto(db, team, invitation.role) };
      });
    },
  };
}
