/**
 * Stub admin API (functions/admin): users come from the stub's own data (role, disable, sign
 * out everywhere, one session, MFA reset act on it; the user view shows their stub sessions
 * and subscription), and so do subscriptions, invoices and the lessons' order. The stub keeps
 * no audit log and receives no Stripe events, so those lists answer empty, a replay is the 404
 * and a refund finds no payment.
 */

import {
  incompleteOrder,
  ListSubscriptionsQuery,
  PatchUserBody,
  RefundBody,
  ReorderLessonsBody,
  UserIdParam,
  UserSessionParam,
  WebhookEventIdParam,
} from "../../../shared/schemas/admin";
import { validationProblem } from "../errors";
import type {
  AdminBackend,
  AdminInvoice,
  AdminSubscription,
  AdminUser,
  AdminUserView,
} from "../services/admin";
import { revokeSessions, toUserDto } from "./auth";
import { factorsOf } from "./factors";
import { lessonsOf } from "./lessons";
import { stubProblems as p, validate } from "./problems";
import type { StoredSubscription, StubDb, StubUser, StubWorld } from "./world";

/** Disabled accounts, kept beside the users table (when they were disabled, by user id). */
type WithDisabled = StubDb & { disabledUsers?: Record<string, string> };

const DEFAULT_LIMIT = 50;

function toAdminUser(db: WithDisabled, u: StubUser): AdminUser {
  const factors = factorsOf(db);
  return {
    ...toUserDto(u),
    disabled: Boolean(db.disabledUsers?.[u.id]),
    mfa: {
      totp: Boolean(factors.totp[u.id]?.enabledAt),
      passkeys: Object.values(factors.passkeys).filter((k) => k.userId === u.id).length,
    },
  };
}

const newestFirst = (a: StubUser, b: StubUser) =>
  a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.id < b.id ? 1 : -1;

function userOf(db: StubDb, id: string, instance: string): StubUser {
  validate(UserIdParam, { id }, instance);
  const user = db.users[id];
  if (!user) throw p.notFound("No user with this id.", instance);
  return user;
}

const emptyPage = <K extends string>(key: K) => ({ [key]: [], nextCursor: null }) as never;

/** A page of `rows` (already in order) after the row whose id is `cursor`, as the stub's users list pages. */
function pageAfter<T extends { id: string }>(rows: T[], cursor: string | undefined, limit: number) {
  const start = cursor ? rows.findIndex((row) => row.id === cursor) + 1 : 0;
  const items = rows.slice(start, start + limit);
  return { items, nextCursor: start + limit < rows.length ? (items.at(-1)?.id ?? null) : null };
}

const subscriptionDto = (sub: StoredSubscription) => ({
  id: sub.id,
  status: sub.status,
  plan: sub.plan,
  priceId: sub.priceId,
  currentPeriodEnd: sub.currentPeriodEnd,
  cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
  canceledAt: sub.canceledAt,
});

/** The user view: the stub's live sessions of the user and their subscription (no audit log in the stub). */
function toUserView(db: StubDb, user: StubUser): AdminUserView {
  const sessions = Object.values(db.sessions)
    .filter((s) => s.userId === user.id && !s.revokedAt)
    .sort((a, b) => b.lastUsedAt.localeCompare(a.lastUsedAt))
    .map((s) => ({
      id: s.id,
      method: "password",
      userAgent: s.userAgent,
      ip: null,
      createdAt: s.createdAt,
      lastUsedAt: s.lastUsedAt,
    }));
  const sub = db.subscriptions[user.id];
  return {
    ...toAdminUser(db, user),
    sessions,
    subscription: sub ? subscriptionDto(sub) : null,
    audit: { entries: [], nextCursor: null },
  };
}

export function stubAdmin(world: StubWorld): AdminBackend {
  return {
    adminListUsers({ q, cursor, limit = DEFAULT_LIMIT }) {
      return world.tx((db) => {
        world.admin(db, "/api/admin/users");
        const needle = q?.trim().toLowerCase() ?? "";
        const all = Object.values(db.users)
          .filter((u) => u.email.includes(needle))
          .sort(newestFirst);
        const start = cursor ? all.findIndex((u) => u.id === cursor) + 1 : 0;
        const users = all.slice(start, start + limit);
        const more = start + limit < all.length;
        return {
          users: users.map((u) => toAdminUser(db, u)),
          nextCursor: more ? (users.at(-1)?.id ?? null) : null,
        };
      });
    },
    adminGetUser(id) {
      const instance = `/api/admin/users/${id}`;
      return world.tx((db) => {
        world.admin(db, instance);
        return toUserView(db, userOf(db, id, instance));
      });
    },
    adminRevokeSession(id, sessionId) {
      const instance = `/api/admin/users/${id}/sessions/${sessionId}`;
      return world.tx((db) => {
        world.admin(db, instance);
        validate(UserSessionParam, { id, sessionId }, instance);
        const session = db.sessions[sessionId];
        if (!session || session.userId !== id || session.revokedAt)
          throw p.notFound("This user has no live session with this id.", instance);
        session.revokedAt = new Date().toISOString();
      });
    },
    adminUserInvoices(id, { cursor, limit = DEFAULT_LIMIT }) {
      const instance = `/api/admin/users/${id}/invoices`;
      return world.tx((db) => {
        world.admin(db, instance);
        validate(UserIdParam, { id }, instance);
        const rows = Object.values(db.invoices)
          .filter((invoice) => invoice.userId === id)
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
          .map(
            ({ userId: _u, createdAt, ...invoice }): AdminInvoice => ({ ...invoice, issuedAt: createdAt }),
          );
        const { items, nextCursor } = pageAfter(rows, cursor, limit);
        return { invoices: items, nextCursor };
      });
    },
    adminSubscriptions(query) {
      const instance = "/api/admin/subscriptions";
      return world.tx((db) => {
        world.admin(db, instance);
        const { status } = validate(ListSubscriptionsQuery.omit({ cursor: true }), query, instance);
        const rows = Object.entries(db.subscriptions)
          .filter(([, sub]) => !status || sub.status === status)
          .map(
            ([userId, sub]): AdminSubscription => ({
              ...subscriptionDto(sub),
              userId,
              email: db.users[userId]?.email ?? null,
              customerId: sub.customerId,
              createdAt: sub.currentPeriodStart ?? sub.currentPeriodEnd ?? "",
            }),
          )
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
        const { items, nextCursor } = pageAfter(rows, query.cursor, query.limit ?? DEFAULT_LIMIT);
        return { subscriptions: items, nextCursor };
      });
    },
    adminReorderLessons(category, lessonIds) {
      const instance = "/api/lessons/reorder";
      return world.tx((db) => {
        world.admin(db, instance);
        const body = validate(ReorderLessonsBody, { category, lessonIds }, instance);
        const lessons = lessonsOf(db);
        const current = Object.values(lessons).filter((l) => l.category === body.category);
        const missing = current.map((l) => l.id).filter((id) => !body.lessonIds.includes(id));
        const unknown = body.lessonIds.filter((id) => lessons[id]?.category !== body.category);
        if (current.length === 0 || missing.length > 0 || unknown.length > 0)
          throw validationProblem([incompleteOrder(body.category, missing.sort(), unknown)], instance);
        const now = new Date().toISOString();
        body.lessonIds.forEach((id, i) => {
          const lesson = lessons[id];
          if (lesson && lesson.position !== i + 1)
            lessons[id] = { ...lesson, position: i + 1, updatedAt: now };
        });
      });
    },
    adminUpdateUser(id, changes) {
      const instance = `/api/admin/users/${id}`;
      return world.tx((db: WithDisabled) => {
        world.admin(db, instance);
        const body = validate(PatchUserBody, changes, instance);
        const user = userOf(db, id, instance);
        if (body.role) user.role = body.role;
        if (body.disabled !== undefined) {
          db.disabledUsers ??= {};
          if (body.disabled) db.disabledUsers[id] = new Date().toISOString();
          else delete db.disabledUsers[id];
        }
        revokeSessions(db, id);
      });
    },
    adminRevokeSessions(id) {
      const instance = `/api/admin/users/${id}/revoke-sessions`;
      return world.tx((db) => {
        world.admin(db, instance);
        validate(UserIdParam, { id }, instance);
        return { revoked: revokeSessions(db, id) };
      });
    },
    adminResetMfa(id) {
      const instance = `/api/admin/users/${id}/mfa`;
      return world.tx((db) => {
        world.admin(db, instance);
        userOf(db, id, instance);
        const factors = factorsOf(db);
        delete factors.totp[id];
        delete factors.recoveryCodes[id];
        for (const [key, passkey] of Object.entries(factors.passkeys))
          if (passkey.userId === id) delete factors.passkeys[key];
      });
    },
    async adminAuditLogs() {
      world.admin(await world.read(), "/api/admin/audit-logs");
      return emptyPage("entries");
    },
    async adminWebhookEvents() {
      world.admin(await world.read(), "/api/admin/webhook-events");
      return emptyPage("events");
    },
    async adminReplayWebhook(id) {
      const instance = `/api/admin/webhook-events/${id}/replay`;
      world.admin(await world.read(), instance);
      validate(WebhookEventIdParam, { id }, instance);
      throw p.notFound("No such event.", instance);
    },
    async adminRefund(input) {
      const instance = "/api/admin/refunds";
      const db = await world.read();
      world.admin(db, instance);
      const body = validate(RefundBody, input, instance);
      if (!db.invoices[body.invoiceId]) throw p.notFound("No such invoice.", instance);
      throw p.conflict("This invoice has no payment to refund.", instance);
    },
  };
}
