/**
 * The second-factor and passkey calls of the real API. The passkey routes are called through
 * `send` with the shapes of backend-mfa.ts: the generated api.d.ts gains them when the passkey
 * routes are merged (`npm run client:types`).
 */
import type { MfaBackend, PasskeyBackend } from "../backend-mfa";
import { mfaRequiredError } from "../mfa-required";
import type {
  AuthenticationResponseJSON,
  CreationOptionsJSON,
  Passkey,
  RequestOptionsJSON,
  SecondFactor,
} from "../mfa-types";
import type { User } from "../types";
import type { Transport } from "./transport";

/** What sign-in, the challenge and passkey sign-in answer with: a session, or (sign-in) a challenge. */
type SignInAnswer =
  | { accessToken: string; expiresIn: number; user: User }
  | { mfaRequired: true; challenge: string; expiresIn: number; factors?: SecondFactor[] };

/** A session from a sign-in answer, or the `…/mfa-required` rejection when it asks for a second factor. */
export function sessionOf(
  answer: SignInAnswer,
  instance: string,
  startSession: (body: { accessToken: string; expiresIn: number; user: User }) => User,
): User {
  if ("mfaRequired" in answer) throw mfaRequiredError(answer, instance);
  return startSession(answer);
}

export function httpMfa(
  api: Transport,
  startSession: (body: { accessToken: string; expiresIn: number; user: User }) => User,
): MfaBackend & PasskeyBackend {
  const post = <T>(path: string, body?: unknown, auth = true) =>
    api.send("post", path, { body, auth }) as Promise<T>;

  return {
    startTotp: (password) => api.call("post", "/api/auth/mfa/totp", { body: { password } }),
    verifyTotp: (code) => api.call("post", "/api/auth/mfa/totp/verify", { body: { code } }),
    async disableTotp(code) {
      await api.call("post", "/api/auth/mfa/totp/disable", { body: { code } });
    },
    regenerateRecoveryCodes: (code) => api.call("post", "/api/auth/mfa/recovery-codes", { body: { code } }),
    challengeOptions: (challenge) =>
      post<RequestOptionsJSON>("/api/auth/mfa/challenge/options", { challenge }, false),
    async completeChallenge(body) {
      const instance = "/api/auth/mfa/challenge";
      return sessionOf(await post<SignInAnswer>(instance, body, false), instance, startSession);
    },

    passkeyCreationOptions: () => post<CreationOptionsJSON>("/api/auth/passkeys/options"),
    registerPasskey: (body) => post<Passkey>("/api/auth/passkeys", body),
    listPasskeys: async () =>
      ((await api.send("get", "/api/auth/passkeys")) as { passkeys: Passkey[] }).passkeys,
    renamePasskey: (id, name) =>
      api.send("patch", "/api/auth/passkeys/{id}", { params: { id }, body: { name } }) as Promise<Passkey>,
    async deletePasskey(id) {
      await api.send("delete", "/api/auth/passkeys/{id}", { params: { id } });
    },
    passkeySignInOptions: () =>
      post<RequestOptionsJSON>("/api/auth/passkeys/signin/options", undefined, false),
    async signInWithPasskey(response: AuthenticationResponseJSON) {
      const instance = "/api/auth/passkeys/signin";
      return sessionOf(await post<SignInAnswer>(instance, { response }, false), instance, startSession);
    },
  };
}
