import type Stripe from "stripe";
import { hasEnded, holdsPlan, isPlanPrice } from "../../db/entitlements";
import { type StripeClient, errors as stripeErrors } from "../vendor/stripe";
import { fromStripeError, stripeCall } from "./stripe-errors";

/**
 * The customer's subscriptions that may still bill, asked of Stripe itself: the local table
 * lags behind by the webhooks that have not arrived (or failed) yet.
 */
export async function billableSubscriptions(
  stripe: StripeClient,
  customerId: string,
): Promise<Stripe.Subscription[]> {
  const listed = await stripeCall(() => stripe.subscriptions.list({ customer: customerId, limit: 100 }));
  return listed.data.filter((s) => !hasEnded(s.status));
}

/** The customer's current plan at Stripe, if any: a subscription to a plan's price (never another product's). */
export async function currentStripeSubscription(
  stripe: StripeClient,
  customerId: string,
  planPriceIds: readonly string[],
) {
  return (await billableSubscriptions(stripe, customerId)).find(
    (s) => holdsPlan(s.status) && s.items.data.some((item) => isPlanPrice(item.price.id, planPriceIds)),
  );
}

/**
 * Closes a customer at Stripe for account deletion, so nothing can bill and no personal data
 * stays there: expires its open Checkout sessions (none can be paid afterwards), cancels its
 * subscriptions that may still bill, then deletes the customer. Safe to retry at any point:
 * what is already expired, canceled or deleted counts as done, and a customer Stripe reports
 * deleted (or does not know) is already closed. Throws the 503 problem when Stripe cannot be
 * reached, before the caller deletes anything of its own.
 */
export async function closeCustomer(stripe: StripeClient, customerId: string, idempotencyPrefix: string) {
  const customer = await unlessGone(() => stripe.customers.retrieve(customerId));
  if (!customer || customer.deleted) return;
  const open = await stripeCall(() =>
    stripe.checkout.sessions.list({ customer: customerId, status: "open", limit: 100 }),
  );
  for (const session of open.data) {
    await unlessGone(() =>
      stripe.checkout.sessions.expire(
        session.id,
        {},
        { idempotencyKey: `${idempotencyPrefix}-${session.id}` },
      ),
    );
  }
  // After the sessions: one paid in the meantime has made its subscription by now.
  for (const sub of await billableSubscriptions(stripe, customerId)) {
    await unlessGone(() =>
      stripe.subscriptions.cancel(sub.id, {}, { idempotencyKey: `${idempotencyPrefix}-${sub.id}` }),
    );
  }
  // Stripe also cancels what is left when a customer is deleted; the cancels above come
  // first so each one is ours, keyed, and announced by its own webhook.
  await unlessGone(() => stripe.customers.del(customerId));
}

/**
 * Cancels at Stripe a subscription whose account was deleted here (webhook); false when Stripe
 * had ended it already. Throws the 503 problem when Stripe cannot be reached.
 */
export async function cancelOrphanSubscription(
  stripe: StripeClient,
  subscriptionId: string,
): Promise<boolean> {
  const canceled = await unlessGone(() =>
    stripe.subscriptions.cancel(subscriptionId, {}, { idempotencyKey: `backline-orphan-${subscriptionId}` }),
  );
  return canceled !== undefined;
}

/**
 * Runs a Stripe call on something that may already be gone: Stripe's 404 (deleted, unknown)
 * or 400 (a session no longer open, a subscription already canceled) means the work is done,
 * and gives undefined. Any other failure is this API's problem (503 when Stripe is down).
 */
async function unlessGone<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (
      error instanceof stripeErrors.StripeInvalidRequestError &&
      (error.statusCode === 404 || error.statusCode === 400)
    ) {
      return undefined;
    }
    throw fromStripeError(error);
  }
}

/**
 * Before a new checkout: the customer's open session for the same plan, to send the browser
 * back to (a second tab then pays the same session, never a second subscription); open
 * sessions for other plans are expired, so at most one can be paid.
 */
export async function reusableCheckoutSession(stripe: StripeClient, customerId: string, planId: string) {
  const open = await stripeCall(() =>
    stripe.checkout.sessions.list({ customer: customerId, status: "open", limit: 10 }),
  );
  const reusable = open.data.find((s) => s.metadata?.plan === planId && s.url);
  for (const session of open.data) {
    // Completed or expired in the meantime counts as done; Stripe being down does not.
    if (session !== reusable) await unlessGone(() => stripe.checkout.sessions.expire(session.id));
  }
  return reusable;
}
