/**
 * The second-factor calls of the `Backend` interface, in the API's own shapes: TOTP and recovery
 * codes (functions/auth/mfa.ts), the sign-in challenge, and passkeys (the WebAuthn options and
 * responses travel as JSON; the browser ceremony between them is the services' job).
 */
import type {
  AuthenticationResponseJSON,
  CreationOptionsJSON,
  MfaStatus,
  Passkey,
  RegistrationResponseJSON,
  RequestOptionsJSON,
  SecondFactor,
  TotpEnrolment,
} from "./mfa-types";
import type { User } from "./types";

/** The second step of a sign-in as POST /api/auth/mfa/challenge takes it. */
export type ChallengeAnswer =
  | { challenge: string; code: string }
  | { challenge: string; passkey: AuthenticationResponseJSON };

export interface MfaBackend {
  /** GET /api/auth/mfa. */
  mfaStatus(): Promise<MfaStatus>;
  /** POST /api/auth/mfa/totp. */
  startTotp(password?: string): Promise<TotpEnrolment>;
  /** POST /api/auth/mfa/totp/verify. */
  verifyTotp(code: string): Promise<{ recoveryCodes: string[] }>;
  /** POST /api/auth/mfa/totp/disable. */
  disableTotp(code: string): Promise<void>;
  /** POST /api/auth/mfa/recovery-codes. */
  regenerateRecoveryCodes(code: string): Promise<{ recoveryCodes: string[] }>;
  /** POST /api/auth/mfa/pending: the challenge a Google/GitHub sign-in left in its cookie; null when none (404). */
  pendingChallenge(): Promise<{ challenge: string; expiresIn: number; factors: SecondFactor[] } | null>;
  /** POST /api/auth/mfa/challenge/options: the assertion options for a passkey as the second factor. */
  challengeOptions(challenge: string): Promise<RequestOptionsJSON>;
  /** POST /api/auth/mfa/challenge: the session starts, as with signIn. */
  completeChallenge(body: ChallengeAnswer): Promise<User>;
}

export interface PasskeyBackend {
  /** POST /api/auth/passkeys/options: the current password, unless the account has none. */
  passkeyCreationOptions(password?: string): Promise<CreationOptionsJSON>;
  /** POST /api/auth/passkeys. */
  registerPasskey(body: { name?: string; response: RegistrationResponseJSON }): Promise<Passkey>;
  /** GET /api/auth/passkeys. */
  listPasskeys(): Promise<Passkey[]>;
  /** PATCH /api/auth/passkeys/{id}. */
  renamePasskey(id: string, name: string): Promise<Passkey>;
  /** DELETE /api/auth/passkeys/{id}. */
  deletePasskey(id: string): Promise<void>;
  /** POST /api/auth/passkeys/signin/options (discoverable credentials: no user yet). */
  passkeySignInOptions(): Promise<RequestOptionsJSON>;
  /** POST /api/auth/passkeys/signin: the session starts, as with signIn. */
  signInWithPasskey(response: AuthenticationResponseJSON): Promise<User>;
}
