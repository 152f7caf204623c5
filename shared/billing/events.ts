import type { BatchItem } from "drizzle-orm/batch";
import type Stripe from "stripe";
import { hasEnded } from "../../db/entitlements";
import { insertAudit, insertAuditIfUserExists } from "../../db/queries/audit";
import {
  type InvoiceState,
  linkCustomerStatements,
  lockUserStatement,
  raiseRefundStatement,
  recomputeTierStatement,
  type SubscriptionState,
  upsertInvoiceStatement,
  upsertSubscriptionStatement,
} from "../../db/queries/billing";
import { insertCancellationEvent, insertServerEvent } from "../../db/queries/events";
import {
  assertClaimStatement,
  claimAsProcessedStatement,
  type LedgerEvent,
  markEventFailed,
  markEventProcessedStatement,
} from "../../db/queries/webhook-events";
import type { Config } from "../config";
import { isDatabaseUnavailable, sqlStateOf } from "../db-errors";
import type { Database } from "../env";
import { ApiError } from "../errors";
import type { StripeClient } from "../vendor/stripe";
import { entitlementRule } from "./entitlement-rule";
import { cancelOrphanSubscription } from "./stripe-customer";

/** Event types with effects; any other type is acknowledged and recorded only. */
export const HANDLED_EVENTS = new Set<string>([
  "checkout.session.completed",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "invoice.paid",
  "invoice.payment_failed",
  "charge.refunded",
]);

/**
 * Handled types whose effects call Stripe only for an event about a deleted account: these can
 * be claimed and applied in one batch (processInOneBatch). An invoice may need its payment
 * looked up at Stripe, which must not happen before the claim.
 */
const ONE_BATCH_EVENTS = new Set<string>([
  "checkout.session.completed",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "charge.refunded",
]);

/** Orders subscription events of the same second: a later stage wins a tie. */
const SUBSCRIPTION_RANK: Record<string, number> = {
  "customer.subscription.created": 0,
  "customer.subscription.updated": 1,
  "customer.subscription.deleted": 2,
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface EventContext {
  db: Database;
  config: Config;
  stripe: StripeClient;
  /** The event concerns an account deleted here (claimEvent says so): it gives no one anything. */
  ownerGone?: boolean;
}

type Statement = BatchItem<"pg">;

const idOf = (value: string | { id: string } | null | undefined) =>
  typeof value === "string" ? value : (value?.id ?? null);
const date = (unix: number | null | undefined) => (unix == null ? null : new Date(unix * 1000));
const uuidOrNull = (value: string | null | undefined) => (value && UUID.test(value) ? value : null);

/**
 * A subscription's current period. Since API version 2025-03-31.basil (the stripe package's
 * 2026-10-28.endive and the emulator's included) it lives on each item; a webhook endpoint
 * pinned to an older version sends it on the subscription itself, and its items without it.
 */
function periodOf(sub: Stripe.Subscription) {
  const item = sub.items?.data?.[0];
  const legacy = sub as Stripe.Subscription & { current_period_start?: number; current_period_end?: number };
  return {
    start: date(item?.current_period_start ?? legacy.current_period_start),
    end: date(item?.current_period_end ?? legacy.current_period_end),
  };
}

/** A subscription object as the state the database keeps. */
export function subscriptionState(
  sub: Stripe.Subscription,
  eventAt: Date,
  eventRank: number,
): SubscriptionState {
  const item = sub.items?.data?.[0];
  const period = periodOf(sub);
  const customerId = idOf(sub.customer);
  if (!customerId) throw new EventDataError("subscription has no customer");
  return {
    id: sub.id,
    customerId,
    userHint: uuidOrNull(sub.metadata?.userId),
    status: sub.status,
    priceId: item?.price?.id ?? null,
    currentPeriodStart: period.start,
    currentPeriodEnd: period.end,
    cancelAtPeriodEnd: sub.cancel_at_period_end ?? false,
    canceledAt: date(sub.canceled_at),
    endedAt: date(sub.ended_at),
    eventAt,
    eventRank,
  };
}

/** The payment intent that paid an invoice: from the event's payments, else asked of Stripe. */
async function paymentIntentOf(invoice: Stripe.Invoice, stripe: StripeClient): Promise<string | null> {
  const fromList = (payments: Stripe.InvoicePayment[]) =>
    payments.map((p) => idOf(p.payment?.payment_intent)).find((id): id is string => Boolean(id)) ?? null;
  if (invoice.payments?.data?.length) return fromList(invoice.payments.data);
  if (invoice.status !== "paid") return null;
  const listed = await stripe.invoicePayments.list({ invoice: invoice.id, limit: 10 });
  return fromList(listed.data);
}

/** An invoice object as the state the database keeps. */
async function invoiceState(
  event: LedgerEvent,
  invoice: Stripe.Invoice,
  ctx: EventContext,
): Promise<InvoiceState> {
  const customerId = idOf(invoice.customer);
  if (!customerId || !invoice.id) throw new EventDataError("invoice has no id or customer");
  return {
    id: invoice.id,
    customerId,
    subscriptionId: idOf(invoice.parent?.subscription_details?.subscription),
    number: invoice.number ?? null,
    status: invoice.status ?? "open",
    currency: invoice.currency,
    amountDue: invoice.amount_due,
    amountPaid: invoice.amount_paid,
    // A deleted account's invoices keep their amounts (accounting) but no link to the person's invoice.
    hostedInvoiceUrl: ctx.ownerGone ? null : (invoice.hosted_invoice_url ?? null),
    paymentIntentId: await paymentIntentOf(invoice, ctx.stripe),
    periodStart: date(invoice.period_start),
    periodEnd: date(invoice.period_end),
    issuedAt: date(invoice.created) ?? event.createdAt,
    eventAt: event.createdAt,
    eventRank: event.type === "invoice.paid" ? 1 : 0,
  };
}

/**
 * A subscription billing an account that was deleted here (a checkout paid as the account
 * went): canceled at Stripe before the event's batch commits, so a failed cancel fails the
 * event and Stripe's retry cancels again (one idempotency key per subscription). Returns the
 * audit entry for the batch, or nothing when Stripe had ended it already.
 */
async function cancelOrphanStatements(
  ctx: EventContext,
  subscriptionId: string,
  reason: Record<string, unknown>,
): Promise<Statement[]> {
  if (!(await cancelOrphanSubscription(ctx.stripe, subscriptionId))) return [];
  return [
    insertAudit(ctx.db, {
      actorId: null,
      action: "billing.orphan_subscription_canceled",
      targetType: "subscription",
      targetId: subscriptionId,
      metadata: reason,
    }),
  ];
}

/** The payload is not the object its type promises; replaying will not help. */
export class EventDataError extends Error {
  override name = "EventDataError";
}

/** The statements that apply one handled event (empty when it concerns nobody we know). */
export async function effectsOf(event: LedgerEvent, ctx: EventContext): Promise<Statement[]> {
  const { db, config } = ctx;
  const object = (event.payload.data as { object?: unknown } | undefined)?.object as Record<string, unknown>;
  if (!object || typeof object !== "object") throw new EventDataError("event has no data.object");
  const reason = { event: event.id, type: event.type };
  if (object.scrubbed === true) {
    // Replayed after its account was deleted: only the object's id and kind remain.
    return object.object === "subscription" && typeof object.id === "string"
      ? cancelOrphanStatements(ctx, object.id, reason)
      : [];
  }
  switch (event.type) {
    case "checkout.session.completed": {
      const session = object as unknown as Stripe.Checkout.Session;
      const userId = uuidOrNull(session.client_reference_id ?? session.metadata?.userId);
      const customerId = idOf(session.customer);
      if (!userId || !customerId) return [];
      return [
        lockUserStatement(db, { userId }),
        ...linkCustomerStatements(db, userId, customerId),
        recomputeTierStatement(db, { userId }, { ...entitlementRule(config), reason }),
        insertAuditIfUserExists(db, userId, {
          actorId: userId,
          action: "billing.checkout_completed",
          targetType: "checkout_session",
          targetId: session.id,
          metadata: { subscription: idOf(session.subscription), customer: customerId },
        }),
        insertServerEvent(db, { name: "checkout_completed", userId, ts: event.createdAt }),
      ];
    }
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted": {
      const state = subscriptionState(
        object as unknown as Stripe.Subscription,
        event.createdAt,
        SUBSCRIPTION_RANK[event.type] ?? 0,
      );
      return [
        lockUserStatement(db, state),
        upsertSubscriptionStatement(db, state),
        recomputeTierStatement(
          db,
          { subscriptionId: state.id },
          { ...entitlementRule(config), reason: { ...reason, subscription: state.id } },
        ),
        ...(event.type === "customer.subscription.deleted"
          ? [insertCancellationEvent(db, { subscriptionId: state.id, ts: event.createdAt })]
          : []),
        ...(ctx.ownerGone && !hasEnded(state.status)
          ? await cancelOrphanStatements(ctx, state.id, { ...reason, customer: state.customerId })
          : []),
      ];
    }
    case "invoice.paid":
    case "invoice.payment_failed":
      return [
        upsertInvoiceStatement(db, await invoiceState(event, object as unknown as Stripe.Invoice, ctx)),
      ];
    case "charge.refunded": {
      const charge = object as unknown as Stripe.Charge;
      const paymentIntentId = idOf(charge.payment_intent);
      return paymentIntentId ? [raiseRefundStatement(db, paymentIntentId, charge.amount_refunded)] : [];
    }
    default:
      return [];
  }
}

/**
 * A first delivery in one round trip: the ledger's claim, the effects and the "processed" mark
 * in one batch (claimAsProcessedStatement). Returns false, having changed nothing, when one
 * batch cannot settle it: a type it does not take, an event seen before (a duplicate, or
 * being processed), one about a deleted account, or an effect that fails. The caller then takes
 * the two-step path (claimEvent, processClaimedEvent), which tells these apart and records a
 * failure. An unavailable database is thrown.
 */
export async function processInOneBatch(event: LedgerEvent, ctx: EventContext): Promise<boolean> {
  if (!ONE_BATCH_EVENTS.has(event.type)) return false;
  try {
    const effects = await effectsOf(event, { ...ctx, ownerGone: false });
    await ctx.db.batch([claimAsProcessedStatement(ctx.db, event), ...effects]);
    return true;
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw error;
    return false;
  }
}

/**
 * Applies a claimed event: its effects, `extra` statements (e.g. an audit entry for a replay)
 * and the ledger's "processed" mark, all in one batch, so they commit together or not at
 * all. On failure the event is marked failed (with a reason an admin may read) and the error
 * rethrown.
 */
export async function processClaimedEvent(
  event: LedgerEvent,
  attempt: number,
  ctx: EventContext,
  extra: Statement[] = [],
): Promise<void> {
  try {
    const effects = await effectsOf(event, ctx);
    const statements: Statement[] = [
      assertClaimStatement(ctx.db, event.id, attempt),
      ...effects,
      ...extra,
      markEventProcessedStatement(ctx.db, event.id, attempt),
    ];
    await ctx.db.batch(statements as [Statement, ...Statement[]]);
  } catch (error) {
    await markEventFailed(ctx.db, event.id, attempt, failureReason(error)).catch(() => undefined);
    throw error;
  }
}

/** What went wrong, in words safe to show an admin: no driver messages or stack traces. */
export function failureReason(error: unknown): string {
  if (error instanceof EventDataError) return `bad event data: ${error.message}`;
  if (error instanceof ApiError) return error.detail ?? error.title;
  const code = sqlStateOf(error);
  if (code) return `database error (SQLSTATE ${code})`;
  const type = (error as { type?: unknown })?.type;
  if (typeof type === "string" && type.startsWith("Stripe")) return `Stripe API error (${type})`;
  return "handler error";
}
