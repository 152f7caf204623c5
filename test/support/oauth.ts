import { expect } from "vitest";
import { bearer } from "./accounts";
import { send, type TestBindings, testEnv } from "./harness";

export type Provider = "google" | "github";

/** The OAuth bindings `npm run dev` gives the worker: the dev/ stand-ins and their local clients. */
export const oauthBindings = {
  OAUTH_GOOGLE_CLIENT_ID: "local-google-client",
  OAUTH_GOOGLE_CLIENT_SECRET: "local-google-secret",
  OAUTH_GITHUB_CLIENT_ID: "local-github-client",
  OAUTH_GITHUB_CLIENT_SECRET: "local-github-secret",
  OAUTH_GOOGLE_BASE_URL: `${testEnv.STACK_URL}/oauth/google`,
  OAUTH_GITHUB_BASE_URL: `${testEnv.STACK_URL}/oauth/github`,
};

/** Where the tests' browser returns after signing in. */
export const APP = "https://app.example.com/after-sign-in";

/** A test user picked on the stand-in's consent page. */
export interface ProviderAccount {
  email: string;
  name?: string;
  verified?: boolean;
  /** Tests only: what the Google stand-in gets wrong in the ID token (dev/oauth/google.ts). */
  idTokenFault?: string;
}

/** A started flow: the provider URL the browser is sent to and the flow cookie it got. */
export interface Started {
  providerUrl: URL;
  cookie: string;
}

export function cookieNamed(res: Response, name: string): string | undefined {
  return res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(";")[0];
}

/** GET …/start, as a browser navigating to it. */
export async function start(env: TestBindings, provider: Provider, redirect = APP): Promise<Started> {
  const res = await send(env, `/api/auth/oauth/${provider}/start?redirect=${encodeURIComponent(redirect)}`);
  expect(res.status).toBe(302);
  const cookie = cookieNamed(res, "backline_oauth");
  if (!cookie) throw new Error("start set no flow cookie");
  return { providerUrl: new URL(res.headers.get("Location") ?? ""), cookie };
}

/** POST /api/me/identities/:provider, as the signed-in app does before navigating to `url`. */
export async function startLink(
  env: TestBindings,
  accessToken: string,
  provider: Provider,
  redirect = APP,
): Promise<Started> {
  const res = await send(env, `/api/me/identities/${provider}`, {
    method: "POST",
    headers: bearer(accessToken),
    json: { redirect },
  });
  expect(res.status).toBe(200);
  const cookie = cookieNamed(res, "backline_oauth");
  if (!cookie) throw new Error("linking set no flow cookie");
  return { providerUrl: new URL(((await res.json()) as { url: string }).url), cookie };
}

/** Clicks through the stand-in's consent page as `account` (or Deny); returns the callback URL it sends the browser to. */
export async function consent(started: Started, account: ProviderAccount | "deny"): Promise<URL> {
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

/** The provider sends the browser back: GET …/callback with the flow cookie. */
export async function callback(
  env: TestBindings,
  url: URL,
  cookie: string | undefined,
  headers: Record<string, string> = {},
) {
  const res = await send(env, `${url.pathname}${url.search}`, {
    headers: { ...(cookie && { Cookie: cookie }), ...headers },
  });
  expect(res.status).toBe(302);
  return { res, location: new URL(res.headers.get("Location") ?? "") };
}

/** A whole sign-in: start, consent, callback. */
export async function signInWith(env: TestBindings, provider: Provider, account: ProviderAccount) {
  const started = await start(env, provider);
  return callback(env, await consent(started, account), started.cookie);
}

/** The access token the app gets from the refresh cookie the callback set. */
export async function accessTokenFrom(env: TestBindings, res: Response): Promise<string> {
  const refresh = cookieNamed(res, "backline_refresh");
  expect(refresh).toBeDefined();
  const refreshed = await send(env, "/api/auth/refresh", {
    method: "POST",
    headers: { Cookie: refresh ?? "", Origin: "https://app.example.com" },
  });
  expect(refreshed.status).toBe(200);
  return ((await refreshed.json()) as { accessToken: string }).accessToken;
}

/** The problem type a callback sent the browser back with, or null. */
export function problemType(location: URL): string | null {
  return location.searchParams.get("error");
}
