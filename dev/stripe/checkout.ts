import type Stripe from "stripe";
import { mergeMetadata, requireCustomer } from "./customers";
import { summarizeOutcome } from "./delivery";
import type { StripeEmulator } from "./emulator";
import { type FormParams, objectParam, stringParam } from "./form";
import { createSubscriptionInvoice } from "./invoices";
import { formatMoney, html, page } from "./pages";
import { productOf, requirePrice } from "./prices";
import { paginate, rejectUnknown, type StoredObject, StripeApiError, stripeId, unixNow } from "./store";
import { firstItem, newSubscription, saveSubscription } from "./subscriptions";

const SESSIONS = "checkout_sessions";
/** What a session was created with that the Session object does not show. */
const REQUESTS = "checkout_requests";
const SESSION_LIFETIME = 24 * 3600;

const CREATE_PARAMS = [
  "mode",
  "customer",
  "line_items",
  "client_reference_id",
  "metadata",
  "subscription_data",
  "success_url",
  "cancel_url",
  "expand",
];

interface CheckoutRequest extends StoredObject {
  object: "checkout_request";
  price: string;
  quantity: number;
  subscriptionMetadata: Stripe.Metadata;
}

function missing(param: string): StripeApiError {
  return new StripeApiError(
    400,
    "invalid_request_error",
    `Missing required param: ${param}.`,
    "parameter_missing",
    param,
  );
}

function requiredString(form: FormParams, name: string): string {
  const value = stringParam(form, name);
  if (value === undefined || value === "") throw missing(name);
  return value;
}

/** Reads the single `line_items[0]` the emulator supports: a known recurring price and a quantity. */
function readLineItem(emulator: StripeEmulator, form: FormParams): { price: Stripe.Price; quantity: number } {
  const items = form.line_items;
  if (!Array.isArray(items) || items.length === 0) throw missing("line_items");
  if (items.length > 1) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      "The local Stripe emulator supports one line item per Checkout Session.",
      undefined,
      "line_items",
    );
  }
  const item = items[0];
  if (typeof item !== "object" || Array.isArray(item)) throw missing("line_items[0][price]");
  for (const key of Object.keys(item)) {
    if (key !== "price" && key !== "quantity") throw StripeApiError.unknownParam(`line_items[0][${key}]`);
  }
  const price = requirePrice(emulator, stringParam(item, "price") ?? "", "line_items[0][price]");
  if (!price.recurring) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      "You must specify at least one recurring price in `subscription` mode when using prices.",
      undefined,
      "line_items[0][price]",
    );
  }
  const quantityText = stringParam(item, "quantity") ?? "1";
  const quantity = Number(quantityText);
  if (!/^\d+$/.test(quantityText) || quantity < 1) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      "Invalid positive integer",
      "parameter_invalid_integer",
      "line_items[0][quantity]",
    );
  }
  return { price, quantity };
}

function readSubscriptionMetadata(form: FormParams): Stripe.Metadata {
  const data = objectParam(form, "subscription_data");
  if (!data) return {};
  for (const key of Object.keys(data)) {
    if (key !== "metadata") throw StripeApiError.unknownParam(`subscription_data[${key}]`);
  }
  return mergeMetadata({}, data.metadata);
}

function newSession(
  emulator: StripeEmulator,
  form: FormParams,
  customer: Stripe.Customer,
  price: Stripe.Price,
  quantity: number,
): Stripe.Checkout.Session {
  const id = stripeId("cs_test", 58);
  const created = unixNow();
  const amount = (price.unit_amount ?? 0) * quantity;
  return {
    id,
    object: "checkout.session",
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: amount,
    amount_total: amount,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: stringParam(form, "cancel_url") ?? null,
    client_reference_id: stringParam(form, "client_reference_id") ?? null,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created,
    currency: price.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: {
      after_submit: null,
      shipping_address: null,
      submit: null,
      terms_of_service_acceptance: null,
    },
    customer: customer.id,
    customer_account: null,
    customer_creation: null,
    customer_details: null,
    customer_email: null,
    discounts: [],
    expires_at: created + SESSION_LIFETIME,
    integration_identifier: null,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: null,
    managed_payments: null,
    metadata: mergeMetadata({}, form.metadata),
    mode: "subscription",
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: "always",
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: ["card"],
    payment_status: "unpaid",
    permissions: null,
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: "open",
    submit_type: null,
    subscription: null,
    success_url: requiredString(form, "success_url"),
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: "hosted_page",
    url: `${emulator.publicUrl}/_stripe/checkout/${id}`,
    wallet_options: null,
  };
}

function requireSession(emulator: StripeEmulator, id: string): Stripe.Checkout.Session {
  const session = emulator.store.get<Stripe.Checkout.Session>(SESSIONS, id);
  if (!session) throw StripeApiError.missing("checkout.session", id);
  return session;
}

function requestOf(emulator: StripeEmulator, session: Stripe.Checkout.Session): CheckoutRequest {
  const request = emulator.store.get<CheckoutRequest>(REQUESTS, session.id);
  if (!request) throw new StripeApiError(500, "api_error", `no request stored for ${session.id}`);
  return request;
}

function requireOpen(session: Stripe.Checkout.Session): void {
  if (session.status === "open" && session.expires_at > unixNow()) return;
  throw new StripeApiError(
    409,
    "invalid_request_error",
    `This Checkout Session is no longer active (status: ${session.status === "open" ? "expired" : session.status}).`,
  );
}

/** What paying a session created. */
interface PaidCheckout {
  session: Stripe.Checkout.Session;
  subscription: Stripe.Subscription;
  invoice: Stripe.Invoice;
}

/** Does what Stripe does once the card is charged: subscription, charge, paid invoice, completed session. */
function completeCheckout(emulator: StripeEmulator, session: Stripe.Checkout.Session): PaidCheckout {
  requireOpen(session);
  const request = requestOf(emulator, session);
  const customer = requireCustomer(emulator, String(session.customer), "customer");
  const created = unixNow();
  const subscription = newSubscription({
    customer,
    price: requirePrice(emulator, request.price),
    quantity: request.quantity,
    metadata: request.subscriptionMetadata,
    created,
  });
  const item = firstItem(subscription);
  const invoice = createSubscriptionInvoice(emulator, {
    subscription,
    item,
    customer,
    period: { start: item.current_period_start, end: item.current_period_end },
    invoicePeriod: { start: created, end: created },
    billingReason: "subscription_create",
    paid: true,
    created,
  });
  subscription.latest_invoice = invoice.id;
  saveSubscription(emulator, subscription);
  const completed: Stripe.Checkout.Session = {
    ...session,
    customer_details: {
      address: customer.address ?? null,
      business_name: null,
      email: customer.email,
      individual_name: null,
      name: customer.name ?? null,
      phone: customer.phone ?? null,
      tax_exempt: customer.tax_exempt ?? "none",
      tax_ids: [],
    },
    invoice: invoice.id,
    payment_status: "paid",
    status: "complete",
    subscription: subscription.id,
  };
  emulator.store.put(SESSIONS, completed);
  return { session: completed, subscription, invoice };
}

function checkoutPage(emulator: StripeEmulator, session: Stripe.Checkout.Session): string {
  const request = requestOf(emulator, session);
  const price = requirePrice(emulator, request.price);
  const product = productOf(emulator, price);
  const customer = requireCustomer(emulator, String(session.customer), "customer");
  const amount = formatMoney(session.amount_total ?? 0, price.currency);
  const interval = price.recurring?.interval ?? "month";
  if (session.status !== "open") {
    return page(
      "Checkout complete",
      html`<h1>${product.name}</h1>
<p>This Checkout Session is ${session.status ?? "closed"}.</p>
<p><a href="${session.success_url ?? "/"}">Continue</a></p>`,
    );
  }
  return page(
    `Subscribe to ${product.name}`,
    html`<h1>Subscribe to ${product.name}</h1>
<div class="card">
<div class="amount">${amount}</div>
<div>per ${interval}${request.quantity > 1 ? ` × ${request.quantity}` : ""}</div>
<p>Billed to <strong>${customer.email ?? customer.id}</strong></p>
</div>
<form method="post" action="/_stripe/checkout/${session.id}/pay"><button type="submit">Pay</button></form>
${session.cancel_url ? html` <a href="${session.cancel_url}">Cancel</a>` : html``}
<p class="note">No card is needed: Pay succeeds at once.</p>`,
  );
}

/** /v1/checkout/sessions (create, read, list), the hosted page and its Pay action. */
export function registerCheckoutRoutes(emulator: StripeEmulator): void {
  emulator.route("POST", "/v1/checkout/sessions", ({ form }) => {
    rejectUnknown(form, CREATE_PARAMS);
    const mode = requiredString(form, "mode");
    if (mode !== "subscription") {
      throw new StripeApiError(
        400,
        "invalid_request_error",
        `The local Stripe emulator supports only mode=subscription (got ${mode}).`,
        undefined,
        "mode",
      );
    }
    const customer = requireCustomer(emulator, requiredString(form, "customer"), "customer");
    const { price, quantity } = readLineItem(emulator, form);
    const subscriptionMetadata = readSubscriptionMetadata(form);
    const session = newSession(emulator, form, customer, price, quantity);
    emulator.store.put<CheckoutRequest>(REQUESTS, {
      id: session.id,
      object: "checkout_request",
      price: price.id,
      quantity,
      subscriptionMetadata,
    });
    return emulator.store.put(SESSIONS, session);
  });

  emulator.route("GET", "/v1/checkout/sessions/:id", ({ params, form }) => {
    rejectUnknown(form, ["expand"]);
    return requireSession(emulator, params.id ?? "");
  });

  emulator.route("GET", "/v1/checkout/sessions", ({ form, path }) => {
    rejectUnknown(form, [
      "customer",
      "subscription",
      "status",
      "limit",
      "starting_after",
      "ending_before",
      "expand",
    ]);
    const customer = stringParam(form, "customer");
    const subscription = stringParam(form, "subscription");
    const status = stringParam(form, "status");
    const sessions = emulator.store
      .all<Stripe.Checkout.Session>(SESSIONS)
      .filter((session) => customer === undefined || session.customer === customer)
      .filter((session) => subscription === undefined || session.subscription === subscription)
      .filter((session) => status === undefined || session.status === status);
    return paginate(sessions, form, path);
  });

  // Stripe: only an open session can be expired; its page then refuses to pay, its `url` is
  // gone (present only while a session is open), and checkout.session.expired is sent.
  emulator.route("POST", "/v1/checkout/sessions/:id/expire", ({ params, form }) => {
    rejectUnknown(form, ["expand"]);
    const session = requireSession(emulator, params.id ?? "");
    if (session.status !== "open") {
      throw new StripeApiError(
        400,
        "invalid_request_error",
        `Only Checkout Sessions with a status of open can be expired. This Checkout Session has a status of ${session.status}.`,
      );
    }
    const expired = emulator.store.put(SESSIONS, { ...session, status: "expired" as const, url: null });
    void emulator.emitEvent("checkout.session.expired", expired);
    return expired;
  });

  emulator.control("GET", "/_stripe/checkout/:id", ({ params }) => ({
    html: checkoutPage(emulator, requireSession(emulator, params.id ?? "")),
  }));

  emulator.control("POST", "/_stripe/checkout/:id/pay", async ({ params, wantsJson }) => {
    const paid = completeCheckout(emulator, requireSession(emulator, params.id ?? ""));
    const deliveries = [
      await emulator.emitEvent("checkout.session.completed", paid.session),
      await emulator.emitEvent("customer.subscription.created", paid.subscription),
      await emulator.emitEvent("invoice.paid", paid.invoice),
    ].map(summarizeOutcome);
    if (wantsJson) return { json: { ...paid, deliveries } };
    return {
      redirect: (paid.session.success_url ?? "/").replaceAll("{CHECKOUT_SESSION_ID}", paid.session.id),
    };
  });
}
