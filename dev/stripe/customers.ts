import type Stripe from "stripe";
import type { StripeEmulator } from "./emulator";
import { type FormParams, type FormValue, stringParam } from "./form";
import { paginate, rejectUnknown, StripeApiError, stripeId, unixNow } from "./store";

const COLLECTION = "customers";

const WRITABLE = new Set(["description", "email", "metadata", "name", "phone", "expand"]);

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

/** Applies create parameters onto a new customer. */
function applyParams(customer: Stripe.Customer, params: FormParams): Stripe.Customer {
  const text = (name: string) => stringParam(params, name) || null;
  customer.description = text("description");
  customer.email = text("email");
  customer.name = text("name");
  customer.phone = text("phone");
  customer.metadata = mergeMetadata(customer.metadata, params.metadata);
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

/** A stored customer: live, or the stub Stripe keeps of a deleted one. */
type StoredCustomer = Stripe.Customer | Stripe.DeletedCustomer;

function isDeleted(customer: StoredCustomer): customer is Stripe.DeletedCustomer {
  return "deleted" in customer && customer.deleted === true;
}

/** Reads a live customer, 404 like Stripe when unknown or deleted (nothing more can be done with it). */
export function requireCustomer(emulator: StripeEmulator, id: string, param = "id"): Stripe.Customer {
  const customer = emulator.store.get<StoredCustomer>(COLLECTION, id);
  if (!customer || isDeleted(customer)) throw StripeApiError.missing("customer", id, param);
  return customer;
}

/** Replaces a customer with the stub Stripe keeps once it is deleted; returns that stub. */
export function markCustomerDeleted(emulator: StripeEmulator, id: string): Stripe.DeletedCustomer {
  return emulator.store.put<Stripe.DeletedCustomer>(COLLECTION, { id, object: "customer", deleted: true });
}

/**
 * /v1/customers: create, retrieve and list (email filter). A deleted customer (customer-deletion.ts)
 * is still retrieved, as `{id, object, deleted: true}`, and is left out of lists, as at Stripe.
 */
export function registerCustomerRoutes(emulator: StripeEmulator): void {
  emulator.route("POST", "/v1/customers", ({ form }) => {
    rejectUnknown(form, WRITABLE);
    return emulator.store.put(COLLECTION, applyParams(newCustomer(), form));
  });

  emulator.route("GET", "/v1/customers/:id", ({ params }) => {
    const customer = emulator.store.get<StoredCustomer>(COLLECTION, params.id ?? "");
    if (!customer) throw StripeApiError.missing("customer", params.id ?? "");
    return customer;
  });

  emulator.route("GET", "/v1/customers", ({ form, path }) => {
    rejectUnknown(
      form,
      new Set(["email", "limit", "starting_after", "ending_before", "expand", "created", "test_clock"]),
    );
    const email = stringParam(form, "email");
    const customers = emulator.store
      .all<StoredCustomer>(COLLECTION)
      .filter((customer): customer is Stripe.Customer => !isDeleted(customer))
      .filter((customer) => email === undefined || customer.email === email);
    return paginate(customers, form, path);
  });
}
