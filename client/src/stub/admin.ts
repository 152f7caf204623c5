/**
 * Stub admin API (functions/admin): users come from the stub's own data (role, disable, sign
 * out everywhere, MFA reset act on it). The stub keeps no audit log and receives no Stripe
 * events, so those lists answer empty, a replay is the 404 and a refund finds no payment.
 */
import { PatchUserBody, RefundBody, UserIdParam, WebhookEventIdParam } from "../../../shared/schemas/admin";
import type { AdminBackend, AdminUser } from "../services/admin";
import { revokeSessions, toUserDto } from "./auth";
import { factorsOf } from "./factors";
import { stubProblems as p, validate } from "./problems";
import type { StubDb, StubUser, StubWorld } from "./world";

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
        return toAdminUser(db, userOf(db, id, instance));
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
