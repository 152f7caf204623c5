/**
 * Account deletion and money (issue 12): the Stripe customer is closed (open checkouts
 * expired, subscriptions canceled, customer deleted), invoice links go, events that arrive
 * afterwards are stored scrubbed, and a subscription paid for an account that no longer
 * exists is canceled by the webhook.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb, createStripe } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, type SignedUp, signUp } from "../../test/support/accounts";
import { DEAD_URL, fileEnv, send, type TestBindings } from "../../test/support/harness";
import { deliverPending, pay, takePending } from "../../test/support/stripe-emulator";
import {
  deliver,
  deliverEvent,
  invoiceObject,
  stripeEvent,
  stripeId,
} from "../../test/support/stripe-events";

const bindings = fileEnv("deletion");
const config = loadConfig(bindings);
const db = createDb(config);
const stripe = createStripe(config);
const MONTHLY = "price_premium_monthly";

async function checkout(user: SignedUp) {
  const res = await send(bindings, "/api/billing/checkout", {
    method: "POST",
    headers: bearer(user.accessToken),
    json: { priceId: MONTHLY },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; url: string };
}

function deleteMe(user: SignedUp, target: TestBindings = bindings) {
  return send(target, "/api/me", {
    method: "DELETE",
    headers: bearer(user.accessToken),
    json: { password: user.password },
  });
}

async function customerOf(userId: string) {
  const { rows } = await db.execute<{ stripe_customer_id: string | null }>(
    sql`select stripe_customer_id from users where id = ${userId}`,
  );
  return rows[0]?.stripe_customer_id as string;
}

async function storedObject(eventId: string) {
  const { rows } = await db.execute<{ object: Record<string, unknown> }>(
    sql`select payload #> '{data,object}' as object from stripe_events where id = ${eventId}`,
  );
  return rows[0]?.object;
}

async function eventsMentioning(text: string) {
  const { rows } = await db.execute<{ n: number }>(
    sql`select count(*)::int as n from stripe_events where strpos(payload::text, ${text}) > 0`,
  );
  return rows[0]?.n ?? 0;
}

async function invoiceLink(invoiceId: string) {
  const { rows } = await db.execute<{ hosted_invoice_url: string | null; user_id: string | null }>(
    sql`select hosted_invoice_url, user_id from invoices where id = ${invoiceId}`,
  );
  return rows[0];
}

/** A paid invoice event for a customer, with a hosted link and the customer's email, as Stripe sends it. */
function invoicePaid(customer: string, email: string) {
  const invoice = {
    ...invoiceObject({
      id: stripeId("in"),
      customer,
      subscription: stripeId("sub"),
      status: "paid",
      amount: 900,
    }),
    hosted_invoice_url: `https://invoice.stripe.com/i/acct_test/${stripeId("live")}`,
    customer_email: email,
  };
  return { invoice, event: stripeEvent("invoice.paid", invoice) };
}

describe("deleting an account closes its Stripe customer", () => {
  // Regression: deletion canceled subscriptions only; an open Checkout session stayed payable
  // and the customer (email, name) stayed at Stripe.
  it("expires the open Checkout session and deletes the customer at Stripe", async () => {
    const user = await signUp(bindings);
    const session = await checkout(user);
    const customer = await customerOf(user.userId);
    expect((await deleteMe(user)).status).toBe(204);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("expired");
    expect(await stripe.customers.retrieve(customer)).toEqual({
      id: customer,
      object: "customer",
      deleted: true,
    });
  });

  it("deletes nothing when Stripe is unreachable: 503 with Retry-After; the account and the session stay", async () => {
    const user = await signUp(bindings);
    const session = await checkout(user);
    const res = await deleteMe(user, { ...bindings, STRIPE_API_BASE: DEAD_URL });
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBeTruthy();
    expect((await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(200);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");
    // The retry, with Stripe back, closes everything.
    expect((await deleteMe(user)).status).toBe(204);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("expired");
  });

  it("is safe to retry after Stripe has closed the customer (a customer deleted there counts as closed)", async () => {
    const user = await signUp(bindings);
    await checkout(user);
    await stripe.customers.del(await customerOf(user.userId));
    expect((await deleteMe(user)).status).toBe(204);
  });
});

describe("after deletion no personal data remains", () => {
  // Regression: invoices outlived their user with the link to the person's hosted invoice.
  it("invoices lose their hosted links in the deleting statement, keeping their amounts", async () => {
    const user = await signUp(bindings);
    await checkout(user);
    const customer = await customerOf(user.userId);
    const { invoice, event } = invoicePaid(customer, user.email);
    expect(await deliverEvent(bindings, event)).toBe(200);
    expect((await invoiceLink(invoice.id))?.hosted_invoice_url).toBe(invoice.hosted_invoice_url);
    expect((await deleteMe(user)).status).toBe(204);
    expect(await invoiceLink(invoice.id)).toEqual({ hosted_invoice_url: null, user_id: null });
  });

  // Regression: events arriving after the deletion (customer.deleted carries the whole
  // customer) were stored with the person's email, name and invoice links.
  it("events that arrive for the deleted customer are stored scrubbed; a late invoice keeps no link", async () => {
    const user = await signUp(bindings);
    await checkout(user);
    const customer = await customerOf(user.userId);
    expect((await deleteMe(user)).status).toBe(204);
    expect(await deliverPending(bindings, customer)).toContain("customer.deleted");
    const late = invoicePaid(customer, user.email);
    expect(await deliverEvent(bindings, late.event)).toBe(200);
    expect(await storedObject(late.event.id)).toEqual({
      id: late.invoice.id,
      object: "invoice",
      scrubbed: true,
    });
    expect((await invoiceLink(late.invoice.id))?.hosted_invoice_url).toBeNull();
    expect(await eventsMentioning(user.email)).toBe(0);
  });
});

describe("a subscription for an account that no longer exists", () => {
  /**
   * The race the webhook closes: a checkout paid for an account deleted meanwhile (its
   * customer made at Stripe but never linked here). Returns the paid subscription's id and
   * the queued events.
   */
  async function paidAfterDeletion() {
    const user = await signUp(bindings);
    expect((await deleteMe(user)).status).toBe(204);
    const customer = await stripe.customers.create({ email: user.email, metadata: { userId: user.userId } });
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: MONTHLY, quantity: 1 }],
      client_reference_id: user.userId,
      metadata: { userId: user.userId, plan: "premium-monthly" },
      subscription_data: { metadata: { userId: user.userId, plan: "premium-monthly" } },
      success_url: "http://app.test/ok",
    });
    const paid = await pay(session.id);
    return { user, customer: customer.id, subscriptionId: paid.subscription.id };
  }

  async function orphanAudits(subscriptionId: string) {
    const { rows } = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from audit_logs
      where action = 'billing.orphan_subscription_canceled' and target_id = ${subscriptionId}`);
    return rows[0]?.n;
  }

  // Regression: such a subscription was stored ownerless and went on billing at Stripe.
  it("is canceled at Stripe by the webhook, audit-logged once, and its events are stored scrubbed", async () => {
    const { user, customer, subscriptionId } = await paidAfterDeletion();
    expect(await deliverPending(bindings, customer)).toEqual([
      "checkout.session.completed",
      "customer.subscription.created",
      "invoice.paid",
    ]);
    expect((await stripe.subscriptions.retrieve(subscriptionId)).status).toBe("canceled");
    expect(await orphanAudits(subscriptionId)).toBe(1);
    // The cancel's own event lands on the ownerless row and cancels nothing more.
    expect(await deliverPending(bindings, customer)).toEqual(["customer.subscription.deleted"]);
    const { rows } = await db.execute<{ status: string; user_id: string | null }>(
      sql`select status, user_id from subscriptions where id = ${subscriptionId}`,
    );
    expect(rows).toEqual([{ status: "canceled", user_id: null }]);
    expect(await orphanAudits(subscriptionId)).toBe(1);
    expect(await eventsMentioning(user.email)).toBe(0);
  });

  it("a Stripe outage fails the event (500, nothing applied) and Stripe's retry cancels it", async () => {
    const { customer, subscriptionId } = await paidAfterDeletion();
    const pending = await takePending(customer);
    const created = pending.find((d) => d.type === "customer.subscription.created");
    if (!created) throw new Error("no customer.subscription.created queued");
    const down = await deliver({ ...bindings, STRIPE_API_BASE: DEAD_URL }, created);
    expect(down.status).toBe(500);
    expect((await stripe.subscriptions.retrieve(subscriptionId)).status).toBe("active");
    expect(await orphanAudits(subscriptionId)).toBe(0);
    const retried = await deliver(bindings, created);
    expect(retried.status).toBe(200);
    expect((await stripe.subscriptions.retrieve(subscriptionId)).status).toBe("canceled");
    expect(await orphanAudits(subscriptionId)).toBe(1);
  });

  it("is left alone when its owner was never known here (another environment's customer, say)", async () => {
    const sub = {
      id: stripeId("sub"),
      object: "subscription",
      customer: stripeId("cus"),
      status: "active",
      metadata: { userId: crypto.randomUUID() },
      items: { object: "list", data: [{ price: { id: MONTHLY }, current_period_end: 2_000_000_000 }] },
    };
    const event = stripeEvent("customer.subscription.created", sub);
    expect(await deliverEvent(bindings, event)).toBe(200);
    expect(await storedObject(event.id)).toMatchObject({ id: sub.id, status: "active" });
    expect(await orphanAudits(sub.id)).toBe(0);
  });
});
