/**
 * Stub billing (functions/billing): the seeded plans; checkout completes at once (the
 * subscription is active and the user premium), cancel sets cancelAtPeriodEnd.
 */
import { entitlesPremium, hasEnded, holdsPlan } from "../../../db/entitlements";
import { encodeCursor } from "../../../shared/cursor";
import { CheckoutBody } from "../../../shared/schemas/billing";
import { PageQuery } from "../../../shared/schemas/page";
import type { Backend } from "../backend";
import { validationProblem } from "../errors";
import type { Invoice, InvoicePage, Plan, Subscription } from "../types";
import { stubProblems as p, validate } from "./problems";
import { SEED_PLANS } from "./seed";
import {
  randomBase62,
  type StoredInvoice,
  type StoredSubscription,
  type StubDb,
  type StubWorld,
} from "./world";

const plans = (): Plan[] => SEED_PLANS;

/**
 * A subscription as the API shows it (functions/billing/index.ts toSubscriptionDto): the tier
 * it gives now (the stub has no past_due, so no grace period either).
 */
function toSubscriptionDto(sub: StoredSubscription): Subscription {
  const { customerId: _c, ...dto } = sub;
  const plan = plans().find((x) => x.priceId === sub.priceId);
  const rule = { graceSeconds: 0, planPriceIds: plans().map((x) => x.priceId) };
  return {
    ...dto,
    tier: plan && entitlesPremium({ ...sub, pastDueSince: null }, rule) ? plan.tier : "free",
    currentPeriodStart: sub.currentPeriodStart ?? null,
  };
}

/**
 * The end of the first billing period of a plan bought at `start`: months and years keep the
 * day, clamped to the month's end, as Stripe's periods do (Jan 31 + 1 month = Feb 28).
 */
function periodEnd(start: Date, interval: Plan["interval"]): Date {
  if (interval === "day" || interval === "week")
    return new Date(start.getTime() + (interval === "day" ? 1 : 7) * 86_400_000);
  const year = start.getUTCFullYear();
  const month = start.getUTCMonth() + (interval === "year" ? 12 : 1);
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const end = new Date(start);
  end.setUTCFullYear(year, month, Math.min(start.getUTCDate(), lastDay));
  return end;
}

/** The paid invoice of a plan's first period, as Stripe sends it after checkout. */
function firstInvoice(userId: string, plan: Plan, sub: StoredSubscription, count: number): StoredInvoice {
  const now = new Date().toISOString();
  return {
    id: `in_stub_${randomBase62(14)}`,
    number: `STUB-${String(count + 1).padStart(4, "0")}`,
    status: "paid",
    currency: plan.currency,
    amountDue: plan.amount,
    amountPaid: plan.amount,
    amountRefunded: 0,
    hostedInvoiceUrl: null,
    subscriptionId: sub.id,
    periodStart: sub.currentPeriodStart ?? now,
    periodEnd: sub.currentPeriodEnd,
    createdAt: now,
    userId,
  };
}

/** Newest first by (createdAt, id), as db/queries/keyset.ts newestFirst orders. */
function newestFirst(a: Invoice, b: Invoice): number {
  return b.createdAt.localeCompare(a.createdAt) || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);
}

/** One page of the user's invoices after a cursor (GET /api/billing/invoices). */
function invoicePage(
  db: StubDb,
  userId: string,
  query: { limit: number; cursor?: { at: string; id: string } },
) {
  const after = query.cursor;
  const rows = Object.values(db.invoices)
    .filter((i) => i.userId === userId)
    .map(({ userId: _u, ...invoice }): Invoice => invoice)
    .sort(newestFirst)
    .filter((i) => !after || newestFirst({ ...i, createdAt: after.at, id: after.id }, i) > 0);
  const invoices = rows.slice(0, query.limit);
  const last = invoices[invoices.length - 1];
  const nextCursor =
    rows.length > query.limit && last ? encodeCursor({ at: last.createdAt, id: last.id }) : null;
  return { invoices, nextCursor } satisfies InvoicePage;
}

type BillingCalls =
  | "listPlans"
  | "checkout"
  | "getSubscription"
  | "cancelSubscription"
  | "resumeSubscription"
  | "listInvoices"
  | "portal";

/** POST /api/billing/cancel and /resume: sets `cancelAtPeriodEnd` of the current subscription. */
function setCancelAtPeriodEnd(world: StubWorld, action: "cancel" | "resume", cancel: boolean) {
  const instance = `/api/billing/${action}`;
  return world.tx((db) => {
    const user = world.viewer(db, instance);
    const sub = db.subscriptions[user.id];
    if (!sub || hasEnded(sub.status)) throw p.noSubscription(instance);
    sub.cancelAtPeriodEnd = cancel;
    return toSubscriptionDto(sub);
  });
}

/** Plans, checkout, the subscription, invoices and the billing portal. */
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
        const start = new Date();
        const sub: StoredSubscription = {
          id,
          status: "active",
          priceId: plan.priceId,
          plan: plan.id,
          currentPeriodStart: start.toISOString(),
          currentPeriodEnd: periodEnd(start, plan.interval).toISOString(),
          cancelAtPeriodEnd: false,
          canceledAt: null,
          customerId: `cus_stub_${user.id}`,
        };
        db.subscriptions[user.id] = sub;
        const invoice = firstInvoice(user.id, plan, sub, Object.keys(db.invoices).length);
        db.invoices[invoice.id] = invoice;
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
    cancelSubscription: () => setCancelAtPeriodEnd(world, "cancel", true),
    resumeSubscription: () => setCancelAtPeriodEnd(world, "resume", false),
    async listInvoices(query) {
      const instance = "/api/billing/invoices";
      const db = await world.read();
      const user = world.viewer(db, instance);
      const input = validate(PageQuery, query, instance, "query");
      return invoicePage(db, user.id, input);
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
