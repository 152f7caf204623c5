import type Stripe from "stripe";
import type { StripeEmulator } from "./emulator";
import { stringParam } from "./form";
import { createCharge } from "./payments";
import { paginate, rejectUnknown, StripeApiError, type StripeList, stripeId } from "./store";

const INVOICES = "invoices";
const INVOICE_PAYMENTS = "invoice_payments";
const CUSTOMERS = "customers";

/** A subscription invoice to issue: one line for the item's price over `period`. */
export interface SubscriptionInvoiceInput {
  subscription: Stripe.Subscription;
  item: Stripe.SubscriptionItem;
  customer: Stripe.Customer;
  /** The service period the line bills for. */
  period: { start: number; end: number };
  /** The invoice's own period (Stripe: the usage period before the line's period). */
  invoicePeriod: { start: number; end: number };
  billingReason: "subscription_create" | "subscription_cycle";
  /** true: charged and paid; false: the charge failed and the invoice stays open. */
  paid: boolean;
  created: number;
}

/** The next invoice number of a customer ("<prefix>-0001"), advancing its sequence. */
function nextInvoiceNumber(emulator: StripeEmulator, given: Stripe.Customer): string {
  const customer = emulator.store.get<Stripe.Customer>(CUSTOMERS, given.id) ?? given;
  const sequence = customer.next_invoice_sequence ?? 1;
  emulator.store.put<Stripe.Customer>(CUSTOMERS, { ...customer, next_invoice_sequence: sequence + 1 });
  return `${customer.invoice_prefix ?? "INV"}-${String(sequence).padStart(4, "0")}`;
}

function lineItem(
  input: SubscriptionInvoiceInput,
  invoiceId: string,
  amount: number,
): Stripe.InvoiceLineItem {
  const { item, subscription } = input;
  const price = item.price;
  const product = typeof price.product === "string" ? price.product : price.product.id;
  const quantity = item.quantity ?? 1;
  return {
    id: stripeId("il", 24),
    object: "line_item",
    amount,
    currency: price.currency,
    description: `${quantity} × ${price.nickname ?? product} (at ${price.unit_amount} / ${price.recurring?.interval ?? "month"})`,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: invoiceId,
    livemode: false,
    metadata: {},
    parent: {
      type: "subscription_item_details",
      invoice_item_details: null,
      subscription_item_details: {
        invoice_item: null,
        proration: false,
        proration_details: { credited_items: null },
        subscription: subscription.id,
        subscription_item: item.id,
      },
    },
    period: input.period,
    pretax_credit_amounts: [],
    pricing: {
      type: "price_details",
      price_details: { price: price.id, product },
      unit_amount_decimal: price.unit_amount_decimal,
    },
    quantity,
    quantity_decimal: null,
    subscription: subscription.id,
    subtotal: amount,
    taxes: [],
  };
}

function invoicePayment(invoiceId: string, charge: Stripe.Charge, paidAt: number): Stripe.InvoicePayment {
  return {
    id: stripeId("inpay", 24),
    object: "invoice_payment",
    amount_paid: charge.amount,
    amount_requested: charge.amount,
    created: paidAt,
    currency: charge.currency,
    invoice: invoiceId,
    is_default: true,
    livemode: false,
    payment: { type: "payment_intent", payment_intent: charge.payment_intent ?? undefined },
    status: "paid",
    status_transitions: { canceled_at: null, paid_at: paidAt },
  };
}

/**
 * Issues a finalized subscription invoice. When `paid`, also records the charge (and its
 * PaymentIntent id) and an InvoicePayment; otherwise the invoice stays open after a failed attempt.
 */
export function createSubscriptionInvoice(
  emulator: StripeEmulator,
  input: SubscriptionInvoiceInput,
): Stripe.Invoice {
  const { customer, subscription, created } = input;
  const id = stripeId("in", 24);
  const amount = (input.item.price.unit_amount ?? 0) * (input.item.quantity ?? 1);
  const currency = input.item.price.currency;
  const line = lineItem(input, id, amount);
  const payments: StripeList<Stripe.InvoicePayment> = {
    object: "list",
    data: [],
    has_more: false,
    url: `/v1/invoice_payments?invoice=${id}`,
  };
  if (input.paid) {
    const charge = createCharge(emulator, {
      customer,
      amount,
      currency,
      description:
        input.billingReason === "subscription_create" ? "Subscription creation" : "Subscription update",
      created,
    });
    payments.data.push(emulator.store.put(INVOICE_PAYMENTS, invoicePayment(id, charge, created)));
  }
  const invoice: Stripe.Invoice = {
    id,
    object: "invoice",
    account_country: "US",
    account_name: "Backline (local Stripe emulator)",
    account_tax_ids: null,
    amount_due: amount,
    amount_overpaid: 0,
    amount_paid: input.paid ? amount : 0,
    amount_remaining: input.paid ? 0 : amount,
    amount_shipping: 0,
    application: null,
    attempt_count: 1,
    attempted: true,
    auto_advance: !input.paid,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: input.billingReason,
    collection_method: "charge_automatically",
    created,
    currency,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: customer.address ?? null,
    customer_email: customer.email,
    customer_name: customer.name ?? null,
    customer_phone: customer.phone ?? null,
    customer_shipping: null,
    customer_tax_exempt: customer.tax_exempt ?? "none",
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: created,
    ending_balance: 0,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: "self" },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: "list", data: [line], has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: input.paid ? null : created + 3 * 24 * 3600,
    number: nextInvoiceNumber(emulator, customer),
    on_behalf_of: null,
    parent: {
      type: "subscription_details",
      quote_details: null,
      subscription_details: { metadata: subscription.metadata, subscription: subscription.id },
    },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    payments,
    period_end: input.invoicePeriod.end,
    period_start: input.invoicePeriod.start,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: input.paid ? "paid" : "open",
    status_transitions: {
      finalized_at: created,
      marked_uncollectible_at: null,
      paid_at: input.paid ? created : null,
      voided_at: null,
    },
    subtotal: amount,
    subtotal_excluding_tax: amount,
    test_clock: null,
    total: amount,
    total_discount_amounts: [],
    total_excluding_tax: amount,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: created,
  };
  return emulator.store.put(INVOICES, invoice);
}

/** The subscription id of a subscription invoice. */
export function invoiceSubscription(invoice: Stripe.Invoice): string | null {
  const subscription = invoice.parent?.subscription_details?.subscription;
  if (subscription === undefined) return null;
  return typeof subscription === "string" ? subscription : subscription.id;
}

function requireInvoice(emulator: StripeEmulator, id: string): Stripe.Invoice {
  const invoice = emulator.store.get<Stripe.Invoice>(INVOICES, id);
  if (!invoice) throw StripeApiError.missing("invoice", id);
  return invoice;
}

/** /v1/invoices (read, list, lines) and /v1/invoice_payments (read, list by invoice). */
export function registerInvoiceRoutes(emulator: StripeEmulator): void {
  emulator.route("GET", "/v1/invoices/:id", ({ params, form }) => {
    rejectUnknown(form, ["expand"]);
    return requireInvoice(emulator, params.id ?? "");
  });

  emulator.route("GET", "/v1/invoices/:id/lines", ({ params, form, path }) => {
    rejectUnknown(form, ["limit", "starting_after", "ending_before", "expand"]);
    return paginate(requireInvoice(emulator, params.id ?? "").lines.data, form, path);
  });

  emulator.route("GET", "/v1/invoices", ({ form, path }) => {
    rejectUnknown(form, [
      "customer",
      "subscription",
      "status",
      "collection_method",
      "created",
      "limit",
      "starting_after",
      "ending_before",
      "expand",
    ]);
    const customer = stringParam(form, "customer");
    const subscription = stringParam(form, "subscription");
    const status = stringParam(form, "status");
    const invoices = emulator.store
      .all<Stripe.Invoice>(INVOICES)
      .filter((invoice) => customer === undefined || invoice.customer === customer)
      .filter((invoice) => subscription === undefined || invoiceSubscription(invoice) === subscription)
      .filter((invoice) => status === undefined || invoice.status === status);
    return paginate(invoices, form, path);
  });

  emulator.route("GET", "/v1/invoice_payments/:id", ({ params, form }) => {
    rejectUnknown(form, ["expand"]);
    const payment = emulator.store.get<Stripe.InvoicePayment>(INVOICE_PAYMENTS, params.id ?? "");
    if (!payment) throw StripeApiError.missing("invoice_payment", params.id ?? "");
    return payment;
  });

  emulator.route("GET", "/v1/invoice_payments", ({ form, path }) => {
    rejectUnknown(form, [
      "invoice",
      "payment",
      "status",
      "limit",
      "starting_after",
      "ending_before",
      "expand",
    ]);
    const invoice = stringParam(form, "invoice");
    const status = stringParam(form, "status");
    const payment =
      typeof form.payment === "object" && !Array.isArray(form.payment) ? form.payment : undefined;
    const paymentIntent = payment ? stringParam(payment, "payment_intent") : undefined;
    const payments = emulator.store
      .all<Stripe.InvoicePayment>(INVOICE_PAYMENTS)
      .filter((item) => invoice === undefined || item.invoice === invoice)
      .filter((item) => status === undefined || item.status === status)
      .filter((item) => paymentIntent === undefined || item.payment.payment_intent === paymentIntent);
    return paginate(payments, form, path);
  });
}
