import { createHash } from "node:crypto";
import type { Context } from "hono";
import type { Config } from "../config";
import { describeError } from "../db-errors";
import type { AppEnv } from "../env";
import {
  limiterFor,
  limiterUnavailable,
  type RateLimitPolicy,
  rateLimitedError,
  trackRedisCall,
  type Window,
} from "../middleware/rate-limit";
import { checkPassword, untilIsolateIdle } from "./hash-gate";
import { noticeLockout, type Recipient } from "./lockout-notice";

/** One rate-limit budget and the key it is counted under. */
export interface Budget {
  policy: RateLimitPolicy;
  key: string;
}

const ACCOUNT_POLICY = "password-account";

/**
 * Every check of one account's password, whatever the address it comes from, so a botnet
 * cannot guess without bound: 5x the sign-in failure limit over 4x its window (50 per hour
 * with the defaults). Counted by sign-in and by every endpoint that takes the current password.
 */
export function accountPasswordPolicy(config: Config): RateLimitPolicy {
  const [amount, unit] = config.AUTH_FAILURE_WINDOW.split(" ");
  return {
    name: ACCOUNT_POLICY,
    limit: config.AUTH_FAILURE_LIMIT * 5,
    window: `${Number(amount) * 4} ${unit}` as Window,
    failMode: "closed",
  };
}

/**
 * How an account is named in Redis keys: a hash of its email, so no address rests in Redis
 * (nor outlives a deleted account there).
 */
export function accountKeyOf(email: string): string {
  return createHash("sha256").update(email.toLowerCase()).digest("base64url").slice(0, 22);
}

/** The per-account budget of the account with this email. */
export function accountBudget(config: Config, email: string): Budget {
  return { policy: accountPasswordPolicy(config), key: accountKeyOf(email) };
}

/** Attempts of this isolate in progress per budget key (numbers only: nothing another request settles). */
const attemptsInProgress = new Map<string, number>();

const slotOf = (budget: Budget) => `${budget.policy.name}:${budget.key}`;

/**
 * A budget that already has as many attempts in progress in this isolate as it holds: more
 * could not pass anyway unless some of those succeed, so they are refused without a Redis call
 * (a burst then costs Redis a handful of calls, not one per request).
 */
function crowdedBudget(budgets: Budget[]): Budget | undefined {
  return budgets.find((b) => (attemptsInProgress.get(slotOf(b)) ?? 0) >= b.policy.limit);
}

function enter(budgets: Budget[]): void {
  for (const b of budgets) attemptsInProgress.set(slotOf(b), (attemptsInProgress.get(slotOf(b)) ?? 0) + 1);
}

function leave(budgets: Budget[]): void {
  for (const b of budgets) {
    const left = (attemptsInProgress.get(slotOf(b)) ?? 1) - 1;
    if (left > 0) attemptsInProgress.set(slotOf(b), left);
    else attemptsInProgress.delete(slotOf(b));
  }
}

/**
 * Takes one unit from each budget, all in one Upstash round trip: concurrent attempts can never
 * check more passwords than the budgets hold. A used-up budget answers 429 with its headers (the
 * first one refused; units the others gave stay taken: a refused attempt counts); when the
 * account's own budget is used up its owner is told, once per window. Redis unreachable: 503.
 */
async function consumeBudgets<E extends AppEnv>(
  c: Context<E>,
  budgets: Budget[],
  recipient: () => Promise<Recipient | undefined>,
): Promise<void> {
  let results: Awaited<ReturnType<ReturnType<typeof limiterFor>["limit"]>>[];
  try {
    results = await trackRedisCall(Promise.all(budgets.map((b) => limiterFor(c, b.policy).limit(b.key))));
  } catch (error) {
    const strictest = budgets.find((b) => b.policy.failMode === "closed") ?? budgets[0];
    if (strictest) limiterUnavailable(c, strictest.policy, error);
    return;
  }
  const refused = budgets.flatMap((budget, i) => {
    const state = results[i];
    return state && !state.success ? [{ budget, state }] : [];
  });
  const [first] = refused;
  if (!first) return;
  const locked = refused.find((r) => r.budget.policy.name === ACCOUNT_POLICY);
  if (locked) await noticeLockout(c, locked.budget.policy, locked.budget.key, recipient);
  throw rateLimitedError(first.budget.policy, first.state);
}

/**
 * Runs one password attempt (lookup and hash) within its budgets. The budgets are charged
 * BEFORE the attempt runs, so the check cannot race; the cheap checks come first and the hash
 * last. 429 when a budget is used up (or already has that many attempts in progress here).
 */
export async function withPasswordAttempt<E extends AppEnv, T>(
  c: Context<E>,
  budgets: Budget[],
  recipient: () => Promise<Recipient | undefined>,
  attempt: () => Promise<T>,
): Promise<T> {
  const crowded = crowdedBudget(budgets);
  if (crowded) {
    const { limit } = crowded.policy;
    throw rateLimitedError(crowded.policy, { limit, remaining: 0, reset: Date.now() + 1000 });
  }
  enter(budgets);
  try {
    // Lets a burst's other requests be refused first, so this call's answer is read in time.
    await untilIsolateIdle();
    await consumeBudgets(c, budgets, recipient);
    return await attempt();
  } finally {
    leave(budgets);
  }
}

/** Gives back the units of an attempt that turned out right: the budgets count failures. Best effort. */
export async function refundPasswordAttempt<E extends AppEnv>(
  c: Context<E>,
  budgets: Budget[],
): Promise<void> {
  try {
    await trackRedisCall(Promise.all(budgets.map((b) => limiterFor(c, b.policy).limit(b.key, { rate: -1 }))));
  } catch (error) {
    console.warn(
      JSON.stringify({
        level: "warn",
        msg: "password attempt refund failed",
        requestId: c.get("requestId"),
        ...describeError(error),
      }),
    );
  }
}

/**
 * Checks the current password of a signed-in account (account deletion, password change)
 * within the account's budget, shared with sign-in: 429 once it is used up, whoever asks.
 */
export function checkAccountPassword<E extends AppEnv>(
  c: Context<E>,
  account: Recipient & { hash: string },
  password: string,
): Promise<boolean> {
  return withPasswordAttempt(
    c,
    [accountBudget(c.get("config"), account.email)],
    async () => account,
    async () => (await checkPassword(password, account.hash)).valid,
  );
}
