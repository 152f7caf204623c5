/**
 * The admin routes the console's user and billing views need: the user view (sessions,
 * subscription, audit trail) in one statement, revoking one session, the audit trail paged by
 * user, every subscription by status, and a user's invoices. Admins only; one Neon round trip each.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { grantAdmin } from "../../db/queries/admin";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, refreshedAccessToken, type SignedUp, signUp } from "../../test/support/accounts";
import { fileEnv, randomIp, roundTrips, send, traceId } from "../../test/support/harness";
import {
  deliverEvent,
  invoiceObject,
  stripeEvent,
  stripeId,
  subscriptionObject,
} from "../../test/support/stripe-events";

const bindings = fileEnv("admin-console");
const plan = loadConfig(bindings).BILLING_PLANS[0];
let admin: SignedUp & { adminToken: string };

interface View {
  id: string;
  sessions: { id: string; method: string; ip: string | null; createdAt: string; lastUsedAt: string }[];
  subscription: {
    id: string;
    status: string;
    plan: string | null;
    currentPeriodEnd: string | null;
    cancelAtPeriodEnd: boolean;
  } | null;
  audit: {
    entries: { id: number; action: string; actorId: string | null; targetId: string | null }[];
    nextCursor: string | null;
  };
}

async function makeAdmin() {
  const user = await signUp(bindings);
  expect(await grantAdmin(createDb(loadConfig(bindings)), user.email)).toBe(user.userId);
  return { ...user, adminToken: await refreshedAccessToken(bindings, user) };
}

/** GET as the admin, with a fresh trace id; the body, status and round trips. */
async function adminGet<T>(path: string) {
  const trace = traceId();
  const res = await send(bindings, path, { headers: { ...bearer(admin.adminToken), "X-Request-Id": trace } });
  return { status: res.status, body: (await res.json()) as T, trips: await roundTrips(trace) };
}

/** A second sign-in of the user from another client: a second live session. */
async function signInAgain(user: SignedUp, ip = randomIp()) {
  const res = await send(bindings, "/api/auth/signin", {
    method: "POST",
    headers: { "CF-Connecting-IP": ip, "User-Agent": "Console test browser" },
    json: { email: user.email, password: user.password },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/** Links a Stripe customer to the user (checkout completed) and subscribes them to the first plan. */
async function subscribe(user: SignedUp, options: { cancelAtPeriodEnd?: boolean } = {}) {
  const customer = stripeId("cus");
  const subscription = stripeId("sub");
  const checkout = stripeEvent("checkout.session.completed", {
    id: stripeId("cs"),
    object: "checkout.session",
    client_reference_id: user.userId,
    customer,
    subscription,
    metadata: {},
  });
  expect(await deliverEvent(bindings, checkout)).toBe(200);
  const sub = subscriptionObject({
    id: subscription,
    customer,
    status: "active",
    priceId: plan?.priceId,
    userId: user.userId,
    cancelAtPeriodEnd: options.cancelAtPeriodEnd,
  });
  expect(await deliverEvent(bindings, stripeEvent("customer.subscription.updated", sub))).toBe(200);
  return { customer, subscription };
}

beforeAll(async () => {
  admin = await makeAdmin();
});

describe("GET /api/admin/users/:id: the user view", () => {
  it("shows the live sessions, the subscription and the audit trail, in one Neon round trip", async () => {
    const user = await signUp(bindings);
    await signInAgain(user);
    const { subscription } = await subscribe(user, { cancelAtPeriodEnd: true });
    // An admin action on the user: in their audit trail as its target.
    await send(bindings, `/api/admin/users/${user.userId}`, {
      method: "PATCH",
      headers: bearer(admin.adminToken),
      json: { role: "user" },
    });

    await adminGet(`/api/admin/users/${user.userId}`); // warm the limiter scripts
    const { status, body, trips } = await adminGet<View>(`/api/admin/users/${user.userId}`);
    expect(status).toBe(200);
    expect(trips).toMatchObject({ neon: 1, upstash: 1 });
    expect(body.sessions).toHaveLength(2);
    expect(body.sessions.map((s) => s.method)).toEqual(["password", "password"]);
    for (const s of body.sessions) {
      expect(Date.parse(s.createdAt)).not.toBeNaN();
      expect(s.lastUsedAt).toMatch(/Z$/);
    }
    expect(body.subscription).toMatchObject({
      id: subscription,
      status: "active",
      plan: plan?.id,
      cancelAtPeriodEnd: true,
    });
    expect(Date.parse(body.subscription?.currentPeriodEnd ?? "")).toBeGreaterThan(Date.now());
    const actions = body.audit.entries.map((e) => e.action);
    expect(actions).toContain("admin.user_updated");
    expect(actions).toContain("billing.checkout_completed");
    expect(body.audit.entries.find((e) => e.action === "admin.user_updated")).toMatchObject({
      actorId: admin.userId,
      targetId: user.userId,
    });
    expect(body.audit.nextCursor).toBeNull();
  });

  it("a user who never subscribed has no subscription; a revoked session is not listed", async () => {
    const user = await signUp(bindings);
    await send(bindings, `/api/admin/users/${user.userId}/revoke-sessions`, {
      method: "POST",
      headers: bearer(admin.adminToken),
    });
    const { body } = await adminGet<View>(`/api/admin/users/${user.userId}`);
    expect(body.subscription).toBeNull();
    expect(body.sessions).toEqual([]);
  });

  it("pages the audit trail: the view's cursor continues at /audit-logs?user=, never repeating", async () => {
    const user = await signUp(bindings);
    // 24 entries naming the user: 12 role changes there and back.
    for (let i = 0; i < 12; i++) {
      for (const role of ["teacher", "user"]) {
        await send(bindings, `/api/admin/users/${user.userId}`, {
          method: "PATCH",
          headers: bearer(admin.adminToken),
          json: { role },
        });
      }
    }
    const { body } = await adminGet<View>(`/api/admin/users/${user.userId}`);
    expect(body.audit.entries).toHaveLength(20);
    expect(body.audit.nextCursor).not.toBeNull();
    const rest = await adminGet<{ entries: { id: number }[]; nextCursor: string | null }>(
      `/api/admin/audit-logs?user=${user.userId}&cursor=${body.audit.nextCursor}`,
    );
    expect(rest.status).toBe(200);
    const ids = [...body.audit.entries, ...rest.body.entries].map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Math.min(...body.audit.entries.map((e) => e.id))).toBeGreaterThan(
      Math.max(...rest.body.entries.map((e) => e.id)),
    );
    // 24 role changes + the sign-up's own entries, if any.
    expect(ids.length).toBeGreaterThanOrEqual(24);
  });
});

describe("DELETE /api/admin/users/:id/sessions/:sessionId", () => {
  it("signs the user out of that one session (its token refused at once), audit-logged", async () => {
    const user = await signUp(bindings);
    const second = await signInAgain(user);
    const { body } = await adminGet<View>(`/api/admin/users/${user.userId}`);
    const newest = body.sessions[0];
    if (!newest) throw new Error("no session");

    const trace = traceId();
    const res = await send(bindings, `/api/admin/users/${user.userId}/sessions/${newest.id}`, {
      method: "DELETE",
      headers: { ...bearer(admin.adminToken), "X-Request-Id": trace },
    });
    expect(res.status).toBe(204);
    expect((await roundTrips(trace)).neon).toBe(1);
    expect((await send(bindings, "/api/me", { headers: bearer(second) })).status).toBe(401);
    expect((await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(200);

    const after = await adminGet<View>(`/api/admin/users/${user.userId}`);
    expect(after.body.sessions.map((s) => s.id)).not.toContain(newest.id);
    const logs = await adminGet<{ entries: { action: string; actorId: string }[] }>(
      `/api/admin/audit-logs?action=admin.session_revoked&target=${newest.id}`,
    );
    expect(logs.body.entries).toEqual([expect.objectContaining({ actorId: admin.userId })]);
  });

  it("answers 404 for another user's session and an unknown one; 400 for a malformed id", async () => {
    const user = await signUp(bindings);
    const other = await signUp(bindings);
    const { body } = await adminGet<View>(`/api/admin/users/${other.userId}`);
    const otherSession = body.sessions[0]?.id ?? "";
    for (const [owner, session] of [
      [user.userId, otherSession],
      [user.userId, crypto.randomUUID()],
    ]) {
      const res = await send(bindings, `/api/admin/users/${owner}/sessions/${session}`, {
        method: "DELETE",
        headers: bearer(admin.adminToken),
      });
      expect(res.status).toBe(404);
    }
    expect((await send(bindings, "/api/me", { headers: bearer(other.accessToken) })).status).toBe(200);
    const bad = await send(bindings, `/api/admin/users/${user.userId}/sessions/not-a-uuid`, {
      method: "DELETE",
      headers: bearer(admin.adminToken),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe("param.sessionId");
  });
});

describe("GET /api/admin/subscriptions and /api/admin/users/:id/invoices", () => {
  it("lists subscriptions by status, newest first, paged, with the owner's email and plan", async () => {
    const a = await signUp(bindings);
    const b = await signUp(bindings);
    const subA = await subscribe(a);
    const subB = await subscribe(b);
    const pastDue = subscriptionObject({
      id: stripeId("sub"),
      customer: subB.customer,
      status: "past_due",
      priceId: plan?.priceId,
      userId: b.userId,
    });
    expect(await deliverEvent(bindings, stripeEvent("customer.subscription.updated", pastDue))).toBe(200);

    const active = await adminGet<{
      subscriptions: { id: string; email: string; status: string; plan: string }[];
      nextCursor: string | null;
    }>("/api/admin/subscriptions?status=active&limit=1");
    expect(active.status).toBe(200);
    expect(active.trips.neon).toBe(1);
    expect(active.body.subscriptions).toHaveLength(1);
    expect(active.body.subscriptions[0]).toMatchObject({
      id: subB.subscription,
      email: b.email,
      plan: plan?.id,
    });
    const next = await adminGet<{ subscriptions: { id: string }[] }>(
      `/api/admin/subscriptions?status=active&limit=1&cursor=${active.body.nextCursor}`,
    );
    expect(next.body.subscriptions.map((s) => s.id)).toEqual([subA.subscription]);

    const due = await adminGet<{ subscriptions: { id: string; status: string }[] }>(
      "/api/admin/subscriptions?status=past_due",
    );
    expect(due.body.subscriptions.map((s) => s.id)).toEqual([pastDue.id]);

    const bad = await adminGet<{ errors: { path: string }[] }>("/api/admin/subscriptions?status=lapsed");
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]?.path).toBe("query.status");
  });

  it("lists a user's invoices with the hosted invoice link, in one Neon round trip", async () => {
    const user = await signUp(bindings);
    const { customer, subscription } = await subscribe(user);
    const invoice = {
      ...invoiceObject({
        id: stripeId("in"),
        customer,
        subscription,
        status: "paid",
        amount: 900,
        paymentIntent: stripeId("pi"),
      }),
      hosted_invoice_url: "https://invoice.stripe.com/i/acct_test/in_console",
    };
    expect(await deliverEvent(bindings, stripeEvent("invoice.paid", invoice))).toBe(200);

    const res = await adminGet<{ invoices: Record<string, unknown>[]; nextCursor: string | null }>(
      `/api/admin/users/${user.userId}/invoices`,
    );
    expect(res.status).toBe(200);
    expect(res.trips.neon).toBe(1);
    expect(res.body.invoices).toEqual([
      expect.objectContaining({
        id: invoice.id,
        status: "paid",
        amountPaid: 900,
        amountRefunded: 0,
        hostedInvoiceUrl: "https://invoice.stripe.com/i/acct_test/in_console",
      }),
    ]);
    const nobody = await adminGet<{ invoices: unknown[] }>(
      `/api/admin/users/${crypto.randomUUID()}/invoices`,
    );
    expect(nobody.body.invoices).toEqual([]);
  });
});

describe("admins only", () => {
  const routes = [
    { name: "GET /users/:id", method: "GET", path: () => `/api/admin/users/${admin.userId}` },
    {
      name: "DELETE /users/:id/sessions/:sessionId",
      method: "DELETE",
      path: () => `/api/admin/users/${admin.userId}/sessions/${crypto.randomUUID()}`,
    },
    { name: "GET /subscriptions", method: "GET", path: () => "/api/admin/subscriptions" },
    {
      name: "GET /users/:id/invoices",
      method: "GET",
      path: () => `/api/admin/users/${admin.userId}/invoices`,
    },
    {
      name: "GET /audit-logs?user=",
      method: "GET",
      path: () => `/api/admin/audit-logs?user=${admin.userId}`,
    },
  ];

  it.each(routes)("$name: 401 anonymous, 403 for a user or a teacher", async ({ method, path }) => {
    const user = await signUp(bindings);
    const teacher = await signUp(bindings);
    await send(bindings, `/api/admin/users/${teacher.userId}`, {
      method: "PATCH",
      headers: bearer(admin.adminToken),
      json: { role: "teacher" },
    });
    const teacherToken = await signInAgain(teacher);
    expect((await send(bindings, path(), { method })).status).toBe(401);
    for (const token of [user.accessToken, teacherToken]) {
      const res = await send(bindings, path(), { method, headers: bearer(token) });
      expect(res.status).toBe(403);
      expect(res.headers.get("Content-Type")).toMatch(/problem\+json/);
    }
  });
});
