import { createRoute, z } from "@hono/zod-openapi";
import { adminUpdateUser, findAdminUser, searchAuditLogs, searchUsers } from "../../db/queries/admin";
import { findAdminUserView } from "../../db/queries/admin-users";
import { insertAudit } from "../../db/queries/audit";
import { deleteTotp } from "../../db/queries/mfa";
import { insertOutbox } from "../../db/queries/outbox";
import { deleteUserPasskeys } from "../../db/queries/passkeys";
import { revokeSessions } from "../../db/queries/sessions";
import { createRouter, mounted } from "../../shared/app";
import { markSessionsRevoked } from "../../shared/auth/revocation";
import { requestMeta } from "../../shared/client-ip";
import { page } from "../../shared/cursor";
import { deliverAfterResponse } from "../../shared/email/outbox";
import { queuedEmail } from "../../shared/email/templates";
import { problems } from "../../shared/errors";
import { requireRole } from "../../shared/middleware/auth";
import { problemContent } from "../../shared/openapi";
import {
  ListAuditLogsQuery,
  ListUsersQuery,
  PatchUserBody,
  UserIdParam,
  UserSessionParam,
} from "../../shared/schemas/admin";
import { AuditLogSchema } from "./audit-schema";
import { adminBillingRoutes } from "./billing";
import { adminMetricsRoutes } from "./metrics";
import { adminSubscriptionRoutes } from "./subscriptions";
import { AdminUserSchema, AdminUserViewSchema, adminUserDto, adminUserView } from "./user-view";

const adminOnly = { security: [{ bearer: [] }], middleware: requireRole("admin"), tags: ["Admin"] };
const denied = { 401: problemContent("Not signed in"), 403: problemContent("Not an admin") };

const listUsers = createRoute({
  ...adminOnly,
  method: "get",
  path: "/users",
  summary: "Searches users by email, newest first",
  request: { query: ListUsersQuery },
  responses: {
    200: {
      description: "A page of users",
      content: {
        "application/json": {
          schema: z.object({ users: z.array(AdminUserSchema), nextCursor: z.string().nullable() }),
        },
      },
    },
    ...denied,
  },
});

const getUser = createRoute({
  ...adminOnly,
  method: "get",
  path: "/users/{id}",
  summary: "One user: second factors, live sessions, subscription and the first page of their audit trail",
  description:
    "One statement. The audit trail holds entries where the user acted or was acted on; its `nextCursor` " +
    "continues at GET /audit-logs?user={id}.",
  request: { params: UserIdParam },
  responses: {
    200: { description: "The user", content: { "application/json": { schema: AdminUserViewSchema } } },
    404: problemContent("No such user"),
    ...denied,
  },
});

const resetMfa = createRoute({
  ...adminOnly,
  method: "delete",
  path: "/users/{id}/mfa",
  summary: "Removes a user's second factors (authenticator app, recovery codes, passkeys)",
  description:
    "For a user locked out of their second factors: a password alone signs in again. Audit-logged with the admin's id; the user is emailed.",
  request: { params: UserIdParam },
  responses: { 204: { description: "Reset" }, 404: problemContent("No such user"), ...denied },
});

const patchUser = createRoute({
  ...adminOnly,
  method: "patch",
  path: "/users/{id}",
  summary: "Changes a user's role or disables the account; either signs the user out everywhere",
  request: {
    params: UserIdParam,
    body: {
      content: {
        "application/json": {
          schema: PatchUserBody,
        },
      },
      required: true,
    },
  },
  responses: { 204: { description: "Updated" }, 404: problemContent("No such user"), ...denied },
});

const revokeUserSessions = createRoute({
  ...adminOnly,
  method: "post",
  path: "/users/{id}/revoke-sessions",
  summary: "Signs a user out everywhere",
  request: { params: UserIdParam },
  responses: {
    200: {
      description: "Sessions revoked",
      content: { "application/json": { schema: z.object({ revoked: z.number().int() }) } },
    },
    ...denied,
  },
});

const revokeUserSession = createRoute({
  ...adminOnly,
  method: "delete",
  path: "/users/{id}/sessions/{sessionId}",
  summary: "Signs a user out of one session; audit-logged",
  request: { params: UserSessionParam },
  responses: {
    204: { description: "Revoked" },
    404: problemContent("No live session with this id for this user"),
    ...denied,
  },
});

const listAuditLogs = createRoute({
  ...adminOnly,
  method: "get",
  path: "/audit-logs",
  summary: "Audit log entries by actor, action, target and time range, newest first",
  request: {
    query: ListAuditLogsQuery,
  },
  responses: {
    200: {
      description: "A page of entries",
      content: {
        "application/json": {
          schema: z.object({ entries: z.array(AuditLogSchema), nextCursor: z.string().nullable() }),
        },
      },
    },
    ...denied,
  },
});

export const adminRoutes = createRouter()
  .openapi(listUsers, async (c) => {
    const { q, cursor, limit } = c.req.valid("query");
    const rows = await searchUsers(c.get("db"), { q, cursor, limit });
    const { items, nextCursor } = page(rows, limit, (u) => ({ at: u.createdAt.toISOString(), id: u.id }));
    return c.json({ users: items.map(adminUserDto), nextCursor }, 200);
  })
  .openapi(getUser, async (c) => {
    const user = await findAdminUserView(c.get("db"), c.req.valid("param").id);
    if (!user) throw problems.notFound("No user with this id.");
    return c.json(adminUserView(user, adminUserDto(user), c.get("config").BILLING_PLANS), 200);
  })
  .openapi(resetMfa, async (c) => {
    const { id } = c.req.valid("param");
    const db = c.get("db");
    const user = await findAdminUser(db, id);
    if (!user) throw problems.notFound("No user with this id.");
    const noticeId = crypto.randomUUID();
    const notice = queuedEmail({ template: "mfa-reset", displayName: user.displayName });
    await db.batch([
      ...deleteTotp(db, id),
      deleteUserPasskeys(db, id),
      insertAudit(db, {
        actorId: c.get("userId"),
        action: "admin.mfa_reset",
        targetType: "user",
        targetId: id,
        metadata: { totp: user.totpEnabled, passkeys: user.passkeyCount },
        ...requestMeta(c),
      }),
      insertOutbox(db, { id: noticeId, userId: id, to: user.email, email: notice }),
    ]);
    deliverAfterResponse(c, [noticeId]);
    return c.body(null, 204);
  })
  .openapi(patchUser, async (c) => {
    const { id } = c.req.valid("param");
    const { role, disabled } = c.req.valid("json");
    const updated = await adminUpdateUser(c.get("db"), {
      userId: id,
      adminId: c.get("userId"),
      role,
      disabled,
      ...requestMeta(c),
    });
    if (!updated) throw problems.notFound("No user with this id.");
    await markSessionsRevoked(c.get("redis"), updated.sessionIds);
    return c.body(null, 204);
  })
  .openapi(revokeUserSessions, async (c) => {
    const { id } = c.req.valid("param");
    const revoked = await revokeSessions(c.get("db"), {
      userId: id,
      actorId: c.get("userId"),
      action: "admin.session_revoked",
      ...requestMeta(c),
    });
    await markSessionsRevoked(c.get("redis"), revoked);
    return c.json({ revoked: revoked.length }, 200);
  })
  .openapi(revokeUserSession, async (c) => {
    const { id, sessionId } = c.req.valid("param");
    const revoked = await revokeSessions(c.get("db"), {
      userId: id,
      sessionId,
      actorId: c.get("userId"),
      action: "admin.session_revoked",
      ...requestMeta(c),
    });
    if (revoked.length === 0) throw problems.notFound("This user has no live session with this id.");
    await markSessionsRevoked(c.get("redis"), revoked);
    return c.body(null, 204);
  })
  .openapi(listAuditLogs, async (c) => {
    const query = c.req.valid("query");
    const rows = await searchAuditLogs(c.get("db"), {
      ...query,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
    });
    const { items, nextCursor } = page(rows, query.limit, (e) => ({
      at: e.createdAt.toISOString(),
      id: String(e.id),
    }));
    const entries = items.map((e) => ({ ...e, createdAt: e.createdAt.toISOString() }));
    return c.json({ entries, nextCursor }, 200);
  })
  .route("/", mounted(adminBillingRoutes))
  .route("/", mounted(adminSubscriptionRoutes))
  .route("/", mounted(adminMetricsRoutes));
