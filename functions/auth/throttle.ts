import type { Context } from "hono";
import { clientIp } from "../../shared/client-ip";
import type { AppEnv } from "../../shared/env";
import { ApiError } from "../../shared/errors";
import {
  limiterFor,
  limiterUnavailable,
  type RateLimitPolicy,
  rateLimitedError,
  type Window,
} from "../../shared/middleware/rate-limit";

/** The two sign-in failure policies: per account+IP, and (3x looser) per IP. */
function policies(c: Context<AppEnv>): { account: RateLimitPolicy; ip: RateLimitPolicy } {
  const { AUTH_FAILURE_LIMIT: limit, AUTH_FAILURE_WINDOW: window } = c.get("config");
  return {
    account: { name: "signin-account", limit, window: window as Window, failMode: "closed" },
    ip: { name: "signin-ip", limit: limit * 3, window: window as Window, failMode: "closed" },
  };
}

function keys(c: Context<AppEnv>, email: string) {
  const ip = clientIp(c);
  return { account: `${email}|${ip}`, ip };
}

/**
 * Refuses a sign-in attempt (429) when this account+IP or this IP has used up its
 * failures. Both checks travel in one Upstash round trip; nothing is counted yet.
 */
export async function assertSigninAllowed(c: Context<AppEnv>, email: string): Promise<void> {
  const policy = policies(c);
  const key = keys(c, email);
  try {
    const [account, ip] = await Promise.all([
      limiterFor(c, policy.account).getRemaining(key.account),
      limiterFor(c, policy.ip).getRemaining(key.ip),
    ]);
    if (account.remaining <= 0)
      throw rateLimitedError(policy.account, { ...account, limit: policy.account.limit });
    if (ip.remaining <= 0) throw rateLimitedError(policy.ip, { ...ip, limit: policy.ip.limit });
  } catch (error) {
    if (error instanceof ApiError) throw error;
    limiterUnavailable(c, policy.account, error);
  }
}

/** Counts one failed sign-in against both policies (one Upstash round trip). */
export async function recordSigninFailure(c: Context<AppEnv>, email: string): Promise<void> {
  const policy = policies(c);
  const key = keys(c, email);
  await Promise.all([
    limiterFor(c, policy.account).limit(key.account),
    limiterFor(c, policy.ip).limit(key.ip),
  ]).catch((error: unknown) => limiterUnavailable(c, policy.account, error));
}
