import { defineProblems } from "../../shared/errors";

/** Problems of the account endpoints that the shared auth list does not have. */
export const meProblems = defineProblems({
  recentSignInRequired: {
    status: 403,
    title: "Sign in again to do this: an account without a password proves who it is by a recent sign-in",
  },
});
