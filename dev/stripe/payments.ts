import type Stripe from "stripe";
import { mergeMetadata } from "./customers";
import type { StripeEmulator } from "./emulator";
import { stringParam } from "./form";
import { formatMoney } from "./pages";
import { paginate, rejectUnknown, StripeApiError, stripeId, unixNow } from "./store";

const CHARGES = "charges";
const REFUNDS = "refunds";
const REFUND_REASONS = ["duplicate", "fraudulent", "requested_by_customer"] as const;

/** What a successful card payment needs. */
export interface ChargeInput {
  customer: Stripe.Customer;
  amount: number;
  currency: string;
  description: string;
  created: number;
}

/** Records a succeeded charge (with a fresh PaymentIntent id) for a customer. */
export function createCharge(emulator: StripeEmulator, input: ChargeInput): Stripe.Charge {
  const id = stripeId("ch", 24);
  return emulator.store.put<Stripe.Charge>(CHARGES, {
    id,
    object: "charge",
    amount: input.amount,
    amount_captured: input.amount,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: stripeId("txn", 24),
    billing_details: {
      address: null,
      email: input.customer.email,
      name: input.customer.name ?? null,
      phone: null,
      tax_id: null,
    },
    calculated_statement_descriptor: "BACKLINE",
    captured: true,
    created: input.created,
    currency: input.currency,
    customer: input.customer.id,
    description: input.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: "approved_by_network",
      reason: null,
      risk_level: "normal",
      risk_score: 20,
      seller_message: "Payment complete.",
      type: "authorized",
    },
    paid: true,
    payment_intent: stripeId("pi", 24),
    payment_method: stripeId("pm", 24),
    payment_method_details: null,
    receipt_email: input.customer.email,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    refunds: { object: "list", data: [], has_more: false, url: `/v1/charges/${id}/refunds` },
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: "succeeded",
    transfer_data: null,
    transfer_group: null,
  });
}

function findCharge(emulator: StripeEmulator, charge?: string, paymentIntent?: string): Stripe.Charge {
  if (charge !== undefined) {
    const found = emulator.store.get<Stripe.Charge>(CHARGES, charge);
    if (!found) throw StripeApiError.missing("charge", charge, "charge");
    if (paymentIntent !== undefined && found.payment_intent !== paymentIntent) {
      throw new StripeApiError(
        400,
        "invalid_request_error",
        `The charge '${charge}' does not belong to the PaymentIntent '${paymentIntent}'.`,
        undefined,
        "payment_intent",
      );
    }
    return found;
  }
  if (paymentIntent !== undefined) {
    const found = emulator.store
      .all<Stripe.Charge>(CHARGES)
      .find((item) => item.payment_intent === paymentIntent);
    if (!found) throw StripeApiError.missing("payment_intent", paymentIntent, "payment_intent");
    return found;
  }
  throw new StripeApiError(
    400,
    "invalid_request_error",
    "One of the following params should be provided for this request: charge or payment_intent.",
    "parameter_missing",
  );
}

function refundAmount(value: string | undefined, charge: Stripe.Charge): number {
  const remaining = charge.amount - charge.amount_refunded;
  if (charge.refunded || remaining <= 0) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      `Charge ${charge.id} has already been refunded.`,
      "charge_already_refunded",
    );
  }
  if (value === undefined) return remaining;
  if (!/^\d+$/.test(value)) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      "Invalid positive integer",
      "parameter_invalid_integer",
      "amount",
    );
  }
  const amount = Number(value);
  if (amount < 1) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      "This value must be greater than or equal to 1.",
      "parameter_invalid_integer",
      "amount",
    );
  }
  if (amount > remaining) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      `Refund amount (${formatMoney(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatMoney(remaining, charge.currency)})`,
      "amount_too_large",
      "amount",
    );
  }
  return amount;
}

function refundReason(value: string | undefined): Stripe.Refund.Reason | null {
  if (value === undefined) return null;
  if (!(REFUND_REASONS as readonly string[]).includes(value)) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      `Invalid reason: must be one of ${REFUND_REASONS.join(", ")}`,
      "parameter_invalid_string",
      "reason",
    );
  }
  return value as Stripe.Refund.Reason;
}

function customerId(value: Stripe.Charge["customer"]): string | null {
  return typeof value === "string" || value === null ? value : value.id;
}

/** /v1/charges (read), /v1/refunds (create, read, list); a refund sends `charge.refunded`. */
export function registerPaymentRoutes(emulator: StripeEmulator): void {
  emulator.route("POST", "/v1/refunds", ({ form }) => {
    rejectUnknown(form, ["amount", "charge", "payment_intent", "reason", "metadata", "expand"]);
    const charge = findCharge(emulator, stringParam(form, "charge"), stringParam(form, "payment_intent"));
    const amount = refundAmount(stringParam(form, "amount"), charge);
    const refund: Stripe.Refund = {
      id: stripeId("re", 24),
      object: "refund",
      amount,
      balance_transaction: stripeId("txn", 24),
      charge: charge.id,
      created: unixNow(),
      currency: charge.currency,
      customer: customerId(charge.customer),
      customer_account: null,
      metadata: mergeMetadata({}, form.metadata),
      payment_intent: charge.payment_intent,
      payment_method: charge.payment_method,
      reason: refundReason(stringParam(form, "reason")),
      receipt_number: null,
      source_transfer_reversal: null,
      status: "succeeded",
      transfer_reversal: null,
    };
    const refunds = charge.refunds ?? { object: "list", data: [], has_more: false, url: "" };
    const updated: Stripe.Charge = {
      ...charge,
      amount_refunded: charge.amount_refunded + amount,
      refunded: charge.amount_refunded + amount >= charge.amount,
      refunds: { ...refunds, data: [refund, ...refunds.data] },
    };
    emulator.store.put(REFUNDS, refund);
    emulator.store.put(CHARGES, updated);
    void emulator.emitEvent("charge.refunded", updated, {
      amount_refunded: charge.amount_refunded,
      refunded: charge.refunded,
    } as Stripe.Event.Data.PreviousAttributes);
    return refund;
  });

  emulator.route("GET", "/v1/refunds/:id", ({ params, form }) => {
    rejectUnknown(form, ["expand"]);
    const refund = emulator.store.get<Stripe.Refund>(REFUNDS, params.id ?? "");
    if (!refund) throw StripeApiError.missing("refund", params.id ?? "");
    return refund;
  });

  emulator.route("GET", "/v1/refunds", ({ form, path }) => {
    rejectUnknown(form, ["charge", "payment_intent", "limit", "starting_after", "ending_before", "expand"]);
    const charge = stringParam(form, "charge");
    const paymentIntent = stringParam(form, "payment_intent");
    const refunds = emulator.store
      .all<Stripe.Refund>(REFUNDS)
      .filter((refund) => charge === undefined || refund.charge === charge)
      .filter((refund) => paymentIntent === undefined || refund.payment_intent === paymentIntent);
    return paginate(refunds, form, path);
  });

  emulator.route("GET", "/v1/charges/:id", ({ params, form }) => {
    rejectUnknown(form, ["expand"]);
    const charge = emulator.store.get<Stripe.Charge>(CHARGES, params.id ?? "");
    if (!charge) throw StripeApiError.missing("charge", params.id ?? "");
    return charge;
  });

  emulator.route("GET", "/v1/charges", ({ form, path }) => {
    rejectUnknown(form, ["customer", "payment_intent", "limit", "starting_after", "ending_before", "expand"]);
    const customer = stringParam(form, "customer");
    const paymentIntent = stringParam(form, "payment_intent");
    const charges = emulator.store
      .all<Stripe.Charge>(CHARGES)
      .filter((charge) => customer === undefined || charge.customer === customer)
      .filter((charge) => paymentIntent === undefined || charge.payment_intent === paymentIntent);
    return paginate(charges, form, path);
  });
}
