import type { Context } from "hono";
import { findUserForSignin } from "../../db/queries/users";
import { checkPassword } from "../../shared/auth/hash-gate";
import {
  accountKeyOf,
  accountPasswordPolicy,
  type Budget,
  refundPasswordAttempt,
  withPasswordAttempt,
} from "../../shared/auth/password-guard";
import { clientRateLimitKey } from "../../shared/client-ip";
import type { AppEnv } from "../../shared/env";
import type { Window } from "../../shared/middleware/rate-limit";

/** Checked when the email is unknown, so both failures cost the same time. Matches no password. */
const DUMMY_HASH = "$scrypt$ln=14,r=8,p=5$9RKumKDHPHlCeU_lhMQKlg$m2wif7FtPD2qTNLfdXTIXVceHoIspIG13SnouA2FaC4";

/**
 * The sign-in budgets: failures per account+IP, per IP (3x looser), and per account whatever
 * the IP (shared with every endpoint that takes the current password). IPv6 counts per /64.
 * The second step of a sign-in (a TOTP or recovery code) counts in the same budgets.
 */
export function signinBudgetsFor(c: Context<AppEnv>, accountKey: string): Budget[] {
  const config = c.get("config");
  const { AUTH_FAILURE_LIMIT: limit } = config;
  const window = config.AUTH_FAILURE_WINDOW as Window;
  const ip = clientRateLimitKey(c);
  return [
    {
      policy: { name: "signin-account", limit, window, failMode: "closed" },
      key: `${accountKey}|${ip}`,
    },
    { policy: { name: "signin-ip", limit: limit * 3, window, failMode: "closed" }, key: ip },
    { policy: accountPasswordPolicy(config), key: accountKey },
  ];
}

function signinBudgets(c: Context<AppEnv>, email: string): Budget[] {
  return signinBudgetsFor(c, accountKeyOf(email));
}

/**
 * One sign-in attempt: its unit is taken from every budget (one Upstash round trip, 429 when
 * one is used up, and the owner of a locked account is told), then the account is looked up,
 * then the password hashed. Returns the account (if any) and the check.
 */
export function attemptSignin(c: Context<AppEnv>, email: string, password: string) {
  const db = c.get("db");
  const activeAccount = async () => {
    const user = await findUserForSignin(db, email);
    return user && !user.disabledAt ? user : undefined;
  };
  return withPasswordAttempt(c, signinBudgets(c, email), activeAccount, async () => {
    const user = await findUserForSignin(db, email);
    const cost = c.get("config").PASSWORD_HASH_COST;
    const check = await checkPassword(password, user?.passwordHash ?? DUMMY_HASH, cost);
    return { user, check };
  });
}

/** Gives a successful sign-in's units back: the budgets count failures only. */
export function refundSigninAttempt(c: Context<AppEnv>, email: string): Promise<void> {
  return refundPasswordAttempt(c, signinBudgets(c, email));
}
