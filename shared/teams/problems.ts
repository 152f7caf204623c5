import { defineProblems } from "../errors";

/**
 * What every route acting on a team answers when the caller may not (teams, classes, team
 * patterns and their share links, team API keys): one type and title each, whichever group
 * answered, so a client tells them apart by `type` alone. A non-member gets the answer an
 * unknown id gets.
 */
export const teamAccessProblems = defineProblems({
  teamNotFound: { status: 404, title: "No such team" },
  teamRoleRequired: { status: 403, title: "Your role in this team does not allow this" },
});
