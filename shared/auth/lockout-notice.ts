import type { Context } from "hono";
import { insertOutbox } from "../../db/queries/outbox";
import { describeError } from "../db-errors";
import { deliverAfterResponse } from "../email/outbox";
import { queuedEmail } from "../email/templates";
import type { AppEnv } from "../env";
import { type RateLimitPolicy, trackRedisCall, windowSeconds } from "../middleware/rate-limit";

/** Who the "someone is trying your password" email goes to. */
export interface Recipient {
  id: string;
  email: string;
  displayName: string;
}

/** Accounts this isolate already told in the current window: the rest of a burst skips Redis. */
const noticedUntil = new Map<string, number>();
const NOTICED_MAX = 10_000;

/**
 * Queues the "someone is trying your password" email for a locked account, at most once per
 * window of its policy: a Redis SET NX that expires with the window decides across isolates.
 * The email goes through the outbox like every other. A failure here leaves the 429 as it is.
 */
export async function noticeLockout<E extends AppEnv>(
  c: Context<E>,
  policy: RateLimitPolicy,
  accountKey: string,
  recipient: () => Promise<Recipient | undefined>,
): Promise<void> {
  const now = Date.now();
  if ((noticedUntil.get(accountKey) ?? 0) > now) return;
  if (noticedUntil.size >= NOTICED_MAX) noticedUntil.clear();
  const windowMs = windowSeconds(policy.window) * 1000;
  noticedUntil.set(accountKey, now + windowMs);
  try {
    const first = await trackRedisCall(
      c.get("redis").set(`notice:${policy.name}:${accountKey}`, 1, { nx: true, px: windowMs }),
    );
    if (first === null) return;
    const user = await recipient();
    if (!user) return;
    const outboxId = crypto.randomUUID();
    await insertOutbox(c.get("db"), {
      id: outboxId,
      userId: user.id,
      to: user.email,
      email: queuedEmail({ template: "password-guessing", displayName: user.displayName }),
    });
    deliverAfterResponse(c, [outboxId]);
  } catch (error) {
    console.warn(
      JSON.stringify({
        level: "warn",
        msg: "password-guessing notice failed",
        requestId: c.get("requestId"),
        ...describeError(error),
      }),
    );
  }
}
