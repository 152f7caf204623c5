import { createRoute, z } from "@hono/zod-openapi";
import { consumeVerifyToken, insertEmailToken } from "../../db/queries/email-tokens";
import { insertOutbox } from "../../db/queries/outbox";
import { findVerificationTarget } from "../../db/queries/users";
import { createRouter } from "../../shared/app";
import { authProblems } from "../../shared/auth/problems";
import { requestMeta } from "../../shared/client-ip";
import { sha256 } from "../../shared/crypto";
import { deliverAfterResponse } from "../../shared/email/outbox";
import { queuedEmail } from "../../shared/email/templates";
import { problems } from "../../shared/errors";
import { requireAuth } from "../../shared/middleware/auth";
import { problemContent } from "../../shared/openapi";
import { VerifyEmailBody } from "../../shared/schemas/auth";

const verifyRequest = createRoute({
  method: "post",
  path: "/verify-request",
  tags: ["Auth"],
  summary: "Emails a new verification link to the signed-in user",
  security: [{ bearer: [] }],
  middleware: [requireAuth()] as const,
  responses: { 202: { description: "Sent (or already verified)" }, 401: problemContent("Not signed in") },
});

const verify = createRoute({
  method: "post",
  path: "/verify",
  tags: ["Auth"],
  summary: "Confirms the email address with the emailed token",
  request: {
    body: {
      content: { "application/json": { schema: VerifyEmailBody } },
      required: true,
    },
  },
  responses: {
    200: {
      description: "Verified",
      content: { "application/json": { schema: z.object({ emailVerified: z.literal(true) }) } },
    },
    400: problemContent("Invalid, used or expired token"),
  },
});

/**
 * A verification email for a new or existing account: the token insert (its secret is
 * minted when the email is sent) and the outbox row, for one batch.
 */
export function verificationEmail(
  db: Parameters<typeof insertEmailToken>[0],
  user: { id: string; email: string; displayName: string },
) {
  const tokenId = crypto.randomUUID();
  const outboxId = crypto.randomUUID();
  const message = queuedEmail({ template: "verify-email", displayName: user.displayName });
  return {
    outboxId,
    statements: [
      insertEmailToken(db, { id: tokenId, userId: user.id, purpose: "verify_email" }),
      insertOutbox(db, { id: outboxId, userId: user.id, to: user.email, email: message, tokenId }),
    ] as const,
  };
}

export const emailVerificationRoutes = createRouter()
  .openapi(verifyRequest, async (c) => {
    const db = c.get("db");
    const userId = c.get("userId");
    const user = await findVerificationTarget(db, userId);
    if (!user) throw problems.notFound("This account no longer exists.");
    if (user.verifiedAt) return c.body(null, 202);
    const mail = verificationEmail(db, user);
    await db.batch(mail.statements);
    deliverAfterResponse(c, [mail.outboxId]);
    return c.body(null, 202);
  })
  .openapi(verify, async (c) => {
    const { token } = c.req.valid("json");
    const userId = await consumeVerifyToken(c.get("db"), await sha256(token), requestMeta(c));
    if (!userId) throw authProblems.invalidEmailedToken();
    return c.json({ emailVerified: true as const }, 200);
  });
