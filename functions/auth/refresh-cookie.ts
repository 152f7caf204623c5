import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { SESSION_MAX_AGE_DAYS } from "../../db/queries/sessions";
import { authProblems } from "../../shared/auth/problems";
import type { AppEnv } from "../../shared/env";
import { validationError } from "../../shared/errors";

/** The refresh cookie: HttpOnly, Secure, only sent to /api/auth. */
export const REFRESH_COOKIE = "backline_refresh";
const COOKIE_PATH = "/api/auth";

function sameSite<E extends AppEnv>(c: Context<E>): "Lax" | "None" | "Strict" {
  return c.get("config").REFRESH_COOKIE_SAMESITE;
}

/** Sets the refresh cookie for a new or rotated refresh token. */
export function setRefreshCookie<E extends AppEnv>(c: Context<E>, token: string): void {
  setCookie(c, REFRESH_COOKIE, token, {
    httpOnly: true,
    secure: true,
    path: COOKIE_PATH,
    sameSite: sameSite(c),
    maxAge: SESSION_MAX_AGE_DAYS * 86_400,
  });
}

export function clearRefreshCookie<E extends AppEnv>(c: Context<E>): void {
  deleteCookie(c, REFRESH_COOKIE, { path: COOKIE_PATH, secure: true, sameSite: sameSite(c) });
}

/**
 * The refresh token of this request: from the body (non-browser clients) or the cookie.
 * Cookie-authenticated requests must come from an allowed Origin (CSRF).
 */
export function presentedRefreshToken<E extends AppEnv>(
  c: Context<E>,
  fromBody: string | undefined,
): string | undefined {
  if (fromBody) return fromBody;
  const cookie = getCookie(c, REFRESH_COOKIE);
  if (!cookie) return undefined;
  const origin = c.req.header("Origin");
  if (!origin || !c.get("config").ALLOWED_ORIGINS.includes(origin)) {
    throw authProblems.originNotAllowed("Cookie-authenticated requests must come from an allowed Origin.");
  }
  return cookie;
}

/** Splits `<sessionId>.<secret>`; undefined when malformed. */
export function parseRefreshToken(token: string): { sessionId: string; secret: string } | undefined {
  const match = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(token);
  return match ? { sessionId: match[1] as string, secret: match[2] as string } : undefined;
}

/**
 * Refuses `returnRefreshToken` from a browser (a request with a cookie or an `Origin`
 * header): there the refresh token lives only in the HttpOnly cookie, out of scripts' reach.
 */
export function assertNoBodyTokenForBrowser<E extends AppEnv>(
  c: Context<E>,
  returnRefreshToken?: boolean,
): void {
  if (!returnRefreshToken) return;
  if (c.req.header("Cookie") === undefined && c.req.header("Origin") === undefined) return;
  throw validationError([
    {
      path: "returnRefreshToken",
      message: "is only for non-browser clients; a browser keeps the refresh token in its cookie",
    },
  ]);
}
