import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, type SignedUp, signUp, uniqueEmail } from "../../test/support/accounts";
import { fileEnv, randomIp, roundTrips, send, type TestBindings, traceId } from "../../test/support/harness";
import { mailFor, tokenIn } from "../../test/support/mailbox";

// The production hashing cost: these tests are about how long a check holds the isolate.
const bindings = fileEnv("throttle", { PASSWORD_HASH_COST: undefined });
/**
 * One failure per account+IP and 3 per IP an hour, 5 per account whatever the IP in 4 hours: a
 * window long enough that no sliding-window boundary thins the counts during a test.
 */
const strict = { ...bindings, AUTH_FAILURE_LIMIT: "1", AUTH_FAILURE_WINDOW: "60 m" } as TestBindings;
const db = () => createDb(loadConfig(bindings));

function signin(env: TestBindings, email: string, password: string, ip = randomIp()) {
  return send(env, "/api/auth/signin", {
    method: "POST",
    headers: { "CF-Connecting-IP": ip },
    json: { email, password },
  });
}

/** How many times the user's password was checked and found wrong, by the audit log. */
async function failedChecks(user: SignedUp): Promise<number> {
  const rows = await db().execute<{ n: string }>(
    sql`select count(*) as n from audit_logs where target_id = ${user.userId} and action = 'auth.signin_failed'`,
  );
  return Number(rows.rows[0]?.n);
}

function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

describe("sign-in failure budget is charged before the password is checked", () => {
  it("checks at most the budget's worth of passwords out of 1,000 concurrent sign-ins; the rest 429", async () => {
    const user = await signUp(bindings);
    const ip = "198.51.100.10";
    const responses = await Promise.all(
      Array.from({ length: 1000 }, () => signin(bindings, user.email, "wrong password 123", ip)),
    );
    const counts = tally(responses.map((r) => r.status));
    expect(Object.keys(counts).sort()).toEqual(["401", "429"]);
    expect(counts[401]).toBeLessThanOrEqual(10);
    expect(await failedChecks(user)).toBe(counts[401]);
    const limited = responses.find((r) => r.status === 429);
    expect(Number(limited?.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(limited?.headers.get("RateLimit-Policy")).toMatch(/^"signin-account";q=10;w=900$/);
    expect(limited?.headers.get("RateLimit")).toMatch(/^"signin-account";r=0;t=\d+$/);
  }, 60_000);

  it("lets 10 concurrent attempts check only the 5 passwords the budget has left (the race of check, then record)", async () => {
    const user = await signUp(bindings);
    const ip = randomIp();
    for (let i = 0; i < 5; i++) {
      expect((await signin(bindings, user.email, "wrong password 123", ip)).status).toBe(401);
    }
    const burst = await Promise.all(
      Array.from({ length: 10 }, () => signin(bindings, user.email, "wrong password 123", ip)),
    );
    expect(tally(burst.map((r) => r.status))).toEqual({ 401: 5, 429: 5 });
    expect(await failedChecks(user)).toBe(10);
  }, 30_000);

  it("gives a successful sign-in's unit back: only failures count", async () => {
    const user = await signUp(strict);
    const ip = randomIp();
    for (let i = 0; i < 3; i++)
      expect((await signin(strict, user.email, user.password, ip)).status).toBe(200);
    expect((await signin(strict, user.email, "wrong password 123", ip)).status).toBe(401);
    expect((await signin(strict, user.email, user.password, ip)).status).toBe(429);
  }, 20_000);
});

describe("a burst of sign-ins", () => {
  it("answers 40 concurrent sign-ins for one account from one address with 401s for the budget and 429s, never a 5xx", async () => {
    const user = await signUp(bindings);
    const ip = "198.51.100.40";
    const statuses = await Promise.all(
      Array.from(
        { length: 40 },
        async () => (await signin(bindings, user.email, "wrong password 123", ip)).status,
      ),
    );
    const counts = tally(statuses);
    expect(Object.keys(counts).sort()).toEqual(["401", "429"]);
    expect(counts[401]).toBeLessThanOrEqual(10);
  }, 60_000);
});

describe("per-account budget, whatever the address", () => {
  it("locks the account after 5x the failure limit from many addresses, emails the owner once, and leaves reset open", async () => {
    const user = await signUp(strict);
    for (let i = 0; i < 5; i++) {
      expect((await signin(strict, user.email, "wrong password 123")).status).toBe(401);
    }
    // The right password from a new address: the account's own budget is used up.
    const locked = await signin(strict, user.email, user.password);
    expect(locked.status).toBe(429);
    expect(locked.headers.get("RateLimit-Policy")).toBe('"password-account";q=5;w=14400');
    expect(Number(locked.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect((await signin(strict, user.email, user.password)).status).toBe(429);
    const notices = (await mailFor(user.email)).filter(
      (m) => m.subject === "Someone is trying your password",
    );
    expect(notices).toHaveLength(1);
    expect(notices[0]?.text).toContain("Forgot password");

    // The owner can still reset the password while the account is locked.
    expect(
      (await send(strict, "/api/auth/password/forgot", { method: "POST", json: { email: user.email } }))
        .status,
    ).toBe(202);
    const resetMail = (await mailFor(user.email)).find((m) => m.subject === "Reset your password");
    const reset = await send(strict, "/api/auth/password/reset", {
      method: "POST",
      json: { token: tokenIn(resetMail), newPassword: "a brand new passphrase 7" },
    });
    expect(reset.status).toBe(204);
  }, 30_000);

  it("locks an unknown email the same way, and sends nothing", async () => {
    const ghost = uniqueEmail("ghost");
    for (let i = 0; i < 5; i++) expect((await signin(strict, ghost, "wrong password 123")).status).toBe(401);
    const locked = await signin(strict, ghost, "wrong password 123");
    expect(locked.status).toBe(429);
    expect(locked.headers.get("RateLimit-Policy")).toBe('"password-account";q=5;w=14400');
    expect(await mailFor(ghost)).toHaveLength(0);
  }, 30_000);

  it("counts wrong current passwords of a password change in the same budget", async () => {
    const user = await signUp(strict);
    const change = (currentPassword: string) =>
      send(strict, "/api/auth/password/change", {
        method: "POST",
        headers: bearer(user.accessToken),
        json: { currentPassword, newPassword: "another good passphrase 9" },
      });
    for (let i = 0; i < 3; i++) expect((await change("wrong password 123")).status).toBe(401);
    for (let i = 0; i < 2; i++) {
      expect((await signin(strict, user.email, "wrong password 123")).status).toBe(401);
    }
    const refused = await change(user.password);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("RateLimit-Policy")).toBe('"password-account";q=5;w=14400');
    expect((await signin(strict, user.email, user.password)).status).toBe(429);
  }, 30_000);
});

describe("IPv6 clients", () => {
  it("are counted per /64 and audited with their exact address", async () => {
    const user = await signUp(strict);
    const wrong = "wrong password 123";
    expect((await signin(strict, user.email, wrong, "2001:db8:7:1::a")).status).toBe(401);
    const sameNet = await signin(strict, user.email, user.password, "2001:db8:7:1:ffff::b");
    expect(sameNet.status).toBe(429);
    expect(sameNet.headers.get("RateLimit-Policy")).toBe('"signin-account";q=1;w=3600');
    expect((await signin(strict, user.email, user.password, "2001:db8:7:2::a")).status).toBe(200);
    const audited = await db().execute<{ ip: string }>(
      sql`select ip from audit_logs where target_id = ${user.userId} and action = 'auth.signin_failed'`,
    );
    expect(audited.rows.map((r) => r.ip)).toEqual(["2001:db8:7:1::a"]);
  }, 20_000);
});

describe("round trips", () => {
  it("a failed sign-in costs one Upstash round trip, a successful one two (the refund)", async () => {
    const user = await signUp(bindings);
    const ip = randomIp();
    await signin(bindings, user.email, user.password, ip); // warm the limiter scripts
    const failed = traceId();
    const res = await send(bindings, "/api/auth/signin", {
      method: "POST",
      headers: { "X-Request-Id": failed, "CF-Connecting-IP": ip },
      json: { email: user.email, password: "wrong password 123" },
    });
    expect(res.status).toBe(401);
    expect(await roundTrips(failed)).toMatchObject({ neon: 2, upstash: 1 });
    const ok = traceId();
    const signedIn = await send(bindings, "/api/auth/signin", {
      method: "POST",
      headers: { "X-Request-Id": ok, "CF-Connecting-IP": ip },
      json: { email: user.email, password: user.password },
    });
    expect(signedIn.status).toBe(200);
    expect(await roundTrips(ok)).toMatchObject({ neon: 2, upstash: 2 });
  });
});
