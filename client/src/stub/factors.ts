/**
 * The stub's second-factor tables (factor-tables.ts), created on first use, and the sign-in
 * challenge that stub sign-in issues when a second factor is on.
 */
import { toBase64Url } from "../../../shared/base64url";
import type { MfaStatus, SecondFactor } from "../mfa-types";
import type { StubFactors } from "./factor-tables";
import type { StubDb, StubUser } from "./world";

export type { StubFactors, StubPasskey, StubWebauthnChallenge } from "./factor-tables";

/**
 * How long the second step may take (shared/auth/mfa-challenge.ts MFA_CHALLENGE_TTL_SECONDS;
 * not imported: that module brings node:crypto, which a browser bundle cannot have).
 */
export const MFA_CHALLENGE_TTL_SECONDS = 300;

/** The second-factor tables (created on first use: older stub data has none). */
export function factorsOf(db: StubDb): StubFactors {
  db.factors ??= { totp: {}, recoveryCodes: {}, challenges: {}, passkeys: {}, webauthn: {} };
  return db.factors;
}

/** What may complete a sign-in challenge of this user, in the API's order (db/queries/mfa.ts factorNames). */
export function factorsFor(db: StubDb, userId: string): SecondFactor[] {
  const factors = factorsOf(db);
  return [
    ...(factors.totp[userId]?.enabledAt ? (["totp"] as const) : []),
    ...(Object.values(factors.passkeys).some((p) => p.userId === userId) ? (["passkey"] as const) : []),
    ...((factors.recoveryCodes[userId]?.length ?? 0) > 0 ? (["recovery_code"] as const) : []),
  ];
}

/** The user's second factors as GET /api/auth/mfa shows them (db/queries/mfa.ts findMfaStatus). */
export function mfaStatusOf(db: StubDb, userId: string): MfaStatus {
  const factors = factorsOf(db);
  const enabledAt = factors.totp[userId]?.enabledAt ?? null;
  return {
    totp: { enabled: enabledAt !== null, enabledAt },
    recoveryCodesLeft: factors.recoveryCodes[userId]?.length ?? 0,
    passkeys: Object.values(factors.passkeys).filter((p) => p.userId === userId).length,
  };
}

/** Whether a password sign-in of the user asks for a second factor: the app is on, or a passkey is registered. */
export function hasSecondFactor(db: StubDb, userId: string): boolean {
  const factors = factorsOf(db);
  return (
    Boolean(factors.totp[userId]?.enabledAt) ||
    Object.values(factors.passkeys).some((p) => p.userId === userId)
  );
}

/**
 * Sign-in's answer when the password was right and a second factor is on (inside the
 * transaction): a challenge instead of a session. Undefined when the account has none.
 */
export function issueMfaChallenge(db: StubDb, user: StubUser) {
  if (!hasSecondFactor(db, user.id)) return undefined;
  const challenge = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  factorsOf(db).challenges[challenge] = {
    userId: user.id,
    expiresAt: Date.now() + MFA_CHALLENGE_TTL_SECONDS * 1000,
    passwordHash: user.hash,
    usedAt: null,
  };
  return { challenge, expiresIn: MFA_CHALLENGE_TTL_SECONDS, factors: factorsFor(db, user.id) };
}

/** Forgets a deleted user's factors (the server's cascade). */
export function deleteFactors(db: StubDb, userId: string): void {
  const factors = db.factors;
  if (!factors) return;
  delete factors.totp[userId];
  delete factors.recoveryCodes[userId];
  for (const [id, passkey] of Object.entries(factors.passkeys))
    if (passkey.userId === userId) delete factors.passkeys[id];
  for (const [id, challenge] of Object.entries(factors.challenges))
    if (challenge.userId === userId) delete factors.challenges[id];
}
