import type Stripe from "stripe";
import { hasEnded, holdsPlan, isPlanPrice } from "../../db/entitlements";
import { ApiError } from "../errors";
import { stripeCall } from "./stripe-errors";

/**
 * The customer's subscriptions that may still bill, asked of Stripe itself: the local table
 * lags behind by the webhooks that have not arrived (or failed) yet.
 */
export async function billableSubscriptions(
  stripe: Stripe,
  customerId: string,
): Promise<Stripe.Subscription[]> {
  const listed = await stripeCall(() => stripe.subscriptions.list({ customer: customerId, limit: 100 }));
  return listed.data.filter((s) => !hasEnded(s.status));
}

/** The customer's current plan at Stripe, if any: a subscription to a plan's price (never another product's). */
export async function currentStripeSubscription(
  stripe: Stripe,
  customerId: string,
  planPriceIds: readonly string[],
) {
  return (await billableSubscriptions(stripe, customerId)).find(
    (s) => holdsPlan(s.status) && s.items.data.some((item) => isPlanPrice(item.price.id, planPriceIds)),
  );
}

/** Cancels every subscription of the customer that may still bill (account deletion). */
export async function cancelAllSubscriptions(stripe: Stripe, customerId: string, idempotencyPrefix: string) {
  for (const sub of await billableSubscriptions(stripe, customerId)) {
    await stripeCall(
      () => stripe.subscriptions.cancel(sub.id, {}, { idempotencyKey: `${idempotencyPrefix}-${sub.id}` }),
      { id: "subscription" },
    ).catch((error: unknown) => {
      // Canceled in the meantime: nothing left to stop.
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    });
  }
}

/**
 * Before a new checkout: the customer's open session for the same plan, to send the browser
 * back to (a second tab then pays the same session, never a second subscription); open
 * sessions for other plans are expired, so at most one can be paid.
 */
export async function reusableCheckoutSession(stripe: Stripe, customerId: string, planId: string) {
  const open = await stripeCall(() =>
    stripe.checkout.sessions.list({ customer: customerId, status: "open", limit: 10 }),
  );
  const reusable = open.data.find((s) => s.metadata?.plan === planId && s.url);
  for (const session of open.data) {
    if (session === reusable) continue;
    await stripeCall(() => stripe.checkout.sessions.expire(session.id)).catch((error: unknown) => {
      // Completed or expired in the meantime.
      if (!(error instanceof ApiError)) throw error;
    });
  }
  return reusable;
}
