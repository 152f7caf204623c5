import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { FREE_PATTERN_LIMIT } from "../../db/entitlements";
import { grantAdmin } from "../../db/queries/admin";
import { createDb, createStripe } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, type SignedUp, signUp } from "../../test/support/accounts";
import { fileEnv, roundTrips, send, traceId } from "../../test/support/harness";
import { advance, deliverPending, pay } from "../../test/support/stripe-emulator";
import {
  deliverEvent,
  stripeEvent,
  stripeId,
  subscriptionObject,
  unix,
} from "../../test/support/stripe-events";

const bindings = fileEnv("billing");
const config = loadConfig(bindings);
const db = createDb(config);
const MONTHLY = "price_premium_monthly";

const json = async <T>(res: Response) => (await res.json()) as T;

async function me(user: SignedUp) {
  return json<{ tier: string }>(await send(bindings, "/api/me", { headers: bearer(user.accessToken) }));
}

async function subscription(user: SignedUp) {
  const res = await send(bindings, "/api/billing/subscription", { headers: bearer(user.accessToken) });
  expect(res.status).toBe(200);
  return (await json<{ subscription: Record<string, unknown> | null }>(res)).subscription;
}

async function checkout(user: SignedUp, priceId = MONTHLY, headers: Record<string, string> = {}) {
  return send(bindings, "/api/billing/checkout", {
    method: "POST",
    headers: { ...bearer(user.accessToken), ...headers },
    json: { priceId },
  });
}

async function customerOf(userId: string) {
  const { rows } = await db.execute<{ stripe_customer_id: string }>(
    sql`select stripe_customer_id from users where id = ${userId}`,
  );
  return rows[0]?.stripe_customer_id as string;
}

/** A user who has checked out and paid, with the resulting webhooks delivered. */
async function subscriber() {
  const user = await signUp(bindings);
  const res = await checkout(user);
  expect(res.status).toBe(201);
  const session = await json<{ id: string; url: string }>(res);
  const paid = await pay(session.id);
  const customer = await customerOf(user.userId);
  expect(await deliverPending(bindings, customer)).toEqual([
    "checkout.session.completed",
    "customer.subscription.created",
    "invoice.paid",
  ]);
  return { user, customer, subscriptionId: paid.subscription.id, invoiceId: paid.invoice.id };
}

/** How many recorded Stripe events mention a text anywhere in their payload. */
async function eventsMentioning(text: string) {
  const { rows } = await db.execute<{ n: number }>(
    sql`select count(*)::int as n from stripe_events where strpos(payload::text, ${text}) > 0`,
  );
  return rows[0]?.n ?? 0;
}

/** Fills a user's free pattern quota directly in the database. */
async function fillPatternQuota(userId: string) {
  await db.execute(sql`
    insert into patterns (id, user_id, name, tempo, tracks, mixer, is_public, change_seq)
    select gen_random_uuid(), ${userId}, 'filler ' || n, 120, '[]'::jsonb, '{}'::jsonb, false, n
    from generate_series(1, ${FREE_PATTERN_LIMIT}) n
  `);
}

function createPattern(user: SignedUp) {
  return send(bindings, "/api/patterns", {
    method: "POST",
    headers: bearer(user.accessToken),
    json: { name: "one more", tempo: 100, tracks: [] },
  });
}

describe("plans", () => {
  it("lists the configured plans publicly, cacheable", async () => {
    const res = await send(bindings, "/api/billing/plans");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("max-age=300");
    const { plans } = await json<{ plans: { id: string; priceId: string; amount: number; tier: string }[] }>(
      res,
    );
    expect(plans.map((p) => p.priceId)).toEqual(config.BILLING_PLANS.map((p) => p.priceId));
    expect(plans[0]).toMatchObject({ id: "premium-monthly", priceId: MONTHLY, amount: 900, tier: "premium" });
  });
});

describe("checkout", () => {
  it("needs a signed-in user and a price that is on sale", async () => {
    expect(
      (await send(bindings, "/api/billing/checkout", { method: "POST", json: { priceId: MONTHLY } })).status,
    ).toBe(401);
    const user = await signUp(bindings);
    const res = await checkout(user, "price_not_for_sale");
    expect(res.status).toBe(400);
    const problem = await json<{ errors: { path: string }[] }>(res);
    expect(problem.errors[0]?.path).toBe("priceId");
    const extra = await send(bindings, "/api/billing/checkout", {
      method: "POST",
      headers: bearer(user.accessToken),
      json: { priceId: MONTHLY, quantity: 2 },
    });
    expect(extra.status).toBe(400);
  });

  it("creates the customer once, saves it, and replays a repeated Idempotency-Key", async () => {
    const user = await signUp(bindings);
    const key = crypto.randomUUID();
    const first = await checkout(user, MONTHLY, { "Idempotency-Key": key });
    expect(first.status).toBe(201);
    const session = await json<{ id: string; url: string }>(first);
    expect(session.id).toMatch(/^cs_/);
    expect(session.url).toContain(`/_stripe/checkout/${session.id}`);
    const again = await checkout(user, MONTHLY, { "Idempotency-Key": key });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await json<{ id: string }>(again)).id).toBe(session.id);

    const customer = await customerOf(user.userId);
    expect(customer).toMatch(/^cus_/);
    const stripe = createStripe(config);
    const checkoutSession = await stripe.checkout.sessions.retrieve(session.id);
    expect(checkoutSession).toMatchObject({
      mode: "subscription",
      customer,
      client_reference_id: user.userId,
      metadata: { userId: user.userId },
      success_url: config.CHECKOUT_SUCCESS_URL,
      cancel_url: config.CHECKOUT_CANCEL_URL,
    });
    // A second checkout reuses the saved customer (1 Neon round trip) and its open session for
    // this plan; Stripe is asked for the customer's subscriptions (webhooks may lag) and sessions.
    const trace = traceId();
    const resumed = await checkout(user, MONTHLY, { "X-Request-Id": trace });
    expect(resumed.status).toBe(200);
    expect((await json<{ id: string }>(resumed)).id).toBe(session.id);
    expect(await roundTrips(trace)).toMatchObject({ neon: 1, stripe: 2 });
    expect(await customerOf(user.userId)).toBe(customer);
  });

  it("keeps one payable session: another plan's checkout expires the open one", async () => {
    const user = await signUp(bindings);
    const monthly = await json<{ id: string }>(await checkout(user));
    const yearlyRes = await checkout(user, "price_premium_yearly");
    expect(yearlyRes.status).toBe(201);
    const yearly = await json<{ id: string }>(yearlyRes);
    expect(yearly.id).not.toBe(monthly.id);
    const stripe = createStripe(config);
    expect((await stripe.checkout.sessions.retrieve(monthly.id)).status).toBe("expired");
    await expect(pay(monthly.id)).rejects.toThrow(/409/);
    await pay(yearly.id);
    await deliverPending(bindings, await customerOf(user.userId));
    expect(await subscription(user)).toMatchObject({ plan: "premium-yearly", status: "active" });
  });
});

describe("the purchase flow", () => {
  it("checkout, Pay, webhooks: premium at once, quota lifted; cancel, period end: free again", async () => {
    const user = await signUp(bindings);
    expect(await subscription(user)).toBeNull();
    await fillPatternQuota(user.userId);
    expect((await createPattern(user)).status).toBe(403);

    const { customer, subscriptionId } = await (async () => {
      const res = await checkout(user);
      const session = await json<{ id: string }>(res);
      const paid = await pay(session.id);
      const cus = await customerOf(user.userId);
      expect(await me(user)).toMatchObject({ tier: "free" }); // nothing until the webhooks arrive
      await deliverPending(bindings, cus);
      return { customer: cus, subscriptionId: paid.subscription.id };
    })();

    expect(await me(user)).toMatchObject({ tier: "premium" });
    expect((await createPattern(user)).status).toBe(201);
    const item = (await createStripe(config).subscriptions.retrieve(subscriptionId)).items.data[0];
    expect(await subscription(user)).toMatchObject({
      id: subscriptionId,
      status: "active",
      plan: "premium-monthly",
      tier: "premium",
      priceId: MONTHLY,
      currentPeriodStart: new Date((item?.current_period_start ?? 0) * 1000).toISOString(),
      currentPeriodEnd: new Date((item?.current_period_end ?? 0) * 1000).toISOString(),
      cancelAtPeriodEnd: false,
    });
    // The access token carries the tier from the next refresh.
    const refreshed = await send(bindings, "/api/auth/refresh", {
      method: "POST",
      json: { refreshToken: user.refreshToken },
    });
    const { accessToken } = await json<{ accessToken: string }>(refreshed);
    const claims = JSON.parse(
      atob((accessToken.split(".")[1] as string).replace(/-/g, "+").replace(/_/g, "/")),
    );
    expect(claims.tier).toBe("premium");

    const conflict = await checkout(user);
    expect(conflict.status).toBe(409);
    expect(await json<{ portal: string }>(conflict)).toMatchObject({ portal: "/api/billing/portal" });

    const canceled = await send(bindings, "/api/billing/cancel", {
      method: "POST",
      headers: bearer(user.accessToken),
    });
    expect(canceled.status).toBe(200);
    expect(await json(canceled)).toMatchObject({
      subscription: { id: subscriptionId, cancelAtPeriodEnd: true },
    });
    expect(await deliverPending(bindings, customer)).toEqual(["customer.subscription.updated"]);
    expect(await subscription(user)).toMatchObject({ cancelAtPeriodEnd: true, status: "active" });
    expect(await me(user)).toMatchObject({ tier: "premium" }); // paid until the period ends

    await advance(subscriptionId);
    expect(await deliverPending(bindings, customer)).toEqual(["customer.subscription.deleted"]);
    expect(await me(user)).toMatchObject({ tier: "free" });
    expect(await subscription(user)).toBeNull();
    expect((await createPattern(user)).status).toBe(403);
    const { rows } = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from audit_logs where action = 'billing.tier_changed' and target_id = ${user.userId}`,
    );
    expect(rows[0]?.n).toBe(2);
  });

  it("refuses a second checkout when Stripe has the subscription but its webhooks have not arrived", async () => {
    const user = await signUp(bindings);
    const first = await json<{ id: string }>(await checkout(user));
    const paid = await pay(first.id);
    const res = await checkout(user);
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({
      subscription: paid.subscription.id,
      portal: "/api/billing/portal",
    });
  });

  it("resume undoes a pending cancellation", async () => {
    const { user, customer, subscriptionId } = await subscriber();
    await send(bindings, "/api/billing/cancel", { method: "POST", headers: bearer(user.accessToken) });
    const resumed = await send(bindings, "/api/billing/resume", {
      method: "POST",
      headers: bearer(user.accessToken),
    });
    expect(resumed.status).toBe(200);
    expect(await json(resumed)).toMatchObject({
      subscription: { id: subscriptionId, cancelAtPeriodEnd: false },
    });
    await deliverPending(bindings, customer);
    const before = await subscription(user);
    expect(before).toMatchObject({ cancelAtPeriodEnd: false, status: "active" });
    // Renewal: a new paid invoice, still premium, the next period starting where the last ended.
    await advance(subscriptionId);
    await deliverPending(bindings, customer);
    expect(await me(user)).toMatchObject({ tier: "premium" });
    expect(await subscription(user)).toMatchObject({
      tier: "premium",
      currentPeriodStart: before?.currentPeriodEnd,
    });
    const invoices = await json<{ invoices: { status: string }[] }>(
      await send(bindings, "/api/billing/invoices", { headers: bearer(user.accessToken) }),
    );
    expect(invoices.invoices.map((i) => i.status)).toEqual(["paid", "paid"]);
  });

  it("cancel and resume without a subscription are 404; the portal needs a billing account", async () => {
    const user = await signUp(bindings);
    for (const path of ["/api/billing/cancel", "/api/billing/resume", "/api/billing/portal"]) {
      const res = await send(bindings, path, { method: "POST", headers: bearer(user.accessToken) });
      expect(res.status, path).toBe(404);
    }
  });

  it("the portal session points at the customer's portal page", async () => {
    const { user } = await subscriber();
    const res = await send(bindings, "/api/billing/portal", {
      method: "POST",
      headers: bearer(user.accessToken),
    });
    expect(res.status).toBe(200);
    const { url } = await json<{ url: string }>(res);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/Cancel/);
  });
});

describe("invoices", () => {
  it("lists the user's invoices from the webhook-fed table, paged, and no one else's", async () => {
    const { user, invoiceId } = await subscriber();
    const other = await subscriber();
    const res = await send(bindings, "/api/billing/invoices?limit=1", { headers: bearer(user.accessToken) });
    expect(res.status).toBe(200);
    const body = await json<{ invoices: Record<string, unknown>[]; nextCursor: string | null }>(res);
    expect(body.invoices).toEqual([
      expect.objectContaining({
        id: invoiceId,
        status: "paid",
        amountPaid: 900,
        amountRefunded: 0,
        currency: "usd",
      }),
    ]);
    expect(body.nextCursor).toBeNull();
    expect(body.invoices.map((i) => i.id)).not.toContain(other.invoiceId);
  });
});

describe("admin refunds", () => {
  let adminToken: string;
  beforeAll(async () => {
    const admin = await signUp(bindings);
    await grantAdmin(db, admin.email);
    const res = await send(bindings, "/api/auth/refresh", {
      method: "POST",
      json: { refreshToken: admin.refreshToken },
    });
    adminToken = (await json<{ accessToken: string }>(res)).accessToken;
  });

  const refund = (body: unknown, token = adminToken, key: string | null = crypto.randomUUID()) =>
    send(bindings, "/api/admin/refunds", {
      method: "POST",
      headers: { ...bearer(token), ...(key && { "Idempotency-Key": key }) },
      json: body,
    });

  it("refunds part of an invoice, audit-logged, shown on the invoice once charge.refunded arrives", async () => {
    const { user, customer, invoiceId } = await subscriber();
    const res = await refund({ invoiceId, amount: 300, reason: "requested_by_customer", note: "goodwill" });
    expect(res.status).toBe(201);
    const created = await json<{ id: string; amount: number }>(res);
    expect(created).toMatchObject({ amount: 300, invoiceId });
    expect(await deliverPending(bindings, customer)).toEqual(["charge.refunded"]);
    const { invoices } = await json<{ invoices: { amountRefunded: number }[] }>(
      await send(bindings, "/api/billing/invoices", { headers: bearer(user.accessToken) }),
    );
    expect(invoices[0]?.amountRefunded).toBe(300);
    const { rows } = await db.execute<{ metadata: Record<string, unknown> }>(
      sql`select metadata from audit_logs where action = 'billing.refund_created' and target_id = ${invoiceId}`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.metadata).toMatchObject({
      refund: created.id,
      amount: 300,
      note: "goodwill",
      user: user.userId,
    });

    // A retry with the same key refunds nothing more.
    const key = crypto.randomUUID();
    const once = await refund({ invoiceId, amount: 100, reason: "duplicate" }, adminToken, key);
    const again = await refund({ invoiceId, amount: 100, reason: "duplicate" }, adminToken, key);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await json<{ id: string }>(again)).id).toBe((await json<{ id: string }>(once)).id);

    const tooMuch = await refund({ invoiceId, amount: 501, reason: "requested_by_customer" });
    expect(tooMuch.status).toBe(400);
    expect((await json<{ errors: { path: string }[] }>(tooMuch)).errors[0]?.path).toBe("amount");
    const rest = await refund({ invoiceId, reason: "duplicate" });
    expect(await json(rest)).toMatchObject({ amount: 500 });
    await deliverPending(bindings, customer);
    const after = await json<{ invoices: { amountRefunded: number }[] }>(
      await send(bindings, "/api/billing/invoices", { headers: bearer(user.accessToken) }),
    );
    expect(after.invoices[0]?.amountRefunded).toBe(900);
  });

  it("validates the request, refuses non-admins and unknown invoices", async () => {
    const user = await signUp(bindings);
    expect((await refund({ invoiceId: "in_x1", reason: "duplicate" }, user.accessToken)).status).toBe(403);
    expect((await refund({ invoiceId: "in_unknown1", reason: "duplicate" })).status).toBe(404);
    const keyless = await refund({ invoiceId: "in_unknown1", reason: "duplicate" }, adminToken, null);
    expect(keyless.status).toBe(400);
    expect((await json<{ errors: { path: string }[] }>(keyless)).errors[0]?.path).toBe("Idempotency-Key");
    const bad = await refund({ invoiceId: "nope", amount: -1, reason: "because" });
    expect(bad.status).toBe(400);
    const paths = (await json<{ errors: { path: string }[] }>(bad)).errors.map((e) => e.path).sort();
    expect(paths).toEqual(["amount", "invoiceId", "reason"]);
  });
});

describe("account deletion", () => {
  it("cancels at Stripe a subscription whose webhooks have not arrived yet", async () => {
    const user = await signUp(bindings);
    const paid = await pay((await json<{ id: string }>(await checkout(user))).id);
    const res = await send(bindings, "/api/me", {
      method: "DELETE",
      headers: bearer(user.accessToken),
      json: { password: user.password },
    });
    expect(res.status).toBe(204);
    expect((await createStripe(config).subscriptions.retrieve(paid.subscription.id)).status).toBe("canceled");
  });

  it("cancels the Stripe subscription before deleting the account", async () => {
    const { user, customer, subscriptionId } = await subscriber();
    expect(await eventsMentioning(user.email)).toBeGreaterThan(0); // the paid invoice names them
    const res = await send(bindings, "/api/me", {
      method: "DELETE",
      headers: bearer(user.accessToken),
      json: { password: user.password },
    });
    expect(res.status).toBe(204);
    const stripeSub = await createStripe(config).subscriptions.retrieve(subscriptionId);
    expect(stripeSub.status).toBe("canceled");
    // The deleted event still lands, on a row that outlives its user.
    expect(await deliverPending(bindings, customer)).toContain("customer.subscription.deleted");
    const { rows } = await db.execute<{ status: string; user_id: string | null }>(
      sql`select status, user_id from subscriptions where id = ${subscriptionId}`,
    );
    expect(rows).toEqual([{ status: "canceled", user_id: null }]);
    // The recorded events about the customer no longer carry the person's email.
    expect(await eventsMentioning(user.email)).toBe(0);
  });
});

describe("premium comes only from the plans' prices", () => {
  // Regression: any active subscription on the user made them premium and blocked checkout,
  // even one to another product sold on the same Stripe account.
  it("another product's active subscription grants nothing, is not shown, and does not block checkout", async () => {
    const user = await signUp(bindings);
    const customer = stripeId("cus");
    const sub = subscriptionObject({
      id: stripeId("sub"),
      customer,
      status: "active",
      priceId: "price_some_other_product",
      userId: user.userId,
    });
    expect(await deliverEvent(bindings, stripeEvent("customer.subscription.created", sub))).toBe(200);
    const { rows } = await db.execute<{ user_id: string }>(
      sql`select user_id from subscriptions where id = ${sub.id}`,
    );
    expect(rows).toEqual([{ user_id: user.userId }]);
    expect((await me(user)).tier).toBe("free");
    expect(await subscription(user)).toBeNull();
    expect((await checkout(user)).status).toBe(201);
  });
});

describe("the subscription's tier and current period", () => {
  it("tier is the plan's while the status entitles: premium when active and in the grace period, free after it", async () => {
    const user = await signUp(bindings);
    const fields = { id: stripeId("sub"), customer: stripeId("cus"), priceId: MONTHLY, userId: user.userId };
    const created = unix() - 10;
    const active = subscriptionObject({ ...fields, status: "active" });
    expect(await deliverEvent(bindings, stripeEvent("customer.subscription.created", active, created))).toBe(
      200,
    );
    expect(await subscription(user)).toMatchObject({ status: "active", tier: "premium" });

    const pastDue = subscriptionObject({ ...fields, status: "past_due" });
    expect(
      await deliverEvent(bindings, stripeEvent("customer.subscription.updated", pastDue, created + 1)),
    ).toBe(200);
    expect(await subscription(user)).toMatchObject({ status: "past_due", tier: "premium" });
    await db.execute(
      sql`update subscriptions set past_due_since = now() - make_interval(secs => ${config.BILLING_GRACE_PERIOD + 60}) where id = ${fields.id}`,
    );
    expect(await subscription(user)).toMatchObject({ status: "past_due", tier: "free" });
  });

  it("reads the period from a subscription of an older Stripe API version (on the subscription, not its items)", async () => {
    // Before API 2025-03-31.basil the period was on the subscription: an endpoint pinned to such a version sends it there.
    const user = await signUp(bindings);
    const start = unix() - 3 * 86400;
    const end = start + 30 * 86400;
    const sub = subscriptionObject({
      id: stripeId("sub"),
      customer: stripeId("cus"),
      status: "active",
      userId: user.userId,
    });
    const legacy = {
      ...sub,
      current_period_start: start,
      current_period_end: end,
      items: {
        ...sub.items,
        data: sub.items.data.map(({ current_period_start: _s, current_period_end: _e, ...item }) => item),
      },
    };
    expect(await deliverEvent(bindings, stripeEvent("customer.subscription.created", legacy))).toBe(200);
    expect(await subscription(user)).toMatchObject({
      currentPeriodStart: new Date(start * 1000).toISOString(),
      currentPeriodEnd: new Date(end * 1000).toISOString(),
    });
  });
});
