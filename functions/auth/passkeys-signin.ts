import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { insertAudit } from "../../db/queries/audit";
import { findPasskeyForSignin, recordPasskeyUse } from "../../db/queries/passkeys";
import { insertSession } from "../../db/queries/sessions";
import { createRouter } from "../../shared/app";
import { passkeyProblems } from "../../shared/auth/passkey-problems";
import { type Budget, refundPasswordAttempt, withPasswordAttempt } from "../../shared/auth/password-guard";
import { authProblems } from "../../shared/auth/problems";
import {
  type AuthenticationResponse,
  challengeOf,
  verifyAssertion,
  WebAuthnError,
} from "../../shared/auth/webauthn";
import { issueChallenge, takeChallenge } from "../../shared/auth/webauthn-challenge";
import { expectedFor, requestOptions, userHandleOf } from "../../shared/auth/webauthn-options";
import { requestMeta } from "../../shared/client-ip";
import type { AppEnv } from "../../shared/env";
import { jsonBody, jsonContent, problemContent } from "../../shared/openapi";
import { PasskeySigninBody, RequestOptions } from "./passkeys-schemas";
import { assertNoBodyTokenForBrowser } from "./refresh-cookie";
import { AuthResponse } from "./schemas";
import { newRefreshToken, signedInBody } from "./session-tokens";
import { signinBudgetsFor } from "./throttle";

const signinOptions = createRoute({
  method: "post",
  path: "/options",
  tags: ["Auth"],
  summary: "Starts a passwordless sign-in with a passkey",
  description:
    "Options for navigator.credentials.get() with no allowCredentials: the browser offers this site's passkeys. The challenge works once, for 5 minutes.",
  responses: {
    200: jsonContent(RequestOptions, "PublicKeyCredentialRequestOptionsJSON"),
    503: problemContent("Passkeys are unavailable (Redis is down); retry after Retry-After"),
  },
});

const signin = createRoute({
  method: "post",
  path: "/",
  tags: ["Auth"],
  summary: "Signs in with a passkey",
  description:
    "Takes what navigator.credentials.get() resolved to (AuthenticationResponseJSON). Answers like password sign-in, never with mfaRequired: a passkey with user verification is itself two factors. Failures count in the per-IP sign-in budget.",
  request: { body: jsonBody(PasskeySigninBody) },
  responses: {
    200: jsonContent(AuthResponse, "Signed in; the refresh token is in the cookie"),
    401: problemContent("The passkey is unknown, its challenge is used or expired, or it does not verify"),
    403: problemContent("The account is disabled"),
    429: problemContent("Too many failed sign-ins from this address"),
    503: problemContent("Passkeys are unavailable (Redis is down); retry after Retry-After"),
  },
});

/** The per-IP sign-in budget (the same bucket password sign-in fails into). */
function ipBudget(c: Context<AppEnv>): Budget[] {
  return signinBudgetsFor(c, "").filter((b) => b.policy.name === "signin-ip");
}

/** Why an assertion was refused, for the audit log. */
type Refusal = { reason: string; userId?: string };

/**
 * Checks a passwordless assertion: its challenge (taken for good), the credential it names,
 * the user handle, then the signature and counter. The found credential, or why not.
 */
async function checkAssertion(c: Context<AppEnv>, response: AuthenticationResponse) {
  let challenge: string;
  try {
    challenge = challengeOf(response.response.clientDataJSON);
  } catch {
    return { reason: "malformed" } satisfies Refusal;
  }
  const [record, found] = await Promise.all([
    takeChallenge(c.get("redis"), challenge, "signin"),
    findPasskeyForSignin(c.get("db"), response.rawId),
  ]);
  if (!record) return { reason: "challenge" } satisfies Refusal;
  if (!found) return { reason: "unknown_credential" } satisfies Refusal;
  const refused = (reason: string): Refusal => ({ reason, userId: found.user.id });
  const handle = response.response.userHandle;
  if (handle !== undefined && handle !== userHandleOf(found.user.id)) return refused("user_handle");
  try {
    const { signCount } = await verifyAssertion(response, expectedFor(c.get("config"), challenge), found);
    return { ...found, signCount };
  } catch (error) {
    if (error instanceof WebAuthnError) return refused(`${error.path} ${error.message}`);
    throw error;
  }
}

/** Passwordless sign-in with a discoverable passkey. */
export const passkeySigninRoutes = createRouter()
  .openapi(signinOptions, async (c) => {
    const challenge = await issueChallenge(c.get("redis"), { kind: "signin" });
    c.header("Cache-Control", "no-store");
    return c.json(requestOptions(c.get("config"), challenge), 200);
  })
  .openapi(signin, async (c) => {
    const { response, returnRefreshToken } = c.req.valid("json");
    assertNoBodyTokenForBrowser(c, returnRefreshToken);
    const db = c.get("db");
    const meta = requestMeta(c);
    const budgets = ipBudget(c);
    const checked = await withPasswordAttempt(
      c,
      budgets,
      async () => undefined,
      () => checkAssertion(c, response),
    );
    if ("reason" in checked) {
      await insertAudit(db, {
        actorId: checked.userId ?? null,
        action: "auth.passkey_signin_failed",
        targetType: "user",
        targetId: checked.userId,
        metadata: { reason: checked.reason },
        ...meta,
      });
      throw passkeyProblems.signinFailed();
    }
    const { user } = checked;
    if (user.disabledAt) {
      await insertAudit(db, { actorId: user.id, action: "auth.signin_refused_disabled", ...meta });
      throw authProblems.accountDisabled();
    }
    const sessionId = crypto.randomUUID();
    const refreshToken = await newRefreshToken(c.get("config"), sessionId);
    await Promise.all([
      db.batch([
        recordPasskeyUse(db, checked.passkeyId, checked.signCount),
        insertSession(db, {
          id: sessionId,
          userId: user.id,
          refreshHash: refreshToken.hash,
          method: "passkey",
          ...meta,
        }),
        insertAudit(db, {
          actorId: user.id,
          action: "auth.signin",
          targetType: "session",
          targetId: sessionId,
          metadata: { method: "passkey", passkeyId: checked.passkeyId },
          ...meta,
        }),
      ]),
      refundPasswordAttempt(c, budgets),
    ]);
    return c.json(await signedInBody(c, user, sessionId, refreshToken.token, returnRefreshToken), 200);
  });
