import { createRoute } from "@hono/zod-openapi";
import { insertAudit } from "../../db/queries/audit";
import { completePasswordReset, startPasswordReset } from "../../db/queries/email-tokens";
import { insertOutbox } from "../../db/queries/outbox";
import { revokeSessionsStatement } from "../../db/queries/sessions";
import { findPasswordHolder, updatePasswordHash } from "../../db/queries/users";
import { createRouter } from "../../shared/app";
import { whenRedisIdle } from "../../shared/auth/hash-gate";
import { checkAccountPassword } from "../../shared/auth/password-guard";
import { authProblems } from "../../shared/auth/problems";
import { markSessionsRevoked } from "../../shared/auth/revocation";
import { requestMeta } from "../../shared/client-ip";
import { hashPassword, sha256 } from "../../shared/crypto";
import { deliverAfterResponse } from "../../shared/email/outbox";
import { queuedEmail } from "../../shared/email/templates";
import { requireAuth } from "../../shared/middleware/auth";
import { jsonBody, problemContent } from "../../shared/openapi";
import { ChangePasswordBody, ForgotPasswordBody, ResetPasswordBody } from "../../shared/schemas/auth";

const change = createRoute({
  method: "post",
  path: "/change",
  tags: ["Auth"],
  summary: "Changes the password and signs out the other sessions",
  security: [{ bearer: [] }],
  middleware: [requireAuth()] as const,
  request: {
    body: jsonBody(ChangePasswordBody),
  },
  responses: {
    204: { description: "Changed" },
    400: problemContent("Invalid new password"),
    401: problemContent("Not signed in, or the current password is wrong"),
    429: problemContent("Too many wrong passwords for this account; retry later"),
  },
});

const forgot = createRoute({
  method: "post",
  path: "/forgot",
  tags: ["Auth"],
  summary: "Emails a password reset link (always answers 202)",
  request: { body: jsonBody(ForgotPasswordBody) },
  responses: { 202: { description: "If the account exists, a reset link is on its way" } },
});

const reset = createRoute({
  method: "post",
  path: "/reset",
  tags: ["Auth"],
  summary: "Sets a new password with an emailed token and signs out every session",
  request: {
    body: jsonBody(ResetPasswordBody),
  },
  responses: {
    204: { description: "Password reset" },
    400: problemContent("Invalid, used or expired token"),
  },
});

export const passwordRoutes = createRouter()
  .openapi(change, async (c) => {
    const { currentPassword, newPassword } = c.req.valid("json");
    const claims = c.get("claims");
    const db = c.get("db");
    const current = await findPasswordHolder(db, claims.sub);
    if (!current || !(await checkAccountPassword(c, { id: claims.sub, ...current }, currentPassword))) {
      throw authProblems.invalidCredentials("The current password is wrong.");
    }
    const meta = requestMeta(c);
    const outboxId = crypto.randomUUID();
    const passwordHash = await whenRedisIdle(() =>
      hashPassword(newPassword, c.get("config").PASSWORD_HASH_COST),
    );
    const [, , revoked] = await db.batch([
      updatePasswordHash(db, claims.sub, passwordHash),
      insertAudit(db, {
        actorId: claims.sub,
        action: "auth.password_changed",
        targetType: "user",
        targetId: claims.sub,
        ...meta,
      }),
      revokeSessionsStatement(db, {
        userId: claims.sub,
        exceptSessionId: claims.sid,
        action: "session.revoked_password_change",
        ...meta,
      }),
      insertOutbox(db, {
        id: outboxId,
        userId: claims.sub,
        to: current.email,
        email: queuedEmail({ template: "password-changed", displayName: current.displayName }),
      }),
    ]);
    await markSessionsRevoked(
      c.get("redis"),
      revoked.rows.map((r) => r.id),
    );
    deliverAfterResponse(c, [outboxId]);
    return c.body(null, 204);
  })
  .openapi(forgot, async (c) => {
    const { email } = c.req.valid("json");
    const outboxId = crypto.randomUUID();
    const started = await startPasswordReset(c.get("db"), {
      email,
      tokenId: crypto.randomUUID(),
      outboxId,
      message: queuedEmail({ template: "reset-password" }),
    });
    if (started) deliverAfterResponse(c, [outboxId]);
    return c.body(null, 202);
  })
  .openapi(reset, async (c) => {
    const { token, newPassword } = c.req.valid("json");
    const outboxId = crypto.randomUUID();
    const done = await completePasswordReset(c.get("db"), {
      tokenHash: await sha256(token),
      passwordHash: await whenRedisIdle(() => hashPassword(newPassword, c.get("config").PASSWORD_HASH_COST)),
      outboxId,
      message: queuedEmail({ template: "password-changed", displayName: "there" }),
      ...requestMeta(c),
    });
    if (!done) throw authProblems.invalidEmailedToken();
    await markSessionsRevoked(c.get("redis"), done.sessionIds);
    deliverAfterResponse(c, [outboxId]);
    return c.body(null, 204);
  });
