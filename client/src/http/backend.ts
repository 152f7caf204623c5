/** The real API behind the `Backend` interface. */
import type { Backend } from "../backend";
import type { Subscription, User } from "../types";
import { adminCalls } from "./admin";
import { checkedUrl } from "./checked-url";
import { httpIdentities } from "./identities";

export { checkedUrl } from "./checked-url";

import { eventsCalls } from "./events";
import { httpMfa, sessionOf } from "./mfa";
import { httpTeams } from "./teams";
import { type RetryOptions, Transport } from "./transport";

export function httpBackend(baseUrl: string, fetcher: typeof fetch, retry: RetryOptions): Backend {
  const api = new Transport(baseUrl.replace(/\/$/, ""), fetcher, retry);
  const identities = httpIdentities(api, baseUrl.replace(/\/$/, ""));

  const startSession = (body: { accessToken: string; expiresIn: number; user: User }) => {
    api.setToken(body.accessToken, body.expiresIn);
    return body.user;
  };

  return {
    ...identities,
    async restoreSession() {
      if (!(await api.refresh())) return null;
      return api.call("get", "/api/me");
    },
    signUp: async (body) => startSession(await api.call("post", "/api/auth/signup", { body, auth: false })),
    signIn: async (body) =>
      sessionOf(
        await api.call("post", "/api/auth/signin", { body, auth: false }),
        "/api/auth/signin",
        startSession,
      ),
    async signOut() {
      try {
        await api.call("post", "/api/auth/signout");
      } finally {
        api.clearToken();
      }
    },
    async requestPasswordReset(email) {
      await api.call("post", "/api/auth/password/forgot", { body: { email }, auth: false });
    },
    async resetPassword(body) {
      await api.call("post", "/api/auth/password/reset", { body, auth: false });
    },
    async changePassword(body) {
      await api.call("post", "/api/auth/password/change", { body });
    },
    async verifyEmail(token) {
      await api.call("post", "/api/auth/email/verify", { body: { token }, auth: false });
    },
    async requestEmailVerification() {
      await api.call("post", "/api/auth/email/verify-request");
    },
    getMe: () => api.call("get", "/api/me"),
    updateMe: (body) => api.call("patch", "/api/me", { body }),
    async deleteMe(password) {
      await api.call("delete", "/api/me", { body: { password } });
      api.clearToken();
    },
    listSessions: async () => (await api.call("get", "/api/auth/sessions")).sessions,
    async revokeSession(id) {
      await api.call("delete", "/api/auth/sessions/{id}", { params: { id } });
    },
    async signOutAll() {
      await api.call("post", "/api/auth/signout-all");
      api.clearToken();
    },
    onSessionLost: (callback) => api.onSessionLost(callback),
    ...httpMfa(api, startSession),

    // `teamId` (a team's patterns) is typed by hand until api.d.ts knows it (teams-types.ts).
    syncPatterns: (body) =>
      api.call("post", "/api/patterns/sync", { body: body as Omit<typeof body, "teamId"> }),
    getPattern: (id) => api.call("get", "/api/patterns/{id}", { params: { id } }),

    recordProgress: (body) => api.call("post", "/api/progress", { body }),
    syncProgress: (attempts) => api.call("post", "/api/progress/sync", { body: { attempts } }),
    listProgress: async () => (await api.call("get", "/api/progress")).progress,

    createShare: async (body) =>
      checkedUrl(
        await api.call("post", "/api/shares", {
          body: body as { patternId: string; public: boolean; expiresIn: null },
        }),
        "/api/shares",
      ),
    openShare: (shareId) => api.call("get", "/api/shares/{shareId}", { params: { shareId } }),
    async revokeShare(shareId) {
      await api.call("delete", "/api/shares/{shareId}", { params: { shareId } });
    },
    listShares: async () => (await api.call("get", "/api/shares")).shares,

    listLessons: async () => (await api.call("get", "/api/lessons")).lessons,
    getLesson: (id) => api.call("get", "/api/lessons/{id}", { params: { id } }),
    createLesson: (body) => api.call("post", "/api/lessons", { body }),
    updateLesson: (id, body) => api.call("put", "/api/lessons/{id}", { params: { id }, body }),
    async deleteLesson(id) {
      await api.call("delete", "/api/lessons/{id}", { params: { id } });
    },

    listPlans: async () => (await api.call("get", "/api/billing/plans", { auth: false })).plans,
    checkout: async (priceId) =>
      checkedUrl(
        await api.call("post", "/api/billing/checkout", { body: { priceId } }),
        "/api/billing/checkout",
      ),
    getSubscription: async () => (await api.call("get", "/api/billing/subscription")).subscription,
    cancelSubscription: async () =>
      (await api.call("post", "/api/billing/cancel")).subscription as Subscription,
    resumeSubscription: async () =>
      (await api.call("post", "/api/billing/resume")).subscription as Subscription,
    listInvoices: (query) =>
      api.call("get", "/api/billing/invoices", { query: { limit: query.limit, cursor: query.cursor } }),
    portal: async () => checkedUrl(await api.call("post", "/api/billing/portal"), "/api/billing/portal"),

    listApiKeys: async () => (await api.call("get", "/api/api-keys")).keys,
    createApiKey: (body) => api.call("post", "/api/api-keys", { body }),
    async revokeApiKey(id) {
      await api.call("delete", "/api/api-keys/{id}", { params: { id } });
    },
    rotateApiKey: (id) => api.call("post", "/api/api-keys/{id}/rotate", { params: { id } }),
    ...eventsCalls(api),
    ...adminCalls(api),
    ...httpTeams(api),
  };
}
