/** The real API's admin calls (functions/admin/index.ts and billing.ts). */
import type { AdminBackend } from "../services/admin";
import type { Transport } from "./transport";

export function adminCalls(api: Transport): AdminBackend {
  return {
    adminListUsers: ({ q, cursor, limit }) =>
      api.call("get", "/api/admin/users", { query: { q: q || undefined, cursor, limit } }),
    adminGetUser: (id) => api.call("get", "/api/admin/users/{id}", { params: { id } }),
    async adminRevokeSession(id, sessionId) {
      await api.call("delete", "/api/admin/users/{id}/sessions/{sessionId}", { params: { id, sessionId } });
    },
    adminUserInvoices: (id, query) =>
      api.call("get", "/api/admin/users/{id}/invoices", { params: { id }, query: { ...query } }),
    adminSubscriptions: (query) => api.call("get", "/api/admin/subscriptions", { query: { ...query } }),
    async adminReorderLessons(category, lessonIds) {
      await api.call("post", "/api/lessons/reorder", { body: { category, lessonIds } });
    },
    async adminUpdateUser(id, changes) {
      await api.call("patch", "/api/admin/users/{id}", { params: { id }, body: changes });
    },
    adminRevokeSessions: (id) =>
      api.call("post", "/api/admin/users/{id}/revoke-sessions", { params: { id } }),
    async adminResetMfa(id) {
      await api.call("delete", "/api/admin/users/{id}/mfa", { params: { id } });
    },
    adminAuditLogs: (filters) => api.call("get", "/api/admin/audit-logs", { query: { ...filters } }),
    adminWebhookEvents: (query) => api.call("get", "/api/admin/webhook-events", { query: { ...query } }),
    adminReplayWebhook: (id) => api.call("post", "/api/admin/webhook-events/{id}/replay", { params: { id } }),
    adminRefund: (body, idempotencyKey) => api.call("post", "/api/admin/refunds", { body, idempotencyKey }),
  };
}
