import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { entitlesPremium, GRACE_STATUS } from "../../db/entitlements";
import { TIERS } from "../../db/enums";
import { iso } from "../../db/iso";
import {
  findBillingAccount,
  findCurrentSubscription,
  findStripeCustomer,
  listInvoices,
  saveStripeCustomer,
} from "../../db/queries/billing";
import type { Subscription } from "../../db/schema/billing";
import { createRouter } from "../../shared/app";
import { entitlementRule } from "../../shared/billing/entitlement-rule";
import { subscriptionState } from "../../shared/billing/events";
import { type Plan, PlanSchema } from "../../shared/billing/plans";
import { currentStripeSubscription, reusableCheckoutSession } from "../../shared/billing/stripe-customer";
import { stripeCall } from "../../shared/billing/stripe-errors";
import { createStripe } from "../../shared/clients";
import type { Config } from "../../shared/config";
import { page } from "../../shared/cursor";
import { problems, validationError } from "../../shared/errors";
import { requireAuth, type SignedInEnv } from "../../shared/middleware/auth";
import { idempotency } from "../../shared/middleware/idempotency";
import { jsonBody, jsonContent, problemContent } from "../../shared/openapi";
import { CheckoutBody } from "../../shared/schemas/billing";
import { PageQuery } from "../../shared/schemas/page";
import { billingProblems } from "./problems";

const SubscriptionSchema = z
  .object({
    id: z.string(),
    status: z.string().openapi({ description: "Stripe's status: active, trialing, past_due, canceled, …" }),
    priceId: z.string().nullable(),
    plan: z.string().nullable().openapi({ description: "The plan id of the price, when it is on sale" }),
    tier: z.enum(TIERS).openapi({
      description:
        "The tier it gives now: its plan's while the status entitles (active, trialing, past_due within the grace period), else free",
    }),
    currentPeriodStart: z.iso
      .datetime()
      .nullable()
      .openapi({ description: "Start of the current billing period, from Stripe; null until known" }),
    currentPeriodEnd: z.iso.datetime().nullable(),
    cancelAtPeriodEnd: z.boolean(),
    canceledAt: z.iso.datetime().nullable(),
  })
  .openapi("Subscription");

const InvoiceSchema = z
  .object({
    id: z.string(),
    number: z.string().nullable(),
    status: z.string(),
    currency: z.string(),
    amountDue: z.number().int(),
    amountPaid: z.number().int(),
    amountRefunded: z.number().int(),
    hostedInvoiceUrl: z.string().nullable(),
    subscriptionId: z.string().nullable(),
    periodStart: z.iso.datetime().nullable(),
    periodEnd: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi("Invoice");

const CheckoutSessionSchema = z.object({ id: z.string(), url: z.url() }).openapi("CheckoutSession");

const signedIn = { security: [{ bearer: [] }], tags: ["Billing"] };
const needsAuth = { 401: problemContent("Not signed in") };

const plans = createRoute({
  method: "get",
  path: "/plans",
  tags: ["Billing"],
  summary: "The plans on sale (public, cacheable)",
  responses: {
    200: jsonContent(
      z.object({ plans: z.array(PlanSchema.openapi("Plan")) }),
      "Plans; Cache-Control max-age 300 s",
    ),
  },
});

const checkout = createRoute({
  ...signedIn,
  method: "post",
  path: "/checkout",
  summary: "Starts (or resumes) a Stripe Checkout for a plan's price; accepts Idempotency-Key",
  description:
    "One open session per user: an open session for the same plan is returned again (200), open sessions " +
    "for other plans are expired, and a subscription Stripe already has gives 409 even before its webhooks arrive.",
  middleware: [requireAuth(), idempotency()] as const,
  request: {
    body: jsonBody(CheckoutBody),
  },
  responses: {
    200: jsonContent(CheckoutSessionSchema, "An open session for this plan already exists: go to its `url`"),
    201: jsonContent(CheckoutSessionSchema, "Go to `url`"),
    400: problemContent("Unknown price"),
    ...needsAuth,
    409: problemContent("Already subscribed: manage the plan in the billing portal (`portal`)"),
    503: problemContent("Stripe is not reachable"),
  },
});

const current = createRoute({
  ...signedIn,
  method: "get",
  path: "/subscription",
  summary: "The current subscription, or null",
  middleware: [requireAuth()] as const,
  responses: {
    200: jsonContent(z.object({ subscription: z.union([SubscriptionSchema, z.null()]) }), "The subscription"),
    ...needsAuth,
  },
});

const setCancel = (action: "cancel" | "resume") =>
  createRoute({
    ...signedIn,
    method: "post",
    path: `/${action}`,
    summary:
      action === "cancel"
        ? "Cancels at the end of the paid period (premium stays until then)"
        : "Undoes a pending cancellation",
    middleware: [requireAuth()] as const,
    responses: {
      200: jsonContent(
        z.object({ subscription: SubscriptionSchema }),
        "The subscription as Stripe now has it; local state follows by webhook",
      ),
      ...needsAuth,
      404: problemContent("No current subscription"),
      503: problemContent("Stripe is not reachable"),
    },
  });

const portal = createRoute({
  ...signedIn,
  method: "post",
  path: "/portal",
  summary: "A Stripe billing portal session for managing the plan, payment method and invoices",
  middleware: [requireAuth()] as const,
  responses: {
    200: jsonContent(z.object({ url: z.url() }).openapi("PortalSession"), "Go to `url`"),
    ...needsAuth,
    404: problemContent("No billing account yet (never checked out)"),
    503: problemContent("Stripe is not reachable"),
  },
});

const invoiceList = createRoute({
  ...signedIn,
  method: "get",
  path: "/invoices",
  summary: "The user's invoices, newest first",
  middleware: [requireAuth()] as const,
  request: { query: PageQuery },
  responses: {
    200: jsonContent(
      z.object({ invoices: z.array(InvoiceSchema), nextCursor: z.string().nullable() }),
      "A page of invoices",
    ),
    400: problemContent("Bad limit or cursor"),
    ...needsAuth,
  },
});

/** The prices of the plans: only subscriptions to these are this API's to show or manage. */
function planPriceIds(config: Config) {
  return entitlementRule(config).planPriceIds;
}

function planOfPrice(plansOnSale: Plan[], priceId: string | null) {
  return plansOnSale.find((p) => p.priceId === priceId) ?? null;
}

type SubscriptionView = Pick<
  Subscription,
  | "id"
  | "status"
  | "priceId"
  | "currentPeriodStart"
  | "currentPeriodEnd"
  | "cancelAtPeriodEnd"
  | "canceledAt"
  | "pastDueSince"
>;

/** A subscription as the API shows it: from the local table, or from Stripe's answer. */
function toSubscriptionDto(s: SubscriptionView, config: Config) {
  const plan = planOfPrice(config.BILLING_PLANS, s.priceId);
  return {
    id: s.id,
    status: s.status,
    priceId: s.priceId,
    plan: plan?.id ?? null,
    tier: plan && entitlesPremium(s, entitlementRule(config)) ? plan.tier : ("free" as const),
    currentPeriodStart: iso(s.currentPeriodStart),
    currentPeriodEnd: iso(s.currentPeriodEnd),
    cancelAtPeriodEnd: s.cancelAtPeriodEnd,
    canceledAt: iso(s.canceledAt),
  };
}

function alreadySubscribed(subscriptionId: string) {
  return billingProblems.alreadySubscribed({
    detail: "You already have a subscription. Change or cancel it in the billing portal.",
    extensions: { portal: "/api/billing/portal", subscription: subscriptionId },
  });
}

/** The signed-in user's current subscription, or a 404 problem. */
async function currentOr404<E extends SignedInEnv>(c: Context<E>) {
  const sub = await findCurrentSubscription(c.get("db"), c.get("userId"), planPriceIds(c.get("config")));
  if (!sub) throw billingProblems.noSubscription("You have no current subscription.");
  return sub;
}

async function setCancelAtPeriodEnd<E extends SignedInEnv>(c: Context<E>, cancel: boolean) {
  const sub = await currentOr404(c);
  const updated = await stripeCall(() =>
    createStripe(c.get("config"), c.get("traceId")).subscriptions.update(sub.id, {
      cancel_at_period_end: cancel,
    }),
  );
  // Stripe's answer, read as the webhook will apply it a moment later (past_due since then, if new).
  const state = subscriptionState(updated, new Date(), 0);
  const pastDueSince = state.status === GRACE_STATUS ? (sub.pastDueSince ?? state.eventAt) : null;
  return c.json({ subscription: toSubscriptionDto({ ...state, pastDueSince }, c.get("config")) }, 200);
}

export const billingRoutes = createRouter()
  .openapi(plans, (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json({ plans: c.get("config").BILLING_PLANS }, 200);
  })
  .openapi(checkout, async (c) => {
    const config = c.get("config");
    const db = c.get("db");
    const requestId = c.get("requestId");
    const userId = c.get("userId");
    const { priceId } = c.req.valid("json");
    const plan = config.BILLING_PLANS.find((p) => p.priceId === priceId);
    if (!plan) throw validationError([{ path: "priceId", message: "is not the price of a plan on sale" }]);
    const account = await findBillingAccount(db, userId, planPriceIds(config));
    if (!account) throw problems.notFound("This account no longer exists.");
    if (account.activeSubscriptionId) throw alreadySubscribed(account.activeSubscriptionId);
    const stripe = createStripe(config, c.get("traceId"));
    let customerId = account.stripeCustomerId;
    if (customerId) {
      // Paid a moment ago, webhooks still on their way: Stripe knows before our table does.
      const live = await currentStripeSubscription(stripe, customerId, planPriceIds(config));
      if (live) throw alreadySubscribed(live.id);
      const open = await reusableCheckoutSession(stripe, customerId, plan.id);
      if (open?.url) return c.json({ id: open.id, url: open.url }, 200);
    } else {
      // The idempotency key makes concurrent first checkouts of one user share one customer.
      const customer = await stripeCall(() =>
        stripe.customers.create(
          { email: account.email, metadata: { userId } },
          { idempotencyKey: `backline-customer-${userId}` },
        ),
      );
      customerId = (await saveStripeCustomer(db, userId, customer.id)) ?? customer.id;
    }
    const session = await stripeCall(
      () =>
        stripe.checkout.sessions.create(
          {
            mode: "subscription",
            customer: customerId,
            line_items: [{ price: plan.priceId, quantity: 1 }],
            client_reference_id: userId,
            metadata: { userId, plan: plan.id },
            subscription_data: { metadata: { userId, plan: plan.id } },
            success_url: config.CHECKOUT_SUCCESS_URL,
            cancel_url: config.CHECKOUT_CANCEL_URL,
          },
          // With the client's key a retry finds the same session; without one each call is new.
          { idempotencyKey: `backline-checkout-${userId}-${c.req.header("Idempotency-Key") ?? requestId}` },
        ),
      { "line_items[0][price]": "priceId" },
    );
    if (!session.url) throw problems.unavailable("Stripe returned a checkout session without a URL.");
    return c.json({ id: session.id, url: session.url }, 201);
  })
  .openapi(current, async (c) => {
    const config = c.get("config");
    const sub = await findCurrentSubscription(c.get("db"), c.get("userId"), planPriceIds(config));
    return c.json({ subscription: sub ? toSubscriptionDto(sub, config) : null }, 200);
  })
  .openapi(setCancel("cancel"), (c) => setCancelAtPeriodEnd(c, true))
  .openapi(setCancel("resume"), (c) => setCancelAtPeriodEnd(c, false))
  .openapi(portal, async (c) => {
    const config = c.get("config");
    const db = c.get("db");
    const customerId = await findStripeCustomer(db, c.get("userId"));
    if (!customerId)
      throw billingProblems.noCustomer("You have no billing account yet: check out a plan first.");
    const session = await stripeCall(() =>
      createStripe(config, c.get("traceId")).billingPortal.sessions.create({
        customer: customerId,
        return_url: config.BILLING_PORTAL_RETURN_URL,
      }),
    );
    return c.json({ url: session.url }, 200);
  })
  .openapi(invoiceList, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    const rows = await listInvoices(c.get("db"), { userId: c.get("userId"), cursor, limit });
    const { items, nextCursor } = page(rows, limit, (r) => ({
      at: r.invoice.issuedAt.toISOString(),
      id: r.invoice.id,
    }));
    return c.json(
      {
        invoices: items.map(({ invoice: i, amountRefunded }) => ({
          id: i.id,
          number: i.number,
          status: i.status,
          currency: i.currency,
          amountDue: i.amountDue,
          amountPaid: i.amountPaid,
          amountRefunded,
          hostedInvoiceUrl: i.hostedInvoiceUrl,
          subscriptionId: i.subscriptionId,
          periodStart: iso(i.periodStart),
          periodEnd: iso(i.periodEnd),
          createdAt: i.issuedAt.toISOString(),
        })),
        nextCursor,
      },
      200,
    );
  });
