/**
 * The admin namespace (`backline.admin`): users (with their sessions, subscription, invoices and
 * audit trail), the audit log, subscriptions, the Stripe webhook ledger, refunds and the order
 * of lessons, in the admin API's own shapes (functions/admin, POST /api/lessons/reorder).
 * Admins only: others get the 403.
 */
import type { SUBSCRIPTION_STATUSES } from "../../../shared/schemas/admin";
import type { components } from "../api";

type Schemas = components["schemas"];
export type AdminUser = Schemas["AdminUser"];
/** One user as the console's user view shows them: live sessions, subscription, audit trail. */
export type AdminUserView = Schemas["AdminUserView"];
export type AdminSession = Schemas["AdminSession"];
export type AdminSubscription = Schemas["AdminSubscription"];
export type AdminInvoice = Schemas["AdminInvoice"];
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
export type AdminSubscriptionPage = AdminPage<"subscriptions", AdminSubscription>;
export type AdminInvoicePage = AdminPage<"invoices", AdminInvoice>;

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
  /** Entries where this user acted or was acted on. */
  user?: string;
  action?: string;
  target?: string;
  /** ISO date-times with an offset. */
  from?: string;
  to?: string;
}
export interface WebhookEventQuery extends PageQuery {
  status?: WebhookStatus;
}
export interface SubscriptionQuery extends PageQuery {
  status?: (typeof SUBSCRIPTION_STATUSES)[number];
}

/** The admin calls of the `Backend` interface, one per admin API route. */
export interface AdminBackend {
  /** GET /api/admin/users. */
  adminListUsers(query: UserQuery): Promise<AdminUserPage>;
  /** GET /api/admin/users/:id. */
  adminGetUser(id: string): Promise<AdminUserView>;
  /** DELETE /api/admin/users/:id/sessions/:sessionId. */
  adminRevokeSession(id: string, sessionId: string): Promise<void>;
  /** GET /api/admin/users/:id/invoices. */
  adminUserInvoices(id: string, query: PageQuery): Promise<AdminInvoicePage>;
  /** GET /api/admin/subscriptions. */
  adminSubscriptions(query: SubscriptionQuery): Promise<AdminSubscriptionPage>;
  /** POST /api/lessons/reorder. */
  adminReorderLessons(category: string, lessonIds: string[]): Promise<void>;
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
    /** The user with their live sessions, subscription and the first page of their audit trail. */
    get(id: string): Promise<AdminUserView>;
    /** Ends one of the user's sessions (a 404 when it is not theirs or not live). */
    revokeSession(id: string, sessionId: string): Promise<void>;
    /** The user's invoices, newest first, with Stripe's hosted invoice link. */
    invoices(id: string, query?: PageQuery): Promise<AdminInvoicePage>;
    update(id: string, changes: AdminUserChanges): Promise<void>;
    /** Revokes every session of the user; resolves how many were open. */
    signOutEverywhere(id: string): Promise<{ revoked: number }>;
    /** Removes the user's authenticator app, recovery codes and passkeys. */
    resetMfa(id: string): Promise<void>;
  };
  auditLogs: { list(filters?: AuditLogFilters): Promise<AuditLogPage> };
  subscriptions: { list(query?: SubscriptionQuery): Promise<AdminSubscriptionPage> };
  lessons: {
    /**
     * Puts a category's lessons in this order (positions 1, 2, …) in one request. `lessonIds` must
     * name every lesson of the category (drafts included) exactly once, else the 400 on `lessonIds`.
     */
    reorder(category: string, lessonIds: string[]): Promise<void>;
  };
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
      revokeSession: (id, sessionId) => backend.adminRevokeSession(id, sessionId),
      invoices: (id, query = {}) => backend.adminUserInvoices(id, query),
      update: (id, changes) => backend.adminUpdateUser(id, changes),
      signOutEverywhere: (id) => backend.adminRevokeSessions(id),
      resetMfa: (id) => backend.adminResetMfa(id),
    },
    auditLogs: { list: (filters = {}) => backend.adminAuditLogs(filters) },
    subscriptions: { list: (query = {}) => backend.adminSubscriptions(query) },
    lessons: { reorder: (category, lessonIds) => backend.adminReorderLessons(category, lessonIds) },
    webhookEvents: {
      list: (query = {}) => backend.adminWebhookEvents(query),
      replay: (id) => backend.adminReplayWebhook(id),
    },
    refund: (input, idempotencyKey) => backend.adminRefund(input, idempotencyKey),
  };
}
