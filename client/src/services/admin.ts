/**
 * The admin namespace (`backline.admin`): users, the audit log, the Stripe webhook ledger and
 * refunds, in the admin API's own shapes (functions/admin). Admins only: others get the 403.
 */
import type { components } from "../api";

type Schemas = components["schemas"];
export type AdminUser = Schemas["AdminUser"];
export type AuditLogEntry = Schemas["AuditLog"];
export type WebhookEvent = Schemas["WebhookEvent"];
export type WebhookStatus = WebhookEvent["status"];
export type Refund = Schemas["Refund"];
export type RefundInput = Schemas["RefundRequest"];
export type AdminUserChanges = { role?: AdminUser["role"]; disabled?: boolean };

/** A page of a list, newest first; pass `nextCursor` back as `cursor` for the next one. */
export type AdminPage<K extends string, T> = { [key in K]: T[] } & { nextCursor: string | null };
export type AdminUserPage = AdminPage<"users", AdminUser>;
export type AuditLogPage = AdminPage<"entries", AuditLogEntry>;
export type WebhookEventPage = AdminPage<"events", WebhookEvent>;

export interface PageQuery {
  cursor?: string;
  limit?: number;
}
export interface UserQuery extends PageQuery {
  /** Part of an email address. */
  q?: string;
}
export interface AuditLogFilters extends PageQuery {
  /** The acting user's id. */
  actor?: string;
  action?: string;
  target?: string;
  /** ISO date-times with an offset. */
  from?: string;
  to?: string;
}
export interface WebhookEventQuery extends PageQuery {
  status?: WebhookStatus;
}

/** The admin calls of the `Backend` interface, one per admin API route. */
export interface AdminBackend {
  /** GET /api/admin/users. */
  adminListUsers(query: UserQuery): Promise<AdminUserPage>;
  /** GET /api/admin/users/:id. */
  adminGetUser(id: string): Promise<AdminUser>;
  /** PATCH /api/admin/users/:id (either change signs the user out everywhere). */
  adminUpdateUser(id: string, changes: AdminUserChanges): Promise<void>;
  /** POST /api/admin/users/:id/revoke-sessions. */
  adminRevokeSessions(id: string): Promise<{ revoked: number }>;
  /** DELETE /api/admin/users/:id/mfa. */
  adminResetMfa(id: string): Promise<void>;
  /** GET /api/admin/audit-logs. */
  adminAuditLogs(filters: AuditLogFilters): Promise<AuditLogPage>;
  /** GET /api/admin/webhook-events. */
  adminWebhookEvents(query: WebhookEventQuery): Promise<WebhookEventPage>;
  /** POST /api/admin/webhook-events/:id/replay. */
  adminReplayWebhook(id: string): Promise<{ id: string; status: "processed" }>;
  /** POST /api/admin/refunds with the caller's Idempotency-Key. */
  adminRefund(input: RefundInput, idempotencyKey: string): Promise<Refund>;
}

export interface AdminService {
  users: {
    list(query?: UserQuery): Promise<AdminUserPage>;
    get(id: string): Promise<AdminUser>;
    update(id: string, changes: AdminUserChanges): Promise<void>;
    /** Revokes every session of the user; resolves how many were open. */
    signOutEverywhere(id: string): Promise<{ revoked: number }>;
    /** Removes the user's authenticator app, recovery codes and passkeys. */
    resetMfa(id: string): Promise<void>;
  };
  auditLogs: { list(filters?: AuditLogFilters): Promise<AuditLogPage> };
  webhookEvents: {
    list(query?: WebhookEventQuery): Promise<WebhookEventPage>;
    /** Processes a failed event again; a failure again is the 500 problem and the event stays failed. */
    replay(id: string): Promise<{ id: string; status: "processed" }>;
  };
  /**
   * Refunds (part of) a paid invoice. Keep `idempotencyKey` for the one refund you mean: sending
   * it again (a retry after a timeout) never refunds twice.
   */
  refund(input: RefundInput, idempotencyKey: string): Promise<Refund>;
}

export function createAdmin(backend: AdminBackend): AdminService {
  return {
    users: {
      list: (query = {}) => backend.adminListUsers(query),
      get: (id) => backend.adminGetUser(id),
      update: (id, changes) => backend.adminUpdateUser(id, changes),
      signOutEverywhere: (id) => backend.adminRevokeSessions(id),
      resetMfa: (id) => backend.adminResetMfa(id),
    },
    auditLogs: { list: (filters = {}) => backend.adminAuditLogs(filters) },
    webhookEvents: {
      list: (query = {}) => backend.adminWebhookEvents(query),
      replay: (id) => backend.adminReplayWebhook(id),
    },
    refund: (input, idempotencyKey) => backend.adminRefund(input, idempotencyKey),
  };
}
