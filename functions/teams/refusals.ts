import { TEAM_MANAGER_ROLES, TEAM_ROLES_BY_KIND, type TeamKind, type TeamRole } from "../../db/enums";
import type { AcceptRefusal, InvitationRefusal } from "../../db/queries/team-invitations";
import type { Decided } from "../../db/queries/teams";
import { type ApiError, validationError } from "../../shared/errors";
import { teamProblems } from "./problems";

/** "owner or admin": the roles of `kind` that run it (every manager role when the kind is unknown). */
function managerRolesOf(kind: TeamKind | null): string {
  const roles = kind
    ? TEAM_MANAGER_ROLES.filter((role) => (TEAM_ROLES_BY_KIND[kind] as readonly TeamRole[]).includes(role))
    : TEAM_MANAGER_ROLES;
  return `${roles.slice(0, -1).join(", ")} or ${roles[roles.length - 1]}`;
}

/** The problem a refused team or invitation action answers with. */
export function refusalProblem(refusal: InvitationRefusal | AcceptRefusal, kind: TeamKind | null): ApiError {
  switch (refusal) {
    case "team-not-found":
      return teamProblems.teamNotFound("No team of yours has this id.");
    case "manager-required":
      return teamProblems.teamRoleRequired(`This needs the ${managerRolesOf(kind)} role in the team.`);
    case "owner-required":
      return teamProblems.teamRoleRequired(
        "This needs the owner role in the team: only owners grant, change or take ownership.",
      );
    case "member-not-found":
      return teamProblems.memberNotFound("No member of this team has this user id.");
    case "last-owner":
      return teamProblems.lastOwner(
        "This would leave the team without an owner: make another member an owner first.",
      );
    case "role-not-of-kind":
      return validationError([
        {
          path: "role",
          message: `is not a role of a ${kind ?? "team"} (${kind ? TEAM_ROLES_BY_KIND[kind].join(", ") : ""})`,
        },
      ]);
    case "transfer-to-self":
      return validationError([{ path: "userId", message: "is yours: name another member" }]);
    case "already-member":
      return teamProblems.alreadyMember("A member of this team already uses this address.");
    case "invitation-pending":
      return teamProblems.invitationPending("Resend the pending invitation instead.");
    case "invitation-not-found":
      return teamProblems.invitationNotFound();
    case "team-limit":
      return teamProblems.teamLimit("Leave a team you no longer use first.");
    case "invitation-invalid":
      return teamProblems.invitationInvalid("The link is unknown, used, revoked or expired.");
    case "wrong-email":
      return teamProblems.invitationWrongEmail("Sign in with the address the invitation was sent to.");
  }
}

/** The value of a decided action, or the problem of its refusal thrown. */
export function orRefuse<T>(decision: Decided<T, InvitationRefusal | AcceptRefusal>): T {
  if (decision.ok) return decision.value;
  throw refusalProblem(decision.refusal, decision.kind);
}
