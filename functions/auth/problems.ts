import { defineProblems } from "../../shared/errors";

/** Problems of the auth group. */
export const authErrors = defineProblems({
  invalidCredentials: { status: 401, title: "Email or password is incorrect" },
  invalidRefreshToken: { status: 401, title: "Refresh token is invalid or expired" },
  accountDisabled: { status: 403, title: "This account is disabled" },
  emailTaken: { status: 409, title: "An account with this email already exists" },
  originNotAllowed: { status: 403, title: "Origin not allowed" },
});
