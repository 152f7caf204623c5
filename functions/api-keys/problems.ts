import { defineProblems } from "../../shared/errors";
import { teamAccessProblems } from "../../shared/teams/problems";

/** Problems of the API key routes (imports nothing heavy: the SDK's stub raises them too) (authenticating with a key: shared/auth/api-key-auth.ts). */
export const apiKeyRouteProblems = {
  ...teamAccessProblems,
  ...defineProblems({
    tooManyKeys: { status: 409, title: "You hold as many live API keys as an account may" },
    scopeNotAllowed: { status: 403, title: "A scope is above your own rights" },
    tooManyTeamKeys: { status: 409, title: "The team holds as many live API keys as a team may" },
  }),
};
