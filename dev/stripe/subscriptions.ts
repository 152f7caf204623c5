import type Stripe from "stripe";
import { isRecord } from "../http-util";
import { mergeMetadata, requireCustomer } from "./customers";
import { type EmitOutcome, summarizeOutcome } from "./delivery";
import type { StripeEmulator } from "./emulator";
import { type FormParams, objectParam, stringParam } from "./form";
import { createSubscriptionInvoice } from "./invoices";
import { planOfPrice } from "./prices";
import { paginate, rejectUnknown, StripeApiError, stripeId, unixNow, wireCopy } from "./store";

const SUBSCRIPTIONS = "subscriptions";
const DAY = 24 * 3600;

type Interval = Stripe.Price.Recurring.Interval;

/** The k-th period boundary after `anchor`; months and years keep the anchor's day, clamped to the month's end. */
export function periodBoundary(anchor: number, interval: Interval, count: number, k: number): number {
  if (interval === "day") return anchor + k * count * DAY;
  if (interval === "week") return anchor + k * count * 7 * DAY;
  const start = new Date(anchor * 1000);
  const months = (interval === "year" ? 12 : 1) * count * k;
  const year = start.getUTCFullYear();
  const month = start.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const date = Date.UTC(
    year,
    month,
    Math.min(start.getUTCDate(), lastDay),
    start.getUTCHours(),
    start.getUTCMinutes(),
    start.getUTCSeconds(),
  );
  return Math.floor(date / 1000);
}

/** The first period boundary strictly after `after`. */
function boundaryAfter(anchor: number, interval: Interval, count: number, after: number): number {
  let k = 1;
  while (periodBoundary(anchor, interval, count, k) <= after) k += 1;
  return periodBoundary(anchor, interval, count, k);
}

/** What checkout needs to start a subscription. */
export interface NewSubscription {
  customer: Stripe.Customer;
  price: Stripe.Price;
  quantity: number;
  metadata: Stripe.Metadata;
  created: number;
}

/** An active subscription with one item whose first period starts at `created`. */
export function newSubscription(input: NewSubscription): Stripe.Subscription {
  const { price, created } = input;
  const id = stripeId("sub", 24);
  const interval = price.recurring?.interval ?? "month";
  const item: Stripe.SubscriptionItem = {
    id: stripeId("si", 14),
    object: "subscription_item",
    billing_thresholds: null,
    created,
    current_period_end: periodBoundary(created, interval, price.recurring?.interval_count ?? 1, 1),
    current_period_start: created,
    current_trial: null,
    discounts: [],
    metadata: {},
    plan: planOfPrice(price),
    price,
    quantity: input.quantity,
    subscription: id,
    tax_rates: [],
  };
  return {
    id,
    object: "subscription",
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: created,
    billing_cycle_anchor_config: null,
    billing_mode: { type: "flexible", flexible: { proration_discounts: "included" }, updated_at: created },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: "charge_automatically",
    created,
    currency: price.currency,
    customer: input.customer.id,
    customer_account: null,
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    ended_at: null,
    invoice_settings: {
      account_tax_ids: null,
      custom_fields: null,
      description: null,
      footer: null,
      issuer: { type: "self" },
    },
    items: {
      object: "list",
      data: [item],
      has_more: false,
      url: `/v1/subscription_items?subscription=${id}`,
    },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: input.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: {
      payment_method_options: null,
      payment_method_types: null,
      save_default_payment_method: "off",
    },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: created,
    status: "active",
    test_clock: null,
    transfer_data: null,
    trial_end: null,
    trial_settings: {
      end_behavior: { billing_cycle_anchor: null, missing_payment_method: "create_invoice" },
    },
    trial_start: null,
  };
}

/** Stores a subscription. */
export function saveSubscription(
  emulator: StripeEmulator,
  subscription: Stripe.Subscription,
): Stripe.Subscription {
  return emulator.store.put(SUBSCRIPTIONS, subscription);
}

/** Reads a subscription, 404 like Stripe when unknown. */
export function requireSubscription(emulator: StripeEmulator, id: string, param = "id"): Stripe.Subscription {
  const subscription = emulator.store.get<Stripe.Subscription>(SUBSCRIPTIONS, id);
  if (!subscription) throw StripeApiError.missing("subscription", id, param);
  return subscription;
}

/** All subscriptions of a customer, newest first. */
export function customerSubscriptions(emulator: StripeEmulator, customer: string): Stripe.Subscription[] {
  return emulator.store.all<Stripe.Subscription>(SUBSCRIPTIONS).filter((sub) => sub.customer === customer);
}

/** The subscription's only item (the emulator's subscriptions have one). */
export function firstItem(subscription: Stripe.Subscription): Stripe.SubscriptionItem {
  const item = subscription.items.data[0];
  if (!item) throw new StripeApiError(500, "api_error", `subscription ${subscription.id} has no items`);
  return item;
}

/** The previous values of every top-level field that changed, as in `data.previous_attributes`. */
function previousAttributes<T extends object>(before: T, after: T): Stripe.Event.Data.PreviousAttributes {
  const previous: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(after)) {
    const old = (before as Record<string, unknown>)[key];
    if (JSON.stringify(old) !== JSON.stringify(value)) previous[key] = old ?? null;
  }
  return previous;
}

/** Changes a subscription can take through the API or the portal. */
interface SubscriptionChanges {
  cancelAtPeriodEnd?: boolean;
  metadata?: FormParams | string;
  cancellationDetails?: FormParams;
}

function applyChanges(current: Stripe.Subscription, changes: SubscriptionChanges, now: number) {
  const next = wireCopy(current);
  if (changes.cancelAtPeriodEnd !== undefined && changes.cancelAtPeriodEnd !== current.cancel_at_period_end) {
    if (current.status === "canceled") {
      throw new StripeApiError(
        400,
        "invalid_request_error",
        "A canceled subscription can only update its cancellation_details and metadata.",
        undefined,
        "cancel_at_period_end",
      );
    }
    next.cancel_at_period_end = changes.cancelAtPeriodEnd;
    next.cancel_at = changes.cancelAtPeriodEnd ? firstItem(current).current_period_end : null;
    next.canceled_at = changes.cancelAtPeriodEnd ? now : null;
    next.cancellation_details = {
      comment: null,
      feedback: null,
      feedback_option: null,
      reason: changes.cancelAtPeriodEnd ? "cancellation_requested" : null,
    };
  }
  if (changes.cancellationDetails && next.cancellation_details) {
    const comment = stringParam(changes.cancellationDetails, "comment");
    const feedback = stringParam(changes.cancellationDetails, "feedback");
    if (comment !== undefined) next.cancellation_details.comment = comment === "" ? null : comment;
    if (feedback !== undefined) {
      next.cancellation_details.feedback =
        feedback === "" ? null : (feedback as Stripe.Subscription.CancellationDetails.Feedback);
    }
  }
  next.metadata = mergeMetadata(current.metadata, changes.metadata);
  return next;
}

/** Applies changes, stores the subscription and records `customer.subscription.updated` when something changed. */
export function updateSubscription(
  emulator: StripeEmulator,
  current: Stripe.Subscription,
  changes: SubscriptionChanges,
): { subscription: Stripe.Subscription; sent: Promise<EmitOutcome> | null } {
  const next = applyChanges(current, changes, unixNow());
  const previous = previousAttributes(current, next);
  if (Object.keys(previous).length === 0) return { subscription: current, sent: null };
  saveSubscription(emulator, next);
  return { subscription: next, sent: emulator.emitEvent("customer.subscription.updated", next, previous) };
}

/** Ends a subscription now (or at `endedAt`) and records `customer.subscription.deleted`. */
export function endSubscription(
  emulator: StripeEmulator,
  current: Stripe.Subscription,
  endedAt = unixNow(),
): { subscription: Stripe.Subscription; sent: Promise<EmitOutcome> } {
  const next = wireCopy(current);
  next.status = "canceled";
  next.ended_at = endedAt;
  next.canceled_at = current.canceled_at ?? endedAt;
  next.cancellation_details = {
    comment: current.cancellation_details?.comment ?? null,
    feedback: current.cancellation_details?.feedback ?? null,
    feedback_option: null,
    reason: current.cancellation_details?.reason ?? "cancellation_requested",
  };
  saveSubscription(emulator, next);
  return { subscription: next, sent: emulator.emitEvent("customer.subscription.deleted", next) };
}

/** What a jump to the end of the current period did. */
export interface AdvanceResult {
  subscription: Stripe.Subscription;
  invoice: Stripe.Invoice | null;
  deliveries: EmitOutcome[];
}

/**
 * Jumps to the end of the current period: ends a subscription set to cancel at period end, or
 * renews it with a paid invoice (or, with `fail`, an open invoice and status past_due).
 */
export async function advanceSubscription(
  emulator: StripeEmulator,
  current: Stripe.Subscription,
  fail: boolean,
): Promise<AdvanceResult> {
  if (current.status === "canceled") {
    throw new StripeApiError(400, "invalid_request_error", `Subscription ${current.id} is canceled.`);
  }
  const item = firstItem(current);
  const periodEnd = item.current_period_end;
  if (current.cancel_at_period_end) {
    const ended = endSubscription(emulator, current, periodEnd);
    return { subscription: ended.subscription, invoice: null, deliveries: [await ended.sent] };
  }
  const recurring = item.price.recurring;
  const next = wireCopy(current);
  const nextItem = firstItem(next);
  nextItem.current_period_start = periodEnd;
  nextItem.current_period_end = boundaryAfter(
    current.billing_cycle_anchor,
    recurring?.interval ?? "month",
    recurring?.interval_count ?? 1,
    periodEnd,
  );
  const customer = requireCustomer(emulator, String(current.customer), "customer");
  const invoice = createSubscriptionInvoice(emulator, {
    subscription: next,
    item: nextItem,
    customer,
    period: { start: nextItem.current_period_start, end: nextItem.current_period_end },
    invoicePeriod: { start: item.current_period_start, end: periodEnd },
    billingReason: "subscription_cycle",
    paid: !fail,
    created: periodEnd,
  });
  next.latest_invoice = invoice.id;
  next.status = fail ? "past_due" : "active";
  saveSubscription(emulator, next);
  const previous = previousAttributes(current, next);
  const deliveries = [await emulator.emitEvent(fail ? "invoice.payment_failed" : "invoice.paid", invoice)];
  deliveries.push(await emulator.emitEvent("customer.subscription.updated", next, previous));
  return { subscription: next, invoice, deliveries };
}

function booleanParam(params: FormParams, name: string): boolean | undefined {
  const value = stringParam(params, name);
  if (value === undefined) return undefined;
  if (value === "true" || value === "false") return value === "true";
  throw new StripeApiError(
    400,
    "invalid_request_error",
    `Invalid boolean: ${value}`,
    "parameter_invalid_boolean",
    name,
  );
}

const LIST_STATUSES = new Set([
  "active",
  "all",
  "canceled",
  "ended",
  "incomplete",
  "incomplete_expired",
  "past_due",
  "paused",
  "trialing",
  "unpaid",
]);

function statusFilter(status: string | undefined): (sub: Stripe.Subscription) => boolean {
  if (status === undefined) return (sub) => sub.status !== "canceled";
  if (!LIST_STATUSES.has(status)) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      `Invalid status: must be one of ${[...LIST_STATUSES].join(", ")}`,
      undefined,
      "status",
    );
  }
  if (status === "all") return () => true;
  if (status === "ended") return (sub) => sub.status === "canceled" || sub.status === "incomplete_expired";
  return (sub) => sub.status === status;
}

/** /v1/subscriptions (read, list, update, cancel) and POST /_stripe/subscriptions/:id/advance. */
export function registerSubscriptionRoutes(emulator: StripeEmulator): void {
  emulator.route("GET", "/v1/subscriptions/:id", ({ params, form }) => {
    rejectUnknown(form, ["expand"]);
    return requireSubscription(emulator, params.id ?? "");
  });

  emulator.route("GET", "/v1/subscriptions", ({ form, path }) => {
    rejectUnknown(form, [
      "customer",
      "price",
      "status",
      "created",
      "limit",
      "starting_after",
      "ending_before",
      "expand",
    ]);
    const customer = stringParam(form, "customer");
    const price = stringParam(form, "price");
    const subscriptions = emulator.store
      .all<Stripe.Subscription>(SUBSCRIPTIONS)
      .filter(statusFilter(stringParam(form, "status")))
      .filter((sub) => customer === undefined || sub.customer === customer)
      .filter((sub) => price === undefined || sub.items.data.some((item) => item.price.id === price));
    return paginate(subscriptions, form, path);
  });

  emulator.route("POST", "/v1/subscriptions/:id", ({ params, form }) => {
    rejectUnknown(form, ["cancel_at_period_end", "metadata", "cancellation_details", "expand"]);
    const current = requireSubscription(emulator, params.id ?? "");
    const { subscription } = updateSubscription(emulator, current, {
      cancelAtPeriodEnd: booleanParam(form, "cancel_at_period_end"),
      metadata: form.metadata as FormParams | string | undefined,
      cancellationDetails: objectParam(form, "cancellation_details"),
    });
    return subscription;
  });

  emulator.route("DELETE", "/v1/subscriptions/:id", ({ params, form }) => {
    rejectUnknown(form, ["cancellation_details", "invoice_now", "prorate", "expand"]);
    const current = requireSubscription(emulator, params.id ?? "");
    if (current.status === "canceled") throw StripeApiError.missing("subscription", current.id);
    const details = objectParam(form, "cancellation_details");
    const withDetails = details
      ? applyChanges(current, { cancellationDetails: details }, unixNow())
      : current;
    return endSubscription(emulator, withDetails).subscription;
  });

  emulator.control("POST", "/_stripe/subscriptions/:id/advance", async ({ params, json }) => {
    const fail = isRecord(json) && json.fail === true;
    const result = await advanceSubscription(emulator, requireSubscription(emulator, params.id ?? ""), fail);
    return { json: { ...result, deliveries: result.deliveries.map(summarizeOutcome) } };
  });
}
