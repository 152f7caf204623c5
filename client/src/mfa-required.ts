/**
 * A sign-in that needs a second factor. The API answers 200 `{mfaRequired, challenge, expiresIn,
 * factors}` instead of a session; the SDK turns it into a rejection, so `auth.signIn` keeps
 * resolving a signed-in user or failing (what the drop-in serviceFactory's `signIn` promises).
 */
import { mfaProblems } from "../../shared/auth/mfa-problems";
import { BacklineError, fromApiError, PROBLEM_BASE } from "./errors";
import type { MfaRequiredProblem, SecondFactor } from "./mfa-types";

/** The `type` of the BacklineError `auth.signIn` rejects with when a second factor is needed. */
export const MFA_REQUIRED = `${PROBLEM_BASE}mfa-required`;

/** What an API before passkeys answers without `factors`: its challenge takes codes only. */
const CODE_FACTORS: SecondFactor[] = ["totp", "recovery_code"];

/**
 * The sign-in answer that asks for a second factor, as the BacklineError the SDK rejects with: the
 * API's own `mfa-required` problem (shared/auth/mfa-problems.ts, what a Google/GitHub callback
 * redirects with) carrying the challenge.
 */
export function mfaRequiredError(
  answer: { challenge: string; expiresIn: number; factors?: SecondFactor[] },
  instance: string,
): BacklineError {
  const factors = answer.factors ?? CODE_FACTORS;
  return fromApiError(
    mfaProblems.mfaRequired({
      detail: factors.includes("passkey")
        ? "Enter a code of your authenticator app or a recovery code, or use a passkey."
        : "Enter a code of your authenticator app or a recovery code.",
      extensions: { challenge: answer.challenge, expiresIn: answer.expiresIn, factors },
    }),
    instance,
  );
}

/** Whether `error` is the rejection of a sign-in that needs a second factor (its `problem` has the challenge). */
export function isMfaRequired(error: unknown): error is BacklineError & { problem: MfaRequiredProblem } {
  return error instanceof BacklineError && error.type === MFA_REQUIRED;
}
