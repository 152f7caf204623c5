import { createServer, type Server } from "node:http";
import type Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Delivery, DeliveryAttempt, OutcomeSummary, PendingEvent } from "./delivery";
import { type StripeTestServer, startStripeTestServer } from "./test-server";

const SECRET = "whsec_test_delivery";
let server: StripeTestServer;
let stripe: Stripe;

beforeAll(async () => {
  server = await startStripeTestServer(SECRET);
  stripe = server.stripe;
});

afterAll(async () => {
  await server?.close();
});

afterEach(() => {
  server.emulator.webhookUrl = undefined;
  server.emulator.delivery.retryDelaysMs = [100, 500, 2000];
});

interface Received {
  body: string;
  signature: string;
}

/** A webhook endpoint: answers each request with the next status of `statuses` (then 200), after `delayMs`. */
async function startReceiver(statuses: number[] = [], delayMs = 0) {
  const received: Received[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server: Server = createServer((req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({
        body: Buffer.concat(chunks).toString("utf8"),
        signature: String(req.headers["stripe-signature"]),
      });
      const status = statuses.shift() ?? 200;
      setTimeout(() => {
        inFlight -= 1;
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ status }));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    received,
    maxInFlight: () => maxInFlight,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function paidCustomer() {
  const customer = await stripe.customers.create({ email: "delivery@example.com" });
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: "price_test_yearly", quantity: 1 }],
    success_url: "http://app.test/ok",
  });
  const paid = await server.control<{ deliveries: OutcomeSummary[] }>(`/_stripe/checkout/${session.id}/pay`);
  return { customer, deliveries: paid.body.deliveries };
}

const take = async (customer?: string) =>
  (await server.control<PendingEvent[]>("/_stripe/pending/take", customer ? { customer } : {})).body;

describe("Stripe emulator: delivery to a webhook URL", () => {
  it("retries an endpoint that fails twice and logs every attempt", async () => {
    const receiver = await startReceiver([500, 503]);
    try {
      server.emulator.webhookUrl = receiver.url;
      const { customer, deliveries } = await paidCustomer();
      expect(deliveries.map((d) => [d.type, d.pending, d.delivery?.status, d.delivery?.attempts])).toEqual([
        ["checkout.session.completed", false, 200, 3],
        ["customer.subscription.created", false, 200, 1],
        ["invoice.paid", false, 200, 1],
      ]);
      expect(receiver.received).toHaveLength(5);
      for (const { body, signature } of receiver.received) {
        await stripe.webhooks.constructEventAsync(body, signature, SECRET);
      }
      const first = deliveries[0] as OutcomeSummary;
      const log = await server.control<{ data: DeliveryAttempt[] }>(
        `/_stripe/deliveries?event=${first.id}`,
        undefined,
        "GET",
      );
      expect(log.body.data.map((a) => [a.attempt, a.status, a.error])).toEqual([
        [1, 500, "HTTP 500"],
        [2, 503, "HTTP 503"],
        [3, 200, null],
      ]);
      const byCustomer = await server.control<{ data: DeliveryAttempt[] }>(
        `/_stripe/deliveries?customer=${customer.id}`,
        undefined,
        "GET",
      );
      expect(byCustomer.body.data).toHaveLength(5);
      expect(await take(customer.id)).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it("gives up after the last attempt, for error statuses and for an unreachable endpoint", async () => {
    server.emulator.delivery.retryDelaysMs = [10, 10, 10];
    const receiver = await startReceiver([500, 500, 500, 500, 500]);
    try {
      const res = await server.control<{ delivery: Delivery }>("/_stripe/events", {
        type: "customer.updated",
        data: { object: { id: "cus_x", object: "customer" } },
        url: receiver.url,
      });
      expect(res.body.delivery).toMatchObject({ status: 500, attempts: 4 });
      expect(receiver.received).toHaveLength(4);
    } finally {
      await receiver.close();
    }
    const down = await startReceiver();
    await down.close();
    const unreachable = await server.control<{ delivery: Delivery }>("/_stripe/events", {
      type: "customer.updated",
      data: { object: { id: "cus_x", object: "customer" } },
      url: down.url,
      deliver: { attempts: 2 },
    });
    expect(unreachable.body.delivery).toMatchObject({ status: 0, attempts: 2 });
    expect(unreachable.body.delivery.error).toBeTruthy();
  });

  it("sends one signed event n times, the first k at once", async () => {
    const receiver = await startReceiver([], 100);
    try {
      const res = await server.control<{ event: Stripe.Event; deliveries: Delivery[] }>("/_stripe/events", {
        type: "invoice.paid",
        data: { object: { id: "in_dup", object: "invoice", customer: "cus_dup" } },
        url: receiver.url,
        deliver: { times: 5, concurrent: 3 },
      });
      expect(res.status).toBe(200);
      expect(res.body.deliveries.map((d) => d.status)).toEqual([200, 200, 200, 200, 200]);
      expect(receiver.received).toHaveLength(5);
      expect(receiver.maxInFlight()).toBe(3);
      expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
      const event = await stripe.webhooks.constructEventAsync(
        receiver.received[0]?.body ?? "",
        receiver.received[0]?.signature ?? "",
        SECRET,
      );
      expect(event.id).toBe(res.body.event.id);

      const again = await server.control<{ deliveries: Delivery[] }>(`/_stripe/events/${event.id}/deliver`, {
        url: receiver.url,
        times: 2,
        concurrent: 2,
      });
      expect(again.body.deliveries).toHaveLength(2);
      expect(receiver.received.slice(5).map((r) => r.body)).toEqual([
        receiver.received[0]?.body,
        receiver.received[0]?.body,
      ]);
    } finally {
      await receiver.close();
    }
  });
});

describe("Stripe emulator: the pending queue (no webhook URL)", () => {
  it("queues every event per customer; take returns them in order, freshly signed, and removes them", async () => {
    const a = await paidCustomer();
    const b = await paidCustomer();
    const takenA = await take(a.customer.id);
    expect(takenA.map((p) => p.id)).toEqual(a.deliveries.map((d) => d.id));
    for (const pending of takenA) {
      const event = await stripe.webhooks.constructEventAsync(pending.payload, pending.signature, SECRET);
      expect(event).toMatchObject({ id: pending.id, type: pending.type, created: pending.created });
    }
    expect(await take(a.customer.id)).toEqual([]);
    const peek = await server.control<PendingEvent[]>(
      `/_stripe/pending?customer=${b.customer.id}`,
      undefined,
      "GET",
    );
    expect(peek.body.map((p) => p.id)).toEqual(b.deliveries.map((d) => d.id));
    const rest = await take();
    expect(rest.map((p) => p.id)).toEqual(b.deliveries.map((d) => d.id));
    expect(await take()).toEqual([]);
  });

  it("POST /_stripe/events without a URL answers the payload and signature and queues nothing", async () => {
    const customer = await stripe.customers.create({ email: "crafted@example.com" });
    const res = await server.control<{
      event: Stripe.Event;
      payload: string;
      signature: string;
      delivery: Delivery;
    }>("/_stripe/events", {
      type: "customer.updated",
      data: { object: customer, previous_attributes: { name: "Old" } },
    });
    expect(res.body.delivery).toMatchObject({ status: 0, attempts: 0 });
    const event = await stripe.webhooks.constructEventAsync(res.body.payload, res.body.signature, SECRET);
    expect(event.id).toBe(res.body.event.id);
    expect(event.data.previous_attributes).toEqual({ name: "Old" });
    expect(await take(customer.id)).toEqual([]);

    const late = await server.control<{ payload: string; signature: string }>(
      `/_stripe/events/${event.id}/deliver`,
      {},
    );
    expect(late.body.payload).toBe(res.body.payload);
    await stripe.webhooks.constructEventAsync(late.body.payload, late.body.signature, SECRET);
    expect((await server.control("/_stripe/events/evt_missing/deliver", {})).status).toBe(404);
  });

  it("POST /_stripe/sign makes stale and wrongly keyed signatures on request", async () => {
    const payload = JSON.stringify({
      id: "evt_sign",
      object: "event",
      type: "invoice.paid",
      data: { object: {} },
    });
    const sign = async (body: object) =>
      (await server.control<{ signature: string }>("/_stripe/sign", { payload, ...body })).body.signature;

    await stripe.webhooks.constructEventAsync(payload, await sign({}), SECRET);
    const stale = await sign({ timestamp: Math.floor(Date.now() / 1000) - 600 });
    await expect(stripe.webhooks.constructEventAsync(payload, stale, SECRET)).rejects.toThrow(/tolerance/);
    const foreign = await sign({ secret: "whsec_someone_else" });
    await expect(stripe.webhooks.constructEventAsync(payload, foreign, SECRET)).rejects.toThrow(/signature/i);
    expect((await server.control("/_stripe/sign", {})).status).toBe(400);
  });
});
