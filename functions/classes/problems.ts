import { defineProblems } from "../../shared/errors";

/**
 * Problems of the class routes. The slugs are the teams contract's (the teams group raises the
 * same kinds for its own routes): a client tells them apart by `type` whichever route answered.
 */
export const classProblems = defineProblems({
  /** An unknown team and a team the caller is not in get the same answer. */
  teamNotFound: { status: 404, title: "No such team" },
  teamRoleRequired: { status: 403, title: "Your role in this team does not allow this" },
  notAClass: { status: 409, title: "This team is not a class" },
});
