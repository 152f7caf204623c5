import { defineProblems } from "../errors";

/** Problems of second factors (TOTP, recovery codes, passkeys), one list for the auth group's mfa routes. */
export const mfaProblems = defineProblems(
  {
    invalidChallenge: { status: 401, title: "The sign-in challenge is invalid, used or expired" },
    invalidCode: { status: 401, title: "The code is wrong or was already used" },
    invalidPasskey: { status: 401, title: "The passkey did not confirm the sign-in" },
    noPasskey: { status: 409, title: "This account has no passkey" },
    noPendingSignin: { status: 404, title: "No sign-in is waiting for a second factor" },
    mfaRequired: { status: 401, title: "A second factor is needed to finish signing in" },
    totpAlreadyEnabled: { status: 409, title: "An authenticator app is already set up" },
    totpNotEnrolled: { status: 409, title: "No authenticator app is being set up" },
    totpNotEnabled: { status: 409, title: "No authenticator app is set up" },
  },
  {
    invalidChallenge: "mfa-invalid-challenge",
    invalidCode: "mfa-invalid-code",
    invalidPasskey: "mfa-invalid-passkey",
    noPasskey: "mfa-no-passkey",
    noPendingSignin: "mfa-no-pending-signin",
    mfaRequired: "mfa-required",
  },
);
