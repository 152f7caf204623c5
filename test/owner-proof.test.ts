/**
 * The owner's proof before changes a stolen access token alone must not make
 * (shared/auth/owner-proof.ts): the password when the account has one, else a recent sign-in.
 * Email change has its own tests (functions/me/email-change.test.ts); these cover starting an
 * authenticator app, starting a passkey's registration and deleting the account.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../shared/clients";
import { loadConfig } from "../shared/config";
import { PROBLEM_BASE } from "../shared/errors";
import { bearer, signUp, uniqueEmail } from "./support/accounts";
import { fileEnv, send } from "./support/harness";
import { accessTokenFrom, oauthBindings, signInWith } from "./support/oauth";

const bindings = fileEnv("owner_proof", oauthBindings);
const db = createDb(loadConfig(bindings));

const startTotp = (accessToken: string, body: { password?: string }) =>
  send(bindings, "/api/auth/mfa/totp", { method: "POST", headers: bearer(accessToken), json: body });

const passkeyOptions = (accessToken: string, body: { password?: string }) =>
  send(bindings, "/api/auth/passkeys/options", { method: "POST", headers: bearer(accessToken), json: body });

const deleteMe = (accessToken: string, body: { password?: string }) =>
  send(bindings, "/api/me", { method: "DELETE", headers: bearer(accessToken), json: body });

/** An account made through GitHub (no password), signed in just now. */
async function providerAccount(label: string) {
  const email = uniqueEmail(label);
  const accessToken = await accessTokenFrom(bindings, (await signInWith(bindings, "github", { email })).res);
  return { email, accessToken };
}

/** Moves the account's sign-in `minutes` into the past. */
async function signedInAgo(email: string, minutes: number) {
  await db.execute(
    sql`update sessions set created_at = now() - make_interval(mins => ${minutes})
        where user_id = (select id from users where email = ${email})`,
  );
}

async function problemOf(res: Response) {
  return (await res.json()) as { type: string; detail?: string; errors?: { path: string }[] };
}

async function accountExists(email: string) {
  return (await db.execute(sql`select 1 from users where email = ${email}`)).rows.length === 1;
}

describe("an account without a password proves itself by a recent sign-in", () => {
  it("starts an authenticator app or a passkey within 10 minutes of signing in, not later", async () => {
    const fresh = await providerAccount("owner-totp");
    const started = await startTotp(fresh.accessToken, {});
    expect(started.status).toBe(200);
    expect(((await started.json()) as { secret: string }).secret).toMatch(/^[A-Z2-7]+$/);
    const options = await passkeyOptions(fresh.accessToken, {});
    expect(options.status).toBe(200);
    expect(((await options.json()) as { challenge: string }).challenge).toMatch(/^[\w-]{20,}$/);

    const stale = await providerAccount("owner-totp-late");
    await signedInAgo(stale.email, 11);
    const refused = await startTotp(stale.accessToken, {});
    expect(refused.status).toBe(403);
    const problem = await problemOf(refused);
    expect(problem.type).toBe(`${PROBLEM_BASE}recent-sign-in-required`);
    expect(problem.detail).toBe("Sign in again with your provider, then set up the app within 10 minutes.");
    // A password is no way around it: the account has none.
    expect((await startTotp(stale.accessToken, { password: "a guess 12345" })).status).toBe(403);
    const passkey = await passkeyOptions(stale.accessToken, {});
    expect(passkey.status).toBe(403);
    expect((await problemOf(passkey)).detail).toBe(
      "Sign in again with your provider, then add the passkey within 10 minutes.",
    );
  });

  it("deletes the account within 10 minutes of signing in, not later", async () => {
    const stale = await providerAccount("owner-delete-late");
    await signedInAgo(stale.email, 11);
    const refused = await deleteMe(stale.accessToken, {});
    expect(refused.status).toBe(403);
    expect((await problemOf(refused)).type).toBe(`${PROBLEM_BASE}recent-sign-in-required`);
    expect(await accountExists(stale.email)).toBe(true);

    const fresh = await providerAccount("owner-delete");
    expect((await deleteMe(fresh.accessToken, {})).status).toBe(204);
    expect(await accountExists(fresh.email)).toBe(false);
  });
});

describe("an account with a password still needs it", () => {
  it("refuses a missing password with 400 naming the field, and a wrong one with 401, however recent the sign-in", async () => {
    const user = await signUp(bindings);
    for (const call of [startTotp, passkeyOptions, deleteMe]) {
      const missing = await call(user.accessToken, {});
      expect(missing.status).toBe(400);
      expect((await problemOf(missing)).errors?.map((e) => e.path)).toEqual(["password"]);
      const wrong = await call(user.accessToken, { password: "not the password" });
      expect(wrong.status).toBe(401);
    }
    expect(await accountExists(user.email)).toBe(true);
    expect((await startTotp(user.accessToken, { password: user.password })).status).toBe(200);
    expect((await passkeyOptions(user.accessToken, { password: user.password })).status).toBe(200);
    expect((await deleteMe(user.accessToken, { password: user.password })).status).toBe(204);
    expect(await accountExists(user.email)).toBe(false);
  });
});
