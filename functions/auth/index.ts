import { createRoute, z } from "@hono/zod-openapi";
import { insertAudit } from "../../db/queries/audit";
import { insertServerEvent } from "../../db/queries/events";
import { insertOutbox } from "../../db/queries/outbox";
import {
  insertSession,
  listLiveSessions,
  revokeSessions,
  rotateRefreshToken,
} from "../../db/queries/sessions";
import { insertUser, updatePasswordHash } from "../../db/queries/users";
import { createRouter, mounted } from "../../shared/app";
import { whenRedisIdle } from "../../shared/auth/hash-gate";
import { authProblems } from "../../shared/auth/problems";
import { markSessionsRevoked } from "../../shared/auth/revocation";
import { requestMeta } from "../../shared/client-ip";
import { hashPassword, sha256 } from "../../shared/crypto";
import { isUniqueViolation } from "../../shared/db-errors";
import { deliverAfterResponse } from "../../shared/email/outbox";
import { queuedEmail } from "../../shared/email/templates";
import { problems } from "../../shared/errors";
import { assertLiveSession, requireAuth } from "../../shared/middleware/auth";
import { jsonBody, jsonContent, problemContent } from "../../shared/openapi";
import { RefreshBody, SessionIdParam, SigninBody, SignupBody } from "../../shared/schemas/auth";
import { emailVerificationRoutes, verificationEmail } from "./email-verification";
import { mfaChallengeResponse, mfaRoutes } from "./mfa";
import { SigninResponse } from "./mfa-schemas";
import { oauthRoutes } from "./oauth";
import { passkeyRoutes } from "./passkeys";
import { passwordRoutes } from "./password";
import {
  assertNoBodyTokenForBrowser,
  clearRefreshCookie,
  parseRefreshToken,
  presentedRefreshToken,
  setRefreshCookie,
} from "./refresh-cookie";
import { AuthResponse, SessionSchema, TokenResponse } from "./schemas";
import { newRefreshToken, signedInBody, tokenResponse, wasIssuedFor } from "./session-tokens";
import { attemptSignin, refundSigninAttempt } from "./throttle";

const signup = createRoute({
  method: "post",
  path: "/signup",
  tags: ["Auth"],
  summary: "Creates an account and signs it in",
  request: { body: jsonBody(SignupBody) },
  responses: {
    201: jsonContent(AuthResponse, "Signed up; the refresh token is in the cookie"),
    400: problemContent("Invalid email, password or display name"),
    409: problemContent("The email is taken"),
  },
});

const signin = createRoute({
  method: "post",
  path: "/signin",
  tags: ["Auth"],
  summary: "Signs in with email and password",
  request: { body: jsonBody(SigninBody) },
  responses: {
    200: jsonContent(
      SigninResponse,
      "Signed in (the refresh token is in the cookie), or, when a second factor is on, a challenge for POST /api/auth/mfa/challenge",
    ),
    401: problemContent("Email or password is incorrect"),
    403: problemContent("The account is disabled"),
    429: problemContent("Too many failed attempts"),
  },
});

const refresh = createRoute({
  method: "post",
  path: "/refresh",
  tags: ["Auth"],
  summary: "Rotates the refresh token and returns a new access token",
  description:
    "Takes the refresh token from its HttpOnly cookie, or from the body for non-browser clients. Each token is single use; a rotated token presented again after a short grace window revokes the session.",
  request: { body: jsonBody(RefreshBody, false) },
  responses: {
    200: jsonContent(TokenResponse, "A new access token"),
    401: problemContent("The refresh token is invalid, expired or was reused"),
    403: problemContent("Cookie sent from an origin that is not allowed"),
  },
});

const signout = createRoute({
  method: "post",
  path: "/signout",
  tags: ["Auth"],
  summary: "Ends this session",
  request: { body: jsonBody(RefreshBody, false) },
  responses: { 204: { description: "Signed out" } },
});

const signoutAll = createRoute({
  method: "post",
  path: "/signout-all",
  tags: ["Auth"],
  summary: "Ends every session of the signed-in user",
  security: [{ bearer: [] }],
  middleware: [requireAuth()] as const,
  responses: { 204: { description: "Every session ended" }, 401: problemContent("Not signed in") },
});

const listSessions = createRoute({
  method: "get",
  path: "/sessions",
  tags: ["Auth"],
  summary: "Lists the signed-in user's live sessions",
  security: [{ bearer: [] }],
  middleware: [requireAuth()] as const,
  responses: {
    200: jsonContent(
      z.object({ sessions: z.array(SessionSchema) }),
      "Live sessions, most recently used first",
    ),
    401: problemContent("Not signed in"),
  },
});

const deleteSession = createRoute({
  method: "delete",
  path: "/sessions/{id}",
  tags: ["Auth"],
  summary: "Ends one of the signed-in user's sessions",
  security: [{ bearer: [] }],
  middleware: [requireAuth()] as const,
  request: { params: SessionIdParam },
  responses: { 204: { description: "Session ended" }, 404: problemContent("No such live session") },
});

export const authRoutes = createRouter()
  .openapi(signup, async (c) => {
    const body = c.req.valid("json");
    assertNoBodyTokenForBrowser(c, body.returnRefreshToken);
    const db = c.get("db");
    const meta = requestMeta(c);
    const userId = crypto.randomUUID();
    const sessionId = crypto.randomUUID();
    const [passwordHash, refreshToken] = await Promise.all([
      whenRedisIdle(() => hashPassword(body.password, c.get("config").PASSWORD_HASH_COST)),
      newRefreshToken(c.get("config"), sessionId),
    ]);
    const account = { id: userId, email: body.email, displayName: body.displayName };
    const welcomeId = crypto.randomUUID();
    const verification = verificationEmail(db, account);
    const welcome = queuedEmail({ template: "welcome", displayName: account.displayName });
    let created: Awaited<ReturnType<typeof insertUser>>;
    try {
      [created] = await db.batch([
        insertUser(db, { ...account, passwordHash }),
        insertSession(db, { id: sessionId, userId, refreshHash: refreshToken.hash, ...meta }),
        insertAudit(db, {
          actorId: userId,
          action: "user.signup",
          targetType: "user",
          targetId: userId,
          ...meta,
        }),
        insertOutbox(db, { id: welcomeId, userId, to: account.email, email: welcome }),
        insertServerEvent(db, { name: "sign_up", userId }),
        ...verification.statements,
      ]);
    } catch (error) {
      if (isUniqueViolation(error, "users_email_unique")) throw authProblems.emailTaken();
      throw error;
    }
    const user = created[0];
    if (!user) throw new Error("signup inserted no user");
    deliverAfterResponse(c, [welcomeId, verification.outboxId]);
    c.header("Location", "/api/me");
    return c.json(await signedInBody(c, user, sessionId, refreshToken.token, body.returnRefreshToken), 201);
  })
  .openapi(signin, async (c) => {
    const { email, password, returnRefreshToken } = c.req.valid("json");
    assertNoBodyTokenForBrowser(c, returnRefreshToken);
    const db = c.get("db");
    const meta = requestMeta(c);
    const { user, check } = await attemptSignin(c, email, password);
    if (!user || !check.valid) {
      await insertAudit(db, {
        actorId: user?.id ?? null,
        action: "auth.signin_failed",
        targetType: "user",
        targetId: user?.id,
        metadata: { reason: user ? "wrong_password" : "unknown_email" },
        ...meta,
      });
      throw authProblems.invalidCredentials();
    }
    if (user.disabledAt) {
      await insertAudit(db, { actorId: user.id, action: "auth.signin_refused_disabled", ...meta });
      throw authProblems.accountDisabled();
    }
    const rehash = check.needsRehash
      ? await whenRedisIdle(() => hashPassword(password, c.get("config").PASSWORD_HASH_COST))
      : undefined;
    if (user.mfaEnabled) {
      const [answer] = await Promise.all([
        mfaChallengeResponse(c, user, rehash),
        refundSigninAttempt(c, email),
      ]);
      return c.json(answer, 200);
    }
    const sessionId = crypto.randomUUID();
    const refreshToken = await newRefreshToken(c.get("config"), sessionId);
    await Promise.all([
      db.batch([
        insertSession(db, { id: sessionId, userId: user.id, refreshHash: refreshToken.hash, ...meta }),
        insertAudit(db, {
          actorId: user.id,
          action: "auth.signin",
          targetType: "session",
          targetId: sessionId,
          ...meta,
        }),
        ...(rehash ? [updatePasswordHash(db, user.id, rehash)] : []),
      ]),
      refundSigninAttempt(c, email),
    ]);
    return c.json(await signedInBody(c, user, sessionId, refreshToken.token, returnRefreshToken), 200);
  })
  .openapi(refresh, async (c) => {
    const body = c.req.valid("json") ?? {};
    assertNoBodyTokenForBrowser(c, body.returnRefreshToken);
    const presented = presentedRefreshToken(c, body.refreshToken);
    const parsed = presented ? parseRefreshToken(presented) : undefined;
    if (!parsed) throw authProblems.invalidRefreshToken();
    const next = await newRefreshToken(c.get("config"), parsed.sessionId);
    const result = await rotateRefreshToken(c.get("db"), {
      sessionId: parsed.sessionId,
      presentedHash: await sha256(parsed.secret),
      presentedWasIssued: await wasIssuedFor(c.get("config"), parsed.sessionId, parsed.secret),
      newHash: next.hash,
      ...requestMeta(c),
    });
    if (result.outcome === "invalid" || result.outcome === "reuse") {
      if (result.outcome === "reuse") await markSessionsRevoked(c.get("redis"), [parsed.sessionId]);
      clearRefreshCookie(c);
      throw authProblems.invalidRefreshToken();
    }
    const user = {
      id: result.userId,
      role: result.role,
      tier: result.tier,
      emailVerified: result.emailVerified,
    };
    if (result.outcome === "grace") {
      // Another tab just rotated this token; its new cookie stands. Only an access token here.
      return c.json(await tokenResponse(c, user, parsed.sessionId), 200);
    }
    setRefreshCookie(c, next.token);
    const bodyClient = body.refreshToken !== undefined || body.returnRefreshToken === true;
    return c.json(await tokenResponse(c, user, parsed.sessionId, bodyClient ? next.token : undefined), 200);
  })
  .openapi(signout, async (c) => {
    const auth = c.get("auth");
    const meta = requestMeta(c);
    let revoked: string[] = [];
    if (auth) {
      await assertLiveSession(c);
      revoked = await revokeSessions(c.get("db"), {
        userId: auth.sub,
        sessionId: auth.sid,
        action: "auth.signout",
        ...meta,
      });
    } else {
      const body = c.req.valid("json") ?? {};
      const presented = presentedRefreshToken(c, body.refreshToken);
      const parsed = presented ? parseRefreshToken(presented) : undefined;
      if (parsed) {
        revoked = await revokeSessions(c.get("db"), {
          sessionId: parsed.sessionId,
          refreshHash: await sha256(parsed.secret),
          action: "auth.signout",
          ...meta,
        });
      }
    }
    clearRefreshCookie(c);
    // The database revocation above is what ends the session; the Redis mark is best effort.
    await markSessionsRevoked(c.get("redis"), revoked, c.get("requestId"));
    return c.body(null, 204);
  })
  .openapi(signoutAll, async (c) => {
    const userId = c.get("userId");
    const revoked = await revokeSessions(c.get("db"), {
      userId,
      action: "auth.signout_all",
      ...requestMeta(c),
    });
    clearRefreshCookie(c);
    await markSessionsRevoked(c.get("redis"), revoked, c.get("requestId"));
    return c.body(null, 204);
  })
  .openapi(listSessions, async (c) => {
    const current = c.get("claims").sid;
    const rows = await listLiveSessions(c.get("db"), c.get("userId"));
    const sessions = rows.map((s) => ({
      ...s,
      createdAt: s.createdAt.toISOString(),
      lastUsedAt: s.lastUsedAt.toISOString(),
      current: s.id === current,
    }));
    return c.json({ sessions }, 200);
  })
  .openapi(deleteSession, async (c) => {
    const { id } = c.req.valid("param");
    const revoked = await revokeSessions(c.get("db"), {
      userId: c.get("userId"),
      sessionId: id,
      action: "session.revoked",
      ...requestMeta(c),
    });
    if (revoked.length === 0) throw problems.notFound("No live session with this id.");
    await markSessionsRevoked(c.get("redis"), revoked);
    return c.body(null, 204);
  })
  .route("/mfa", mounted(mfaRoutes))
  .route("/passkeys", mounted(passkeyRoutes))
  .route("/password", mounted(passwordRoutes))
  .route("/email", mounted(emailVerificationRoutes))
  .route("/", mounted(oauthRoutes));
