import { requireAuth } from "../../shared/middleware/auth";
import { problemContent } from "../../shared/openapi";

/** What every route of the group shares: a signed-in session, and the 404 of a non-member. */
export const signedIn = { security: [{ bearer: [] }], middleware: requireAuth(), tags: ["Teams"] };
export const notMember = { 404: problemContent("No such team, or you are not a member") };
