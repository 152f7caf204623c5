import type Stripe from "stripe";
import { markCustomerDeleted, requireCustomer } from "./customers";
import type { StripeEmulator } from "./emulator";
import { rejectUnknown } from "./store";
import { endSubscription } from "./subscriptions";

/** Statuses Stripe ends when the customer is deleted: every subscription that has not ended. */
const ENDED = new Set<Stripe.Subscription.Status>(["canceled", "incomplete_expired"]);

/**
 * DELETE /v1/customers/:id, as Stripe does it: the customer's subscriptions are canceled at once
 * (each with `customer.subscription.deleted`), the customer becomes the stub
 * `{id, object: "customer", deleted: true}` (still retrievable, left out of lists, refused by
 * every call that needs a customer), and `customer.deleted` carries the customer as it was.
 * Deleting it again is a 404, as for an unknown customer.
 */
export function registerCustomerDeletionRoutes(emulator: StripeEmulator): void {
  emulator.route("DELETE", "/v1/customers/:id", ({ params, form }) => {
    rejectUnknown(form, []);
    const customer = requireCustomer(emulator, params.id ?? "");
    for (const sub of emulator.store.all<Stripe.Subscription>("subscriptions")) {
      if (sub.customer === customer.id && !ENDED.has(sub.status)) endSubscription(emulator, sub);
    }
    const stub = markCustomerDeleted(emulator, customer.id);
    void emulator.emitEvent("customer.deleted", customer);
    return stub;
  });
}
