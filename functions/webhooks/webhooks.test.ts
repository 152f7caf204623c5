import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { grantAdmin } from "../../db/queries/admin";
import { processClaimedEvent } from "../../shared/billing/events";
import { createDb, createStripe } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, signUp } from "../../test/support/accounts";
import { fileEnv, roundTrips, send, traceId } from "../../test/support/harness";
import {
  deliver,
  deliverEvent,
  invoiceObject,
  type Signed,
  sign,
  stripeEvent,
  stripeId,
  subscriptionObject,
  unix,
} from "../../test/support/stripe-events";
import worker from "..";

const bindings = fileEnv("webhooks");
const db = createDb(loadConfig(bindings));

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return (await db.execute(query)).rows as T[];
}

/** A signed-up user whose Stripe customer is linked through checkout.session.completed. */
async function customerUser() {
  const user = await signUp(bindings);
  const customer = stripeId("cus");
  const completed = stripeEvent("checkout.session.completed", {
    id: stripeId("cs"),
    object: "checkout.session",
    customer,
    client_reference_id: user.userId,
    metadata: { userId: user.userId },
    subscription: null,
    mode: "subscription",
  });
  expect(await deliverEvent(bindings, completed)).toBe(200);
  return { ...user, customer };
}

/** What billing state a user ends in: comparable across users. */
async function stateOf(userId: string) {
  const [user] = await rows<{ tier: string }>(sql`select tier from users where id = ${userId}`);
  const subs = await rows<{ status: string; cancel_at_period_end: boolean }>(
    sql`select status, cancel_at_period_end from subscriptions where user_id = ${userId} order by created_at`,
  );
  const invoices = await rows<{ status: string; amount_paid: number }>(
    sql`select status, amount_paid from invoices where user_id = ${userId} order by amount_due, status`,
  );
  const tierChanges = await rows<{ n: number }>(
    sql`select count(*)::int as n from audit_logs where action = 'billing.tier_changed' and target_id = ${userId}`,
  );
  return { tier: user?.tier, subs, invoices, tierChanges: tierChanges[0]?.n };
}

async function ledger(eventId: string) {
  const [row] = await rows<{ status: string; attempts: number; error: string | null }>(
    sql`select status, attempts, error from stripe_events where id = ${eventId}`,
  );
  return row;
}

describe("webhook signatures", () => {
  it("refuses a tampered body, a wrong secret, a stale timestamp and a missing header, writing nothing", async () => {
    const user = await signUp(bindings);
    const sub = subscriptionObject({
      id: stripeId("sub"),
      customer: stripeId("cus"),
      status: "active",
      userId: user.userId,
    });
    const event = stripeEvent("customer.subscription.created", sub);
    const good = await sign(bindings, event);
    const attempts = [
      { name: "tampered", d: { ...good, payload: good.payload.replace('"active"', '"trialing"') } },
      { name: "wrong secret", d: await sign(bindings, event, { secret: "whsec_not_the_right_one_123" }) },
      { name: "stale", d: await sign(bindings, event, { timestamp: unix() - 301 }) },
      { name: "missing", d: { payload: good.payload, signature: "" } },
      { name: "garbage", d: { payload: good.payload, signature: "t=abc,v1=zzz" } },
    ];
    for (const { name, d } of attempts) {
      const res = await deliver(bindings, d);
      expect(res.status, name).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const problem = (await res.json()) as { type: string; errors: { path: string }[] };
      expect(problem.type).toMatch(/webhook-signature|bad-signature/);
      expect(problem.errors[0]?.path).toBe("header.stripe-signature");
    }
    expect(await ledger(event.id)).toBeUndefined();
    expect(await rows(sql`select 1 from subscriptions where id = ${sub.id}`)).toHaveLength(0);
    expect((await stateOf(user.userId)).tier).toBe("free");
    // The untouched delivery is accepted: the refusals were about the signature alone.
    expect((await deliver(bindings, good)).status).toBe(200);
    expect((await stateOf(user.userId)).tier).toBe("premium");
  });
});

describe("webhook delivery is exactly-once", () => {
  it("applies an event delivered 5 times (2 of them concurrently) once", async () => {
    const user = await customerUser();
    const sub = subscriptionObject({ id: stripeId("sub"), customer: user.customer, status: "active" });
    const signed = await sign(bindings, stripeEvent("customer.subscription.created", sub));
    const statuses: number[] = [];
    const concurrent = await Promise.all([deliver(bindings, signed), deliver(bindings, signed)]);
    statuses.push(...concurrent.map((r) => r.status));
    for (let i = 0; i < 3; i++) statuses.push((await deliver(bindings, signed)).status);
    // One concurrent copy may be told to come back later (409), never processed twice.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(4);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    const state = await stateOf(user.userId);
    expect(state).toMatchObject({ tier: "premium", subs: [{ status: "active" }], tierChanges: 1 });
    const [ev] = await rows<{ n: number }>(
      sql`select count(*)::int as n from stripe_events where payload->'data'->'object'->>'id' = ${sub.id}`,
    );
    expect(ev?.n).toBe(1);
  });

  it("acknowledges and records event types it does not act on", async () => {
    const event = stripeEvent("customer.created", { id: stripeId("cus"), object: "customer" });
    expect(await deliverEvent(bindings, event)).toBe(200);
    expect(await deliverEvent(bindings, event)).toBe(200);
    expect(await ledger(event.id)).toMatchObject({ status: "ignored", attempts: 1 });
  });
});

describe("webhook claims", () => {
  it("applies a batch only while its delivery holds the claim (a stale claim taken over applies nothing)", async () => {
    const user = await customerUser();
    const id = stripeId("sub");
    const event = stripeEvent(
      "customer.subscription.updated",
      subscriptionObject({ id, customer: user.customer, status: "active" }),
    );
    // A delivery that died after claiming (attempt 1): its claim went stale, the next delivery takes over.
    await db.execute(sql`
      insert into stripe_events (id, type, created_at, status, claimed_at, payload)
      values (${event.id}, ${event.type}, now(), 'processing', now() - interval '1 hour', ${JSON.stringify(event)}::jsonb)
    `);
    expect(await deliverEvent(bindings, event)).toBe(200);
    expect(await ledger(event.id)).toMatchObject({ status: "processed", attempts: 2 });

    // The first delivery resumes with what it would apply: its batch must abort, and so must a
    // batch for an event no longer being processed.
    const config = loadConfig(bindings);
    const late = {
      id: event.id,
      type: event.type,
      createdAt: new Date(),
      payload: stripeEvent(
        "customer.subscription.updated",
        subscriptionObject({ id, customer: user.customer, status: "canceled" }),
      ),
    };
    for (const attempt of [1, 2]) {
      await expect(
        processClaimedEvent(late, attempt, { db, config, stripe: createStripe(config) }),
      ).rejects.toThrow();
    }
    expect(await stateOf(user.userId)).toMatchObject({ tier: "premium", subs: [{ status: "active" }] });
    expect(await ledger(event.id)).toMatchObject({ status: "processed", attempts: 2, error: null });
  });
});

describe("webhook ordering", () => {
  it("ends active when updated arrives before created", async () => {
    const user = await customerUser();
    const id = stripeId("sub");
    const t = unix() - 100;
    const created = stripeEvent(
      "customer.subscription.created",
      subscriptionObject({ id, customer: user.customer, status: "incomplete" }),
      t,
    );
    const updated = stripeEvent(
      "customer.subscription.updated",
      subscriptionObject({ id, customer: user.customer, status: "active" }),
      t + 5,
    );
    expect(await deliverEvent(bindings, updated)).toBe(200);
    expect(await deliverEvent(bindings, created)).toBe(200);
    expect(await stateOf(user.userId)).toMatchObject({ tier: "premium", subs: [{ status: "active" }] });
  });

  it("ends canceled and free when deleted arrives before updated, even within the same second", async () => {
    const user = await customerUser();
    const id = stripeId("sub");
    const t = unix() - 100;
    const created = stripeEvent(
      "customer.subscription.created",
      subscriptionObject({ id, customer: user.customer, status: "active" }),
      t,
    );
    const updated = stripeEvent(
      "customer.subscription.updated",
      subscriptionObject({ id, customer: user.customer, status: "active", cancelAtPeriodEnd: true }),
      t + 1,
    );
    const deleted = stripeEvent(
      "customer.subscription.deleted",
      subscriptionObject({ id, customer: user.customer, status: "canceled" }),
      t + 1,
    );
    expect(await deliverEvent(bindings, created)).toBe(200);
    expect((await stateOf(user.userId)).tier).toBe("premium");
    expect(await deliverEvent(bindings, deleted)).toBe(200);
    expect(await deliverEvent(bindings, updated)).toBe(200);
    expect(await stateOf(user.userId)).toMatchObject({
      tier: "free",
      subs: [{ status: "canceled" }],
      tierChanges: 2,
    });
  });

  it("keeps premium through past_due within the grace period", async () => {
    const user = await customerUser();
    const id = stripeId("sub");
    const t = unix() - 100;
    await deliverEvent(
      bindings,
      stripeEvent(
        "customer.subscription.created",
        subscriptionObject({ id, customer: user.customer, status: "active" }),
        t,
      ),
    );
    await deliverEvent(
      bindings,
      stripeEvent(
        "customer.subscription.updated",
        subscriptionObject({ id, customer: user.customer, status: "past_due" }),
        t + 10,
      ),
    );
    expect(await stateOf(user.userId)).toMatchObject({ tier: "premium", subs: [{ status: "past_due" }] });
    await deliverEvent(
      bindings,
      stripeEvent(
        "customer.subscription.updated",
        subscriptionObject({ id, customer: user.customer, status: "unpaid" }),
        t + 20,
      ),
    );
    expect(await stateOf(user.userId)).toMatchObject({ tier: "free", subs: [{ status: "unpaid" }] });
  });

  it("ends premium when past_due outlasts the grace period: at once if the event says so, else by the cron", async () => {
    const grace = loadConfig(bindings).BILLING_GRACE_PERIOD;
    const late = await customerUser();
    const lateId = stripeId("sub");
    const t = unix() - grace - 3600;
    await deliverEvent(
      bindings,
      stripeEvent(
        "customer.subscription.created",
        subscriptionObject({ id: lateId, customer: late.customer, status: "active" }),
        t - 10,
      ),
    );
    await deliverEvent(
      bindings,
      stripeEvent(
        "customer.subscription.updated",
        subscriptionObject({ id: lateId, customer: late.customer, status: "past_due" }),
        t,
      ),
    );
    expect(await stateOf(late.userId)).toMatchObject({ tier: "free", subs: [{ status: "past_due" }] });

    const user = await customerUser();
    const id = stripeId("sub");
    await deliverEvent(
      bindings,
      stripeEvent(
        "customer.subscription.created",
        subscriptionObject({ id, customer: user.customer, status: "active" }),
        unix() - 20,
      ),
    );
    await deliverEvent(
      bindings,
      stripeEvent(
        "customer.subscription.updated",
        subscriptionObject({ id, customer: user.customer, status: "past_due" }),
        unix() - 10,
      ),
    );
    expect((await stateOf(user.userId)).tier).toBe("premium");
    const cron = async () => {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ cron: "*/5 * * * *" }), bindings, ctx);
      await waitOnExecutionContext(ctx);
    };
    await cron();
    expect((await stateOf(user.userId)).tier).toBe("premium"); // still within the grace period
    // Time passes: the grace period has run out with no further event from Stripe.
    await db.execute(
      sql`update subscriptions set past_due_since = now() - make_interval(secs => ${grace + 60}) where id = ${id}`,
    );
    await cron();
    expect(await stateOf(user.userId)).toMatchObject({
      tier: "free",
      subs: [{ status: "past_due" }],
      tierChanges: 2,
    });
  });
});

describe("webhook failure and replay", () => {
  let adminToken: string;
  beforeAll(async () => {
    const admin = await signUp(bindings);
    await grantAdmin(db, admin.email);
    const res = await send(bindings, "/api/auth/refresh", {
      method: "POST",
      json: { refreshToken: admin.refreshToken },
    });
    adminToken = ((await res.json()) as { accessToken: string }).accessToken;
  });

  it("answers 500 and records the event as failed; an admin replay succeeds once the fault is gone", async () => {
    const user = await customerUser();
    const subId = stripeId("sub");
    const invoice = invoiceObject({
      id: stripeId("in"),
      customer: user.customer,
      subscription: subId,
      status: "paid",
      amount: 900,
      paymentIntent: stripeId("pi"),
    });
    // A real fault in the database: invoices cannot be written while this trigger exists.
    await db.execute(
      sql.raw(`create or replace function fail_invoice_insert() returns trigger language plpgsql as $$
        begin raise exception 'invoices are read-only (test fault)'; end $$`),
    );
    await db.execute(
      sql.raw(
        "create trigger invoices_fault before insert on invoices for each row execute function fail_invoice_insert()",
      ),
    );
    const event = stripeEvent("invoice.paid", invoice);
    const res = await deliver(bindings, await sign(bindings, event));
    expect(res.status).toBe(500);
    const problem = (await res.json()) as { detail: string };
    expect(JSON.stringify(problem)).not.toContain("test fault");
    expect(await ledger(event.id)).toMatchObject({
      status: "failed",
      attempts: 1,
      error: "database error (SQLSTATE P0001)",
    });
    expect(await rows(sql`select 1 from invoices where id = ${invoice.id}`)).toHaveLength(0);

    const listed = await send(bindings, "/api/admin/webhook-events?status=failed", {
      headers: bearer(adminToken),
    });
    expect(listed.status).toBe(200);
    const { events } = (await listed.json()) as { events: { id: string; status: string }[] };
    expect(events.map((e) => e.id)).toContain(event.id);
    expect(events.every((e) => e.status === "failed")).toBe(true);

    // Still broken: the replay fails, and the event stays failed.
    const again = await send(bindings, `/api/admin/webhook-events/${event.id}/replay`, {
      method: "POST",
      headers: bearer(adminToken),
    });
    expect(again.status).toBe(500);
    expect(await ledger(event.id)).toMatchObject({ status: "failed", attempts: 2 });

    await db.execute(sql.raw("drop trigger invoices_fault on invoices"));
    const replayed = await send(bindings, `/api/admin/webhook-events/${event.id}/replay`, {
      method: "POST",
      headers: bearer(adminToken),
    });
    expect(replayed.status).toBe(200);
    expect(await ledger(event.id)).toMatchObject({ status: "processed", attempts: 3, error: null });
    expect(await stateOf(user.userId)).toMatchObject({ invoices: [{ status: "paid", amount_paid: 900 }] });
    const audit = await rows(
      sql`select 1 from audit_logs where action = 'billing.webhook_replayed' and target_id = ${event.id}`,
    );
    expect(audit).toHaveLength(1);

    // Done now: replaying again is refused, a late Stripe retry is a harmless duplicate.
    const twice = await send(bindings, `/api/admin/webhook-events/${event.id}/replay`, {
      method: "POST",
      headers: bearer(adminToken),
    });
    expect(twice.status).toBe(409);
    expect(await deliverEvent(bindings, event)).toBe(200);
    expect(await stateOf(user.userId)).toMatchObject({ invoices: [{ status: "paid" }] });
  });

  it("pages the ledger without skipping events received within one millisecond", async () => {
    const ids = [stripeId("evt"), stripeId("evt"), stripeId("evt")];
    for (const [i, id] of ids.entries()) {
      await db.execute(sql`
        insert into stripe_events (id, type, created_at, received_at, status, payload)
        values (${id}, 'paging.probe', now(), ${`2020-01-01T00:00:00.1234${5 - i}0Z`}::timestamptz, 'ignored', '{}'::jsonb)
      `);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Response = await send(
        bindings,
        `/api/admin/webhook-events?status=ignored&limit=1${cursor ? `&cursor=${cursor}` : ""}`,
        { headers: bearer(adminToken) },
      );
      const body = (await page.json()) as { events: { id: string }[]; nextCursor: string | null };
      seen.push(...body.events.map((e) => e.id));
      cursor = body.nextCursor;
    } while (cursor);
    // Same millisecond: ordered by id, and every one of them reached.
    expect(seen.filter((id) => ids.includes(id))).toEqual([...ids].sort().reverse());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("refuses replay to non-admins and for unknown events", async () => {
    const user = await signUp(bindings);
    const res = await send(bindings, "/api/admin/webhook-events/evt_unknown123/replay", {
      method: "POST",
      headers: bearer(user.accessToken),
    });
    expect(res.status).toBe(403);
    const missing = await send(bindings, "/api/admin/webhook-events/evt_unknown123/replay", {
      method: "POST",
      headers: bearer(adminToken),
    });
    expect(missing.status).toBe(404);
    const bad = await send(bindings, "/api/admin/webhook-events?status=nope", {
      headers: bearer(adminToken),
    });
    expect(bad.status).toBe(400);
  });
});

describe("webhook round trips", () => {
  it("costs 1 Neon round trip for a subscription event's first delivery, 2 for a duplicate, and no Stripe call", async () => {
    const user = await customerUser();
    const sub = subscriptionObject({ id: stripeId("sub"), customer: user.customer, status: "active" });
    const trace = traceId();
    expect(
      await deliverEvent(bindings, stripeEvent("customer.subscription.created", sub), {
        "X-Request-Id": trace,
      }),
    ).toBe(200);
    expect(await roundTrips(trace)).toMatchObject({ neon: 1, stripe: 0, upstash: 0 });
    expect((await stateOf(user.userId)).tier).toBe("premium");

    // A duplicate: the one-batch attempt aborts, and the claim tells it is done.
    const dup = traceId();
    const event = stripeEvent("customer.subscription.updated", sub);
    expect(await deliverEvent(bindings, event, { "X-Request-Id": traceId() })).toBe(200);
    const res = await deliver(bindings, await sign(bindings, event), { "X-Request-Id": dup });
    expect(await res.json()).toEqual({ received: true, outcome: "duplicate" });
    expect(await roundTrips(dup)).toMatchObject({ neon: 2, stripe: 0 });
    expect(await ledger(event.id)).toMatchObject({ status: "processed", attempts: 1 });
  });

  it("answers 409 and applies nothing while another delivery holds the event's claim", async () => {
    const user = await customerUser();
    const event = stripeEvent(
      "customer.subscription.created",
      subscriptionObject({ id: stripeId("sub"), customer: user.customer, status: "active" }),
    );
    await db.execute(sql`
      insert into stripe_events (id, type, created_at, status, payload)
      values (${event.id}, ${event.type}, now(), 'processing', ${JSON.stringify(event)}::jsonb)
    `);
    expect(await deliverEvent(bindings, event)).toBe(409);
    expect(await ledger(event.id)).toMatchObject({ status: "processing", attempts: 1 });
    expect(await stateOf(user.userId)).toMatchObject({ tier: "free", subs: [] });
  });

  it("records a subscription event whose effects fail as failed, with none of them applied, and applies its retry", async () => {
    const user = await customerUser();
    const sub = subscriptionObject({ id: stripeId("sub"), customer: user.customer, status: "active" });
    // A real fault in the database: this subscription cannot be written while the trigger exists.
    await db.execute(
      sql.raw(`create or replace function fail_subscription_write() returns trigger language plpgsql as $$
        begin if new.id = '${sub.id}' then raise exception 'subscription is read-only (test fault)'; end if;
        return new; end $$`),
    );
    await db.execute(
      sql.raw(
        "create trigger subscriptions_fault before insert or update on subscriptions for each row execute function fail_subscription_write()",
      ),
    );
    const event = stripeEvent("customer.subscription.created", sub);
    try {
      expect(await deliverEvent(bindings, event)).toBe(500);
      expect(await ledger(event.id)).toMatchObject({
        status: "failed",
        attempts: 1,
        error: "database error (SQLSTATE P0001)",
      });
      expect(await stateOf(user.userId)).toMatchObject({ tier: "free", subs: [], tierChanges: 0 });
    } finally {
      await db.execute(sql.raw("drop trigger subscriptions_fault on subscriptions"));
    }
    // Stripe's retry: a failed event is claimed and applied in one batch.
    const trace = traceId();
    expect(await deliverEvent(bindings, event, { "X-Request-Id": trace })).toBe(200);
    expect(await roundTrips(trace)).toMatchObject({ neon: 1 });
    expect(await ledger(event.id)).toMatchObject({ status: "processed", attempts: 2, error: null });
    expect(await stateOf(user.userId)).toMatchObject({ tier: "premium", subs: [{ status: "active" }] });
  });
});

describe("webhook storm", () => {
  /** One user's lifecycle: subscribe, renew twice (one failed payment), cancel, end. Timestamps strictly ordered. */
  function lifecycle(customer: string, start: number) {
    const id = stripeId("sub");
    const pi = () => stripeId("pi");
    const s = (status: Parameters<typeof subscriptionObject>[0]["status"], extra = {}) =>
      subscriptionObject({ id, customer, status, ...extra });
    const inv = (status: "paid" | "open", amount: number) =>
      invoiceObject({ id: stripeId("in"), customer, subscription: id, status, amount, paymentIntent: pi() });
    const failed = inv("open", 901);
    return [
      stripeEvent("customer.subscription.created", s("incomplete"), start),
      stripeEvent("customer.subscription.updated", s("active"), start + 1),
      stripeEvent("invoice.paid", inv("paid", 900), start + 2),
      stripeEvent("invoice.payment_failed", failed, start + 3),
      stripeEvent("customer.subscription.updated", s("past_due"), start + 4),
      stripeEvent("invoice.paid", { ...failed, status: "paid", amount_paid: 901 }, start + 5),
      stripeEvent("customer.subscription.updated", s("active"), start + 6),
      stripeEvent("customer.subscription.updated", s("active", { cancelAtPeriodEnd: true }), start + 7),
      stripeEvent("customer.subscription.updated", s("active"), start + 8),
      stripeEvent("customer.subscription.deleted", s("canceled"), start + 9),
    ];
  }

  /** A deterministic shuffle (mulberry32), so a failure can be reproduced. */
  function shuffle<T>(items: T[], seed: number): T[] {
    let a = seed;
    const random = () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  it("200 events with 30% duplicates, 10% concurrent and shuffled order end as in-order delivery does", async () => {
    const users = 14; // 10 events each: 140 distinct events, plus duplicates: 200 deliveries
    const start = unix() - 1000;
    const inOrder = await Promise.all(Array.from({ length: users }, () => customerUser()));
    const stormed = await Promise.all(Array.from({ length: users }, () => customerUser()));

    for (const [i, user] of inOrder.entries()) {
      for (const event of lifecycle(user.customer, start + i * 20))
        expect(await deliverEvent(bindings, event)).toBe(200);
    }

    const events = stormed.flatMap((user, i) => lifecycle(user.customer, start + i * 20));
    const seed = 20261122;
    const signedAll = await Promise.all(events.map((e) => sign(bindings, e)));
    // 60 of the 140 events are delivered twice (30% of 200 deliveries). For 10 of them both
    // copies travel at once (10% of the deliveries), so their claims really race.
    const twice = shuffle(signedAll, seed).slice(0, 60);
    const racing = new Set(twice.slice(0, 10));
    const groups = shuffle(
      [
        ...signedAll.filter((d) => !racing.has(d)).map((d) => [d]),
        ...twice.slice(10).map((d) => [d]),
        ...[...racing].map((d) => [d, d]),
      ],
      seed + 1,
    );
    expect(groups.flat()).toHaveLength(200);
    const statuses: number[] = [];
    const retry: Signed[] = [];
    for (const group of groups) {
      const results = await Promise.all(group.map((d) => deliver(bindings, d)));
      results.forEach((r, k) => {
        statuses.push(r.status);
        // What Stripe does with a 409: deliver it again later.
        if (r.status === 409) retry.push(group[k] as Signed);
      });
    }
    for (const d of retry) expect((await deliver(bindings, d)).status).toBe(200);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);

    for (let i = 0; i < users; i++) {
      const expected = await stateOf((inOrder[i] as { userId: string }).userId);
      const actual = await stateOf((stormed[i] as { userId: string }).userId);
      expect(expected).toMatchObject({ tier: "free", subs: [{ status: "canceled" }] });
      expect({ ...actual, tierChanges: undefined }).toEqual({ ...expected, tierChanges: undefined });
    }
    // Each event was claimed, hence applied, exactly once: a second claim would count a second attempt.
    const ids = sql.join(
      events.map((e) => sql`${e.id}`),
      sql`, `,
    );
    const ledgerRows = await rows<{ status: string; attempts: number }>(
      sql`select status, attempts from stripe_events where id in (${ids})`,
    );
    expect(ledgerRows).toHaveLength(events.length);
    expect(ledgerRows.every((r) => r.status === "processed" && r.attempts === 1)).toBe(true);
  }, 180_000);
});
