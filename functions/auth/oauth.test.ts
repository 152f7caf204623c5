import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { PROBLEM_BASE } from "../../shared/errors";
import { bearer, signUp, uniqueEmail } from "../../test/support/accounts";
import {
  DEAD_URL,
  fileEnv,
  roundTrips,
  send,
  type TestBindings,
  testEnv,
  traceId,
} from "../../test/support/harness";
import { mailFor, tokenIn } from "../../test/support/mailbox";

type Provider = "google" | "github";

/** The OAuth bindings `npm run dev` gives the worker: the dev/ stand-ins and their local clients. */
const oauthBindings = {
  OAUTH_GOOGLE_CLIENT_ID: "local-google-client",
  OAUTH_GOOGLE_CLIENT_SECRET: "local-google-secret",
  OAUTH_GITHUB_CLIENT_ID: "local-github-client",
  OAUTH_GITHUB_CLIENT_SECRET: "local-github-secret",
  OAUTH_GOOGLE_BASE_URL: `${testEnv.STACK_URL}/oauth/google`,
  OAUTH_GITHUB_BASE_URL: `${testEnv.STACK_URL}/oauth/github`,
};
const bindings = fileEnv("oauth", oauthBindings);
/**
 * No provider offered: [env.dev.vars] binds the client ids, so the secrets are unset here. A
 * developer's .dev.vars (written by `npm run dev`) binds them for the whole suite otherwise.
 */
const noSecrets = { OAUTH_GOOGLE_CLIENT_SECRET: undefined, OAUTH_GITHUB_CLIENT_SECRET: undefined };
const APP = "https://app.example.com/after-sign-in";

interface Account {
  email: string;
  name?: string;
  verified?: boolean;
  /** Tests only: what the Google stand-in gets wrong in the ID token (dev/oauth/google.ts). */
  idTokenFault?: string;
}

/** A started sign-in: the provider URL the browser is sent to and the flow cookie it got. */
interface Started {
  providerUrl: URL;
  cookie: string;
}

function cookieNamed(res: Response, name: string): string | undefined {
  return res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(";")[0];
}

async function start(provider: Provider, redirect = APP, env: TestBindings = bindings): Promise<Started> {
  const res = await send(env, `/api/auth/oauth/${provider}/start?redirect=${encodeURIComponent(redirect)}`);
  expect(res.status).toBe(302);
  const cookie = cookieNamed(res, "backline_oauth");
  if (!cookie) throw new Error("start set no flow cookie");
  return { providerUrl: new URL(res.headers.get("Location") ?? ""), cookie };
}

/** Clicks through the stand-in's consent page as `account` (or Deny); returns the callback URL it sends the browser to. */
async function consent(started: Started, account: Account | "deny"): Promise<URL> {
  const page = await fetch(started.providerUrl);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("Deny");
  const choice: Record<string, string> =
    account === "deny"
      ? { decision: "deny" }
      : {
          email: account.email,
          name: account.name ?? "OAuth Person",
          email_verified: String(account.verified ?? true),
          ...(account.idTokenFault && { id_token_fault: account.idTokenFault }),
        };
  const fields = new URLSearchParams({ ...Object.fromEntries(started.providerUrl.searchParams), ...choice });
  const res = await fetch(`${started.providerUrl.origin}${started.providerUrl.pathname}`, {
    method: "POST",
    body: fields,
    redirect: "manual",
  });
  expect(res.status).toBe(302);
  return new URL(res.headers.get("Location") ?? "");
}

async function callback(url: URL, cookie: string | undefined, env: TestBindings = bindings, headers = {}) {
  const res = await send(env, `${url.pathname}${url.search}`, {
    headers: { ...(cookie && { Cookie: cookie }), ...headers },
  });
  expect(res.status).toBe(302);
  return { res, location: new URL(res.headers.get("Location") ?? "") };
}

/** A whole sign-in: start, consent, callback. */
async function signInWith(provider: Provider, account: Account, env: TestBindings = bindings) {
  const started = await start(provider, APP, env);
  return callback(await consent(started, account), started.cookie, env);
}

/** The access token the app gets from the refresh cookie the callback set. */
async function accessTokenFrom(res: Response): Promise<string> {
  const refresh = cookieNamed(res, "backline_refresh");
  expect(refresh).toBeDefined();
  const refreshed = await send(bindings, "/api/auth/refresh", {
    method: "POST",
    headers: { Cookie: refresh ?? "", Origin: "https://app.example.com" },
  });
  expect(refreshed.status).toBe(200);
  return ((await refreshed.json()) as { accessToken: string }).accessToken;
}

async function me(accessToken: string) {
  const res = await send(bindings, "/api/me", { headers: bearer(accessToken) });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    id: string;
    email: string;
    emailVerified: boolean;
    displayName: string;
  };
}

function problemType(location: URL): string | null {
  return location.searchParams.get("error");
}

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  const result = await createDb(loadConfig(bindings)).execute(query);
  return result.rows as T[];
}

describe("GET /api/auth/providers", () => {
  it("lists only the providers whose client id and secret are bound", async () => {
    const res = await send(bindings, "/api/auth/providers");
    expect(await res.json()).toEqual({
      providers: [
        { id: "google", name: "Google" },
        { id: "github", name: "GitHub" },
      ],
    });
    // wrangler.toml's dev vars carry the client ids; without the secrets nothing is offered.
    const none = await send(fileEnv("oauth_none", noSecrets), "/api/auth/providers");
    expect(await none.json()).toEqual({ providers: [] });
    const onlyGithub = fileEnv("oauth_gh", { ...oauthBindings, OAUTH_GOOGLE_CLIENT_SECRET: undefined });
    expect(await (await send(onlyGithub, "/api/auth/providers")).json()).toEqual({
      providers: [{ id: "github", name: "GitHub" }],
    });
  });
});

describe("GET /api/auth/oauth/:provider/start", () => {
  it("redirects to the provider with state, PKCE S256 and a nonce, kept in a signed cookie scoped to the callback", async () => {
    const res = await send(bindings, `/api/auth/oauth/google/start?redirect=${encodeURIComponent(APP)}`);
    expect(res.status).toBe(302);
    const url = new URL(res.headers.get("Location") ?? "");
    expect(`${url.origin}${url.pathname}`).toBe(`${oauthBindings.OAUTH_GOOGLE_BASE_URL}/o/oauth2/v2/auth`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: "local-google-client",
      response_type: "code",
      redirect_uri: "http://backline.test/api/auth/oauth/google/callback",
      code_challenge_method: "S256",
      state: expect.stringMatching(/.{20,}/),
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      nonce: expect.stringMatching(/.{20,}/),
    });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("backline_oauth="));
    expect(cookie).toMatch(/Path=\/api\/auth\/oauth\/google\/callback/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/Max-Age=600/);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    // The cookie keeps the verifier; the URL only its challenge.
    expect(cookie).not.toContain(url.searchParams.get("code_challenge") ?? "-");
  });

  it("refuses a redirect off the allowed origins, and a provider that is not offered", async () => {
    const open = await send(
      bindings,
      `/api/auth/oauth/google/start?redirect=${encodeURIComponent("https://evil.test/")}`,
    );
    expect(open.status).toBe(400);
    const body = (await open.json()) as { errors: { path: string }[] };
    expect(body.errors.map((e) => e.path)).toEqual(["redirect"]);
    const notOffered = await send(fileEnv("oauth_off", noSecrets), "/api/auth/oauth/google/start");
    expect(notOffered.status).toBe(404);
    expect(((await notOffered.json()) as { type: string }).type).toBe(
      `${PROBLEM_BASE}oauth-provider-not-offered`,
    );
  });
});

describe("GET /api/auth/oauth/:provider/callback", () => {
  it("creates a verified account on first Google sign-in, sets the refresh cookie, returns with no token in the URL", async () => {
    const email = uniqueEmail("google-new");
    const { res, location } = await signInWith("google", { email, name: "Gina Google" });
    expect(location.toString()).toBe(APP);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(cookieNamed(res, "backline_oauth")).toBe("backline_oauth=");
    const profile = await me(await accessTokenFrom(res));
    expect(profile.email).toBe(email);
    expect(profile).toMatchObject({ emailVerified: true, displayName: "Gina Google" });
    const mails = await mailFor(email);
    expect(mails.map((m) => m.subject)).toEqual(["Welcome to Music Producer Lab"]);
    const [identity] = await rows<{ provider: string; user_id: string }>(
      sql`select provider, user_id from identities where email = ${email}`,
    );
    expect(identity).toEqual({ provider: "google", user_id: profile.id });
  });

  it("signs an existing link in as the same user, in at most 2 Neon and 1 Upstash round trips", async () => {
    const email = uniqueEmail("google-again");
    const first = await me(await accessTokenFrom((await signInWith("google", { email })).res));
    const started = await start("google");
    const back = await consent(started, { email });
    const trace = traceId();
    const { res, location } = await callback(back, started.cookie, bindings, { "X-Request-Id": trace });
    expect(problemType(location)).toBeNull();
    const trips = await roundTrips(trace);
    expect(trips.neon).toBeLessThanOrEqual(2);
    expect(trips.upstash).toBeLessThanOrEqual(1);
    expect((await me(await accessTokenFrom(res))).id).toBe(first.id);
    const [count] = await rows<{ n: number }>(
      sql`select count(*)::int as n from users where email = ${email}`,
    );
    expect(count?.n).toBe(1);
  });

  it("links to the account with the same verified email, audit-logs it and emails the owner", async () => {
    const owner = await signUp(bindings);
    const verify = (await mailFor(owner.email)).find((m) => m.subject.startsWith("Confirm"));
    const verified = await send(bindings, "/api/auth/email/verify", {
      method: "POST",
      json: { token: tokenIn(verify) },
    });
    expect(verified.status).toBeLessThan(300);
    const { res, location } = await signInWith("google", { email: owner.email });
    expect(problemType(location)).toBeNull();
    expect((await me(await accessTokenFrom(res))).id).toBe(owner.userId);
    const notice = (await mailFor(owner.email)).find(
      (m) => m.subject === "Google sign-in was linked to your account",
    );
    expect(notice?.text).toContain(owner.email);
    const audit = await rows<{ action: string; target_id: string }>(
      sql`select action, target_id from audit_logs where actor_id = ${owner.userId} and action = 'auth.identity_linked'`,
    );
    expect(audit).toEqual([
      { action: "auth.identity_linked", target_id: expect.stringMatching(/^google:\d+$/) },
    ]);
  });

  it("refuses a disabled account its linked sign-in", async () => {
    const email = uniqueEmail("disabled");
    const first = await me(await accessTokenFrom((await signInWith("github", { email })).res));
    await rows(sql`update users set disabled_at = now() where id = ${first.id}`);
    const { res, location } = await signInWith("github", { email });
    expect(problemType(location)).toBe(`${PROBLEM_BASE}account-disabled`);
    expect(cookieNamed(res, "backline_refresh")).toBeUndefined();
  });

  it("never links an account whose email is not verified, nor a provider email that is not", async () => {
    const unverifiedOwner = await signUp(bindings);
    const first = await signInWith("google", { email: unverifiedOwner.email, verified: true });
    expect(problemType(first.location)).toBe(`${PROBLEM_BASE}oauth-account-exists`);
    expect(`${first.location.origin}${first.location.pathname}`).toBe(APP);
    expect(cookieNamed(first.res, "backline_refresh")).toBeUndefined();

    const verifiedOwner = await signUp(bindings);
    const verify = (await mailFor(verifiedOwner.email)).find((m) => m.subject.startsWith("Confirm"));
    await send(bindings, "/api/auth/email/verify", { method: "POST", json: { token: tokenIn(verify) } });
    const github = await signInWith("github", { email: verifiedOwner.email, verified: false });
    expect(problemType(github.location)).toBe(`${PROBLEM_BASE}oauth-account-exists`);

    const links = await rows<{ n: number }>(
      sql`select count(*)::int as n from identities where user_id in (${unverifiedOwner.userId}, ${verifiedOwner.userId})`,
    );
    expect(links[0]?.n).toBe(0);
  });

  it("creates a GitHub account from the verified primary email; an unverified one stays unverified", async () => {
    const email = uniqueEmail("gh-new");
    const { res } = await signInWith("github", { email, name: "Octo" });
    const profile = await me(await accessTokenFrom(res));
    expect(profile).toMatchObject({ email, emailVerified: true, displayName: "Octo" });

    const unverified = uniqueEmail("gh-unverified");
    const second = await signInWith("github", { email: unverified, verified: false });
    expect((await me(await accessTokenFrom(second.res))).emailVerified).toBe(false);
    const subjects = (await mailFor(unverified)).map((m) => m.subject).sort();
    expect(subjects).toEqual(["Confirm your email address", "Welcome to Music Producer Lab"]);
  });

  it("refuses a tampered state, a tampered cookie, and a callback with no flow cookie", async () => {
    const started = await start("google");
    const back = await consent(started, { email: uniqueEmail("tamper") });
    const wrongState = new URL(back);
    wrongState.searchParams.set("state", "forged-state");
    expect(problemType((await callback(wrongState, started.cookie)).location)).toBe(
      `${PROBLEM_BASE}oauth-state-mismatch`,
    );

    const again = await start("google");
    const back2 = await consent(again, { email: uniqueEmail("tamper") });
    const forgedCookie = again.cookie.replace(/=(.)/, (_, ch: string) => `=${ch === "A" ? "B" : "A"}`);
    expect(problemType((await callback(back2, forgedCookie)).location)).toBe(
      `${PROBLEM_BASE}oauth-state-mismatch`,
    );

    const noCookie = await callback(back2, undefined);
    expect(problemType(noCookie.location)).toBe(`${PROBLEM_BASE}oauth-flow-expired`);
    // Without a flow the browser goes to the app URL, never to a URL from the query.
    expect(noCookie.location.origin).toBe("https://app.example.com");
  });

  it("refuses a code issued for another flow's PKCE challenge, and a replayed code", async () => {
    const flowA = await start("google");
    const codeForA = (await consent(flowA, { email: uniqueEmail("pkce") })).searchParams.get("code") ?? "";
    const flowB = await start("google");
    const backB = await consent(flowB, { email: uniqueEmail("pkce") });
    const swapped = new URL(backB);
    swapped.searchParams.set("code", codeForA);
    expect(problemType((await callback(swapped, flowB.cookie)).location)).toBe(
      `${PROBLEM_BASE}oauth-code-rejected`,
    );

    const flowC = await start("github");
    const backC = await consent(flowC, { email: uniqueEmail("replay") });
    expect(problemType((await callback(backC, flowC.cookie)).location)).toBeNull();
    const flowD = await start("github");
    const replay = new URL(backC);
    replay.searchParams.set("state", new URL(flowD.providerUrl).searchParams.get("state") ?? "");
    expect(problemType((await callback(replay, flowD.cookie)).location)).toBe(
      `${PROBLEM_BASE}oauth-code-rejected`,
    );
  });

  it.each(["bad-signature", "wrong-issuer", "wrong-audience", "expired", "wrong-nonce"])(
    "refuses a Google ID token with a %s, creating nothing",
    async (fault) => {
      const email = uniqueEmail("id-token");
      const { res, location } = await signInWith("google", { email, idTokenFault: fault });
      expect(problemType(location)).toBe(`${PROBLEM_BASE}oauth-invalid-id-token`);
      expect(cookieNamed(res, "backline_refresh")).toBeUndefined();
      const [count] = await rows<{ n: number }>(
        sql`select count(*)::int as n from users where email = ${email}`,
      );
      expect(count?.n).toBe(0);
    },
  );

  it("works while Redis is down: the provider authenticates, so nothing here needs a throttle", async () => {
    const redisDown = { ...bindings, UPSTASH_REDIS_REST_URL: DEAD_URL };
    const providers = await send(redisDown, "/api/auth/providers");
    expect(providers.status).toBe(200);
    const email = uniqueEmail("google-redis-down");
    const { res, location } = await signInWith("google", { email }, redisDown);
    expect(location.toString()).toBe(APP);
    expect(cookieNamed(res, "backline_refresh")).toBeDefined();
  });

  it("returns a denied consent to the app with oauth-denied", async () => {
    const started = await start("github", "https://app.example.com/settings?tab=account");
    const { location, res } = await callback(await consent(started, "deny"), started.cookie);
    expect(location.pathname).toBe("/settings");
    expect(location.searchParams.get("tab")).toBe("account");
    expect(problemType(location)).toBe(`${PROBLEM_BASE}oauth-denied`);
    expect(cookieNamed(res, "backline_refresh")).toBeUndefined();
  });

  it("returns to the app with oauth-provider-unavailable when the provider is down", async () => {
    const started = await start("google");
    const back = await consent(started, { email: uniqueEmail("down") });
    const providerDown = { ...bindings, OAUTH_GOOGLE_BASE_URL: DEAD_URL };
    const { location } = await callback(back, started.cookie, providerDown);
    expect(problemType(location)).toBe(`${PROBLEM_BASE}oauth-provider-unavailable`);
    expect(`${location.origin}${location.pathname}`).toBe(APP);
  });
});
