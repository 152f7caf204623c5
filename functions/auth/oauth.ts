import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { insertAudit } from "../../db/queries/audit";
import { findOAuthCandidates, insertIdentity, insertOAuthUser } from "../../db/queries/identities";
import { insertOutbox } from "../../db/queries/outbox";
import { insertSession } from "../../db/queries/sessions";
import { createRouter } from "../../shared/app";
import { callbackPath, setFlowCookie, takeFlow } from "../../shared/auth/oauth-flow";
import { oauthProblems } from "../../shared/auth/oauth-problems";
import {
  OAUTH_PROVIDERS,
  type OAuthProvider,
  offeredProvider,
  offeredProviders,
  ProviderClient,
} from "../../shared/auth/oauth-providers";
import { authProblems } from "../../shared/auth/problems";
import { requestMeta } from "../../shared/client-ip";
import { isDatabaseUnavailable, isUniqueViolation } from "../../shared/db-errors";
import { deliverAfterResponse } from "../../shared/email/outbox";
import { queuedEmail } from "../../shared/email/templates";
import type { AppEnv } from "../../shared/env";
import { ApiError, problems, validationError } from "../../shared/errors";
import { jsonContent, problemContent } from "../../shared/openapi";
import { verificationEmail } from "./email-verification";
import { holdForSecondFactor } from "./mfa-pending";
import { setRefreshCookie } from "./refresh-cookie";
import { newRefreshToken } from "./session-tokens";

const PROVIDER_NAMES: Record<OAuthProvider, string> = { google: "Google", github: "GitHub" };

const ProviderParam = z.object({
  provider: z.enum(OAUTH_PROVIDERS).openapi({ param: { name: "provider", in: "path" }, example: "google" }),
});

const listProviders = createRoute({
  method: "get",
  path: "/providers",
  tags: ["Auth"],
  summary: "Lists the sign-in providers this deployment offers",
  responses: {
    200: jsonContent(
      z.object({ providers: z.array(z.object({ id: z.enum(OAUTH_PROVIDERS), name: z.string() })) }),
      "The providers whose keys are configured",
    ),
  },
});

const start = createRoute({
  method: "get",
  path: "/oauth/{provider}/start",
  tags: ["Auth"],
  summary: "Starts signing in with a provider (browser navigation)",
  description:
    "Redirects to the provider with `state`, a PKCE S256 challenge and (Google) a `nonce`, kept in a short-lived signed HttpOnly cookie sent only to the callback. `redirect` is where the browser returns: an URL on an allowed origin (default: the app URL).",
  request: {
    params: ProviderParam,
    query: z.object({ redirect: z.string().optional() }),
  },
  responses: {
    302: { description: "To the provider's consent page" },
    400: problemContent("`redirect` is not on an allowed origin"),
    404: problemContent("This provider is not offered"),
  },
});

const callback = createRoute({
  method: "get",
  path: "/oauth/{provider}/callback",
  tags: ["Auth"],
  summary: "Where the provider returns the browser",
  description:
    "Signs in (an existing link, or a user with the same verified email, whose identity is then linked, or a new account), sets the refresh cookie and redirects to the flow's `redirect` with no token in the URL: the app then calls /api/auth/refresh. On failure it redirects there with `error=<problem type>`.",
  request: {
    params: ProviderParam,
    query: z.object({
      code: z.string().optional(),
      state: z.string().optional(),
      error: z.string().optional(),
    }),
  },
  responses: { 302: { description: "Back to the app, signed in or with `error`" } },
});

export const oauthRoutes = createRouter()
  .openapi(listProviders, (c) => {
    const providers = offeredProviders(c.get("config")).map((id) => ({ id, name: PROVIDER_NAMES[id] }));
    return c.json({ providers }, 200);
  })
  .openapi(start, async (c) => {
    const { provider: name } = c.req.valid("param");
    const provider = offeredProvider(c.get("config"), name);
    if (!provider) throw oauthProblems.providerNotOffered();
    const redirect = allowedRedirect(c, c.req.valid("query").redirect);
    const { flow, url } = new ProviderClient(provider, c.get("config"), callbackUrl(c, provider)).start(
      redirect,
    );
    await setFlowCookie(c, provider, flow);
    c.header("Cache-Control", "no-store");
    return c.redirect(url.toString(), 302);
  })
  .openapi(callback, async (c) => {
    const { provider: name } = c.req.valid("param");
    const query = c.req.valid("query");
    const flow = await takeFlow(c, name);
    // The answer sets cookies for this browser only: no cache may keep it.
    c.header("Cache-Control", "no-store");
    const back = typeof flow === "object" ? flow.redirect : c.get("config").APP_URL;
    try {
      const provider = offeredProvider(c.get("config"), name);
      if (!provider) throw oauthProblems.providerNotOffered();
      if (query.error) throw providerError(query.error);
      if (flow === "missing") throw oauthProblems.flowExpired();
      if (flow === "tampered" || !query.state || query.state !== flow.state)
        throw oauthProblems.stateMismatch();
      if (!query.code) throw oauthProblems.codeRejected();
      const client = new ProviderClient(provider, c.get("config"), callbackUrl(c, provider));
      const account = await client.account(query.code, flow);
      await signInWithAccount(c, account);
      return c.redirect(flow.redirect, 302);
    } catch (error) {
      return c.redirect(withProblem(back, problemOf(error)), 302);
    }
  });

/** The account a provider vouched for, as the callback read it. */
type VouchedAccount = Awaited<ReturnType<ProviderClient["account"]>>;

/**
 * Signs the provider's account in, in two Neon round trips (one read, one batch): its linked
 * user; else the user with the same email when both sides verified it (the identity is linked,
 * audit-logged, and the owner told by email); else a new account. Sets the refresh cookie.
 */
async function signInWithAccount(c: Context<AppEnv>, account: VouchedAccount): Promise<void> {
  const db = c.get("db");
  const candidates = await findOAuthCandidates(db, account);
  const linked = candidates.find((u) => u.linked);
  const sameEmail = candidates.find((u) => !u.linked && u.email === account.email);
  await holdForSecondFactor(c, candidates, account);
  const sessionId = crypto.randomUUID();
  const refreshToken = await newRefreshToken(c.get("config"), sessionId);
  const newSession: NewSession = (userId) =>
    sessionStatements(c, account, userId, sessionId, refreshToken.hash);
  let outboxIds: string[] = [];
  if (linked) {
    if (linked.disabledAt) throw authProblems.accountDisabled();
    await db.batch([...newSession(linked.id)]);
  } else if (sameEmail) {
    // Linking hands the account to whoever holds the provider account: only when both the
    // provider and this account proved the address. Otherwise the owner signs in and links.
    if (!account.emailVerified || !sameEmail.emailVerifiedAt) throw oauthProblems.accountExists();
    if (sameEmail.disabledAt) throw authProblems.accountDisabled();
    outboxIds = await linkAndSignIn(c, account, sameEmail, newSession);
  } else {
    outboxIds = await createAccount(c, account, newSession);
  }
  deliverAfterResponse(c, outboxIds);
  setRefreshCookie(c, refreshToken.token);
}

type NewSession = (userId: string) => ReturnType<typeof sessionStatements>;

/** The session row and its audit entry, for the batch that signs the user in. */
function sessionStatements(
  c: Context<AppEnv>,
  account: VouchedAccount,
  userId: string,
  sessionId: string,
  refreshHash: string,
) {
  const db = c.get("db");
  const meta = requestMeta(c);
  return [
    insertSession(db, { id: sessionId, userId, refreshHash, method: account.provider, ...meta }),
    insertAudit(db, {
      actorId: userId,
      action: "auth.signin",
      targetType: "session",
      targetId: sessionId,
      metadata: { method: account.provider },
      ...meta,
    }),
  ] as const;
}

/** Links the provider account to the user with its verified email and signs in, in one batch; returns the notice's outbox id. */
async function linkAndSignIn(
  c: Context<AppEnv>,
  account: VouchedAccount,
  owner: { id: string; email: string; displayName: string },
  newSession: NewSession,
): Promise<string[]> {
  const db = c.get("db");
  const noticeId = crypto.randomUUID();
  const notice = queuedEmail({
    template: "identity-linked",
    displayName: owner.displayName,
    provider: PROVIDER_NAMES[account.provider],
    providerEmail: account.email ?? "",
  });
  try {
    await db.batch([
      insertIdentity(db, owner.id, account),
      insertAudit(db, {
        actorId: owner.id,
        action: "auth.identity_linked",
        targetType: "identity",
        targetId: `${account.provider}:${account.providerUserId}`,
        metadata: { provider: account.provider, reason: "verified_email_match" },
        ...requestMeta(c),
      }),
      insertOutbox(db, { id: noticeId, userId: owner.id, to: owner.email, email: notice }),
      ...newSession(owner.id),
    ]);
  } catch (error) {
    // A concurrent callback for the same provider account linked it a moment ago.
    if (isUniqueViolation(error)) throw oauthProblems.accountExists();
    throw error;
  }
  return [noticeId];
}

/** A new account for a provider account nobody holds yet, in one batch; returns the emails it queued. */
async function createAccount(
  c: Context<AppEnv>,
  account: VouchedAccount,
  newSession: NewSession,
): Promise<string[]> {
  if (!account.email) throw oauthProblems.noEmail();
  const db = c.get("db");
  const userId = crypto.randomUUID();
  const profile = { id: userId, email: account.email, displayName: displayNameOf(account) };
  const welcomeId = crypto.randomUUID();
  const welcome = queuedEmail({ template: "welcome", displayName: profile.displayName });
  const verification = account.emailVerified ? undefined : verificationEmail(db, profile);
  try {
    await db.batch([
      insertOAuthUser(db, { ...profile, emailVerified: account.emailVerified }),
      insertIdentity(db, userId, account),
      insertAudit(db, {
        actorId: userId,
        action: "user.signup",
        targetType: "user",
        targetId: userId,
        metadata: { method: account.provider, identity: `${account.provider}:${account.providerUserId}` },
        ...requestMeta(c),
      }),
      insertOutbox(db, { id: welcomeId, userId, to: profile.email, email: welcome }),
      ...(verification?.statements ?? []),
      ...newSession(userId),
    ]);
  } catch (error) {
    // Another sign-in took the address or linked this provider account a moment ago.
    if (isUniqueViolation(error)) throw oauthProblems.accountExists();
    throw error;
  }
  return verification ? [welcomeId, verification.outboxId] : [welcomeId];
}

/** The provider's name for the person, fitted to a display name (1 to 80 characters). */
function displayNameOf(account: VouchedAccount): string {
  const name = account.name?.trim() || account.email?.split("@")[0] || "New user";
  return name.slice(0, 80);
}

/** Our callback URL for a provider, as registered with it. */
function callbackUrl(c: Context<AppEnv>, provider: OAuthProvider): string {
  return new URL(callbackPath(provider), c.req.url).toString();
}

/**
 * Where the browser may be sent back: an URL on an allowed origin or the app's (an open
 * redirect would hand the signed-in browser to anyone). Default: the app URL.
 */
function allowedRedirect(c: Context<AppEnv>, redirect: string | undefined): string {
  const config = c.get("config");
  if (redirect === undefined) return config.APP_URL;
  const allowed = [...config.ALLOWED_ORIGINS, new URL(config.APP_URL).origin];
  if (URL.canParse(redirect)) {
    const url = new URL(redirect);
    if (allowed.includes(url.origin)) return url.toString();
  }
  throw validationError([{ path: "redirect", message: "must be an URL on an allowed origin" }]);
}

/** The error a provider sent the browser back with (RFC 6749 §4.1.2.1). */
function providerError(code: string): ApiError {
  if (code === "access_denied") return oauthProblems.denied();
  if (code === "temporarily_unavailable" || code === "server_error")
    return oauthProblems.providerUnavailable();
  return oauthProblems.codeRejected();
}

/** The problem a failed callback reports; anything unexpected is logged and reported as a server error. */
function problemOf(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isDatabaseUnavailable(error)) return problems.unavailable();
  console.error(
    JSON.stringify({
      level: "error",
      msg: "oauth callback failed",
      error: error instanceof Error ? error.name : typeof error,
    }),
  );
  return problems.internal();
}

/** `url` with `error=<problem type>` added. */
function withProblem(url: string, problem: ApiError): string {
  const target = new URL(url);
  target.searchParams.set("error", problem.type);
  return target.toString();
}
