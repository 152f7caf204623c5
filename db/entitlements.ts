/**
 * What a tier entitles to, and which subscriptions make a user premium: the one statement of
 * the rule. It imports nothing (only the enum module), so the SDK can show the same limits and
 * entitlements without bundling drizzle; db/queries/billing.ts builds its SQL from these lists.
 *
 * Only a subscription to a plan's price (BILLING_PLANS) counts: a subscription to any other
 * product on the same Stripe customer grants nothing and holds no plan (it neither makes the
 * user premium nor stops them from buying one).
 *
 * The rule, by Stripe subscription status:
 * - `active`, `trialing`: premium.
 * - `past_due`: premium for the grace period (BILLING_GRACE_PERIOD) after the subscription
 *   became past_due, so a card that fails once does not cut the user off while Stripe retries.
 * - `unpaid`: not premium. Stripe moves a subscription to `unpaid` once its retries are spent
 *   (or at once when the account is set so): access ends, as it does when the grace runs out.
 *   It still holds a plan, though: the subscription stays in place and its invoice open, so a
 *   new checkout would make a second subscription. Checkout refuses it; the portal settles it.
 * - `incomplete`, `paused`: neither premium nor a held plan (nothing was ever paid, or billing
 *   stopped); `canceled`, `incomplete_expired`: ended for good.
 */
import type { Tier } from "./enums";

/** Statuses that make a user premium outright. */
export const PREMIUM_STATUSES = ["active", "trialing"] as const;

/** The status that keeps premium for the grace period only. */
export const GRACE_STATUS = "past_due";

/** Statuses of a subscription the customer still holds: checkout must not start a second one. */
export const PLAN_HOLDING_STATUSES = ["active", "trialing", "past_due", "unpaid"] as const;

/** Statuses that have ended for good: such a subscription never bills or changes again. */
export const ENDED_STATUSES = ["canceled", "incomplete_expired"] as const;

/** Live patterns a free account may keep. */
export const FREE_PATTERN_LIMIT = 50;

/**
 * Live patterns one team (or class) may keep, whatever its members' tiers. A team's patterns
 * count toward this cap only, never toward their author's FREE_PATTERN_LIMIT.
 */
export const TEAM_PATTERN_LIMIT = 1000;

/** What each tier unlocks, as the API lists it on the user. */
export const ENTITLEMENTS: Readonly<Record<Tier, readonly string[]>> = {
  free: [`patterns:${FREE_PATTERN_LIMIT}`, "lessons:free"],
  premium: ["patterns:unlimited", "lessons:premium"],
};

/** Whether a price is one of the plans' (BILLING_PLANS): only those make anyone premium. */
export function isPlanPrice(priceId: string | null, planPriceIds: readonly string[]): boolean {
  return priceId !== null && planPriceIds.includes(priceId);
}

/** Whether one subscription makes its user premium at `now` (the SQL in db/queries/billing.ts says the same). */
export function entitlesPremium(
  sub: { status: string; priceId: string | null; pastDueSince: Date | null },
  rule: { graceSeconds: number; planPriceIds: readonly string[] },
  now: Date = new Date(),
): boolean {
  if (!isPlanPrice(sub.priceId, rule.planPriceIds)) return false;
  if ((PREMIUM_STATUSES as readonly string[]).includes(sub.status)) return true;
  return (
    sub.status === GRACE_STATUS &&
    sub.pastDueSince !== null &&
    sub.pastDueSince.getTime() > now.getTime() - rule.graceSeconds * 1000
  );
}

/** Whether a subscription in this status is a plan the customer still holds. */
export function holdsPlan(status: string): boolean {
  return (PLAN_HOLDING_STATUSES as readonly string[]).includes(status);
}

/** Whether a subscription in this status has ended for good. */
export function hasEnded(status: string): boolean {
  return (ENDED_STATUSES as readonly string[]).includes(status);
}
