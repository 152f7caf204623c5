import { sql } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createRouter } from "../shared/app";
import { remarkRecentRevocations } from "../shared/auth/revocation";
import { createDb, createRedis } from "../shared/clients";
import { loadConfig } from "../shared/config";
import { bearer, type SignedUp, signUp, uniqueEmail } from "./support/accounts";
import { DEAD_URL, fileEnv, send, type TestBindings, testEnv, traceId } from "./support/harness";
import { sign, stripeEvent, subscriptionObject } from "./support/stripe-events";
import { appWith } from "./support/test-app";

/** Outages: Postgres down or hanging (503, never 500), Redis down (sessions checked in Postgres). */
const bindings = fileEnv("outages");
const postgresDown: TestBindings = { ...bindings, NEON_HTTP_ENDPOINT: `${DEAD_URL}/sql` };
// The stand-in's test-only endpoint that never answers: the driver's own timeout has to end it.
const postgresHangs: TestBindings = { ...bindings, NEON_HTTP_ENDPOINT: `${testEnv.NEON_HTTP_ENDPOINT}/hang` };
const redisDown: TestBindings = { ...bindings, UPSTASH_REDIS_REST_URL: DEAD_URL };

const UNAVAILABLE = "https://backline.dev/problems/unavailable";
const INTERNAL = "https://backline.dev/problems/internal";

let user: SignedUp;

beforeAll(async () => {
  user = await signUp(bindings);
});

afterEach(() => {
  vi.restoreAllMocks();
});

type Problem = { type: string; status: number; detail?: string };

async function expectProblem(res: Response, status: number, type: string): Promise<Problem> {
  expect(res.headers.get("Content-Type")).toBe("application/problem+json");
  const body = (await res.json()) as Problem;
  expect({ status: res.status, type: body.type }).toEqual({ status, type });
  return body;
}

async function expectUnavailable(res: Response): Promise<void> {
  await expectProblem(res, 503, UNAVAILABLE);
  expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
}

/** A route of each kind that needs Postgres: signed-in read and write, sign-up and sign-in, public read, webhook. */
const postgresRoutes: { name: string; request: () => Promise<[string, RequestInit & { json?: unknown }]> }[] =
  [
    { name: "GET /api/me", request: async () => ["/api/me", { headers: bearer(user.accessToken) }] },
    {
      name: "PATCH /api/me",
      request: async () => [
        "/api/me",
        { method: "PATCH", headers: bearer(user.accessToken), json: { displayName: "Down" } },
      ],
    },
    {
      name: "POST /api/patterns",
      request: async () => [
        "/api/patterns",
        { method: "POST", headers: bearer(user.accessToken), json: { name: "Down", tempo: 90, tracks: [] } },
      ],
    },
    {
      name: "POST /api/auth/signup",
      request: async () => [
        "/api/auth/signup",
        {
          method: "POST",
          json: { email: uniqueEmail(), password: "a sturdy passphrase 42", displayName: "X" },
        },
      ],
    },
    {
      name: "POST /api/auth/signin",
      request: async () => [
        "/api/auth/signin",
        { method: "POST", json: { email: user.email, password: user.password } },
      ],
    },
    {
      name: "POST /api/auth/refresh",
      request: async () => [
        "/api/auth/refresh",
        { method: "POST", json: { refreshToken: user.refreshToken } },
      ],
    },
    { name: "GET /api/lessons", request: async () => ["/api/lessons", {}] },
    {
      name: "POST /api/webhooks/stripe",
      request: async () => {
        const event = stripeEvent(
          "customer.subscription.updated",
          subscriptionObject({ id: "sub_outage", customer: "cus_outage", status: "active" }),
        );
        const signed = await sign(bindings, event);
        return [
          "/api/webhooks/stripe",
          {
            method: "POST",
            headers: { "Content-Type": "application/json", "Stripe-Signature": signed.signature },
            body: signed.payload,
          },
        ];
      },
    },
  ];

describe("Postgres unreachable", () => {
  it.each(postgresRoutes)("$name answers 503 problem with Retry-After, not 500", async ({ request }) => {
    const [path, init] = await request();
    await expectUnavailable(await send(postgresDown, path, init));
  });

  it("answers 503 when Postgres hangs: the driver's wait is bounded", async () => {
    const warn = vi.spyOn(console, "warn");
    await expectUnavailable(await send(postgresHangs, "/api/me", { headers: bearer(user.accessToken) }));
    const logged = warn.mock.calls.map((args) => String(args[0])).join("\n");
    expect(logged).toMatch(/NeonDbError < TimeoutError/);
  });
});

/** Routes that fail on purpose, through the production middleware and error path. */
const SECRET_PARAM = "hunter2-do-not-log";
const failing = createRouter()
  .get("/sql-error", async (c) => {
    await c.get("db").execute(sql`select no_such_column from users where email = ${SECRET_PARAM}`);
    return c.body(null, 204);
  })
  .get("/duplicate", async (c) => {
    const email = user.email;
    await c
      .get("db")
      .execute(
        sql`insert into users (email, password_hash, display_name) values (${email}, ${SECRET_PARAM}, 'x')`,
      );
    return c.body(null, 204);
  })
  .get("/type-error", () => {
    const nothing = undefined as unknown as { call(): void };
    nothing.call();
    return new Response(null);
  });
const failingApp = appWith("/api/fail", failing);

describe("bugs stay 500, and logs carry no SQL", () => {
  it.each(["/api/fail/sql-error", "/api/fail/duplicate", "/api/fail/type-error"])(
    "%s answers 500 internal",
    async (path) => {
      const res = await send(bindings, path, {}, failingApp);
      await expectProblem(res, 500, INTERNAL);
      expect(res.headers.get("Retry-After")).toBeNull();
    },
  );

  it("logs a failed query's class, SQLSTATE and request id, never its SQL text or parameters", async () => {
    const error = vi.spyOn(console, "error");
    const log = vi.spyOn(console, "log");
    const trace = traceId();
    const res = await send(
      bindings,
      "/api/fail/duplicate",
      { headers: { "X-Request-Id": trace } },
      failingApp,
    );
    expect(res.status).toBe(500);
    const lines = [...error.mock.calls, ...log.mock.calls].map((args) => String(args[0]));
    const unhandled = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((l) => l.msg === "unhandled error");
    expect(unhandled).toMatchObject({ requestId: trace, sqlState: "23505" });
    expect(String(unhandled?.error)).toMatch(/^DrizzleQueryError < NeonDbError/);
    const all = lines.join("\n");
    expect(all).not.toContain(SECRET_PARAM);
    expect(all).not.toContain(user.email);
    expect(all).not.toMatch(/insert into|password_hash|users_email/i);
  });
});

describe("Redis unreachable", () => {
  it("signed-in reads and writes keep working", async () => {
    const me = await send(redisDown, "/api/me", { headers: bearer(user.accessToken) });
    expect(me.status).toBe(200);
    const patch = await send(redisDown, "/api/me", {
      method: "PATCH",
      headers: bearer(user.accessToken),
      json: { displayName: "Through the outage" },
    });
    expect(patch.status).toBe(200);
    const created = await send(redisDown, "/api/patterns", {
      method: "POST",
      headers: bearer(user.accessToken),
      json: { name: "Outage", tempo: 100, tracks: [] },
    });
    expect(created.status).toBe(201);
    const list = await send(redisDown, "/api/patterns", { headers: bearer(user.accessToken) });
    expect(list.status).toBe(200);
    expect(JSON.stringify(await list.json())).toContain("Outage");
  });

  it("refuses a revoked session at once, and its write never commits", async () => {
    const victim = await signUp(bindings);
    // Revoked in Postgres while Redis is down too: no Redis mark to rely on.
    const signout = await send(redisDown, "/api/auth/signout", {
      method: "POST",
      headers: bearer(victim.accessToken),
    });
    expect(signout.status).toBe(204);
    const read = await send(redisDown, "/api/me", { headers: bearer(victim.accessToken) });
    await expectProblem(read, 401, "https://backline.dev/problems/unauthorized");
    const write = await send(redisDown, "/api/me", {
      method: "PATCH",
      headers: bearer(victim.accessToken),
      json: { displayName: "Should not stick" },
    });
    await expectProblem(write, 401, "https://backline.dev/problems/unauthorized");
    // A write sent as one db.batch: the assertion leads the same transaction.
    const batch = await send(redisDown, "/api/patterns", {
      method: "POST",
      headers: bearer(victim.accessToken),
      json: { name: "Should not exist", tempo: 90, tracks: [] },
    });
    await expectProblem(batch, 401, "https://backline.dev/problems/unauthorized");
    const again = await signInAgain(victim);
    const me = (await (await send(bindings, "/api/me", { headers: bearer(again) })).json()) as {
      displayName: string;
    };
    expect(me.displayName).toBe("Test User");
    const patterns = await send(bindings, "/api/patterns", { headers: bearer(again) });
    expect(JSON.stringify(await patterns.json())).not.toContain("Should not exist");
  });

  it("sign-out ends the database session and clears the cookie", async () => {
    const signedIn = await signUp(bindings);
    const res = await send(redisDown, "/api/auth/signout", {
      method: "POST",
      json: { refreshToken: signedIn.refreshToken },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("Set-Cookie")).toMatch(/^backline_refresh=;.*Max-Age=0/);
    const refresh = await send(bindings, "/api/auth/refresh", {
      method: "POST",
      json: { refreshToken: signedIn.refreshToken },
    });
    expect(refresh.status).toBe(401);
  });

  it("sign-out everywhere ends every session", async () => {
    const first = await signUp(bindings);
    const second = await signInAgain(first);
    const res = await send(redisDown, "/api/auth/signout-all", {
      method: "POST",
      headers: bearer(first.accessToken),
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("Set-Cookie")).toMatch(/^backline_refresh=;/);
    const other = await send(redisDown, "/api/me", { headers: bearer(second) });
    expect(other.status).toBe(401);
  });

  it("a revocation made while Redis was down is marked again by the scheduled job", async () => {
    const victim = await signUp(bindings);
    const signout = await send(redisDown, "/api/auth/signout", {
      method: "POST",
      headers: bearer(victim.accessToken),
    });
    expect(signout.status).toBe(204);
    // Redis is back but never got the mark: the token passes its check until the job runs.
    expect((await send(bindings, "/api/me", { headers: bearer(victim.accessToken) })).status).toBe(200);
    const config = loadConfig(bindings);
    await remarkRecentRevocations(createDb(config), createRedis(config));
    expect((await send(bindings, "/api/me", { headers: bearer(victim.accessToken) })).status).toBe(401);
  });

  it("revoking one session from the list ends it", async () => {
    const first = await signUp(bindings);
    const second = await signInAgain(first);
    const list = await send(redisDown, "/api/auth/sessions", { headers: bearer(first.accessToken) });
    expect(list.status).toBe(200);
    const { sessions } = (await list.json()) as { sessions: { id: string; current: boolean }[] };
    const other = sessions.find((s) => !s.current);
    const res = await send(redisDown, `/api/auth/sessions/${other?.id}`, {
      method: "DELETE",
      headers: bearer(first.accessToken),
    });
    expect(res.status).toBe(204);
    expect((await send(redisDown, "/api/me", { headers: bearer(second) })).status).toBe(401);
    expect((await send(redisDown, "/api/me", { headers: bearer(first.accessToken) })).status).toBe(200);
  });

  it("refresh keeps working: it needs no Redis to be safe", async () => {
    const signedIn = await signUp(bindings);
    const res = await send(redisDown, "/api/auth/refresh", {
      method: "POST",
      json: { refreshToken: signedIn.refreshToken },
    });
    expect(res.status).toBe(200);
  });

  it("public reads that fail open keep working", async () => {
    expect((await send(redisDown, "/api/lessons")).status).toBe(200);
  });

  it.each([
    {
      name: "sign-up",
      path: "/api/auth/signup",
      init: () => ({
        method: "POST",
        json: { email: uniqueEmail(), password: "a sturdy passphrase 42", displayName: "X" },
      }),
    },
    {
      name: "sign-in",
      path: "/api/auth/signin",
      init: () => ({ method: "POST", json: { email: user.email, password: user.password } }),
    },
    {
      name: "checkout (idempotency-keyed payment)",
      path: "/api/billing/checkout",
      init: () => ({
        method: "POST",
        headers: { ...bearer(user.accessToken), "Idempotency-Key": crypto.randomUUID() },
        json: { priceId: "price_premium_monthly" },
      }),
    },
  ])("$name fails closed with 503 and Retry-After", async ({ path, init }) => {
    await expectUnavailable(await send(redisDown, path, init()));
  });
});

/** A second session of the same user (Redis up); its access token. */
async function signInAgain(u: SignedUp): Promise<string> {
  const res = await send(bindings, "/api/auth/signin", {
    method: "POST",
    json: { email: u.email, password: u.password },
  });
  if (res.status !== 200) throw new Error(`signin failed: ${res.status}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}
