/**
 * The Stripe event the webhook bench delivers (bench/run.ts) and bench/pg-cost.ts applies: a
 * `customer.subscription.updated` of an active premium subscription of `cus_bench`, a customer
 * no user holds.
 */
export function subscriptionUpdated(id: string, subscription: string, now = Math.floor(Date.now() / 1000)) {
  return {
    id,
    object: "event",
    api_version: "2026-10-28.endive",
    created: now,
    livemode: false,
    type: "customer.subscription.updated",
    data: {
      object: {
        id: subscription,
        object: "subscription",
        customer: "cus_bench",
        status: "active",
        cancel_at_period_end: false,
        canceled_at: null,
        ended_at: null,
        metadata: {},
        items: {
          object: "list",
          data: [
            { id: "si_bench", price: { id: "price_premium_monthly" }, current_period_end: now + 2_592_000 },
          ],
        },
      },
    },
  };
}
