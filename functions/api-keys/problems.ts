import { MAX_LIVE_API_KEYS } from "../../db/queries/api-keys";
import { defineProblems } from "../../shared/errors";

/** Problems of the API key routes (authenticating with a key: shared/auth/api-key-auth.ts). */
export const apiKeyRouteProblems = defineProblems({
  tooManyKeys: { status: 409, title: `At most ${MAX_LIVE_API_KEYS} live API keys per account` },
  scopeNotAllowed: { status: 403, title: "A scope is above your own rights" },
});
