import { generateHOTP } from "@oslojs/otp";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { grantAdmin } from "../../db/queries/admin";
import { totpStep } from "../../shared/auth/totp";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, refreshedAccessToken, type SignedUp, signUp } from "../../test/support/accounts";
import { type CreationOptionsJSON, SoftAuthenticator } from "../../test/support/authenticator";
import { fileEnv, roundTrips, send, traceId } from "../../test/support/harness";
import { mailFor } from "../../test/support/mailbox";

const bindings = fileEnv("admin-mfa");
const db = () => createDb(loadConfig(bindings));
let adminToken: string;

beforeAll(async () => {
  const user = await signUp(bindings);
  await grantAdmin(db(), user.email);
  adminToken = await refreshedAccessToken(bindings, user);
});

function post(path: string, json: unknown, token: string) {
  return send(bindings, path, { method: "POST", headers: bearer(token), json });
}

function fromBase32(text: string): Uint8Array {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let [bits, value] = [0, 0];
  const out: number[] = [];
  for (const ch of text) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

/** A user with an authenticator app (and so recovery codes) and a passkey. */
async function userWithFactors(): Promise<SignedUp & { authenticator: SoftAuthenticator }> {
  const user = await signUp(bindings);
  const start = await post("/api/auth/mfa/totp", { password: user.password }, user.accessToken);
  const secret = fromBase32(((await start.json()) as { secret: string }).secret);
  const code = generateHOTP(secret, BigInt(totpStep()), 6);
  expect((await post("/api/auth/mfa/totp/verify", { code }, user.accessToken)).status).toBe(200);
  const authenticator = new SoftAuthenticator();
  const options = await post("/api/auth/passkeys/options", { password: user.password }, user.accessToken);
  const { response } = await authenticator.register((await options.json()) as CreationOptionsJSON);
  expect((await post("/api/auth/passkeys", { response }, user.accessToken)).status).toBe(201);
  return { ...user, authenticator };
}

async function adminView(userId: string, token = adminToken) {
  return send(bindings, `/api/admin/users/${userId}`, { headers: bearer(token) });
}

describe("admin: a user's second factors", () => {
  it("shows them on the user and in the user list", async () => {
    const user = await userWithFactors();
    const res = await adminView(user.userId);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: user.userId, mfa: { totp: true, passkeys: 1 } });
    const list = await send(bindings, `/api/admin/users?q=${encodeURIComponent(user.email)}`, {
      headers: bearer(adminToken),
    });
    expect(await list.json()).toMatchObject({
      users: [{ id: user.userId, mfa: { totp: true, passkeys: 1 } }],
    });
    const plain = await signUp(bindings);
    expect(await (await adminView(plain.userId)).json()).toMatchObject({ mfa: { totp: false, passkeys: 0 } });
  });

  it("resets them all in one batch: a password alone signs in again; audit-logged with the admin, user emailed", async () => {
    const user = await userWithFactors();
    const trace = traceId();
    const res = await send(bindings, `/api/admin/users/${user.userId}/mfa`, {
      method: "DELETE",
      headers: { ...bearer(adminToken), "X-Request-Id": trace },
    });
    expect(res.status).toBe(204);
    // Neon: the user, the reset batch, then (after the response) the notice's claim and send.
    expect(await roundTrips(trace)).toMatchObject({ neon: 4 });
    expect(await (await adminView(user.userId)).json()).toMatchObject({ mfa: { totp: false, passkeys: 0 } });
    const codes = await db().execute<{ n: number }>(
      sql`select count(*)::int as n from recovery_codes where user_id = ${user.userId}`,
    );
    expect(codes.rows[0]?.n).toBe(0);
    const signin = await send(bindings, "/api/auth/signin", {
      method: "POST",
      json: { email: user.email, password: user.password },
    });
    expect(await signin.json()).toHaveProperty("accessToken");
    const audit = await db().execute<{ actor_id: string; metadata: unknown }>(
      sql`select actor_id, metadata from audit_logs where action = 'admin.mfa_reset' and target_id = ${user.userId}`,
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]?.metadata).toEqual({ totp: true, passkeys: 1 });
    expect((await mailFor(user.email)).map((m) => m.subject)).toContain("Two-step sign-in was reset");
  });

  it("is for admins only, and 404 for an unknown user", async () => {
    const user = await userWithFactors();
    const other = await signUp(bindings);
    const path = `/api/admin/users/${user.userId}/mfa`;
    expect(
      (await send(bindings, path, { method: "DELETE", headers: bearer(other.accessToken) })).status,
    ).toBe(403);
    expect((await send(bindings, path, { method: "DELETE" })).status).toBe(401);
    expect((await adminView(user.userId, other.accessToken)).status).toBe(403);
    expect(await (await adminView(user.userId)).json()).toMatchObject({ mfa: { totp: true, passkeys: 1 } });
    const unknown = `/api/admin/users/${crypto.randomUUID()}/mfa`;
    expect((await send(bindings, unknown, { method: "DELETE", headers: bearer(adminToken) })).status).toBe(
      404,
    );
  });
});
