import { defineProblems } from "../../shared/errors";

/** Problems of the account endpoints that the shared auth list does not have. */
export const meProblems = defineProblems({
  soleTeamOwner: {
    status: 409,
    title:
      "You are the only owner of a team others belong to: make someone else an owner, or delete the team, first",
  },
});
