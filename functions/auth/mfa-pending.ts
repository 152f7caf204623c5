import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { insertAudit } from "../../db/queries/audit";
import { findMfaAccount, hasSecondFactor, type MfaAccount, type MfaFactor } from "../../db/queries/mfa";
import {
  issueMfaChallenge,
  MFA_CHALLENGE_TTL_SECONDS,
  readMfaChallenge,
} from "../../shared/auth/mfa-challenge";
import { mfaProblems } from "../../shared/auth/mfa-problems";
import { accountKeyOf } from "../../shared/auth/password-guard";
import { authProblems } from "../../shared/auth/problems";
import { requestMeta } from "../../shared/client-ip";
import type { AppEnv } from "../../shared/env";

/**
 * A Google or GitHub sign-in of an account with a second factor does not get a session at the
 * callback: it gets a sign-in challenge in this HttpOnly cookie, sent only to /api/auth/mfa, and
 * the browser returns to the app with `error=mfa-required`. The app reads the challenge with
 * POST /api/auth/mfa/pending and completes it with POST /api/auth/mfa/challenge, as after a
 * password. No secret travels in a URL.
 */
export const PENDING_COOKIE = "backline_mfa";
const PENDING_PATH = "/api/auth/mfa";

/** The factors an account can complete a challenge with, in the order clients offer them. */
export function factorsOf(account: MfaAccount): MfaFactor[] {
  return [
    ...(account.totp?.enabledAt ? (["totp"] as const) : []),
    ...(account.passkeys.length > 0 ? (["passkey"] as const) : []),
    ...(account.totp?.enabledAt && account.recoveryCodes.length > 0 ? (["recovery_code"] as const) : []),
  ];
}

interface Candidate {
  id: string;
  email: string;
  linked: boolean;
  emailVerifiedAt: Date | null;
  disabledAt: Date | null;
  mfaEnabled: boolean;
}

/**
 * Called by the OAuth callback before it signs anyone in: when the user it would sign in (the
 * linked one, else the one with the same verified email) has a second factor, keeps a challenge
 * for them in the pending cookie and throws `mfa-required` (the callback redirects with it).
 * The candidates say whether a second factor is on: one more Neon read only when one is.
 */
export async function holdForSecondFactor(
  c: Context<AppEnv>,
  candidates: Candidate[],
  account: { provider: string; email?: string | null; emailVerified: boolean },
): Promise<void> {
  const holder =
    candidates.find((u) => u.linked) ??
    candidates.find((u) => u.email === account.email && account.emailVerified && u.emailVerifiedAt);
  if (!holder || holder.disabledAt || !holder.mfaEnabled) return;
  const mfa = await findMfaAccount(c.get("db"), holder.id);
  if (!mfa || !hasSecondFactor(mfa)) return;
  const challenge = await issueMfaChallenge(c.get("config").JWT_SECRET, {
    id: mfa.id,
    accountKey: accountKeyOf(mfa.email),
    passwordHash: mfa.passwordHash,
    via: account.provider,
  });
  await insertAudit(c.get("db"), {
    actorId: mfa.id,
    action: "auth.signin_mfa_required",
    targetType: "user",
    targetId: mfa.id,
    metadata: { method: account.provider },
    ...requestMeta(c),
  });
  setCookie(c, PENDING_COOKIE, challenge, {
    httpOnly: true,
    secure: true,
    // Lax: the provider sends the browser back with a top-level GET; the app's calls are same-site.
    sameSite: "Lax",
    path: PENDING_PATH,
    maxAge: MFA_CHALLENGE_TTL_SECONDS,
  });
  throw mfaProblems.mfaRequired();
}

/**
 * The pending challenge of this browser and the factors that complete it; 404 when there is
 * none or it expired. Cookie-authenticated: the request must come from an allowed Origin.
 */
export async function pendingChallenge(c: Context<AppEnv>) {
  const origin = c.req.header("Origin");
  if (!origin || !c.get("config").ALLOWED_ORIGINS.includes(origin)) {
    throw authProblems.originNotAllowed("Cookie-authenticated requests must come from an allowed Origin.");
  }
  const token = getCookie(c, PENDING_COOKIE);
  const challenge = token && (await readMfaChallenge(c.get("config").JWT_SECRET, token));
  if (!token || !challenge) throw mfaProblems.noPendingSignin();
  const account = await findMfaAccount(c.get("db"), challenge.sub);
  if (!account || !hasSecondFactor(account)) throw mfaProblems.noPendingSignin();
  return {
    mfaRequired: true as const,
    challenge: token,
    expiresIn: Math.max(0, challenge.exp - Math.floor(Date.now() / 1000)),
    factors: factorsOf(account),
  };
}

/** Forgets the pending challenge (it was completed). */
export function clearPendingChallenge(c: Context<AppEnv>): void {
  if (getCookie(c, PENDING_COOKIE) === undefined) return;
  deleteCookie(c, PENDING_COOKIE, { path: PENDING_PATH, secure: true, sameSite: "Lax" });
}
