import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OutcomeSummary, PendingEvent } from "./delivery";
import { type StripeTestServer, startStripeTestServer } from "./test-server";

const SECRET = "whsec_test_billing";
let server: StripeTestServer;
let stripe: Stripe;

beforeAll(async () => {
  server = await startStripeTestServer(SECRET);
  stripe = server.stripe;
});

afterAll(async () => {
  await server?.close();
});

interface Paid {
  session: Stripe.Checkout.Session;
  subscription: Stripe.Subscription;
  invoice: Stripe.Invoice;
  deliveries: OutcomeSummary[];
}

async function newCustomer(email = `c${Math.random().toString(36).slice(2)}@example.com`) {
  return stripe.customers.create({ email, name: "Test Customer" });
}

function createSession(customer: string, price = "price_test_monthly") {
  return stripe.checkout.sessions.create({
    mode: "subscription",
    customer,
    line_items: [{ price, quantity: 1 }],
    client_reference_id: "user-1",
    metadata: { userId: "user-1", plan: "premium-monthly" },
    subscription_data: { metadata: { userId: "user-1" } },
    success_url: "http://app.test/?checkout=success&session_id={CHECKOUT_SESSION_ID}",
    cancel_url: "http://app.test/?checkout=cancel",
  });
}

async function pay(sessionId: string): Promise<Paid> {
  const { status, body } = await server.control<Paid>(`/_stripe/checkout/${sessionId}/pay`);
  expect(status).toBe(200);
  return body;
}

/** A customer with an active monthly subscription; its checkout events already taken. */
async function subscribed(): Promise<{ customer: Stripe.Customer } & Paid> {
  const customer = await newCustomer();
  const paid = await pay((await createSession(customer.id)).id);
  await take(customer.id);
  return { customer, ...paid };
}

async function take(customer?: string): Promise<PendingEvent[]> {
  const { status, body } = await server.control<PendingEvent[]>("/_stripe/pending/take", { customer });
  expect(status).toBe(200);
  return body;
}

/** The JSON form (the SDK turns API decimals into Decimal objects; event payloads keep strings). */
function wire<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Verifies a taken event as the worker's webhook does and returns it. */
function verify(pending: PendingEvent): Promise<Stripe.Event> {
  return stripe.webhooks.constructEventAsync(pending.payload, pending.signature, SECRET);
}

describe("Stripe emulator: prices seeded from the plans", () => {
  it("serves each plan as a recurring price with its product", async () => {
    const price = await stripe.prices.retrieve("price_test_monthly");
    expect(price).toMatchObject({
      id: "price_test_monthly",
      object: "price",
      active: true,
      type: "recurring",
      unit_amount: 900,
      currency: "usd",
      lookup_key: "premium-monthly",
      recurring: { interval: "month", interval_count: 1, usage_type: "licensed" },
    });
    expect(price.unit_amount_decimal?.toString()).toBe("900");
    const product = await stripe.products.retrieve(price.product as string);
    expect(product).toMatchObject({ name: "Premium", metadata: { plan_id: "premium-monthly" } });

    const listed = await stripe.prices.list({ lookup_keys: ["premium-yearly"] });
    expect(listed.data.map((p) => [p.id, p.recurring?.interval])).toEqual([["price_test_yearly", "year"]]);
    expect((await stripe.prices.list()).data).toHaveLength(2);
    await expect(stripe.prices.retrieve("price_nope")).rejects.toMatchObject({
      statusCode: 404,
      code: "resource_missing",
    });
  });
});

describe("Stripe emulator: checkout", () => {
  it("refuses what real Checkout would refuse, and what the emulator does not support", async () => {
    const customer = await newCustomer();
    const base = {
      mode: "subscription" as const,
      customer: customer.id,
      line_items: [{ price: "price_test_monthly", quantity: 1 }],
      success_url: "http://app.test/ok",
    };
    await expect(
      stripe.checkout.sessions.create({ ...base, line_items: [{ price: "price_unknown", quantity: 1 }] }),
    ).rejects.toMatchObject({ statusCode: 404, code: "resource_missing", param: "line_items[0][price]" });
    await expect(stripe.checkout.sessions.create({ ...base, customer: "cus_missing" })).rejects.toMatchObject(
      { statusCode: 404, param: "customer" },
    );
    await expect(stripe.checkout.sessions.create({ ...base, customer: undefined })).rejects.toMatchObject({
      statusCode: 400,
      code: "parameter_missing",
      param: "customer",
    });
    await expect(stripe.checkout.sessions.create({ ...base, mode: "payment" })).rejects.toMatchObject({
      statusCode: 400,
      param: "mode",
    });
    await expect(
      stripe.checkout.sessions.create({ ...base, allow_promotion_codes: true }),
    ).rejects.toMatchObject({ statusCode: 400, code: "parameter_unknown", param: "allow_promotion_codes" });
  });

  it("creates an open session whose hosted page shows the plan, the amount and the customer", async () => {
    const customer = await newCustomer("page@example.com");
    const session = await createSession(customer.id);
    expect(session).toMatchObject({
      object: "checkout.session",
      mode: "subscription",
      status: "open",
      payment_status: "unpaid",
      customer: customer.id,
      client_reference_id: "user-1",
      metadata: { userId: "user-1", plan: "premium-monthly" },
      amount_total: 900,
      currency: "usd",
      subscription: null,
      url: `${server.url}/_stripe/checkout/${session.id}`,
    });
    expect(session.id).toMatch(/^cs_test_/);
    expect(await stripe.checkout.sessions.retrieve(session.id)).toEqual(session);

    const res = await fetch(session.url as string);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const page = await res.text();
    expect(page).toContain("Premium");
    expect(page).toContain("$9.00");
    expect(page).toContain("page@example.com");
    expect(page).toContain(`action="/_stripe/checkout/${session.id}/pay"`);
    expect(page).toContain('href="http://app.test/?checkout=cancel"');
  });

  it("pays: subscription, charge, paid invoice, completed session, then three signed events in order", async () => {
    const customer = await newCustomer();
    const session = await createSession(customer.id);
    const paid = await pay(session.id);

    const { subscription, invoice } = paid;
    expect(paid.session).toMatchObject({
      id: session.id,
      status: "complete",
      payment_status: "paid",
      subscription: subscription.id,
      invoice: invoice.id,
    });
    const item = subscription.items.data[0] as Stripe.SubscriptionItem;
    expect(subscription).toMatchObject({
      object: "subscription",
      status: "active",
      customer: customer.id,
      metadata: { userId: "user-1" },
      cancel_at_period_end: false,
      latest_invoice: invoice.id,
    });
    expect(item.price.id).toBe("price_test_monthly");
    const start = new Date(item.current_period_start * 1000);
    const end = new Date(item.current_period_end * 1000);
    expect(item.current_period_start).toBe(subscription.start_date);
    expect((end.getUTCMonth() - start.getUTCMonth() + 12) % 12).toBe(1);

    expect(invoice).toMatchObject({
      object: "invoice",
      status: "paid",
      customer: customer.id,
      amount_due: 900,
      amount_paid: 900,
      amount_remaining: 0,
      billing_reason: "subscription_create",
      parent: { type: "subscription_details", subscription_details: { subscription: subscription.id } },
    });
    expect(invoice.number).toMatch(/^[A-Z0-9]+-0001$/);
    expect(invoice.lines.data[0]).toMatchObject({
      amount: 900,
      period: { start: item.current_period_start, end: item.current_period_end },
      pricing: { price_details: { price: "price_test_monthly" } },
    });
    const payment = invoice.payments?.data[0] as Stripe.InvoicePayment;
    expect(payment).toMatchObject({ object: "invoice_payment", status: "paid", amount_paid: 900 });
    const paymentIntent = payment.payment.payment_intent as string;
    expect(paymentIntent).toMatch(/^pi_/);

    expect(wire(await stripe.subscriptions.retrieve(subscription.id))).toEqual(subscription);
    expect(wire(await stripe.invoices.retrieve(invoice.id))).toEqual(invoice);
    expect((await stripe.invoicePayments.list({ invoice: invoice.id })).data).toEqual([payment]);
    const charges = await stripe.charges.list({ payment_intent: paymentIntent });
    expect(charges.data[0]).toMatchObject({
      amount: 900,
      paid: true,
      refunded: false,
      customer: customer.id,
    });
    const expanded = await stripe.checkout.sessions.retrieve(session.id, { expand: ["subscription"] });
    expect((expanded.subscription as Stripe.Subscription).id).toBe(subscription.id);

    expect(paid.deliveries.map((d) => [d.type, d.pending])).toEqual([
      ["checkout.session.completed", true],
      ["customer.subscription.created", true],
      ["invoice.paid", true],
    ]);
    const pending = await take(customer.id);
    expect(pending.map((p) => p.type)).toEqual([
      "checkout.session.completed",
      "customer.subscription.created",
      "invoice.paid",
    ]);
    const events = await Promise.all(pending.map(verify));
    expect(events.map((e) => e.id)).toEqual(paid.deliveries.map((d) => d.id));
    expect(events[0]?.data.object).toEqual(paid.session);
    expect(events[1]?.data.object).toEqual(subscription);
    expect(events[2]?.data.object).toEqual(invoice);
    expect(await take(customer.id)).toEqual([]);

    const again = await server.control<{ error: { message: string } }>(`/_stripe/checkout/${session.id}/pay`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/no longer active/);
    expect(await take(customer.id)).toEqual([]);
  });

  it("redirects a browser's Pay to success_url with the session id", async () => {
    const customer = await newCustomer();
    const session = await createSession(customer.id);
    const res = await fetch(`${server.url}/_stripe/checkout/${session.id}/pay`, {
      method: "POST",
      redirect: "manual",
      headers: { accept: "text/html" },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`http://app.test/?checkout=success&session_id=${session.id}`);
    expect((await take(customer.id)).map((p) => p.type)).toHaveLength(3);
  });

  it("expires an open session, which then cannot be paid or expired again; lists filter by status", async () => {
    const customer = await newCustomer();
    const session = await createSession(customer.id);
    const open = await stripe.checkout.sessions.list({ customer: customer.id, status: "open" });
    expect(open.data.map((s) => s.id)).toEqual([session.id]);
    const expired = await stripe.checkout.sessions.expire(session.id);
    expect(expired.status).toBe("expired");
    expect((await stripe.checkout.sessions.list({ customer: customer.id, status: "open" })).data).toEqual([]);
    const { status } = await server.control(`/_stripe/checkout/${session.id}/pay`);
    expect(status).toBe(409);
    await expect(stripe.checkout.sessions.expire(session.id)).rejects.toThrow(/status of expired/);
  });
});

describe("Stripe emulator: subscriptions", () => {
  it("schedules and revokes a cancellation at period end, each with customer.subscription.updated", async () => {
    const { customer, subscription } = await subscribed();
    const periodEnd = subscription.items.data[0]?.current_period_end;

    const canceling = await stripe.subscriptions.update(subscription.id, {
      cancel_at_period_end: true,
      metadata: { note: "why" },
    });
    expect(canceling).toMatchObject({
      status: "active",
      cancel_at_period_end: true,
      cancel_at: periodEnd,
      metadata: { userId: "user-1", note: "why" },
      cancellation_details: { reason: "cancellation_requested" },
    });
    expect(canceling.canceled_at).toBeGreaterThan(0);
    const [updated] = await take(customer.id);
    const event = (await verify(updated as PendingEvent)) as Stripe.CustomerSubscriptionUpdatedEvent;
    expect(event.type).toBe("customer.subscription.updated");
    expect(event.data.object).toEqual(wire(canceling));
    expect(event.data.previous_attributes).toMatchObject({
      cancel_at_period_end: false,
      cancel_at: null,
      canceled_at: null,
      metadata: { userId: "user-1" },
    });

    const resumed = await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: false });
    expect(resumed).toMatchObject({ cancel_at_period_end: false, cancel_at: null, canceled_at: null });
    expect((await take(customer.id)).map((p) => p.type)).toEqual(["customer.subscription.updated"]);

    await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: false });
    expect(await take(customer.id)).toEqual([]);
  });

  it("cancels at once with customer.subscription.deleted; lists leave canceled ones out by default", async () => {
    const { customer, subscription } = await subscribed();
    expect((await stripe.subscriptions.list({ customer: customer.id })).data.map((s) => s.id)).toEqual([
      subscription.id,
    ]);
    const canceled = await stripe.subscriptions.cancel(subscription.id);
    expect(canceled).toMatchObject({ status: "canceled", cancel_at_period_end: false });
    expect(canceled.ended_at).toBeGreaterThan(0);
    expect(canceled.canceled_at).toBe(canceled.ended_at);
    const [deleted] = await take(customer.id);
    expect((await verify(deleted as PendingEvent)).type).toBe("customer.subscription.deleted");

    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toEqual([]);
    const all = await stripe.subscriptions.list({ customer: customer.id, status: "all" });
    expect(all.data.map((s) => s.status)).toEqual(["canceled"]);
    await expect(stripe.subscriptions.cancel(subscription.id)).rejects.toMatchObject({ statusCode: 404 });
    await expect(
      stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it("advance renews with a paid invoice: invoice.paid, then customer.subscription.updated", async () => {
    const { customer, subscription } = await subscribed();
    const first = subscription.items.data[0] as Stripe.SubscriptionItem;
    const { status, body } = await server.control<{
      subscription: Stripe.Subscription;
      invoice: Stripe.Invoice;
      deliveries: OutcomeSummary[];
    }>(`/_stripe/subscriptions/${subscription.id}/advance`);
    expect(status).toBe(200);
    const item = body.subscription.items.data[0] as Stripe.SubscriptionItem;
    expect(item.current_period_start).toBe(first.current_period_end);
    expect(item.current_period_end).toBeGreaterThan(first.current_period_end + 27 * 24 * 3600);
    expect(body.subscription).toMatchObject({ status: "active", latest_invoice: body.invoice.id });
    expect(body.invoice).toMatchObject({
      status: "paid",
      billing_reason: "subscription_cycle",
      amount_paid: 900,
      period_end: first.current_period_end,
    });
    expect(body.invoice.number).toMatch(/-0002$/);
    const events = await Promise.all((await take(customer.id)).map(verify));
    expect(events.map((e) => e.type)).toEqual(["invoice.paid", "customer.subscription.updated"]);
    expect(events[1]?.data.previous_attributes).toMatchObject({
      latest_invoice: subscription.latest_invoice,
    });
    const invoices = await stripe.invoices.list({ subscription: subscription.id });
    expect(invoices.data.map((i) => i.id)).toEqual([body.invoice.id, subscription.latest_invoice]);
  });

  it("advance with a failed payment leaves the invoice open and the subscription past_due", async () => {
    const { customer, subscription } = await subscribed();
    const { body } = await server.control<{ subscription: Stripe.Subscription; invoice: Stripe.Invoice }>(
      `/_stripe/subscriptions/${subscription.id}/advance`,
      { fail: true },
    );
    expect(body.subscription.status).toBe("past_due");
    expect(body.invoice).toMatchObject({ status: "open", amount_paid: 0, amount_remaining: 900 });
    const events = await Promise.all((await take(customer.id)).map(verify));
    expect(events.map((e) => e.type)).toEqual(["invoice.payment_failed", "customer.subscription.updated"]);
    expect(events[1]?.data.previous_attributes).toMatchObject({ status: "active" });
    const open = await stripe.invoices.list({ customer: customer.id, status: "open" });
    expect(open.data.map((i) => i.id)).toEqual([body.invoice.id]);
  });

  it("advance past a scheduled cancellation ends the subscription: customer.subscription.deleted", async () => {
    const { customer, subscription } = await subscribed();
    await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    await take(customer.id);
    const { body } = await server.control<{ subscription: Stripe.Subscription; invoice: null }>(
      `/_stripe/subscriptions/${subscription.id}/advance`,
    );
    expect(body.invoice).toBeNull();
    expect(body.subscription).toMatchObject({
      status: "canceled",
      ended_at: subscription.items.data[0]?.current_period_end,
    });
    expect((await take(customer.id)).map((p) => p.type)).toEqual(["customer.subscription.deleted"]);
    const again = await server.control(`/_stripe/subscriptions/${subscription.id}/advance`);
    expect(again.status).toBe(400);
  });
});

describe("Stripe emulator: refunds", () => {
  it("refunds partly, refuses too much, refunds the rest, then refuses an already refunded charge", async () => {
    const { customer, invoice } = await subscribed();
    const paymentIntent = invoice.payments?.data[0]?.payment.payment_intent as string;

    const partial = await stripe.refunds.create({
      payment_intent: paymentIntent,
      amount: 300,
      reason: "requested_by_customer",
      metadata: { invoiceId: invoice.id },
    });
    expect(partial).toMatchObject({
      object: "refund",
      amount: 300,
      status: "succeeded",
      payment_intent: paymentIntent,
      reason: "requested_by_customer",
      metadata: { invoiceId: invoice.id },
    });
    expect(await stripe.refunds.retrieve(partial.id)).toEqual(partial);
    const [first] = await Promise.all((await take(customer.id)).map(verify));
    expect(first?.type).toBe("charge.refunded");
    expect(first?.data.object).toMatchObject({
      amount_refunded: 300,
      refunded: false,
      payment_intent: paymentIntent,
    });

    await expect(stripe.refunds.create({ payment_intent: paymentIntent, amount: 700 })).rejects.toMatchObject(
      {
        statusCode: 400,
        code: "amount_too_large",
        message: "Refund amount ($7.00) is greater than unrefunded amount on charge ($6.00)",
      },
    );
    await expect(stripe.refunds.create({ payment_intent: paymentIntent, amount: 0 })).rejects.toMatchObject({
      statusCode: 400,
      param: "amount",
    });
    await expect(
      stripe.refunds.create({ payment_intent: paymentIntent, reason: "changed_mind" as "duplicate" }),
    ).rejects.toMatchObject({ statusCode: 400, param: "reason" });

    const rest = await stripe.refunds.create({ charge: partial.charge as string });
    expect(rest.amount).toBe(600);
    const charge = await stripe.charges.retrieve(partial.charge as string);
    expect(charge).toMatchObject({ amount_refunded: 900, refunded: true });
    const [second] = await Promise.all((await take(customer.id)).map(verify));
    expect(second?.data.object).toMatchObject({ amount_refunded: 900, refunded: true });

    await expect(stripe.refunds.create({ payment_intent: paymentIntent })).rejects.toMatchObject({
      statusCode: 400,
      code: "charge_already_refunded",
    });
    await expect(stripe.refunds.create({ payment_intent: "pi_unknown" })).rejects.toMatchObject({
      statusCode: 404,
      param: "payment_intent",
    });
  });
});

describe("Stripe emulator: billing portal", () => {
  it("lists the subscription; Cancel and Resume update it, send events and come back to the page", async () => {
    const { customer, subscription } = await subscribed();
    const session = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: "http://app.test/account",
    });
    expect(session).toMatchObject({
      object: "billing_portal.session",
      customer: customer.id,
      return_url: "http://app.test/account",
      url: `${server.url}/_stripe/portal/${session.id}`,
    });

    const page = async () => (await fetch(session.url)).text();
    const post = (action: string) =>
      fetch(`${server.url}/_stripe/portal/${session.id}/subscriptions/${subscription.id}/${action}`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });

    let html = await page();
    expect(html).toContain("Premium");
    expect(html).toContain("Renews on");
    expect(html).toContain('href="http://app.test/account"');
    expect(html).toContain(`action="/_stripe/portal/${session.id}/subscriptions/${subscription.id}/cancel"`);

    const canceled = await post("cancel");
    expect(canceled.status).toBe(303);
    expect(canceled.headers.get("location")).toBe(`/_stripe/portal/${session.id}`);
    expect((await stripe.subscriptions.retrieve(subscription.id)).cancel_at_period_end).toBe(true);
    html = await page();
    expect(html).toContain("Cancels on");
    expect(html).toContain("Resume");
    const [cancelEvent] = await Promise.all((await take(customer.id)).map(verify));
    expect(cancelEvent?.type).toBe("customer.subscription.updated");
    expect(cancelEvent?.data.object).toMatchObject({ cancel_at_period_end: true });

    expect((await post("resume")).status).toBe(303);
    expect((await stripe.subscriptions.retrieve(subscription.id)).cancel_at_period_end).toBe(false);
    expect(await page()).toContain("Renews on");
    expect((await take(customer.id)).map((p) => p.type)).toEqual(["customer.subscription.updated"]);

    const stranger = await newCustomer();
    const other = await stripe.billingPortal.sessions.create({ customer: stranger.id });
    const foreign = await server.control(
      `/_stripe/portal/${other.id}/subscriptions/${subscription.id}/cancel`,
    );
    expect(foreign.status).toBe(404);
  });
});

describe("Stripe emulator: deleting a customer", () => {
  it("cancels its subscriptions, leaves a retrievable stub, sends customer.deleted; a second delete is 404", async () => {
    const { customer, subscription } = await subscribed();
    const open = await createSession(customer.id);
    const deleted = await stripe.customers.del(customer.id);
    expect(deleted).toEqual({ id: customer.id, object: "customer", deleted: true });

    const events = await Promise.all((await take(customer.id)).map(verify));
    expect(events.map((e) => e.type)).toEqual(["customer.subscription.deleted", "customer.deleted"]);
    expect(events[0]?.data.object).toMatchObject({ id: subscription.id, status: "canceled" });
    expect(events[1]?.data.object).toMatchObject({ id: customer.id, email: customer.email });
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe("canceled");

    // Still retrievable, as a stub; left out of lists; nothing more can be done with it.
    expect(await stripe.customers.retrieve(customer.id)).toEqual(deleted);
    expect((await stripe.customers.list({ email: customer.email ?? "" })).data).toEqual([]);
    await expect(stripe.customers.del(customer.id)).rejects.toMatchObject({
      statusCode: 404,
      code: "resource_missing",
    });
    await expect(createSession(customer.id)).rejects.toMatchObject({ statusCode: 404, param: "customer" });
    const { status } = await server.control(`/_stripe/checkout/${open.id}/pay`);
    expect(status).toBe(404);
  });

  it("expiring a session sends checkout.session.expired; the expired session has no url", async () => {
    const customer = await newCustomer();
    const session = await createSession(customer.id);
    const expired = await stripe.checkout.sessions.expire(session.id);
    expect(expired).toMatchObject({ status: "expired", url: null });
    const [event] = await Promise.all((await take(customer.id)).map(verify));
    expect(event?.type).toBe("checkout.session.expired");
    expect(event?.data.object).toEqual(wire(expired));
  });
});
