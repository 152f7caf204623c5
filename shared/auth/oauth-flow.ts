import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import type { AppEnv } from "../env";

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

/** Keeps the flow in a signed, HttpOnly cookie scoped to the provider's callback. */
export async function setFlowCookie<E extends AppEnv>(c: Context<E>, provider: string, flow: OAuthFlow) {
  const value = btoa(JSON.stringify(flow));
  await setSignedCookie(c, FLOW_COOKIE, value, cookieSecret(c), {
    httpOnly: true,
    secure: true,
    // Lax: the provider sends the browser back with a top-level GET, which Lax cookies follow.
    sameSite: "Lax",
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
  deleteCookie(c, FLOW_COOKIE, { path: callbackPath(provider), secure: true, sameSite: "Lax" });
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
