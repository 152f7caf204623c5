import { defineProblems } from "../errors";

/** Problems of passkeys (registration, sign-in, management), one list for the passkey routes. */
export const passkeyProblems = defineProblems(
  {
    invalidRegistration: { status: 400, title: "The passkey registration does not check out" },
    challengeExpired: { status: 400, title: "The passkey challenge is unknown, used or expired" },
    alreadyRegistered: { status: 409, title: "This passkey is already registered" },
    tooMany: { status: 409, title: "This account has as many passkeys as it may have" },
    signinFailed: { status: 401, title: "The passkey sign-in failed" },
    notFound: { status: 404, title: "No such passkey" },
    lastFactor: { status: 403, title: "Removing the last second factor needs a fresh one" },
  },
  {
    invalidRegistration: "passkey-invalid-registration",
    challengeExpired: "passkey-challenge-expired",
    alreadyRegistered: "passkey-already-registered",
    tooMany: "passkey-limit",
    signinFailed: "passkey-signin-failed",
    notFound: "passkey-not-found",
    lastFactor: "mfa-fresh-factor-required",
  },
);
