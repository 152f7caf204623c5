import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, type SignedUp, signUp } from "../../test/support/accounts";
import {
  type AssertOptions,
  type CreationOptionsJSON,
  type RequestOptionsJSON,
  SoftAuthenticator,
} from "../../test/support/authenticator";
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

const bindings = fileEnv("passkeys");
const config = loadConfig(bindings);
const db = () => createDb(config);
/** The test config's relying party: APP_URL's host (its origin is the soft authenticator's default). */
const RP_ID = "app.example.com";

function post(env: TestBindings, path: string, json: unknown, headers: Record<string, string> = {}) {
  return send(env, path, { method: "POST", headers, json });
}

async function problemOf(res: Response) {
  return (await res.json()) as { type: string; errors?: { path: string }[] };
}

async function creationOptions(user: SignedUp, env = bindings): Promise<CreationOptionsJSON> {
  const res = await post(
    env,
    "/api/auth/passkeys/options",
    { password: user.password },
    bearer(user.accessToken),
  );
  expect(res.status).toBe(200);
  return (await res.json()) as CreationOptionsJSON;
}

/** Signs up and registers one passkey on a fresh soft authenticator. */
async function userWithPasskey(env = bindings) {
  const user = await signUp(env);
  const authenticator = new SoftAuthenticator();
  const options = await creationOptions(user, env);
  const { response } = await authenticator.register(options);
  const res = await post(env, "/api/auth/passkeys", { name: "Laptop", response }, bearer(user.accessToken));
  expect(res.status).toBe(201);
  const passkey = (await res.json()) as { id: string; name: string };
  return { user, authenticator, passkey };
}

async function signinOptions(env = bindings): Promise<RequestOptionsJSON> {
  const res = await post(env, "/api/auth/passkeys/signin/options", undefined);
  expect(res.status).toBe(200);
  return (await res.json()) as RequestOptionsJSON;
}

async function passkeySignin(
  authenticator: SoftAuthenticator,
  o: Parameters<SoftAuthenticator["assert"]>[1] = {},
  env = bindings,
) {
  const response = await authenticator.assert(await signinOptions(env), o);
  return post(env, "/api/auth/passkeys/signin", { response, returnRefreshToken: true });
}

async function auditActions(userId: string, like = "%passkey%"): Promise<string[]> {
  const rows = await db().execute<{ action: string }>(
    sql`select action from audit_logs where actor_id = ${userId} and action like ${like} order by id`,
  );
  return rows.rows.map((r) => r.action);
}

describe("registering a passkey", () => {
  it("offers discoverable, user-verified, attestation-free options with the user's passkeys excluded", async () => {
    const { user, authenticator } = await userWithPasskey();
    const options = (await creationOptions(user)) as CreationOptionsJSON & Record<string, unknown>;
    expect(options).toMatchObject({
      rp: { id: RP_ID, name: config.WEBAUTHN_RP_NAME },
      user: { name: user.email, displayName: "Test User" },
      attestation: "none",
      authenticatorSelection: { residentKey: "required", userVerification: "required" },
      pubKeyCredParams: expect.arrayContaining([{ type: "public-key", alg: -7 }]),
    });
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [held] = authenticator.credentials;
    expect(options.excludeCredentials).toEqual([
      { id: Buffer.from(held?.id ?? []).toString("base64url"), type: "public-key", transports: ["internal"] },
    ]);
  });

  it("stores the credential, lists it, audit-logs and emails the owner", async () => {
    const { user, passkey } = await userWithPasskey();
    expect(passkey).toMatchObject({ name: "Laptop", lastUsedAt: null });
    const list = await send(bindings, "/api/auth/passkeys", { headers: bearer(user.accessToken) });
    expect(await list.json()).toEqual({ passkeys: [{ ...passkey }] });
    expect(await auditActions(user.userId)).toEqual(["mfa.passkey_added"]);
    expect((await mailFor(user.email)).map((m) => m.subject)).toContain("A passkey was added");
  });

  it("refuses a wrong origin, a wrong RP id, no user verification and another ceremony's type, naming the field", async () => {
    const user = await signUp(bindings);
    const attacks = [
      { origin: "https://evil.example.net" },
      { rpId: "evil.example.net" },
      { userVerified: false },
      { type: "webauthn.get" },
    ];
    for (const attack of attacks) {
      const { response } = await new SoftAuthenticator().register(await creationOptions(user), attack);
      const res = await post(bindings, "/api/auth/passkeys", { response }, bearer(user.accessToken));
      expect(res.status, JSON.stringify(attack)).toBe(400);
      const problem = await problemOf(res);
      expect(problem.type).toMatch(/passkey-invalid-registration$/);
      expect(problem.errors?.[0]?.path).toMatch(/^response\.response\./);
    }
    const list = await send(bindings, "/api/auth/passkeys", { headers: bearer(user.accessToken) });
    expect(await list.json()).toEqual({ passkeys: [] });
  });

  it("takes each challenge once, only from the user it was issued to, and refuses a made-up one", async () => {
    const user = await signUp(bindings);
    const other = await signUp(bindings);
    const options = await creationOptions(user);
    const { response } = await new SoftAuthenticator().register(options);
    const stolen = await post(bindings, "/api/auth/passkeys", { response }, bearer(other.accessToken));
    expect((await problemOf(stolen)).type).toMatch(/passkey-challenge-expired$/);
    // The other user's attempt spent it: the challenge works once, whoever answers.
    const replay = await post(bindings, "/api/auth/passkeys", { response }, bearer(user.accessToken));
    expect(replay.status).toBe(400);
    expect((await problemOf(replay)).type).toMatch(/passkey-challenge-expired$/);

    const { response: madeUp } = await new SoftAuthenticator().register(options, {
      challenge: "A".repeat(43),
    });
    const res = await post(bindings, "/api/auth/passkeys", { response: madeUp }, bearer(user.accessToken));
    expect((await problemOf(res)).type).toMatch(/passkey-challenge-expired$/);
  });

  it("refuses a credential id registered already, and one that differs from the attested id", async () => {
    const { authenticator } = await userWithPasskey();
    const [first] = authenticator.credentials;
    const other = await signUp(bindings);
    const { response } = await new SoftAuthenticator().register(await creationOptions(other), {
      id: first?.id,
    });
    const taken = await post(bindings, "/api/auth/passkeys", { response }, bearer(other.accessToken));
    expect(taken.status).toBe(409);
    expect((await problemOf(taken)).type).toMatch(/passkey-already-registered$/);

    const { response: fresh } = await new SoftAuthenticator().register(await creationOptions(other));
    const claimed = { ...fresh, id: "AAAA", rawId: "AAAA" };
    const res = await post(bindings, "/api/auth/passkeys", { response: claimed }, bearer(other.accessToken));
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors?.[0]?.path).toBe("response.rawId");
  });

  it("fails closed (503 with Retry-After) while Redis is down", async () => {
    const user = await signUp(bindings);
    const res = await post(
      { ...bindings, UPSTASH_REDIS_REST_URL: DEAD_URL },
      "/api/auth/passkeys/options",
      { password: user.password },
      bearer(user.accessToken),
    );
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
  });
});

describe("renaming and removing passkeys", () => {
  it("renames and removes a passkey, audit-logged and emailed; another user's passkey is 404", async () => {
    const { user, passkey, authenticator } = await userWithPasskey();
    // A second passkey, so removing the first leaves a second factor.
    const { response } = await authenticator.register(await creationOptions(user));
    expect((await post(bindings, "/api/auth/passkeys", { response }, bearer(user.accessToken))).status).toBe(
      201,
    );
    const stranger = await signUp(bindings);
    const path = `/api/auth/passkeys/${passkey.id}`;
    const theirs = await send(bindings, path, {
      method: "PATCH",
      headers: bearer(stranger.accessToken),
      json: { name: "Mine now" },
    });
    expect(theirs.status).toBe(404);
    expect(
      (await send(bindings, path, { method: "DELETE", headers: bearer(stranger.accessToken) })).status,
    ).toBe(404);

    const renamed = await send(bindings, path, {
      method: "PATCH",
      headers: bearer(user.accessToken),
      json: { name: "Phone" },
    });
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({ id: passkey.id, name: "Phone" });
    const removed = await send(bindings, path, { method: "DELETE", headers: bearer(user.accessToken) });
    expect(removed.status).toBe(204);
    expect(await auditActions(user.userId)).toEqual([
      "mfa.passkey_added",
      "mfa.passkey_added",
      "mfa.passkey_renamed",
      "mfa.passkey_removed",
    ]);
    const subjects = (await mailFor(user.email)).map((m) => m.subject);
    expect(subjects).toEqual(expect.arrayContaining(["A passkey was renamed", "A passkey was removed"]));
  });

  it("removes the last second factor only from a session signed in with a second factor", async () => {
    const { user, passkey, authenticator } = await userWithPasskey();
    const path = `/api/auth/passkeys/${passkey.id}`;
    // The session of the sign-up (a password) is not fresh proof of a second factor.
    const refused = await send(bindings, path, { method: "DELETE", headers: bearer(user.accessToken) });
    expect(refused.status).toBe(403);
    expect((await problemOf(refused)).type).toMatch(/mfa-fresh-factor-required$/);

    const signedIn = await passkeySignin(authenticator);
    expect(signedIn.status).toBe(200);
    const { accessToken } = (await signedIn.json()) as { accessToken: string };
    expect((await send(bindings, path, { method: "DELETE", headers: bearer(accessToken) })).status).toBe(204);
    // Deleted: it no longer signs in.
    const after = await passkeySignin(authenticator);
    expect(after.status).toBe(401);
  });
});

describe("signing in with a passkey (passwordless)", () => {
  it("answers like password sign-in, with no mfaRequired, and records the use", async () => {
    const { user, authenticator, passkey } = await userWithPasskey();
    const res = await passkeySignin(authenticator);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accessToken: string; refreshToken: string; user: { id: string } };
    expect(body.user.id).toBe(user.userId);
    expect(body).not.toHaveProperty("mfaRequired");
    expect(res.headers.get("Set-Cookie")).toMatch(/backline_refresh=/);
    const me = await send(bindings, "/api/me", { headers: bearer(body.accessToken) });
    expect(me.status).toBe(200);
    const list = await send(bindings, "/api/auth/passkeys", { headers: bearer(body.accessToken) });
    const [listed] = ((await list.json()) as { passkeys: { id: string; lastUsedAt: string | null }[] })
      .passkeys;
    expect(listed).toMatchObject({ id: passkey.id, lastUsedAt: expect.any(String) });
    const rows = await db().execute<{ method: string }>(
      sql`select method from sessions where user_id = ${user.userId} order by created_at desc limit 1`,
    );
    expect(rows.rows[0]?.method).toBe("passkey");
  });

  it("refuses a wrong origin, a wrong RP id, no user verification, a forged signature and a replayed challenge", async () => {
    const { user, authenticator } = await userWithPasskey();
    const forger = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign"]);
    const attacks: AssertOptions[] = [
      { origin: "https://evil.example.net" },
      { rpId: "evil.example.net" },
      { userVerified: false },
      { type: "webauthn.create" },
      { signWith: (forger as CryptoKeyPair).privateKey },
    ];
    for (const attack of attacks) {
      const res = await passkeySignin(authenticator, attack);
      expect(res.status, JSON.stringify(Object.keys(attack))).toBe(401);
      expect((await problemOf(res)).type).toMatch(/passkey-signin-failed$/);
    }
    const options = await signinOptions();
    const response = await authenticator.assert(options);
    expect((await post(bindings, "/api/auth/passkeys/signin", { response })).status).toBe(200);
    const replay = await post(bindings, "/api/auth/passkeys/signin", { response });
    expect(replay.status).toBe(401);
    // The replay names no user (its challenge is gone before the credential is read).
    expect(await auditActions(user.userId, "auth.passkey_signin_failed")).toHaveLength(attacks.length);
  });

  it("refuses a signature counter that went back (a cloned authenticator)", async () => {
    const { authenticator } = await userWithPasskey();
    const [credential] = authenticator.credentials;
    if (!credential) throw new Error("no credential");
    expect((await passkeySignin(authenticator, { counter: 5 })).status).toBe(200);
    expect((await passkeySignin(authenticator, { counter: 5 })).status).toBe(401);
    expect((await passkeySignin(authenticator, { counter: 3 })).status).toBe(401);
    expect((await passkeySignin(authenticator, { counter: 6 })).status).toBe(200);
  });

  it("refuses a stale challenge and an unknown credential", async () => {
    const { authenticator } = await userWithPasskey();
    const options = await signinOptions();
    await (await import("../../shared/clients"))
      .createRedis(config)
      .del(`webauthn:challenge:${options.challenge}`);
    const stale = await post(bindings, "/api/auth/passkeys/signin", {
      response: await authenticator.assert(options),
    });
    expect(stale.status).toBe(401);
    const stranger = new SoftAuthenticator();
    await stranger.register({
      rp: { id: RP_ID, name: "x" },
      user: { id: "AA", name: "x", displayName: "x" },
      challenge: "AA",
    });
    expect((await passkeySignin(stranger)).status).toBe(401);
  });

  it("counts failures in the per-IP sign-in budget: 429 once it is used up", async () => {
    const { authenticator } = await userWithPasskey();
    const ip = randomIp();
    const limit = config.AUTH_FAILURE_LIMIT * 3;
    let last = 0;
    for (let i = 0; i <= limit; i++) {
      const response = await authenticator.assert(await signinOptions(), { userVerified: false });
      last = (await post(bindings, "/api/auth/passkeys/signin", { response }, { "CF-Connecting-IP": ip }))
        .status;
      if (last === 429) break;
    }
    expect(last).toBe(429);
  });

  it("refuses a disabled account", async () => {
    const { user, authenticator } = await userWithPasskey();
    await db().execute(sql`update users set disabled_at = now() where id = ${user.userId}`);
    expect((await passkeySignin(authenticator)).status).toBe(403);
  });

  it("fails closed (503 with Retry-After) while Redis is down", async () => {
    const { authenticator } = await userWithPasskey();
    const options = await signinOptions();
    const response = await authenticator.assert(options);
    const res = await post({ ...bindings, UPSTASH_REDIS_REST_URL: DEAD_URL }, "/api/auth/passkeys/signin", {
      response,
    });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
    // Nothing was spent: the same challenge still signs in once Redis is back.
    expect((await post(bindings, "/api/auth/passkeys/signin", { response })).status).toBe(200);
  });

  it("stays within its round-trip budgets", async () => {
    const { user, authenticator } = await userWithPasskey();
    await passkeySignin(authenticator); // warm the limiter scripts
    const optionsTrace = traceId();
    const optionsRes = await send(bindings, "/api/auth/passkeys/signin/options", {
      method: "POST",
      headers: { "X-Request-Id": optionsTrace },
    });
    const options = (await optionsRes.json()) as RequestOptionsJSON;
    // The auth group's limit, then the challenge: no database.
    expect(await roundTrips(optionsTrace)).toMatchObject({ neon: 0, upstash: 2 });

    const signinTrace = traceId();
    const res = await send(bindings, "/api/auth/passkeys/signin", {
      method: "POST",
      headers: { "X-Request-Id": signinTrace },
      json: { response: await authenticator.assert(options) },
    });
    expect(res.status).toBe(200);
    // Neon: the credential lookup, then the session batch. Upstash: the per-IP budget's charge
    // (the auth group's limit skips sign-in routes), taking the challenge, the refund.
    expect(await roundTrips(signinTrace)).toMatchObject({ neon: 2, upstash: 3 });

    const registerTrace = traceId();
    const { response } = await authenticator.register(await creationOptions(user));
    await send(bindings, "/api/auth/passkeys", {
      method: "POST",
      headers: { ...bearer(user.accessToken), "X-Request-Id": registerTrace },
      json: { response },
    });
    // Neon: the insert batch, then (after the response) claiming and sending the notice. Upstash:
    // the group limit (with the session check), taking the challenge.
    expect(await roundTrips(registerTrace)).toMatchObject({ neon: 3, upstash: 2 });

    const registerOptionsTrace = traceId();
    const registerOptions = await send(bindings, "/api/auth/passkeys/options", {
      method: "POST",
      headers: { ...bearer(user.accessToken), "X-Request-Id": registerOptionsTrace },
      json: { password: user.password },
    });
    expect(registerOptions.status).toBe(200);
    // Neon: the holder, with the owner's proof. Upstash: the group limit (with the session check),
    // the account's guessing budget before the password is hashed, then the challenge.
    expect(await roundTrips(registerOptionsTrace)).toMatchObject({ neon: 1, upstash: 3 });
    const listTrace = traceId();
    await send(bindings, "/api/auth/passkeys", {
      headers: { ...bearer(user.accessToken), "X-Request-Id": listTrace },
    });
    expect(await roundTrips(listTrace)).toMatchObject({ neon: 1, upstash: 1 });
  });
});

describe("a passkey as the second factor of a password sign-in", () => {
  async function passwordChallenge(user: SignedUp) {
    const res = await post(bindings, "/api/auth/signin", { email: user.email, password: user.password });
    expect(res.status).toBe(200);
    return (await res.json()) as { mfaRequired: boolean; challenge: string; factors: string[] };
  }

  async function factorOptions(challenge: string): Promise<RequestOptionsJSON> {
    const res = await post(bindings, "/api/auth/mfa/challenge/options", { challenge });
    expect(res.status).toBe(200);
    return (await res.json()) as RequestOptionsJSON;
  }

  function completeWith(challenge: string, passkey: unknown) {
    return post(bindings, "/api/auth/mfa/challenge", { challenge, passkey, returnRefreshToken: true });
  }

  it("asks for a second factor once a passkey is registered, naming the factors", async () => {
    const { user } = await userWithPasskey();
    const answer = await passwordChallenge(user);
    expect(answer).toMatchObject({ mfaRequired: true, factors: ["passkey"] });
  });

  it("offers only the account's passkeys and completes the sign-in with one, audit-logged and emailed", async () => {
    const { user, authenticator, passkey } = await userWithPasskey();
    const { challenge } = await passwordChallenge(user);
    const options = await factorOptions(challenge);
    const [held] = authenticator.credentials;
    expect(options.allowCredentials?.map((d) => d.id)).toEqual([
      Buffer.from(held?.id ?? []).toString("base64url"),
    ]);
    const res = await completeWith(challenge, await authenticator.assert(options));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accessToken: string; user: { id: string } };
    expect(body.user.id).toBe(user.userId);
    const rows = await db().execute<{ method: string }>(
      sql`select method from sessions where user_id = ${user.userId} order by created_at desc limit 1`,
    );
    expect(rows.rows[0]?.method).toBe("password+passkey");
    expect(await auditActions(user.userId, "mfa.passkey_used")).toHaveLength(1);
    expect((await mailFor(user.email)).map((m) => m.subject)).toContain("A passkey confirmed a sign-in");
    const list = await send(bindings, "/api/auth/passkeys", { headers: bearer(body.accessToken) });
    expect(await list.json()).toMatchObject({
      passkeys: [{ id: passkey.id, lastUsedAt: expect.any(String) }],
    });
  });

  it("refuses another user's credential, a replay, a stale challenge and one issued for another sign-in", async () => {
    const { user, authenticator } = await userWithPasskey();
    const { authenticator: strangers } = await userWithPasskey();
    const [theirs] = strangers.credentials;

    const { challenge } = await passwordChallenge(user);
    const options = await factorOptions(challenge);
    const foreign = await completeWith(challenge, await strangers.assert(options, { credential: theirs }));
    expect(foreign.status).toBe(401);
    expect((await problemOf(foreign)).type).toMatch(/mfa-invalid-passkey$/);

    const again = await factorOptions(challenge);
    const assertion = await authenticator.assert(again);
    expect((await completeWith(challenge, assertion)).status).toBe(200);
    const replay = await completeWith(challenge, assertion);
    expect(replay.status).toBe(401);

    const { challenge: second } = await passwordChallenge(user);
    const { challenge: third } = await passwordChallenge(user);
    const forSecond = await factorOptions(second);
    const crossed = await completeWith(third, await authenticator.assert(forSecond));
    expect((await problemOf(crossed)).type).toMatch(/mfa-invalid-passkey$/);

    const stale = await factorOptions(third);
    await (await import("../../shared/clients"))
      .createRedis(config)
      .del(`webauthn:challenge:${stale.challenge}`);
    expect((await completeWith(third, await authenticator.assert(stale))).status).toBe(401);
    expect(await auditActions(user.userId, "auth.mfa_failed")).toHaveLength(4);
  });

  it("refuses a deleted passkey", async () => {
    const { user, authenticator, passkey } = await userWithPasskey();
    const { response } = await authenticator.register(await creationOptions(user));
    expect((await post(bindings, "/api/auth/passkeys", { response }, bearer(user.accessToken))).status).toBe(
      201,
    );
    const [first] = authenticator.credentials;
    const removed = await send(bindings, `/api/auth/passkeys/${passkey.id}`, {
      method: "DELETE",
      headers: bearer(user.accessToken),
    });
    expect(removed.status).toBe(204);
    const { challenge } = await passwordChallenge(user);
    const options = await factorOptions(challenge);
    expect(options.allowCredentials).toHaveLength(1);
    const res = await completeWith(challenge, await authenticator.assert(options, { credential: first }));
    expect(res.status).toBe(401);
    expect((await passkeySignin(authenticator, { credential: first })).status).toBe(401);
  });

  it("takes a code or a passkey, not both, naming the field", async () => {
    const { user } = await userWithPasskey();
    const { challenge } = await passwordChallenge(user);
    const res = await post(bindings, "/api/auth/mfa/challenge", { challenge });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors?.[0]?.path).toBe("code");
  });

  it("stays within its round-trip budgets", async () => {
    const { user, authenticator } = await userWithPasskey();
    const { challenge } = await passwordChallenge(user);
    const optionsTrace = traceId();
    const optionsRes = await send(bindings, "/api/auth/mfa/challenge/options", {
      method: "POST",
      headers: { "X-Request-Id": optionsTrace },
      json: { challenge },
    });
    const options = (await optionsRes.json()) as RequestOptionsJSON;
    // Neon: the account. Upstash: the auth group's limit, the challenge.
    expect(await roundTrips(optionsTrace)).toMatchObject({ neon: 1, upstash: 2 });
    const doneTrace = traceId();
    const done = await send(bindings, "/api/auth/mfa/challenge", {
      method: "POST",
      headers: { "X-Request-Id": doneTrace },
      json: { challenge, passkey: await authenticator.assert(options) },
    });
    expect(done.status).toBe(200);
    // Neon: the account, the session batch, then (after the response) the notice's claim and send.
    // Upstash: the group limit, the budgets' charge, taking the WebAuthn challenge, spending the
    // sign-in challenge, the refund.
    expect(await roundTrips(doneTrace)).toMatchObject({ neon: 4, upstash: 5 });
  });
});
