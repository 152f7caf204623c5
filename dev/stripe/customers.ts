import type Stripe from "stripe";
import type { StripeEmulator } from "./emulator";
import { type FormParams, type FormValue, objectParam, stringParam } from "./form";
import { paginate, rejectUnknown, StripeApiError, stripeId, unixNow } from "./store";

const COLLECTION = "customers";

const WRITABLE = new Set([
  "address",
  "balance",
  "description",
  "email",
  "invoice_prefix",
  "invoice_settings",
  "metadata",
  "name",
  "phone",
  "preferred_locales",
  "shipping",
  "tax_exempt",
  "expand",
]);

/** Stripe metadata update rules: merge, "" deletes a key, metadata="" clears all. */
export function mergeMetadata(current: Stripe.Metadata, update: FormValue | undefined): Stripe.Metadata {
  if (update === undefined) return current;
  if (update === "") return {};
  if (typeof update !== "object" || Array.isArray(update)) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      "Invalid object",
      "parameter_invalid_empty",
      "metadata",
    );
  }
  const next = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (typeof value !== "string") {
      throw new StripeApiError(
        400,
        "invalid_request_error",
        `Invalid metadata value for ${key}`,
        undefined,
        "metadata",
      );
    }
    if (value === "") delete next[key];
    else next[key] = value;
  }
  return next;
}

function nullableString(params: FormParams, name: string, current: string | null): string | null {
  const value = stringParam(params, name);
  if (value === undefined) return current;
  return value === "" ? null : value;
}

function toAddress(value: FormParams | undefined, current: Stripe.Address | null): Stripe.Address | null {
  if (value === undefined) return current;
  const field = (name: string) => stringParam(value, name) ?? null;
  return {
    city: field("city"),
    country: field("country"),
    line1: field("line1"),
    line2: field("line2"),
    postal_code: field("postal_code"),
    state: field("state"),
  };
}

/** Applies create/update parameters onto a customer. */
function applyParams(customer: Stripe.Customer, params: FormParams): Stripe.Customer {
  const locales = params.preferred_locales;
  const invoiceSettings = objectParam(params, "invoice_settings");
  const balance = stringParam(params, "balance");
  const taxExempt = stringParam(params, "tax_exempt");
  if (params.address === "") customer.address = null;
  else customer.address = toAddress(objectParam(params, "address"), customer.address ?? null);
  if (balance !== undefined) customer.balance = Number.parseInt(balance, 10) || 0;
  customer.description = nullableString(params, "description", customer.description);
  customer.email = nullableString(params, "email", customer.email);
  customer.name = nullableString(params, "name", customer.name ?? null);
  customer.phone = nullableString(params, "phone", customer.phone ?? null);
  customer.invoice_prefix = stringParam(params, "invoice_prefix") ?? customer.invoice_prefix ?? null;
  customer.metadata = mergeMetadata(customer.metadata, params.metadata);
  if (Array.isArray(locales))
    customer.preferred_locales = locales.filter((l): l is string => typeof l === "string");
  if (locales === "") customer.preferred_locales = [];
  if (taxExempt === "none" || taxExempt === "exempt" || taxExempt === "reverse")
    customer.tax_exempt = taxExempt;
  if (invoiceSettings) {
    const method = stringParam(invoiceSettings, "default_payment_method");
    const footer = stringParam(invoiceSettings, "footer");
    if (method !== undefined)
      customer.invoice_settings.default_payment_method = method === "" ? null : method;
    if (footer !== undefined) customer.invoice_settings.footer = footer === "" ? null : footer;
  }
  return customer;
}

function newCustomer(): Stripe.Customer {
  const id = stripeId("cus");
  return {
    id,
    object: "customer",
    address: null,
    balance: 0,
    created: unixNow(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: null,
    invoice_prefix: id.slice(4, 12).toUpperCase(),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: {},
    name: null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: null,
  };
}

/** Reads a live customer, 404 like Stripe when unknown or deleted. */
export function requireCustomer(emulator: StripeEmulator, id: string, param = "id"): Stripe.Customer {
  const customer = emulator.store.get<Stripe.Customer | Stripe.DeletedCustomer>(COLLECTION, id);
  if (!customer || customer.deleted) throw StripeApiError.missing("customer", id, param);
  return customer;
}

/** /v1/customers: create, retrieve, update, delete, list (email filter). */
export function registerCustomerRoutes(emulator: StripeEmulator): void {
  emulator.route("POST", "/v1/customers", ({ form }) => {
    rejectUnknown(form, WRITABLE);
    return emulator.store.put(COLLECTION, applyParams(newCustomer(), form));
  });

  emulator.route("GET", "/v1/customers/:id", ({ params }) => {
    const customer = emulator.store.get<Stripe.Customer | Stripe.DeletedCustomer>(
      COLLECTION,
      params.id ?? "",
    );
    if (!customer) throw StripeApiError.missing("customer", params.id ?? "");
    return customer;
  });

  emulator.route("POST", "/v1/customers/:id", ({ params, form }) => {
    rejectUnknown(form, WRITABLE);
    const customer = requireCustomer(emulator, params.id ?? "");
    return emulator.store.put(COLLECTION, applyParams(structuredClone(customer), form));
  });

  emulator.route("DELETE", "/v1/customers/:id", ({ params }) => {
    const customer = requireCustomer(emulator, params.id ?? "");
    const deleted: Stripe.DeletedCustomer = { id: customer.id, object: "customer", deleted: true };
    return emulator.store.put(COLLECTION, deleted);
  });

  emulator.route("GET", "/v1/customers", ({ form, path }) => {
    rejectUnknown(
      form,
      new Set(["email", "limit", "starting_after", "ending_before", "expand", "created", "test_clock"]),
    );
    const email = stringParam(form, "email");
    const live = emulator.store
      .all<Stripe.Customer | Stripe.DeletedCustomer>(COLLECTION)
      .filter((customer): customer is Stripe.Customer => !customer.deleted)
      .filter((customer) => email === undefined || customer.email === email);
    return paginate(live, form, path);
  });
}
