import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import type { AppEnv } from "../env";
import { validationError } from "../errors";

/** What a sign-in keeps between start and callback: never sent to the provider except as hashes/echoes. */
export interface OAuthFlow {
  state: string;
  codeVerifier: string;
  /** OpenID Connect providers only. */
  nonce?: string;
  /** The allowed app URL the browser returns to. */
  redirect: string;
  /** Unix seconds after which the callback refuses the flow. */
  expiresAt: number;
  /** Set when a signed-in user links this provider: the callback links instead of signing in. */
  link?: { userId: string; sessionId: string };
}

const FLOW_COOKIE = "backline_oauth";
/** Long enough to pick an account and consent; short enough that a stolen cookie is soon useless. */
export const FLOW_TTL_SECONDS = 600;

/** The callback path of a provider, the only path the flow cookie is sent to. */
export function callbackPath(provider: string): string {
  return `/api/auth/oauth/${provider}/callback`;
}

/** The HMAC key of flow cookies: the JWT secret, domain-separated. */
function cookieSecret<E extends AppEnv>(c: Context<E>): string {
  return `backline oauth flow:${c.get("config").JWT_SECRET}`;
}

/**
 * Lax: the provider sends the browser back with a top-level GET, which Lax cookies follow. A
 * deployment whose app is on another site (refresh cookie SameSite=None) gets None: a link flow
 * is started by the app's fetch, and browsers drop a Lax cookie set by a cross-site response.
 */
function flowSameSite<E extends AppEnv>(c: Context<E>): "Lax" | "None" {
  return c.get("config").REFRESH_COOKIE_SAMESITE === "None" ? "None" : "Lax";
}

/** Keeps the flow in a signed, HttpOnly cookie scoped to the provider's callback. */
export async function setFlowCookie<E extends AppEnv>(c: Context<E>, provider: string, flow: OAuthFlow) {
  const value = btoa(JSON.stringify(flow));
  await setSignedCookie(c, FLOW_COOKIE, value, cookieSecret(c), {
    httpOnly: true,
    secure: true,
    sameSite: flowSameSite(c),
    path: callbackPath(provider),
    maxAge: FLOW_TTL_SECONDS,
  });
}

/**
 * The flow of this callback, and clears its cookie (a flow is used once): `missing` when there is
 * none or it expired, `tampered` when its signature does not check.
 */
export async function takeFlow<E extends AppEnv>(
  c: Context<E>,
  provider: string,
): Promise<OAuthFlow | "missing" | "tampered"> {
  const value = await getSignedCookie(c, cookieSecret(c), FLOW_COOKIE);
  deleteCookie(c, FLOW_COOKIE, { path: callbackPath(provider), secure: true, sameSite: flowSameSite(c) });
  if (value === undefined) return "missing";
  if (value === false) return "tampered";
  let flow: OAuthFlow;
  try {
    flow = JSON.parse(atob(value)) as OAuthFlow;
  } catch {
    return "tampered";
  }
  return flow.expiresAt < Math.floor(Date.now() / 1000) ? "missing" : flow;
}

/** Our callback URL for a provider, as registered with it. */
export function callbackUrl<E extends AppEnv>(c: Context<E>, provider: string): string {
  return new URL(callbackPath(provider), c.req.url).toString();
}

/**
 * Where the browser may be sent back: an URL on an allowed origin or the app's (an open
 * redirect would hand the signed-in browser to anyone). Default: the app URL.
 */
export function allowedRedirect<E extends AppEnv>(c: Context<E>, redirect: string | undefined): string {
  const config = c.get("config");
  if (redirect === undefined) return config.APP_URL;
  const allowed = [...config.ALLOWED_ORIGINS, new URL(config.APP_URL).origin];
  if (URL.canParse(redirect)) {
    const url = new URL(redirect);
    if (allowed.includes(url.origin)) return url.toString();
  }
  throw validationError([{ path: "redirect", message: "must be an URL on an allowed origin" }]);
}
