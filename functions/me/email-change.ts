import { createRoute, z } from "@hono/zod-openapi";
import { insertAudit } from "../../db/queries/audit";
import {
  confirmEmailChange,
  findEmailChangeContext,
  insertEmailToken,
  spendEmailChangeTokens,
} from "../../db/queries/email-tokens";
import { insertOutbox } from "../../db/queries/outbox";
import { createRouter } from "../../shared/app";
import { proveAccountOwner, RECENT_SIGNIN_MINUTES } from "../../shared/auth/owner-proof";
import { authProblems } from "../../shared/auth/problems";
import { markSessionsRevoked } from "../../shared/auth/revocation";
import { requestMeta } from "../../shared/client-ip";
import { sha256 } from "../../shared/crypto";
import { isUniqueViolation } from "../../shared/db-errors";
import { deliverAfterResponse } from "../../shared/email/outbox";
import { queuedEmail } from "../../shared/email/templates";
import { problems, validationError } from "../../shared/errors";
import { requireAuth } from "../../shared/middleware/auth";
import { jsonBody, jsonContent, problemContent } from "../../shared/openapi";
import { ChangeEmailBody, ConfirmEmailChangeBody } from "../../shared/schemas/me";

const request = createRoute({
  method: "post",
  path: "/email",
  tags: ["Me"],
  summary: "Asks to move the account to another email address",
  description: `Needs the current password, or for an account without one a sign-in made in the last ${RECENT_SIGNIN_MINUTES} minutes. Emails a confirmation link to the new address (valid 24 hours; a new request spends the previous link) and a notice to the current one; nothing changes until the link is confirmed. An address that belongs to another account gets the same 202: that address is told instead of sent a link, so the answer never says whether it has an account.`,
  security: [{ bearer: [] }],
  middleware: [requireAuth()] as const,
  request: { body: jsonBody(ChangeEmailBody) },
  responses: {
    202: { description: "A confirmation link is on its way to the new address" },
    400: problemContent("Invalid address, the same address, or the password is missing"),
    401: problemContent("Not signed in, or the password is wrong"),
    403: problemContent("No password on the account and the sign-in is not recent: sign in again"),
    429: problemContent("Too many wrong passwords for this account; retry later"),
  },
});

const confirm = createRoute({
  method: "post",
  path: "/email/confirm",
  tags: ["Me"],
  summary: "Confirms a change of email with the token emailed to the new address",
  description:
    "Moves the account to the new address (marked verified), signs out every session but the one that asked, spends the links sent to the old address and tells it. Works signed in or not: the token is the proof.",
  request: { body: jsonBody(ConfirmEmailChangeBody) },
  responses: {
    200: jsonContent(z.object({ email: z.string(), emailVerified: z.literal(true) }), "Changed"),
    400: problemContent("Invalid, used or expired token"),
    409: problemContent("The address was taken by another account since the request"),
  },
});

export const emailChangeRoutes = createRouter()
  .openapi(request, async (c) => {
    const { newEmail, password } = c.req.valid("json");
    const db = c.get("db");
    const claims = c.get("claims");
    const account = await findEmailChangeContext(db, {
      userId: claims.sub,
      sessionId: claims.sid,
      newEmail,
    });
    if (!account) throw problems.notFound("This account no longer exists.");
    if (newEmail === account.email) {
      throw validationError([{ path: "newEmail", message: "is already this account's address" }]);
    }
    await proveAccountOwner(c, { id: claims.sub, ...account }, password, "change the address");
    const toNew = crypto.randomUUID();
    const toOld = crypto.randomUUID();
    const tokenId = crypto.randomUUID();
    const { displayName } = account;
    // A taken address is told, not sent a link: the requester learns nothing either way.
    const newAddressStatements = account.taken
      ? [
          insertOutbox(db, {
            id: toNew,
            userId: null,
            to: newEmail,
            email: queuedEmail({ template: "email-change-taken" }),
          }),
        ]
      : [
          insertEmailToken(db, {
            id: tokenId,
            userId: claims.sub,
            purpose: "change_email",
            newEmail,
            sessionId: claims.sid,
          }),
          insertOutbox(db, {
            id: toNew,
            userId: claims.sub,
            to: newEmail,
            email: queuedEmail({ template: "email-change-confirm", displayName }),
            tokenId,
          }),
        ];
    await db.batch([
      spendEmailChangeTokens(db, claims.sub),
      ...newAddressStatements,
      insertOutbox(db, {
        id: toOld,
        userId: claims.sub,
        to: account.email,
        email: queuedEmail({ template: "email-change-requested", displayName, newEmail }),
      }),
      insertAudit(db, {
        actorId: claims.sub,
        action: "user.email_change_requested",
        targetType: "user",
        targetId: claims.sub,
        ...requestMeta(c),
      }),
    ]);
    deliverAfterResponse(c, [toNew, toOld]);
    return c.body(null, 202);
  })
  .openapi(confirm, async (c) => {
    const { token } = c.req.valid("json");
    const outboxId = crypto.randomUUID();
    let done: Awaited<ReturnType<typeof confirmEmailChange>>;
    try {
      done = await confirmEmailChange(c.get("db"), {
        tokenHash: await sha256(token),
        outboxId,
        // The statement fills in the display name and the new address.
        notice: queuedEmail({ template: "email-changed", displayName: "", newEmail: "" }),
        ...requestMeta(c),
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw authProblems.emailTaken("This address belongs to another account since the change was asked.");
      }
      throw error;
    }
    if (!done) throw authProblems.invalidEmailedToken();
    await markSessionsRevoked(c.get("redis"), done.sessionIds, c.get("requestId"));
    deliverAfterResponse(c, [outboxId]);
    return c.json({ email: done.email, emailVerified: true as const }, 200);
  });
