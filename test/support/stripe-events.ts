import Stripe from "stripe";
import { send, type TestBindings } from "./harness";

/**
 * Stripe events made by tests: shaped like Stripe's (API 2026-10-28) and signed with the
 * webhook secret, for the cases the emulator's own flows do not produce (old, reordered,
 * duplicated, tampered).
 */

let counter = 0;
const rand = () => crypto.randomUUID().replaceAll("-", "").slice(0, 14);
export const unix = (d = new Date()) => Math.floor(d.getTime() / 1000);

export function stripeId(prefix: string): string {
  counter += 1;
  return `${prefix}_${rand()}${counter}`;
}

export interface SubscriptionFields {
  id: string;
  customer: string;
  status: Stripe.Subscription.Status;
  priceId?: string;
  periodEnd?: number;
  cancelAtPeriodEnd?: boolean;
  userId?: string;
}

/** A subscription object with the fields the API reads. */
export function subscriptionObject(f: SubscriptionFields) {
  const now = unix();
  const periodEnd = f.periodEnd ?? now + 30 * 86400;
  return {
    id: f.id,
    object: "subscription",
    customer: f.customer,
    status: f.status,
    cancel_at_period_end: f.cancelAtPeriodEnd ?? false,
    canceled_at: f.status === "canceled" ? now : null,
    ended_at: f.status === "canceled" ? now : null,
    created: now,
    livemode: false,
    metadata: f.userId ? { userId: f.userId } : {},
    items: {
      object: "list",
      data: [
        {
          id: stripeId("si"),
          object: "subscription_item",
          price: { id: f.priceId ?? "price_premium_monthly", object: "price" },
          current_period_start: periodEnd - 30 * 86400,
          current_period_end: periodEnd,
          quantity: 1,
        },
      ],
      has_more: false,
    },
  };
}

export interface InvoiceFields {
  id: string;
  customer: string;
  subscription: string;
  status: "paid" | "open";
  amount: number;
  paymentIntent?: string;
}

/** An invoice object with the fields the API reads. */
export function invoiceObject(f: InvoiceFields) {
  const now = unix();
  return {
    id: f.id,
    object: "invoice",
    customer: f.customer,
    status: f.status,
    number: `INV-${f.id.slice(-6)}`,
    currency: "usd",
    amount_due: f.amount,
    amount_paid: f.status === "paid" ? f.amount : 0,
    created: now,
    period_start: now - 30 * 86400,
    period_end: now,
    hosted_invoice_url: null,
    parent: { type: "subscription_details", subscription_details: { subscription: f.subscription } },
    payments: {
      object: "list",
      data: f.paymentIntent
        ? [
            {
              id: stripeId("inpay"),
              object: "invoice_payment",
              payment: { type: "payment_intent", payment_intent: f.paymentIntent },
            },
          ]
        : [],
      has_more: false,
    },
  };
}

/** An event around an object; `created` defaults to now (unix seconds). */
export function stripeEvent(type: string, object: Record<string, unknown>, created = unix()) {
  return {
    id: stripeId("evt"),
    object: "event",
    api_version: "2026-10-28.endive",
    created,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
}

export interface Signed {
  payload: string;
  signature: string;
}

/** Serializes and signs an event as Stripe does (async: workerd has no sync HMAC). */
export async function sign(
  bindings: TestBindings,
  event: object,
  options: { secret?: string; timestamp?: number } = {},
): Promise<Signed> {
  const payload = JSON.stringify(event, null, 2);
  const signature = await Stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: options.secret ?? bindings.STRIPE_WEBHOOK_SECRET,
    timestamp: options.timestamp ?? unix(),
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  });
  return { payload, signature };
}

/** POSTs one delivery to the webhook endpoint, as Stripe would. */
export function deliver(bindings: TestBindings, d: Signed, headers: Record<string, string> = {}) {
  return send(bindings, "/api/webhooks/stripe", {
    method: "POST",
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Stripe-Signature": d.signature,
      ...headers,
    },
    body: d.payload,
  });
}

/** Signs and delivers an event; the response status. */
export async function deliverEvent(
  bindings: TestBindings,
  event: object,
  headers: Record<string, string> = {},
) {
  const res = await deliver(bindings, await sign(bindings, event), headers);
  await res.arrayBuffer();
  return res.status;
}
