import { generateHOTP } from "@oslojs/otp";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { issueMfaChallenge } from "../../shared/auth/mfa-challenge";
import { accountKeyOf } from "../../shared/auth/password-guard";
import { openTotpSecret, TOTP_PERIOD_SECONDS, totpStep } from "../../shared/auth/totp";
import { createDb } from "../../shared/clients";
import { configErrors, loadConfig } from "../../shared/config";
import { bearer, type SignedUp, signUp } from "../../test/support/accounts";
import { SoftAuthenticator } from "../../test/support/authenticator";
import {
  DEAD_URL,
  fileEnv,
  randomIp,
  roundTrips,
  send,
  type TestBindings,
  traceId,
} from "../../test/support/harness";
import { mailFor } from "../../test/support/mailbox";

const bindings = fileEnv("mfa");
const config = loadConfig(bindings);
const db = () => createDb(config);

interface Enrolled extends SignedUp {
  secret: Uint8Array;
  base32: string;
  recoveryCodes: string[];
}

/** RFC 4648 base32 (what otpauth URIs carry) to bytes. */
function fromBase32(text: string): Uint8Array {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of text.replace(/=+$/, "")) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

/** The app's code for the current step plus `offset` (steps of 30 s). */
function codeAt(secret: Uint8Array, offset = 0): string {
  return generateHOTP(secret, BigInt(totpStep() + offset), 6);
}

function post(env: TestBindings, path: string, json: unknown, headers: Record<string, string> = {}) {
  return send(env, path, { method: "POST", headers, json });
}

/**
 * Waits out a step's last 2 s: a code of the previous step, computed now, is then checked while
 * it is still the previous one (the server takes one step either side), not two steps old.
 */
async function clearOfStepEnd(): Promise<void> {
  const left = TOTP_PERIOD_SECONDS * 1000 - (Date.now() % (TOTP_PERIOD_SECONDS * 1000));
  if (left < 2000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

/** Signs up and turns TOTP on; the first code used is of the previous step, so now and next are left. */
async function enrolledUser(env: TestBindings = bindings): Promise<Enrolled> {
  const user = await signUp(env);
  const start = await post(env, "/api/auth/mfa/totp", { password: user.password }, bearer(user.accessToken));
  expect(start.status).toBe(200);
  const { secret: base32 } = (await start.json()) as { secret: string };
  const secret = fromBase32(base32);
  await clearOfStepEnd();
  const verify = await post(
    env,
    "/api/auth/mfa/totp/verify",
    { code: codeAt(secret, -1) },
    bearer(user.accessToken),
  );
  expect(verify.status).toBe(200);
  const { recoveryCodes } = (await verify.json()) as { recoveryCodes: string[] };
  return { ...user, secret, base32, recoveryCodes };
}

async function challengeFor(env: TestBindings, user: SignedUp, ip = randomIp()): Promise<string> {
  const res = await post(
    env,
    "/api/auth/signin",
    { email: user.email, password: user.password },
    {
      "CF-Connecting-IP": ip,
    },
  );
  expect(res.status).toBe(200);
  const body = (await res.json()) as { mfaRequired: boolean; challenge: string };
  expect(body.mfaRequired).toBe(true);
  return body.challenge;
}

function complete(env: TestBindings, challenge: string, code: string, ip = randomIp()) {
  return post(
    env,
    "/api/auth/mfa/challenge",
    { challenge, code, returnRefreshToken: true },
    {
      "CF-Connecting-IP": ip,
    },
  );
}

async function problemType(res: Response): Promise<string> {
  return ((await res.json()) as { type: string }).type;
}

async function auditActions(userId: string): Promise<string[]> {
  const rows = await db().execute<{ action: string }>(
    sql`select action from audit_logs where actor_id = ${userId} and action like 'mfa.%' order by id`,
  );
  return rows.rows.map((r) => r.action);
}

describe("enrolling an authenticator app", () => {
  it("asks for the password, returns the secret, URI and QR code, and turns on with a first code", async () => {
    const user = await signUp(bindings);
    const auth = bearer(user.accessToken);
    const wrong = await post(bindings, "/api/auth/mfa/totp", { password: "not the password" }, auth);
    expect(wrong.status).toBe(401);

    const start = await post(bindings, "/api/auth/mfa/totp", { password: user.password }, auth);
    expect(start.status).toBe(200);
    const body = (await start.json()) as { secret: string; uri: string; qrSvg: string };
    expect(body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(body.uri);
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.searchParams.get("secret")).toBe(body.secret);
    expect(decodeURIComponent(uri.pathname)).toContain(user.email);
    expect(body.qrSvg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>$/);

    // Not on until verified: sign-in still gives a session.
    const before = await post(bindings, "/api/auth/signin", { email: user.email, password: user.password });
    expect(((await before.json()) as { accessToken?: string }).accessToken).toBeDefined();

    const secret = fromBase32(body.secret);
    const bad = await post(bindings, "/api/auth/mfa/totp/verify", { code: "000000" }, auth);
    expect(bad.status).toBe(401);
    expect(await problemType(bad)).toMatch(/mfa-invalid-code$/);

    const verify = await post(bindings, "/api/auth/mfa/totp/verify", { code: codeAt(secret) }, auth);
    expect(verify.status).toBe(200);
    const { recoveryCodes } = (await verify.json()) as { recoveryCodes: string[] };
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[2-9a-z]{4}(-[2-9a-z]{4}){3}$/);

    const again = await post(bindings, "/api/auth/mfa/totp", { password: user.password }, auth);
    expect(again.status).toBe(409);
    expect(await auditActions(user.userId)).toEqual(["mfa.totp_enabled"]);
    expect((await mailFor(user.email)).map((m) => m.subject)).toContain("Two-step sign-in is on");
  });

  it("keeps the secret sealed (AES-GCM, bound to its owner) and only hashes of the recovery codes", async () => {
    const user = await enrolledUser();
    const rows = await db().execute<{ secret_sealed: string }>(
      sql`select secret_sealed from user_totp where user_id = ${user.userId}`,
    );
    const sealed = rows.rows[0]?.secret_sealed ?? "";
    expect(sealed).toMatch(/^v1\.[\w-]{16}\.[\w-]+$/);
    expect(sealed).not.toContain(user.base32);
    expect(sealed.toUpperCase()).not.toContain(user.base32);
    expect(sealed).not.toContain(Buffer.from(user.secret).toString("base64url"));
    expect(sealed).not.toContain(Buffer.from(user.secret).toString("hex"));
    expect(await openTotpSecret(config, user.userId, sealed)).toEqual(user.secret);
    expect(await openTotpSecret(config, crypto.randomUUID(), sealed)).toBeUndefined();
    const other = loadConfig({
      ...bindings,
      MFA_ENCRYPTION_KEY: "another-key-0123456789abcdefghijklmnopqrstuv",
    });
    expect(await openTotpSecret(other, user.userId, sealed)).toBeUndefined();

    const codes = await db().execute<{ code_hash: string }>(
      sql`select code_hash from recovery_codes where user_id = ${user.userId}`,
    );
    expect(codes.rows).toHaveLength(10);
    const stored = codes.rows.map((r) => r.code_hash).join(" ");
    for (const code of user.recoveryCodes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replace(/-/g, ""));
    }
  });
});

describe("signing in with a second factor", () => {
  it("answers a challenge instead of a session, and the app's code completes it", async () => {
    const user = await enrolledUser();
    const res = await post(bindings, "/api/auth/signin", { email: user.email, password: user.password });
    expect(res.status).toBe(200);
    expect(res.headers.get("Set-Cookie")).toBeNull();
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      mfaRequired: true,
      challenge: expect.any(String),
      expiresIn: 300,
      factors: ["totp", "recovery_code"],
    });

    const done = await complete(bindings, body.challenge as string, codeAt(user.secret));
    expect(done.status).toBe(200);
    expect(done.headers.get("Set-Cookie")).toMatch(/refresh/i);
    const session = (await done.json()) as {
      accessToken: string;
      refreshToken: string;
      user: { id: string };
    };
    expect(session.user.id).toBe(user.userId);
    expect(session.refreshToken).toBeDefined();
    const me = await send(bindings, "/api/me", { headers: bearer(session.accessToken) });
    expect(me.status).toBe(200);
    const rows = await db().execute<{ method: string }>(
      sql`select method from sessions where user_id = ${user.userId} order by created_at desc limit 1`,
    );
    expect(rows.rows[0]?.method).toBe("password+totp");
  });

  it("refuses a code already used, within its window, and a challenge already spent", async () => {
    const user = await enrolledUser();
    const code = codeAt(user.secret);
    const first = await challengeFor(bindings, user);
    expect((await complete(bindings, first, code)).status).toBe(200);

    const replay = await complete(bindings, await challengeFor(bindings, user), code);
    expect(replay.status).toBe(401);
    expect(await problemType(replay)).toMatch(/mfa-invalid-code$/);

    const spent = await complete(bindings, first, codeAt(user.secret, 1));
    expect(spent.status).toBe(401);
    expect(await problemType(spent)).toMatch(/mfa-invalid-challenge$/);
  });

  it("lets the same code through only once when it is sent twice at once", async () => {
    const user = await enrolledUser();
    const code = codeAt(user.secret);
    const [a, b] = await Promise.all([challengeFor(bindings, user), challengeFor(bindings, user)]);
    const statuses = (await Promise.all([complete(bindings, a, code), complete(bindings, b, code)])).map(
      (r) => r.status,
    );
    expect(statuses.sort()).toEqual([200, 401]);
  });

  it("accepts each recovery code once, audit-logs and emails its use", async () => {
    const user = await enrolledUser();
    const [code] = user.recoveryCodes as [string];
    const done = await complete(bindings, await challengeFor(bindings, user), code.toUpperCase());
    expect(done.status).toBe(200);
    const again = await complete(bindings, await challengeFor(bindings, user), code);
    expect(again.status).toBe(401);
    expect(await auditActions(user.userId)).toEqual(["mfa.totp_enabled", "mfa.recovery_code_used"]);
    const mail = (await mailFor(user.email)).find((m) => m.subject === "A recovery code was used");
    expect(mail?.text).toContain("9 unused codes are left");
    const rows = await db().execute<{ method: string }>(
      sql`select method from sessions where user_id = ${user.userId} order by created_at desc limit 1`,
    );
    expect(rows.rows[0]?.method).toBe("password+recovery");
  });

  it("refuses an expired, tampered or made-up challenge, and one from before a password change", async () => {
    const user = await enrolledUser();
    const rows = await db().execute<{ password_hash: string }>(
      sql`select password_hash from users where id = ${user.userId}`,
    );
    const account = { id: user.userId, accountKey: accountKeyOf(user.email), passwordHash: "" };
    account.passwordHash = rows.rows[0]?.password_hash ?? "";
    const expired = await issueMfaChallenge(config.JWT_SECRET, account, Date.now() - 301_000);
    const fresh = await challengeFor(bindings, user);
    const [payload, tag] = fresh.split(".") as [string, string];
    const tampered = `${payload.slice(0, -2)}AA.${tag}`;
    const forged = await issueMfaChallenge("some-other-secret-0123456789abcdefghijkl", account);
    for (const challenge of [expired, tampered, forged, "nonsense"]) {
      const res = await complete(bindings, challenge, codeAt(user.secret));
      expect(res.status).toBe(401);
      expect(await problemType(res)).toMatch(/mfa-invalid-challenge$/);
    }

    const changed = await post(
      bindings,
      "/api/auth/password/change",
      { currentPassword: user.password, newPassword: "an entirely new passphrase 7" },
      bearer(user.accessToken),
    );
    expect(changed.status).toBe(204);
    const stale = await complete(bindings, fresh, codeAt(user.secret));
    expect(stale.status).toBe(401);
    expect(await problemType(stale)).toMatch(/mfa-invalid-challenge$/);
  });

  it("does not let one user's code complete another user's challenge", async () => {
    const alice = await enrolledUser();
    const mallory = await enrolledUser();
    const res = await complete(bindings, await challengeFor(bindings, alice), codeAt(mallory.secret));
    expect(res.status).toBe(401);
    expect(await problemType(res)).toMatch(/mfa-invalid-code$/);
    const recovery = await complete(
      bindings,
      await challengeFor(bindings, alice),
      mallory.recoveryCodes[0] ?? "",
    );
    expect(recovery.status).toBe(401);
  });

  it("counts wrong codes in the sign-in failure budget: guessing ends in 429, even for the right code", async () => {
    const strict = { ...bindings, AUTH_FAILURE_LIMIT: "3", AUTH_FAILURE_WINDOW: "60 m" } as TestBindings;
    const user = await enrolledUser(strict);
    const ip = randomIp();
    const challenge = await challengeFor(strict, user, ip);
    const right = codeAt(user.secret);
    const wrong = right === "123456" ? "654321" : "123456";
    for (let i = 0; i < 3; i++) expect((await complete(strict, challenge, wrong, ip)).status).toBe(401);
    const limited = await complete(strict, challenge, right, ip);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("RateLimit-Policy")).toMatch(/^"signin-account";q=3;w=3600$/);
    // The same budget as passwords: the password step from this address is refused too.
    const password = await post(
      strict,
      "/api/auth/signin",
      { email: user.email, password: user.password },
      {
        "CF-Connecting-IP": ip,
      },
    );
    expect(password.status).toBe(429);
    const failed = await db().execute<{ n: string }>(
      sql`select count(*) as n from audit_logs where actor_id = ${user.userId} and action = 'auth.mfa_failed'`,
    );
    expect(Number(failed.rows[0]?.n)).toBe(3);
  });

  it("fails closed (503 with Retry-After) while Redis is down, and spends nothing", async () => {
    const user = await enrolledUser();
    const challenge = await challengeFor(bindings, user);
    const res = await complete(
      { ...bindings, UPSTASH_REDIS_REST_URL: DEAD_URL },
      challenge,
      codeAt(user.secret),
    );
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
    // Nothing was spent: the same challenge and code still work once Redis is back.
    expect((await complete(bindings, challenge, codeAt(user.secret))).status).toBe(200);
  });

  it("signs in in 2 Neon round trips at each step", async () => {
    const user = await enrolledUser();
    await challengeFor(bindings, user); // warm the limiter scripts
    const signinTrace = traceId();
    const res = await post(
      bindings,
      "/api/auth/signin",
      { email: user.email, password: user.password },
      {
        "X-Request-Id": signinTrace,
      },
    );
    const { challenge } = (await res.json()) as { challenge: string };
    // As a sign-in without a second factor: the lookup, then the audit entry (no session yet).
    expect(await roundTrips(signinTrace)).toMatchObject({ neon: 2, upstash: 2 });

    const challengeTrace = traceId();
    const done = await post(
      bindings,
      "/api/auth/mfa/challenge",
      { challenge, code: codeAt(user.secret) },
      { "X-Request-Id": challengeTrace },
    );
    expect(done.status).toBe(200);
    // Upstash: the auth group's limit, the budgets' charge, spending the code and challenge, the refund.
    expect(await roundTrips(challengeTrace)).toMatchObject({ neon: 2, upstash: 4 });
  });
});

describe("turning the app off and new recovery codes", () => {
  it("need a fresh code: a wrong or missing one is refused, a current one turns it off", async () => {
    const user = await enrolledUser();
    const auth = bearer(user.accessToken);
    expect((await post(bindings, "/api/auth/mfa/totp/disable", {}, auth)).status).toBe(400);
    expect((await post(bindings, "/api/auth/mfa/totp/disable", { code: "000000" }, auth)).status).toBe(401);
    expect((await post(bindings, "/api/auth/mfa/recovery-codes", { code: "000000" }, auth)).status).toBe(401);
    const used = codeAt(user.secret);
    const regenerated = await post(bindings, "/api/auth/mfa/recovery-codes", { code: used }, auth);
    expect(regenerated.status).toBe(200);
    const { recoveryCodes } = (await regenerated.json()) as { recoveryCodes: string[] };
    expect(recoveryCodes).toHaveLength(10);
    // The code spent on the new recovery codes cannot turn the app off, nor can an old recovery code.
    expect((await post(bindings, "/api/auth/mfa/totp/disable", { code: used }, auth)).status).toBe(401);
    const old = user.recoveryCodes[0] ?? "";
    expect((await post(bindings, "/api/auth/mfa/totp/disable", { code: old }, auth)).status).toBe(401);

    const off = await post(bindings, "/api/auth/mfa/totp/disable", { code: recoveryCodes[0] }, auth);
    expect(off.status).toBe(204);
    expect(await auditActions(user.userId)).toEqual([
      "mfa.totp_enabled",
      "mfa.recovery_codes_regenerated",
      "mfa.recovery_code_used",
      "mfa.totp_disabled",
    ]);
    const subjects = (await mailFor(user.email)).map((m) => m.subject);
    expect(subjects).toEqual(
      expect.arrayContaining(["New recovery codes", "Two-step sign-in was turned off"]),
    );
    const rows = await db().execute<{ n: string }>(
      sql`select (select count(*) from user_totp where user_id = ${user.userId}) + (select count(*) from recovery_codes where user_id = ${user.userId}) as n`,
    );
    expect(Number(rows.rows[0]?.n)).toBe(0);

    const signin = await post(bindings, "/api/auth/signin", { email: user.email, password: user.password });
    expect(((await signin.json()) as { accessToken?: string }).accessToken).toBeDefined();
    expect((await post(bindings, "/api/auth/mfa/totp/disable", { code: used }, auth)).status).toBe(409);
  });
});

interface MfaStatusBody {
  totp: { enabled: boolean; enabledAt: string | null };
  recoveryCodesLeft: number;
  passkeys: number;
}

async function statusOf(user: SignedUp, env: TestBindings = bindings): Promise<MfaStatusBody> {
  const res = await send(env, "/api/auth/mfa", { headers: bearer(user.accessToken) });
  expect(res.status).toBe(200);
  expect(res.headers.get("Cache-Control")).toBe("no-store");
  return (await res.json()) as MfaStatusBody;
}

const OFF: MfaStatusBody = { totp: { enabled: false, enabledAt: null }, recoveryCodesLeft: 0, passkeys: 0 };

/** Registers a passkey for `user` on a fresh soft authenticator. */
async function addPasskey(user: SignedUp, name: string): Promise<void> {
  const auth = bearer(user.accessToken);
  const options = await post(bindings, "/api/auth/passkeys/options", { password: user.password }, auth);
  expect(options.status).toBe(200);
  const { response } = await new SoftAuthenticator().register(
    (await options.json()) as Parameters<SoftAuthenticator["register"]>[0],
  );
  expect((await post(bindings, "/api/auth/passkeys", { name, response }, auth)).status).toBe(201);
}

describe("the signed-in user's second factors (GET /api/auth/mfa)", () => {
  it("says off for a new account and for a set-up not yet verified", async () => {
    const user = await signUp(bindings);
    expect(await statusOf(user)).toEqual(OFF);
    const start = await post(
      bindings,
      "/api/auth/mfa/totp",
      { password: user.password },
      bearer(user.accessToken),
    );
    expect(start.status).toBe(200);
    expect(await statusOf(user)).toEqual(OFF);
  });

  it("says on with 10 recovery codes, 9 after one is used, and off again after turning it off", async () => {
    const before = Date.now();
    const user = await enrolledUser();
    const on = await statusOf(user);
    expect(on).toEqual({
      totp: { enabled: true, enabledAt: expect.any(String) },
      recoveryCodesLeft: 10,
      passkeys: 0,
    });
    expect(Date.parse(on.totp.enabledAt ?? "")).toBeGreaterThanOrEqual(before - 1000);

    const done = await complete(bindings, await challengeFor(bindings, user), user.recoveryCodes[0] ?? "");
    expect(done.status).toBe(200);
    expect((await statusOf(user)).recoveryCodesLeft).toBe(9);

    const off = await post(
      bindings,
      "/api/auth/mfa/totp/disable",
      { code: user.recoveryCodes[1] },
      bearer(user.accessToken),
    );
    expect(off.status).toBe(204);
    expect(await statusOf(user)).toEqual(OFF);
  });

  it("counts the passkeys, and shows only the caller's own factors", async () => {
    const user = await signUp(bindings);
    await addPasskey(user, "Laptop");
    await addPasskey(user, "Phone");
    const other = await enrolledUser();
    expect(await statusOf(user)).toEqual({ ...OFF, passkeys: 2 });
    expect((await statusOf(other)).passkeys).toBe(0);
  });

  it("needs a session", async () => {
    const res = await send(bindings, "/api/auth/mfa");
    expect(res.status).toBe(401);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
  });

  it("costs 1 Neon and 1 Upstash round trip", async () => {
    const user = await enrolledUser();
    await statusOf(user); // warm the limiter scripts
    const trace = traceId();
    const headers = { ...bearer(user.accessToken), "X-Request-Id": trace };
    expect((await send(bindings, "/api/auth/mfa", { headers })).status).toBe(200);
    expect(await roundTrips(trace)).toMatchObject({ neon: 1, upstash: 1 });
  });

  it("keeps answering while Redis is down (a signed-in read: its session is asserted in Postgres)", async () => {
    const user = await signUp(bindings);
    const redisDown = { ...bindings, UPSTASH_REDIS_REST_URL: DEAD_URL };
    const res = await send(redisDown, "/api/auth/mfa", { headers: bearer(user.accessToken) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ totp: { enabled: false }, recoveryCodesLeft: 0 });
    await send(bindings, "/api/auth/signout", { method: "POST", headers: bearer(user.accessToken) });
    const revoked = await send(redisDown, "/api/auth/mfa", { headers: bearer(user.accessToken) });
    expect(revoked.status).toBe(401);
  });
});

describe("MFA_ENCRYPTION_KEY", () => {
  it.each([
    ["missing", undefined, /MFA_ENCRYPTION_KEY is missing/],
    ["short", "too-short", /MFA_ENCRYPTION_KEY must be at least 32 bytes/],
    ["low entropy", "a".repeat(40), /MFA_ENCRYPTION_KEY must be at least 32 bytes/],
    ["the example value", "replace-with-at-least-32-random-bytes-xxxxxxxx", /example value/],
  ])("is refused when %s", (_, value, message) => {
    const errors = configErrors({ ...bindings, MFA_ENCRYPTION_KEY: value });
    expect(errors.find((e) => e.path === "MFA_ENCRYPTION_KEY")?.message).toMatch(message);
  });
});
