import type { Context } from "hono";
import { type AuditEntry, insertAudit } from "../../db/queries/audit";
import type { MfaAccount } from "../../db/queries/mfa";
import type { MfaChallenge } from "../../shared/auth/mfa-challenge";
import { mfaProblems } from "../../shared/auth/mfa-problems";
import { type Budget, refundPasswordAttempt, withPasswordAttempt } from "../../shared/auth/password-guard";
import { hashRecoveryCode, looksLikeRecoveryCode } from "../../shared/auth/recovery-codes";
import { matchTotp, openTotpSecret, TOTP_PERIOD_SECONDS } from "../../shared/auth/totp";
import type { AppEnv } from "../../shared/env";
import { dependencyUnavailable } from "../../shared/errors";
import { trackRedisCall } from "../../shared/middleware/rate-limit";

/** A second factor that checked out: a TOTP code of `step`, one of the unused recovery codes, or a passkey. */
export type FactorMatch =
  | { kind: "totp"; step: number }
  | { kind: "recovery"; codeId: string; remaining: number }
  | { kind: "passkey"; passkeyId: string; name: string; signCount: number };

/** How long a spent step is remembered in Redis: longer than the ±1 step window it could be replayed in. */
const SPENT_STEP_MS = 4 * TOTP_PERIOD_SECONDS * 1000;
/** How long a spent recovery code is remembered in Redis (the database marks it used for good). */
const SPENT_CODE_MS = 10 * 60 * 1000;

/**
 * Which factor `code` is for this account: a recovery code among the unused ones, or a code of
 * the authenticator app for a step newer than the last one used. A pending (not yet verified)
 * secret counts only when `pending` is set (the enrolment's first code).
 */
async function matchFactor<E extends AppEnv>(
  c: Context<E>,
  account: MfaAccount,
  code: string,
  pending = false,
): Promise<FactorMatch | undefined> {
  const config = c.get("config");
  if (!pending && looksLikeRecoveryCode(code)) {
    // Keyed hashes of ~78-bit codes: comparing them as strings tells an attacker nothing.
    const hash = await hashRecoveryCode(config, code);
    const found = account.recoveryCodes.find((r) => r.codeHash === hash);
    return found && { kind: "recovery", codeId: found.id, remaining: account.recoveryCodes.length - 1 };
  }
  const totp = account.totp;
  if (!totp || (totp.enabledAt === null) !== pending) return undefined;
  const secret = await openTotpSecret(config, account.id, totp.sealed);
  // A secret that does not open means MFA_ENCRYPTION_KEY changed: an operator's error, not the user's.
  if (!secret) throw new Error("a stored TOTP secret does not open under MFA_ENCRYPTION_KEY");
  const step = matchTotp(secret, code.replace(/\s/g, ""), totp.lastUsedStep);
  return step === undefined ? undefined : { kind: "totp", step };
}

/**
 * Spends a match (and the sign-in challenge, if any) once across concurrent requests: one SET NX
 * per item in one atomic Upstash round trip. Says what was already spent, if anything. The database
 * records the step and the used code too (in the caller's batch); this closes the race between
 * two requests that both read the row before either wrote it. A passkey's assertion was spent
 * with its own single-use challenge: only the sign-in challenge is left. Redis unreachable: 503.
 */
export async function spendOnce<E extends AppEnv>(
  c: Context<E>,
  userId: string,
  match: FactorMatch,
  challenge?: MfaChallenge,
): Promise<"ok" | "code-spent" | "challenge-spent"> {
  const tx = c.get("redis").multi();
  if (match.kind === "totp") tx.set(`mfa:step:${userId}:${match.step}`, 1, { nx: true, px: SPENT_STEP_MS });
  else if (match.kind === "recovery")
    tx.set(`mfa:recovery:${match.codeId}`, 1, { nx: true, px: SPENT_CODE_MS });
  if (challenge) {
    const px = Math.max(1000, challenge.exp * 1000 - Date.now() + 1000);
    tx.set(`mfa:challenge:${challenge.jti}`, 1, { nx: true, px });
  }
  if (match.kind === "passkey" && !challenge) return "ok";
  let results: unknown[];
  try {
    results = await trackRedisCall(tx.exec());
  } catch (error) {
    throw dependencyUnavailable("Second factors cannot be checked right now.", error);
  }
  const challengeResult = match.kind === "passkey" ? results[0] : results[1];
  if (challengeResult !== undefined && challengeResult !== "OK") return "challenge-spent";
  return match.kind === "passkey" || results[0] === "OK" ? "ok" : "code-spent";
}

/**
 * Checks a second factor within `budgets` (charged before the check, like a password, so
 * guessing codes counts in the same per-account budget: 429 once it is used up), spends it
 * once, and gives the units back when it was right. 401 when it is wrong, used or replayed, or
 * when the challenge was already spent; a wrong code is audit-logged as `failure` when given.
 */
export async function verifyFactor<E extends AppEnv>(
  c: Context<E>,
  account: MfaAccount,
  code: string,
  options: { budgets: Budget[]; challenge?: MfaChallenge; pending?: boolean; failure?: AuditEntry },
): Promise<FactorMatch> {
  const recipient = async () => ({ id: account.id, email: account.email, displayName: account.displayName });
  const match = await withPasswordAttempt(c, options.budgets, recipient, () =>
    matchFactor(c, account, code, options.pending),
  );
  if (!match) {
    if (options.failure) await insertAudit(c.get("db"), options.failure);
    throw mfaProblems.invalidCode();
  }
  const spent = await spendOnce(c, account.id, match, options.challenge);
  if (spent === "challenge-spent") throw mfaProblems.invalidChallenge();
  if (spent === "code-spent") throw mfaProblems.invalidCode();
  await refundPasswordAttempt(c, options.budgets);
  return match;
}
