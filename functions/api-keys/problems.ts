import { defineProblems } from "../../shared/errors";

/** Problems of the API key routes (imports nothing heavy: the SDK's stub raises them too) (authenticating with a key: shared/auth/api-key-auth.ts). */
export const apiKeyRouteProblems = defineProblems({
  tooManyKeys: { status: 409, title: "You hold as many live API keys as an account may" },
  scopeNotAllowed: { status: 403, title: "A scope is above your own rights" },
  tooManyTeamKeys: { status: 409, title: "The team holds as many live API keys as a team may" },
  // The teams contract's answers for /api/teams/:id (the same types as the teams routes').
  teamNotFound: { status: 404, title: "No such team" },
  teamRoleRequired: { status: 403, title: "Your role in the team does not allow this" },
});
