import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { fileEnv } from "../../test/support/harness";
import { createStripe } from "../clients";
import { loadConfig } from "../config";
import {
  createFetchHttpClient,
  createStripeClient,
  createSubtleCryptoProvider,
  errors,
  PACKAGE_VERSION,
  type StripeClient,
  webhooks,
} from "./stripe";

/** One request as the HTTP client sent it. */
interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** A fetch that records each request and answers like Stripe would, with a request id. */
function recordingFetch(sent: Sent[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    sent.push({
      method: request.method,
      url: request.url,
      headers: Object.fromEntries(request.headers),
      body: new TextDecoder().decode(await request.arrayBuffer()),
    });
    return Response.json(
      { id: "cus_recorded", object: "customer", data: [], has_more: false },
      { headers: { "request-id": `req_${sent.length}` } },
    );
  };
}

/**
 * What may differ between two runs of the same calls: the telemetry's measured duration and
 * the random idempotency key the package adds to a retryable POST without one.
 */
function comparable(sent: Sent[]): Sent[] {
  return sent.map((s) => {
    const headers = { ...s.headers };
    const telemetry = headers["x-stripe-client-telemetry"];
    if (telemetry) {
      const parsed = JSON.parse(telemetry) as { last_request_metrics: Record<string, unknown> };
      parsed.last_request_metrics.request_duration_ms = "(measured)";
      headers["x-stripe-client-telemetry"] = JSON.stringify(parsed);
    }
    const key = headers["idempotency-key"];
    if (key?.startsWith("stripe-node-retry-")) headers["idempotency-key"] = "stripe-node-retry-(random)";
    return { ...s, headers };
  });
}

/** The same sequence of calls the worker makes, through either client. */
async function callEach(stripe: StripeClient): Promise<void> {
  await stripe.customers.create(
    { email: "a@example.com", metadata: { userId: "u1" } },
    { idempotencyKey: "k1" },
  );
  await stripe.customers.retrieve("cus_1");
  await stripe.subscriptions.list({ customer: "cus_1", limit: 100 });
  await stripe.subscriptions.update("sub_1", { cancel_at_period_end: true });
  await stripe.subscriptions.cancel("sub_1", {}, { idempotencyKey: "k2" });
  await stripe.checkout.sessions.list({ customer: "cus_1", status: "open", limit: 10 });
  await stripe.checkout.sessions.expire("cs_1");
  await stripe.invoicePayments.list({ invoice: "in_1", limit: 10 });
  await stripe.refunds.create({ payment_intent: "pi_1", amount: 100 }, { idempotencyKey: "k3" });
  await stripe.billingPortal.sessions.create({ customer: "cus_1", return_url: "https://app.example.com/" });
  await stripe.customers.del("cus_1");
}

describe("the worker's trimmed Stripe client (shared/vendor/stripe.ts)", () => {
  it("sends exactly the requests new Stripe() sends: paths, bodies, auth, version, user agent, telemetry", async () => {
    const options = { maxNetworkRetries: 1, timeout: 10_000 };
    const ours: Sent[] = [];
    const theirs: Sent[] = [];
    await callEach(
      createStripeClient("sk_test_parity", {
        ...options,
        httpClient: createFetchHttpClient(recordingFetch(ours)),
      }),
    );
    await callEach(
      new Stripe("sk_test_parity", {
        ...options,
        httpClient: Stripe.createFetchHttpClient(recordingFetch(theirs)),
      }),
    );
    expect(ours).toHaveLength(11);
    expect(comparable(ours)).toEqual(comparable(theirs));
    expect(ours[0]?.headers).toMatchObject({
      authorization: "Bearer sk_test_parity",
      "idempotency-key": "k1",
    });
    expect(ours[1]?.headers["x-stripe-client-telemetry"]).toContain("req_1");
  });

  it("is the package's own version, errors and webhook verification", async () => {
    expect(PACKAGE_VERSION).toBe(Stripe.PACKAGE_VERSION);
    expect(errors.StripeInvalidRequestError).toBe(Stripe.errors.StripeInvalidRequestError);
    const payload = JSON.stringify({ id: "evt_1", object: "event", type: "customer.created" });
    const header = await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: "whsec_test" });
    const event = await webhooks.constructEventAsync(
      payload,
      header,
      "whsec_test",
      300,
      createSubtleCryptoProvider(),
    );
    expect(event.id).toBe("evt_1");
    await expect(
      webhooks.constructEventAsync(payload, header, "whsec_other", 300, createSubtleCryptoProvider()),
    ).rejects.toBeInstanceOf(errors.StripeSignatureVerificationError);
  });

  it("reaches each resource it holds at the local emulator, and rejects with Stripe's error classes", async () => {
    const stripe = createStripe(loadConfig(fileEnv("stripe_vendor")));
    const email = `vendor-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const customer = await stripe.customers.create({ email }, { idempotencyKey: `cus-${email}` });
    expect(await stripe.customers.retrieve(customer.id)).toMatchObject({ id: customer.id, email });
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: "price_premium_monthly", quantity: 1 }],
      success_url: "https://app.example.com/ok",
      cancel_url: "https://app.example.com/cancel",
    });
    const open = await stripe.checkout.sessions.list({ customer: customer.id, status: "open", limit: 10 });
    expect(open.data.map((s) => s.id)).toEqual([session.id]);
    expect((await stripe.checkout.sessions.expire(session.id)).status).toBe("expired");
    expect((await stripe.subscriptions.list({ customer: customer.id, limit: 100 })).data).toEqual([]);
    const portal = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: "https://app.example.com/",
    });
    expect(portal.url).toMatch(/^http/);
    expect((await stripe.invoicePayments.list({ invoice: "in_missing", limit: 10 })).data).toEqual([]);
    await expect(stripe.subscriptions.cancel("sub_missing")).rejects.toBeInstanceOf(
      errors.StripeInvalidRequestError,
    );
    await expect(stripe.subscriptions.update("sub_missing", {})).rejects.toBeInstanceOf(
      errors.StripeInvalidRequestError,
    );
    await expect(stripe.refunds.create({ payment_intent: "pi_missing" })).rejects.toBeInstanceOf(
      errors.StripeInvalidRequestError,
    );
    expect(await stripe.customers.del(customer.id)).toMatchObject({ id: customer.id, deleted: true });
  });
});
