import type { Context } from "hono";
import { type AuditEntry, insertAudit } from "../../db/queries/audit";
import type { MfaAccount } from "../../db/queries/mfa";
import type { MfaChallenge } from "../../shared/auth/mfa-challenge";
import { mfaProblems } from "../../shared/auth/mfa-problems";
import { type Budget, refundPasswordAttempt, withPasswordAttempt } from "../../shared/auth/password-guard";
import {
  type AuthenticationResponse,
  challengeOf,
  verifyAssertion,
  WebAuthnError,
} from "../../shared/auth/webauthn";
import { issueChallenge, takeChallenge } from "../../shared/auth/webauthn-challenge";
import { expectedFor, requestOptions } from "../../shared/auth/webauthn-options";
import type { AppEnv } from "../../shared/env";
import { type FactorMatch, spendOnce } from "./mfa-factor";

/**
 * Options for a sign-in's second step with a passkey: only the account's own passkeys are
 * allowed, and the WebAuthn challenge is bound to this sign-in challenge (its `jti`).
 */
export async function passkeyFactorOptions<E extends AppEnv>(
  c: Context<E>,
  account: MfaAccount,
  challenge: MfaChallenge,
) {
  if (account.passkeys.length === 0) throw mfaProblems.noPasskey();
  const webauthnChallenge = await issueChallenge(c.get("redis"), {
    kind: "mfa",
    userId: account.id,
    jti: challenge.jti,
  });
  return requestOptions(c.get("config"), webauthnChallenge, account.passkeys);
}

/**
 * Whether the assertion confirms this sign-in: its WebAuthn challenge (taken for good) was
 * issued for this very sign-in challenge, it names one of the account's own passkeys (another
 * user's credential is refused), and signature, flags and counter check out.
 */
async function matchPasskey<E extends AppEnv>(
  c: Context<E>,
  account: MfaAccount,
  response: AuthenticationResponse,
  challenge: MfaChallenge,
): Promise<FactorMatch | undefined> {
  let webauthnChallenge: string;
  try {
    webauthnChallenge = challengeOf(response.response.clientDataJSON);
  } catch {
    return undefined;
  }
  const record = await takeChallenge(c.get("redis"), webauthnChallenge, "mfa");
  if (!record || record.userId !== account.id || record.jti !== challenge.jti) return undefined;
  const passkey = account.passkeys.find((p) => p.credentialId === response.rawId);
  if (!passkey) return undefined;
  try {
    const { signCount } = await verifyAssertion(
      response,
      expectedFor(c.get("config"), webauthnChallenge),
      passkey,
    );
    return { kind: "passkey", passkeyId: passkey.id, name: passkey.name, signCount };
  } catch (error) {
    if (error instanceof WebAuthnError) return undefined;
    throw error;
  }
}

/**
 * Checks a passkey as the second factor of `challenge` within `budgets` (charged first, like a
 * code: failures count in the sign-in budgets), spends the sign-in challenge once, and gives the
 * units back when it checked out. 401 when it does not (audit-logged as `failure`).
 */
export async function verifyPasskeyFactor<E extends AppEnv>(
  c: Context<E>,
  account: MfaAccount,
  response: AuthenticationResponse,
  options: { budgets: Budget[]; challenge: MfaChallenge; failure: AuditEntry },
): Promise<FactorMatch> {
  const recipient = async () => ({ id: account.id, email: account.email, displayName: account.displayName });
  const match = await withPasswordAttempt(c, options.budgets, recipient, () =>
    matchPasskey(c, account, response, options.challenge),
  );
  if (!match) {
    await insertAudit(c.get("db"), options.failure);
    throw mfaProblems.invalidPasskey();
  }
  if ((await spendOnce(c, account.id, match, options.challenge)) !== "ok")
    throw mfaProblems.invalidChallenge();
  await refundPasswordAttempt(c, options.budgets);
  return match;
}
