import { defineProblems } from "../../shared/errors";
import { teamAccessProblems } from "../../shared/teams/problems";

/** Problems of the teams and invitations routes (imports nothing heavy: the SDK's stub may raise them too). */
export const teamProblems = {
  ...teamAccessProblems,
  ...defineProblems({
    lastOwner: { status: 409, title: "A team keeps at least one owner" },
    teamLimit: { status: 409, title: "You belong to as many teams as an account may" },
    memberNotFound: { status: 404, title: "No such member of this team" },
    alreadyMember: { status: 409, title: "This address already belongs to a member" },
    invitationPending: { status: 409, title: "This address already has a pending invitation" },
    invitationNotFound: { status: 404, title: "No pending invitation of this team has this id" },
    /** Unknown, used, revoked and expired links alike. */
    invitationInvalid: { status: 404, title: "This invitation link is not valid" },
    invitationWrongEmail: { status: 403, title: "This invitation is for another email address" },
  }),
};
