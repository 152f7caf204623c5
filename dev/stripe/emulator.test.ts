import { createServer, type Server } from "node:http";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plansFromWranglerToml } from "../plans";
import { type Stack, startStack } from "../stack";
import { parseForm } from "./form";

let stack: Stack;
let stripe: Stripe;

/** A Stripe client pointed at the emulator, configured as the worker does it. */
function client(key = "sk_test_backline_local"): Stripe {
  const { hostname, port } = new URL(stack.stripeApiBase);
  return new Stripe(key, {
    host: hostname,
    port,
    protocol: "http",
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 0,
  });
}

interface Received {
  body: string;
  signature: string;
}

/** A webhook endpoint that records what it receives and answers 200. */
async function startReceiver(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({
        body: Buffer.concat(chunks).toString("utf8"),
        signature: String(req.headers["stripe-signature"]),
      });
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"received":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/webhooks/stripe`, received, server };
}

beforeAll(async () => {
  stack = await startStack({ quiet: true });
  stripe = client();
});

afterAll(async () => {
  await stack?.stop();
});

describe("Stripe emulator: customers through the stripe SDK", () => {
  it("creates, retrieves and lists customers", async () => {
    const created = await stripe.customers.create({
      email: "ada@example.com",
      name: "Ada",
      metadata: { user_id: "u_1", plan: "free" },
    });
    expect(created).toMatchObject({
      object: "customer",
      email: "ada@example.com",
      name: "Ada",
      metadata: { user_id: "u_1", plan: "free" },
      livemode: false,
    });
    expect(created.id).toMatch(/^cus_[A-Za-z0-9]{14}$/);

    expect(await stripe.customers.retrieve(created.id)).toEqual(created);

    await stripe.customers.create({ email: "someone-else@example.com" });
    const listed = await stripe.customers.list({ email: "ada@example.com", limit: 10 });
    expect(listed.object).toBe("list");
    expect(listed.data.map((c) => c.id)).toEqual([created.id]);
  });

  it("paginates newest first", async () => {
    const email = "page@example.com";
    const ids = [];
    for (let i = 0; i < 3; i += 1) ids.push((await stripe.customers.create({ email })).id);
    const first = await stripe.customers.list({ email, limit: 2 });
    expect(first.data.map((c) => c.id)).toEqual([ids[2], ids[1]]);
    expect(first.has_more).toBe(true);
    const second = await stripe.customers.list({ email, limit: 2, starting_after: ids[1] });
    expect(second.data.map((c) => c.id)).toEqual([ids[0]]);
    expect(second.has_more).toBe(false);
  });

  it("returns the same customer for a repeated Idempotency-Key and refuses it with other params", async () => {
    const first = await stripe.customers.create(
      { email: "idem@example.com" },
      { idempotencyKey: "signup-42" },
    );
    const again = await stripe.customers.create(
      { email: "idem@example.com" },
      { idempotencyKey: "signup-42" },
    );
    expect(again.id).toBe(first.id);
    const conflict = await stripe.customers
      .create({ email: "other@example.com" }, { idempotencyKey: "signup-42" })
      .catch((error: unknown) => error);
    expect(conflict).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect((await stripe.customers.list({ email: "idem@example.com" })).data).toHaveLength(1);
  });

  it("answers Stripe-shaped errors: 404 resource_missing, 400 unknown parameter, 401 bad key", async () => {
    const missing = await stripe.customers.retrieve("cus_doesnotexist").catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(missing).toMatchObject({
      statusCode: 404,
      code: "resource_missing",
      type: "StripeInvalidRequestError",
    });

    const unknown = await stripe.customers
      .create({ email: "x@example.com", bogus: "1" } as Stripe.CustomerCreateParams)
      .catch((error: unknown) => error);
    expect(unknown).toMatchObject({ statusCode: 400, code: "parameter_unknown", param: "bogus" });

    const unauthorized = await client("pk_test_wrong_kind")
      .customers.list()
      .catch((error: unknown) => error);
    expect(unauthorized).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    const raw = await fetch(`${stack.stripeApiBase}/v1/customers`);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({ error: { type: "invalid_request_error" } });
  });
});

describe("Stripe emulator in the stack: plans from wrangler.toml", () => {
  it("seeds the BILLING_PLANS prices and serves the hosted checkout page at the stack URL", async () => {
    const plans = plansFromWranglerToml();
    for (const plan of plans) {
      expect(await stripe.prices.retrieve(plan.priceId)).toMatchObject({
        unit_amount: plan.amount,
        currency: plan.currency,
        lookup_key: plan.id,
        recurring: { interval: plan.interval },
      });
    }
    const [plan] = plans as [(typeof plans)[number]];
    const customer = await stripe.customers.create({ email: "stack-checkout@example.com" });
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: plan.priceId, quantity: 1 }],
      success_url: "http://localhost:8788/?checkout=success",
    });
    expect(session.url).toBe(`${stack.url}/_stripe/checkout/${session.id}`);
    const page = await fetch(session.url as string);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(plan.name);
  });
});

describe("Stripe emulator: signed webhook events", () => {
  it("delivers an event whose signature constructEventAsync accepts", async () => {
    const receiver = await startReceiver();
    try {
      stack.setWebhookUrl(receiver.url);
      const customer = await stripe.customers.create({ email: "hook@example.com" });
      const res = await fetch(`${stack.url}/_stripe/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "customer.created", data: { object: customer } }),
      });
      expect(res.status).toBe(200);
      const { event, delivery } = (await res.json()) as {
        event: Stripe.Event;
        delivery: { status: number; body: string };
      };
      expect(delivery).toMatchObject({ status: 200, body: '{"received":true}' });
      expect(event).toMatchObject({
        object: "event",
        type: "customer.created",
        livemode: false,
        api_version: Stripe.API_VERSION,
      });
      expect(receiver.received).toHaveLength(1);

      const [{ body, signature }] = receiver.received as [Received];
      const verified = await stripe.webhooks.constructEventAsync(body, signature, stack.stripeWebhookSecret);
      expect(verified.id).toBe(event.id);
      expect(verified.id).toMatch(/^evt_/);
      expect(verified.data.object).toEqual(customer);
      await expect(stripe.webhooks.constructEventAsync(body, signature, "whsec_other")).rejects.toThrow(
        Stripe.errors.StripeSignatureVerificationError,
      );
      expect((await stripe.events.retrieve(event.id)).type).toBe("customer.created");
    } finally {
      receiver.server.close();
    }
  });

  it("makes stale signatures on request and honours an explicit url and created", async () => {
    const receiver = await startReceiver();
    try {
      const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
      const res = await fetch(`${stack.url}/_stripe/events`, {
        method: "POST",
        body: JSON.stringify({
          type: "invoice.paid",
          data: { object: { id: "in_123", object: "invoice" } },
          url: receiver.url,
          created: 1_700_000_000,
          timestamp: tenMinutesAgo,
        }),
      });
      const { event } = (await res.json()) as { event: Stripe.Event };
      expect(event.created).toBe(1_700_000_000);
      const [{ body, signature }] = receiver.received as [Received];
      expect(signature.startsWith(`t=${tenMinutesAgo},v1=`)).toBe(true);
      await expect(
        stripe.webhooks.constructEventAsync(body, signature, stack.stripeWebhookSecret),
      ).rejects.toThrow(/Timestamp outside the tolerance zone/);
    } finally {
      receiver.server.close();
    }
  });
});

describe("Stripe form decoding", () => {
  it("turns bracket notation into nested objects and arrays", () => {
    expect(
      parseForm(
        "email=a%40b.c&metadata[user_id]=u1&metadata[empty]=&items[0][price]=p1&items[1][price]=p2&items[1][quantity]=2&expand[]=x&expand[]=y",
      ),
    ).toEqual({
      email: "a@b.c",
      metadata: { user_id: "u1", empty: "" },
      items: [{ price: "p1" }, { price: "p2", quantity: "2" }],
      expand: ["x", "y"],
    });
  });
});
