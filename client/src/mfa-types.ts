/**
 * The SDK's public types of second factors: the sign-in challenge, authenticator apps (TOTP),
 * recovery codes and passkeys (WebAuthn). The passkey shapes are WebAuthn Level 3's JSON forms.
 */
import type { components } from "./api";

type Schemas = components["schemas"];

/** A factor that can complete a sign-in challenge. */
export type SecondFactor = "totp" | "passkey" | "recovery_code";

/**
 * The `problem` of the `…/mfa-required` BacklineError that `auth.signIn` rejects with when the
 * password was right and the account has a second factor: pass `challenge` to `auth.completeSignIn`
 * within `expiresIn` seconds.
 */
export interface MfaRequiredProblem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  challenge: string;
  expiresIn: number;
  /** What may complete it: always a code of the app or a recovery code, a passkey when one is registered. */
  factors: SecondFactor[];
  [extension: string]: unknown;
}

/** The second step of a sign-in: a code (of the authenticator app, or a recovery code), or a passkey. */
export type CompleteSignInInput = { challenge: string; code: string } | { challenge: string; passkey: true };

/** A new authenticator-app secret: `secret` (base32) to type in, `uri` (otpauth://) and `qrSvg`, an SVG document of its QR code. */
export type TotpEnrolment = Schemas["TotpEnrolment"];

/**
 * The signed-in user's second factors: whether the authenticator app is on (a set-up waiting
 * for its first code is not) and since when, recovery codes left, passkeys registered.
 */
export type MfaStatus = Schemas["MfaStatus"];

/** Second factors of the signed-in user. Codes are 6 digits of the app, or a recovery code where it says so. */
export interface MfaService {
  /** What is on now: the app, recovery codes left, passkeys (GET /api/auth/mfa). */
  status(): Promise<MfaStatus>;
  /**
   * Starts setting up an authenticator app (needs the password again; an account without one
   * leaves it out and must have signed in within the last 10 minutes, else 403
   * `recent-sign-in-required`); on once `verifyTotp` accepts a first code.
   */
  enrollTotp(password?: string): Promise<TotpEnrolment>;
  /** Turns the app on with its first code; resolves the 10 recovery codes, shown this once. */
  verifyTotp(code: string): Promise<string[]>;
  /** Turns the app off (a current code or a recovery code); the recovery codes go too. */
  disableTotp(code: string): Promise<void>;
  /** New recovery codes (a current code or a recovery code); the old ones stop working. */
  regenerateRecoveryCodes(code: string): Promise<string[]>;
}

/** A passkey of the signed-in user. */
export interface Passkey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** Passkeys of the signed-in user; `register` runs the browser's WebAuthn ceremony. */
export interface PasskeyService {
  /** Whether this browser can create and use passkeys (WebAuthn in a secure context). */
  isSupported(): boolean;
  /**
   * Creates a passkey on this device (the browser asks the user) and registers it. Needs the
   * password again; an account without one leaves it out and must have signed in within the
   * last 10 minutes (else 403 `recent-sign-in-required`), as `mfa.enrollTotp` does.
   */
  register(name?: string, password?: string): Promise<Passkey>;
  list(): Promise<Passkey[]>;
  rename(id: string, name: string): Promise<Passkey>;
  remove(id: string): Promise<void>;
}

/** Base64url text: WebAuthn's JSON encoding of bytes. */
type Base64Url = string;

interface CredentialDescriptorJSON {
  id: Base64Url;
  type: "public-key";
  transports?: string[];
}

/** What the API gives `navigator.credentials.create()` (PublicKeyCredentialCreationOptionsJSON). */
export interface CreationOptionsJSON {
  rp: { id?: string; name: string };
  user: { id: Base64Url; name: string; displayName: string };
  challenge: Base64Url;
  pubKeyCredParams: { type: "public-key"; alg: number }[];
  timeout?: number;
  excludeCredentials?: CredentialDescriptorJSON[];
  authenticatorSelection?: Record<string, unknown>;
  attestation?: string;
  extensions?: Record<string, unknown>;
}

/** What the API gives `navigator.credentials.get()` (PublicKeyCredentialRequestOptionsJSON). */
export interface RequestOptionsJSON {
  challenge: Base64Url;
  timeout?: number;
  rpId?: string;
  allowCredentials?: CredentialDescriptorJSON[];
  userVerification?: string;
}

/** A new credential as JSON (RegistrationResponseJSON). */
export interface RegistrationResponseJSON {
  id: Base64Url;
  rawId: Base64Url;
  type: "public-key";
  response: {
    clientDataJSON: Base64Url;
    attestationObject: Base64Url;
    transports?: string[];
    /** SPKI of the new public key, where the browser gives it (WebAuthn L3 `toJSON()`). */
    publicKey?: Base64Url;
    publicKeyAlgorithm?: number;
    authenticatorData?: Base64Url;
  };
  authenticatorAttachment?: string;
  clientExtensionResults: Record<string, unknown>;
}

/** An assertion as JSON (AuthenticationResponseJSON). */
export interface AuthenticationResponseJSON {
  id: Base64Url;
  rawId: Base64Url;
  type: "public-key";
  response: {
    clientDataJSON: Base64Url;
    authenticatorData: Base64Url;
    signature: Base64Url;
    userHandle?: Base64Url;
  };
  authenticatorAttachment?: string;
  clientExtensionResults: Record<string, unknown>;
}
