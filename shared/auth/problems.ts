import { defineProblems, problems } from "../errors";

/**
 * Problems of accounts and tokens, one list for the auth group, the account endpoints (me) and
 * the auth middleware.
 */
export const authProblems = {
  ...defineProblems({
    invalidCredentials: { status: 401, title: "Email or password is incorrect" },
    invalidRefreshToken: { status: 401, title: "Refresh token is invalid or expired" },
    accountDisabled: { status: 403, title: "This account is disabled" },
    emailTaken: { status: 409, title: "An account with this email already exists" },
    originNotAllowed: { status: 403, title: "Origin not allowed" },
    recentSignInRequired: {
      status: 403,
      title: "Sign in again to do this: an account without a password proves who it is by a recent sign-in",
    },
  }),
  /** The access token is missing, invalid, expired or of a revoked session: one shape, so nothing is learned from it. */
  invalidAccessToken: () =>
    problems.unauthorized({
      detail: "The access token is missing, invalid or expired. Refresh it or sign in again.",
      headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' },
    }),
  /** The token of an emailed link (verification, password reset) is unknown, used or expired. */
  invalidEmailedToken: () =>
    problems.validation({
      detail: "This link is invalid, was already used or has expired.",
      extensions: { errors: [{ path: "token", message: "is invalid, used or expired" }] },
    }),
};
