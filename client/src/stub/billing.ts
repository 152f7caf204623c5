/**
 * Stub billing (functions/billing): the seeded plans; checkout completes at once (the
 * subscription is active and the user premium), cancel sets cancelAtPeriodEnd.
 */
import { hasEnded, holdsPlan } from "../../../db/entitlements";
import { CheckoutBody } from "../../../shared/schemas/billing";
import type { Backend } from "../backend";
import { validationProblem } from "../errors";
import type { Plan, Subscription } from "../types";
import { stubProblems as p, validate } from "./problems";
import { SEED_PLANS } from "./seed";
import { randomBase62, type StoredSubscription, type StubWorld } from "./world";

const plans = (): Plan[] => SEED_PLANS;

/** A subscription as the API shows it (functions/billing/index.ts toSubscriptionDto). */
function toSubscriptionDto(sub: StoredSubscription): Subscription {
  const { customerId: _c, ...dto } = sub;
  return dto;
}

/** The end of the first billing period of a plan bought now. */
function periodEnd(interval: Plan["interval"]): Date {
  const end = new Date();
  const months = { day: 0, week: 0, month: 1, year: 12 }[interval];
  end.setUTCMonth(end.getUTCMonth() + months);
  if (interval === "day") end.setUTCDate(end.getUTCDate() + 1);
  if (interval === "week") end.setUTCDate(end.getUTCDate() + 7);
  return end;
}

type BillingCalls = "listPlans" | "checkout" | "getSubscription" | "cancelSubscription" | "portal";

/** Plans, checkout, the subscription and the billing portal. */
export function stubBilling(world: StubWorld): Pick<Backend, BillingCalls> {
  return {
    async listPlans() {
      return plans();
    },
    checkout(priceId) {
      const instance = "/api/billing/checkout";
      return world.tx((db) => {
        const user = world.viewer(db, instance);
        const input = validate(CheckoutBody, { priceId }, instance);
        const plan = plans().find((x) => x.priceId === input.priceId);
        if (!plan)
          throw validationProblem(
            [{ path: "priceId", message: "is not the price of a plan on sale" }],
            instance,
          );
        const existing = db.subscriptions[user.id];
        if (existing && holdsPlan(existing.status)) throw p.alreadySubscribed(instance, existing.id);
        const id = `sub_stub_${randomBase62(14)}`;
        db.subscriptions[user.id] = {
          id,
          status: "active",
          priceId: plan.priceId,
          plan: plan.id,
          currentPeriodEnd: periodEnd(plan.interval).toISOString(),
          cancelAtPeriodEnd: false,
          canceledAt: null,
          customerId: `cus_stub_${user.id}`,
        };
        user.tier = "premium";
        const sessionId = `cs_stub_${randomBase62(24)}`;
        return { id: sessionId, url: `${world.origin}/?checkout=success&session_id=${sessionId}` };
      });
    },
    async getSubscription() {
      const db = await world.read();
      const user = world.viewer(db, "/api/billing/subscription");
      const sub = db.subscriptions[user.id];
      return sub ? toSubscriptionDto(sub) : null;
    },
    cancelSubscription() {
      const instance = "/api/billing/cancel";
      return world.tx((db) => {
        const user = world.viewer(db, instance);
        const sub = db.subscriptions[user.id];
        if (!sub || hasEnded(sub.status)) throw p.noSubscription(instance);
        sub.cancelAtPeriodEnd = true;
        return toSubscriptionDto(sub);
      });
    },
    async portal() {
      const instance = "/api/billing/portal";
      const db = await world.read();
      const user = world.viewer(db, instance);
      if (!db.subscriptions[user.id]) throw p.noCustomer(instance);
      return { url: `${world.origin}/?billing-portal=stub` };
    },
  };
}
