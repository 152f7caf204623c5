/**
 * The stub's second-factor tables (the server's user_totp, recovery_codes and passkeys rows,
 * and the challenges it keeps in signed tokens and Redis), part of the stub's data (world.ts).
 */
export interface StubTotp {
  /** Base32: the stub keeps its data in the clear, as it does the rest. */
  secret: string;
  /** null while set up but not yet verified. */
  enabledAt: string | null;
  lastUsedStep: number | null;
}

export interface StubMfaChallenge {
  userId: string;
  expiresAt: number;
  /** The password hash it was issued after: a password change voids it (the API's `pw`). */
  passwordHash: string;
  usedAt: string | null;
}

export interface StubPasskey {
  id: string;
  userId: string;
  name: string;
  /** The credential id, base64url. */
  credentialId: string;
  /** SPKI of the public key, base64url, and its COSE algorithm (-7 ES256, -257 RS256). */
  publicKey: string;
  algorithm: number;
  signCount: number;
  createdAt: string;
  lastUsedAt: string | null;
}

/** A WebAuthn challenge the stub issued: single use, short lived. */
export interface StubWebauthnChallenge {
  purpose: "register" | "signin" | "mfa";
  /** The registering user, or the sign-in challenge's user (mfa). */
  userId?: string;
  /** mfa: the sign-in challenge it answers. */
  mfaChallenge?: string;
  expiresAt: number;
}

export interface StubFactors {
  totp: Record<string, StubTotp>;
  /** SHA-256 of each unused recovery code (normalised), per user. */
  recoveryCodes: Record<string, string[]>;
  challenges: Record<string, StubMfaChallenge>;
  passkeys: Record<string, StubPasskey>;
  webauthn: Record<string, StubWebauthnChallenge>;
  /** Sessions opened with a second factor, and when (removing the last factor needs a fresh one). */
  freshSessions?: Record<string, number>;
}
