/** Second factors over either backend: the authenticator app, recovery codes and the sign-in challenge. */
import type { Backend } from "../backend";
import { mfaRequiredError } from "../mfa-required";
import type { CompleteSignInInput, MfaRequiredProblem, MfaService } from "../mfa-types";
import type { User } from "../types";
import { requireWebauthn, usePasskey } from "../webauthn";

export function createMfa(backend: Backend): MfaService {
  return {
    status: () => backend.mfaStatus(),
    enrollTotp: (password) => backend.startTotp(password),
    verifyTotp: async (code) => (await backend.verifyTotp(code)).recoveryCodes,
    disableTotp: (code) => backend.disableTotp(code),
    regenerateRecoveryCodes: async (code) => (await backend.regenerateRecoveryCodes(code)).recoveryCodes,
  };
}

/**
 * The second step of a sign-in: the code goes with the challenge, or a passkey signs the
 * assertion options the API issues for this challenge. Resolves the user whose session started.
 */
export async function completeChallenge(backend: Backend, input: CompleteSignInInput): Promise<User> {
  if ("passkey" in input && input.passkey === true) {
    requireWebauthn();
    const options = await backend.challengeOptions(input.challenge);
    return backend.completeChallenge({ challenge: input.challenge, passkey: await usePasskey(options) });
  }
  const { challenge, code } = input as { challenge: string; code: string };
  return backend.completeChallenge({ challenge, code });
}

/** The sign-in a Google or GitHub redirect left waiting for a second factor (`?error=mfa-required`), or null. */
export async function pendingSignIn(backend: Backend): Promise<MfaRequiredProblem | null> {
  const pending = await backend.pendingChallenge();
  return pending && (mfaRequiredError(pending, "/api/auth/mfa/pending").problem as MfaRequiredProblem);
}
