import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { uniqueEmail } from "../../test/support/accounts";
import { fileEnv, roundTrips, send, traceId } from "../../test/support/harness";
import {
  deliverEvent,
  stripeEvent,
  stripeId,
  subscriptionObject,
  unix,
} from "../../test/support/stripe-events";

const bindings = fileEnv("server-events");
const db = createDb(loadConfig(bindings));

async function serverEvents(userId: string) {
  const { rows } = await db.execute<{ name: string; ts: string; props: Record<string, unknown> }>(
    sql`select name, ts::text, props from usage_events where user_id = ${userId} order by id`,
  );
  return rows;
}

async function signUpTraced() {
  const trace = traceId();
  const res = await send(bindings, "/api/auth/signup", {
    method: "POST",
    headers: { "X-Request-Id": trace },
    json: {
      email: uniqueEmail(),
      password: "a sturdy passphrase 42",
      displayName: "Events",
      returnRefreshToken: true,
    },
  });
  expect(res.status).toBe(201);
  const userId = ((await res.json()) as { user: { id: string } }).user.id;
  return { userId, trips: await roundTrips(trace) };
}

function checkoutCompleted(userId: string, customer: string, created = unix()) {
  return stripeEvent(
    "checkout.session.completed",
    {
      id: stripeId("cs"),
      object: "checkout.session",
      customer,
      client_reference_id: userId,
      metadata: { userId },
      subscription: null,
      mode: "subscription",
    },
    created,
  );
}

describe("server-side events", () => {
  it("sign-up records sign_up in its own batch: its Neon round trips are unchanged", async () => {
    const { userId, trips } = await signUpTraced();
    // As before the event: the sign-up batch, then the outbox delivery after the response (2).
    expect(trips.neon).toBe(3);
    expect((await serverEvents(userId)).map((e) => e.name)).toEqual(["sign_up"]);
  });

  it("a completed checkout records checkout_completed at the event's time, once however often it is delivered", async () => {
    const { userId } = await signUpTraced();
    const created = unix() - 60;
    const event = checkoutCompleted(userId, stripeId("cus"), created);
    expect(await deliverEvent(bindings, event)).toBe(200);
    expect(await deliverEvent(bindings, event)).toBe(200);
    const events = (await serverEvents(userId)).filter((e) => e.name === "checkout_completed");
    expect(events).toHaveLength(1);
    expect(new Date(events[0]?.ts ?? "").getTime()).toBe(created * 1000);
  });

  it("a checkout for an account deleted since still applies, with no event", async () => {
    const { userId } = await signUpTraced();
    await db.execute(sql`delete from users where id = ${userId}`);
    expect(await deliverEvent(bindings, checkoutCompleted(userId, stripeId("cus")))).toBe(200);
    expect(await serverEvents(userId)).toEqual([]);
  });

  it("a subscription's end records subscription_canceled once, not for updates or a second deletion", async () => {
    const { userId } = await signUpTraced();
    const customer = stripeId("cus");
    expect(await deliverEvent(bindings, checkoutCompleted(userId, customer))).toBe(200);
    const id = stripeId("sub");
    const sub = (status: "active" | "canceled") => subscriptionObject({ id, customer, status });
    const t = unix() - 30;
    expect(await deliverEvent(bindings, stripeEvent("customer.subscription.created", sub("active"), t))).toBe(
      200,
    );
    expect(
      await deliverEvent(bindings, stripeEvent("customer.subscription.updated", sub("active"), t + 1)),
    ).toBe(200);
    const trace = traceId();
    const deleted = stripeEvent("customer.subscription.deleted", sub("canceled"), t + 2);
    expect(await deliverEvent(bindings, deleted, { "X-Request-Id": trace })).toBe(200);
    expect((await roundTrips(trace)).neon).toBeLessThanOrEqual(2);
    expect(
      await deliverEvent(bindings, stripeEvent("customer.subscription.deleted", sub("canceled"), t + 3)),
    ).toBe(200);
    const names = (await serverEvents(userId)).map((e) => e.name);
    expect(names).toEqual(["sign_up", "checkout_completed", "subscription_canceled"]);
    const canceled = (await serverEvents(userId)).at(-1);
    expect(canceled?.props).toEqual({ subscription: id, priceId: "price_premium_monthly" });
  });
});
