/** The second-factor and passkey calls of the real API. */
import type { MfaBackend, PasskeyBackend } from "../backend-mfa";
import { BacklineError } from "../errors";
import { mfaRequiredError } from "../mfa-required";
import type { CreationOptionsJSON, RequestOptionsJSON, SecondFactor } from "../mfa-types";
import type { User } from "../types";
import type { Transport } from "./transport";

type Session = { accessToken: string; expiresIn: number; user: User };

/** What sign-in, the challenge and passkey sign-in answer with: a session, or (sign-in) a challenge. */
type SignInAnswer =
  | Session
  | { mfaRequired: true; challenge: string; expiresIn: number; factors?: SecondFactor[] };

/** A session from a sign-in answer, or the `…/mfa-required` rejection when it asks for a second factor. */
export function sessionOf(
  answer: SignInAnswer,
  instance: string,
  startSession: (body: Session) => User,
): User {
  if ("mfaRequired" in answer) throw mfaRequiredError(answer, instance);
  return startSession(answer);
}

export function httpMfa(api: Transport, startSession: (body: Session) => User): MfaBackend & PasskeyBackend {
  return {
    mfaStatus: () => api.call("get", "/api/auth/mfa"),
    startTotp: (password) => api.call("post", "/api/auth/mfa/totp", { body: { password } }),
    verifyTotp: (code) => api.call("post", "/api/auth/mfa/totp/verify", { body: { code } }),
    async disableTotp(code) {
      await api.call("post", "/api/auth/mfa/totp/disable", { body: { code } });
    },
    regenerateRecoveryCodes: (code) => api.call("post", "/api/auth/mfa/recovery-codes", { body: { code } }),
    async pendingChallenge() {
      try {
        return await api.call("post", "/api/auth/mfa/pending", { auth: false });
      } catch (error) {
        if (error instanceof BacklineError && error.status === 404) return null;
        throw error;
      }
    },
    challengeOptions: async (challenge) =>
      (await api.call("post", "/api/auth/mfa/challenge/options", {
        body: { challenge },
        auth: false,
      })) as RequestOptionsJSON,
    async completeChallenge(body) {
      const instance = "/api/auth/mfa/challenge";
      const answer = await api.call("post", instance, { body, auth: false });
      return sessionOf(answer, instance, startSession);
    },

    passkeyCreationOptions: async (password) =>
      (await api.call("post", "/api/auth/passkeys/options", { body: { password } })) as CreationOptionsJSON,
    registerPasskey: (body) => api.call("post", "/api/auth/passkeys", { body }),
    listPasskeys: async () => (await api.call("get", "/api/auth/passkeys")).passkeys,
    renamePasskey: (id, name) =>
      api.call("patch", "/api/auth/passkeys/{id}", { params: { id }, body: { name } }),
    async deletePasskey(id) {
      await api.call("delete", "/api/auth/passkeys/{id}", { params: { id } });
    },
    passkeySignInOptions: async () =>
      (await api.call("post", "/api/auth/passkeys/signin/options", { auth: false })) as RequestOptionsJSON,
    async signInWithPasskey(response) {
      const instance = "/api/auth/passkeys/signin";
      const answer = await api.call("post", instance, { body: { response }, auth: false });
      return sessionOf(answer, instance, startSession);
    },
  };
}
