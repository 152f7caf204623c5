import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { PROBLEM_BASE } from "../../shared/errors";
import { bearer, signUp, uniqueEmail } from "../../test/support/accounts";
import { fileEnv, roundTrips, send, traceId } from "../../test/support/harness";
import { mailFor, tokenIn } from "../../test/support/mailbox";
import {
  APP,
  accessTokenFrom,
  callback,
  consent,
  cookieNamed,
  oauthBindings,
  type Provider,
  problemType,
  signInWith,
  startLink,
} from "../../test/support/oauth";

const bindings = fileEnv("identities", oauthBindings);

type SignInMethods = {
  hasPassword: boolean;
  identities: { provider: Provider; email: string | null; linkedAt: string }[];
};

async function signInMethods(accessToken: string, headers: Record<string, string> = {}) {
  const res = await send(bindings, "/api/me/identities", { headers: { ...bearer(accessToken), ...headers } });
  expect(res.status).toBe(200);
  return (await res.json()) as SignInMethods;
}

/** A new account made by signing in with a provider, and its access token. */
async function providerUser(provider: Provider) {
  const email = uniqueEmail(`${provider}-only`);
  const { res } = await signInWith(bindings, provider, { email });
  return { email, accessToken: await accessTokenFrom(bindings, res) };
}

/** Links `provider` to the signed-in user through the whole flow; returns where the browser landed. */
async function link(accessToken: string, provider: Provider, email: string) {
  const started = await startLink(bindings, accessToken, provider);
  return callback(bindings, await consent(started, { email }), started.cookie);
}

function unlink(accessToken: string, provider: Provider, headers: Record<string, string> = {}) {
  return send(bindings, `/api/me/identities/${provider}`, {
    method: "DELETE",
    headers: { ...bearer(accessToken), ...headers },
  });
}

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  const result = await createDb(loadConfig(bindings)).execute(query);
  return result.rows as T[];
}

describe("GET /api/me/identities", () => {
  it("lists the linked identities and whether the account has a password, in one Neon round trip", async () => {
    const withPassword = await signUp(bindings);
    expect(await signInMethods(withPassword.accessToken)).toEqual({ hasPassword: true, identities: [] });

    const google = await providerUser("google");
    await signInMethods(google.accessToken); // warm the limiter scripts
    const trace = traceId();
    expect(await signInMethods(google.accessToken, { "X-Request-Id": trace })).toEqual({
      hasPassword: false,
      identities: [{ provider: "google", email: google.email, linkedAt: expect.any(String) }],
    });
    expect(await roundTrips(trace)).toMatchObject({ neon: 1, upstash: 1 });
  });

  it("needs a signed-in user", async () => {
    expect((await send(bindings, "/api/me/identities")).status).toBe(401);
  });
});

describe("linking from the account: POST /api/me/identities/:provider, then the callback", () => {
  it("links a provider account to the signed-in user without signing anyone in; audit-logged, the owner told", async () => {
    const user = await signUp(bindings);
    const providerEmail = uniqueEmail("gh-linked");
    const trace = traceId();
    const res = await send(bindings, "/api/me/identities/github", {
      method: "POST",
      headers: { ...bearer(user.accessToken), "X-Request-Id": trace },
      json: { redirect: APP },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(cookieNamed(res, "backline_oauth")).toBeDefined();
    expect((await roundTrips(trace)).neon).toBeLessThanOrEqual(1);

    const { res: back, location } = await link(user.accessToken, "github", providerEmail);
    expect(location.toString()).toBe(APP);
    // Linking leaves this browser's session as it was: no new refresh cookie.
    expect(cookieNamed(back, "backline_refresh")).toBeUndefined();
    expect(await signInMethods(user.accessToken)).toMatchObject({
      hasPassword: true,
      identities: [{ provider: "github", email: providerEmail }],
    });
    const notice = (await mailFor(user.email)).find(
      (m) => m.subject === "GitHub sign-in was added to your account",
    );
    expect(notice?.text).toContain(providerEmail);
    const audit = await rows<{ metadata: { reason: string } }>(
      sql`select metadata from audit_logs where actor_id = ${user.userId} and action = 'auth.identity_linked'`,
    );
    expect(audit).toEqual([{ metadata: { provider: "github", reason: "linked_by_user" } }]);

    // The linked GitHub account now signs in to this user, whatever its email.
    const again = await signInWith(bindings, "github", { email: providerEmail });
    const token = await accessTokenFrom(bindings, again.res);
    const me = await send(bindings, "/api/me", { headers: bearer(token) });
    expect(((await me.json()) as { id: string }).id).toBe(user.userId);
  });

  it("refuses a provider account that signs in to another user, landing on the app URL with oauth-identity-taken", async () => {
    const other = await providerUser("google");
    const user = await signUp(bindings);
    const { res, location } = await link(user.accessToken, "google", other.email);
    expect(`${location.origin}${location.pathname}`).toBe(APP);
    expect(problemType(location)).toBe(`${PROBLEM_BASE}oauth-identity-taken`);
    expect(cookieNamed(res, "backline_refresh")).toBeUndefined();
    expect((await signInMethods(user.accessToken)).identities).toEqual([]);
  });

  it("refuses a second account of a linked provider before leaving the app", async () => {
    const google = await providerUser("google");
    const res = await send(bindings, "/api/me/identities/google", {
      method: "POST",
      headers: bearer(google.accessToken),
      json: {},
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { type: string }).type).toBe(`${PROBLEM_BASE}oauth-provider-linked`);
  });

  it("refuses to complete when the session that started linking has ended", async () => {
    const user = await signUp(bindings);
    const started = await startLink(bindings, user.accessToken, "github");
    const signedOut = await send(bindings, "/api/auth/signout-all", {
      method: "POST",
      headers: bearer(user.accessToken),
    });
    expect(signedOut.status).toBe(204);
    const { location } = await callback(
      bindings,
      await consent(started, { email: uniqueEmail("late") }),
      started.cookie,
    );
    expect(problemType(location)).toBe(`${PROBLEM_BASE}oauth-link-expired`);
    const [count] = await rows<{ n: number }>(
      sql`select count(*)::int as n from identities where user_id = ${user.userId}`,
    );
    expect(count?.n).toBe(0);
  });

  it("refuses a provider that is not offered, a redirect off the allowed origins, and no session", async () => {
    const user = await signUp(bindings);
    const notOffered = await send(fileEnv("identities_off"), "/api/me/identities/google", {
      method: "POST",
      headers: bearer(user.accessToken),
      json: {},
    });
    expect(notOffered.status).toBe(404);
    const open = await send(bindings, "/api/me/identities/google", {
      method: "POST",
      headers: bearer(user.accessToken),
      json: { redirect: "https://evil.test/" },
    });
    expect(open.status).toBe(400);
    expect(((await open.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([
      "redirect",
    ]);
    const anonymous = await send(bindings, "/api/me/identities/google", { method: "POST", json: {} });
    expect(anonymous.status).toBe(401);
  });
});

describe("DELETE /api/me/identities/:provider", () => {
  it("unlinks in one Neon round trip before the answer (two after it send the notice); audit-logged, the owner told", async () => {
    const user = await signUp(bindings);
    const providerEmail = uniqueEmail("gh-unlinked");
    await link(user.accessToken, "github", providerEmail);
    const trace = traceId();
    const res = await unlink(user.accessToken, "github", { "X-Request-Id": trace });
    expect(res.status).toBe(204);
    expect((await roundTrips(trace)).neon).toBe(3);
    expect((await signInMethods(user.accessToken)).identities).toEqual([]);
    const subjects = (await mailFor(user.email)).map((m) => m.subject);
    expect(subjects).toContain("GitHub sign-in was removed from your account");
    const audit = await rows<{ target_id: string }>(
      sql`select target_id from audit_logs where actor_id = ${user.userId} and action = 'auth.identity_unlinked'`,
    );
    expect(audit).toEqual([{ target_id: expect.stringMatching(/^github:\d+$/) }]);
    // Signing in with that GitHub account now makes a new account (the address is not this user's).
    const after = await signInWith(bindings, "github", { email: providerEmail });
    const me = await send(bindings, "/api/me", {
      headers: bearer(await accessTokenFrom(bindings, after.res)),
    });
    expect(((await me.json()) as { id: string }).id).not.toBe(user.userId);
  });

  it("refuses to unlink the last way to sign in (409), and allows it while another identity remains", async () => {
    const google = await providerUser("google");
    const last = await unlink(google.accessToken, "google");
    expect(last.status).toBe(409);
    expect(((await last.json()) as { type: string }).type).toBe(`${PROBLEM_BASE}last-sign-in-method`);

    await link(google.accessToken, "github", uniqueEmail("second"));
    expect((await unlink(google.accessToken, "google")).status).toBe(204);
    const stillLast = await unlink(google.accessToken, "github");
    expect(stillLast.status).toBe(409);
    expect((await signInMethods(google.accessToken)).identities.map((i) => i.provider)).toEqual(["github"]);
  });

  it("answers 404 for a provider that is not linked", async () => {
    const user = await signUp(bindings);
    const res = await unlink(user.accessToken, "google");
    expect(res.status).toBe(404);
  });
});

describe("accounts made through a provider", () => {
  it("set a password through reset: password sign-in works, the identity still does", async () => {
    const google = await providerUser("google");
    const forgot = await send(bindings, "/api/auth/password/forgot", {
      method: "POST",
      json: { email: google.email },
    });
    expect(forgot.status).toBe(202);
    const resetMail = (await mailFor(google.email)).find((m) => m.subject === "Reset your password");
    const newPassword = "a fresh passphrase 77";
    const reset = await send(bindings, "/api/auth/password/reset", {
      method: "POST",
      json: { token: tokenIn(resetMail), newPassword },
    });
    expect(reset.status).toBe(204);

    const signin = await send(bindings, "/api/auth/signin", {
      method: "POST",
      json: { email: google.email, password: newPassword, returnRefreshToken: true },
    });
    expect(signin.status).toBe(200);
    const { accessToken } = (await signin.json()) as { accessToken: string };
    expect((await signInMethods(accessToken)).hasPassword).toBe(true);
    const again = await signInWith(bindings, "google", { email: google.email });
    expect(problemType(again.location)).toBeNull();
    expect(cookieNamed(again.res, "backline_refresh")).toBeDefined();
  });
});
