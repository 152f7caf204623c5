import { defineProblems } from "../errors";

/**
 * Problems of signing in through a provider and of linking one. The callback never answers with
 * them: it sends the browser back to the app with the problem's `type` in the `error` query parameter, where the SDK
 * turns it into a BacklineError.
 */
export const oauthProblems = defineProblems(
  {
    providerNotOffered: { status: 404, title: "This sign-in provider is not offered" },
    denied: { status: 403, title: "Sign-in was cancelled at the provider" },
    flowExpired: { status: 400, title: "The sign-in took too long or was started elsewhere; start again" },
    stateMismatch: { status: 400, title: "The sign-in response does not belong to this browser" },
    codeRejected: { status: 400, title: "The provider refused the sign-in code" },
    invalidIdToken: { status: 502, title: "The provider's identity token did not verify" },
    noEmail: { status: 400, title: "The provider gave no email address for this account" },
    accountExists: {
      status: 409,
      title:
        "An account with this email exists; sign in with its password to link this provider (both addresses must be verified)",
    },
    providerUnavailable: { status: 503, title: "The sign-in provider is unavailable; try again shortly" },
    identityTaken: {
      status: 409,
      title: "This provider account already signs in to another account; unlink it there first",
    },
    providerLinked: {
      status: 409,
      title: "An account of this provider is already linked; unlink it before linking another",
    },
    linkExpired: { status: 401, title: "The session that started linking has ended; sign in and try again" },
    lastSignInMethod: {
      status: 409,
      title: "This is the account's only way to sign in; set a password or link another provider first",
    },
  },
  {
    providerNotOffered: "oauth-provider-not-offered",
    denied: "oauth-denied",
    flowExpired: "oauth-flow-expired",
    stateMismatch: "oauth-state-mismatch",
    codeRejected: "oauth-code-rejected",
    invalidIdToken: "oauth-invalid-id-token",
    noEmail: "oauth-no-email",
    accountExists: "oauth-account-exists",
    providerUnavailable: "oauth-provider-unavailable",
    identityTaken: "oauth-identity-taken",
    providerLinked: "oauth-provider-linked",
    linkExpired: "oauth-link-expired",
    lastSignInMethod: "last-sign-in-method",
  },
);
