/**
 * Backline browser SDK: `createBackline(options)` gives one set of services whose backend is
 * the real API (`http`) or an in-browser stub (`stub`); a frontend cannot tell them apart.
 */
import type { Backend, LessonBody } from "./backend";
import { browser } from "./globals";
import { httpBackend } from "./http/backend";
import { type AdminService, createAdmin } from "./services/admin";
import { createApiKeys } from "./services/api-keys";
import { createAuth } from "./services/auth";
import { createInsights } from "./services/events";
import { createIdentities } from "./services/identities";
import { createMfa } from "./services/mfa";
import { createPasskeys } from "./services/passkeys";
import { createPatternSync } from "./services/patterns";
import { createProgressSync } from "./services/progress";
import { createTeams } from "./services/teams";
import { defaultStorage, JsonStore, localStorageOrMemory } from "./storage";
import { stubBackend } from "./stub/backend";
import type { TeamsService } from "./teams-types";
import type {
  ApiKeysService,
  AuthService,
  Backline,
  BacklineMode,
  BacklineOptions,
  ContentService,
  DataSyncService,
  KeyValueStorage,
  MfaService,
  PasskeyService,
  PaymentService,
  SharingService,
  StubEmail,
} from "./types";

export { API_KEY_SCOPES, type ApiKeyScope } from "../../shared/auth/api-key-scopes";
export { BacklineError, PROBLEM_BASE, type Problem } from "./errors";
export type * from "./events-types";
export { isMfaRequired, MFA_REQUIRED } from "./mfa-required";
export type * from "./services/admin";
export { memoryStorage } from "./storage";
export type * from "./teams-types";
export { TEAM_API_KEY_SCOPES, TEAM_MANAGER_ROLES, TEAM_ROLES_BY_KIND } from "./teams-types";
export type * from "./types";

/** The mode to use: explicit, else `?backend=real` in the page URL means http, else stub. */
export function detectMode(explicit?: BacklineMode): BacklineMode {
  if (explicit) return explicit;
  const search = browser.location?.search ?? "";
  return new URLSearchParams(search).get("backend") === "real" ? "http" : "stub";
}

interface Services {
  auth: AuthService;
  mfa: MfaService;
  passkeys: PasskeyService;
  dataSync: DataSyncService;
  sharing: SharingService;
  payment: PaymentService;
  content: ContentService;
  apiKeys: ApiKeysService;
  teams: TeamsService;
  insights: ReturnType<typeof createInsights>;
  admin: AdminService;
  /** Stub mode only: the stub's outbox. */
  mailbox?: (to?: string) => Promise<StubEmail[]>;
  dispose(): void;
}

function createServices(backend: Backend, storage: KeyValueStorage, options: BacklineOptions = {}): Services {
  const local = new JsonStore(storage, "backline:local:");
  const auth = createAuth(backend);
  const patterns = createPatternSync(backend, auth, local);
  const progress = createProgressSync(backend, auth, local);
  const insights = createInsights(backend, auth, local, options.events);

  const onOnline = () => {
    void patterns.trySync();
    void progress.trySync();
  };
  browser.addEventListener?.("online", onOnline);

  const { trySync: _p, forget: _f, ...dataSyncPatterns } = patterns;
  const { trySync: _q, forget: _g, ...dataSyncProgress } = progress;
  const { userId: _u, beforeSignIn: _b, adopt: _a, setUser: _s, ...publicAuth } = auth;

  return {
    auth: {
      ...publicAuth,
      ...createIdentities(backend, auth),
      async deleteAccount(input) {
        const userId = auth.userId();
        await auth.deleteAccount(input);
        // The account's patterns and progress kept on this device go with it.
        if (userId) await Promise.all([patterns.forget(userId), progress.forget(userId)]);
      },
    },
    mfa: createMfa(backend),
    passkeys: createPasskeys(backend),
    dataSync: {
      ...dataSyncPatterns,
      ...dataSyncProgress,
      loadPattern: (id) => backend.getPattern(id),
    },
    sharing: {
      async createShareLink(patternId, options = {}) {
        // A pattern saved offline must reach the server before it can be shared.
        await patterns.trySync();
        return backend.createShare({
          patternId,
          ...(options.public !== undefined && { public: options.public }),
          ...(options.expiresIn !== undefined && { expiresIn: options.expiresIn }),
        });
      },
      loadSharedPattern: (shareId) => backend.openShare(shareId),
      revokeShareLink: (shareId) => backend.revokeShare(shareId),
      listShares: () => backend.listShares(),
    },
    payment: {
      listPlans: () => backend.listPlans(),
      createCheckoutSession: (priceId) => backend.checkout(priceId),
      getSubscription: () => backend.getSubscription(),
      cancelSubscription: () => backend.cancelSubscription(),
      resumeSubscription: () => backend.resumeSubscription(),
      listInvoices: (options = {}) => backend.listInvoices(options),
      createPortalSession: () => backend.portal(),
    },
    content: {
      loadCurriculum: () => backend.listLessons(),
      loadLesson: (id) => backend.getLesson(id),
      createLesson: (input) => backend.createLesson(input as LessonBody),
      updateLesson: (id, input) => backend.updateLesson(id, input as Omit<LessonBody, "id">),
      deleteLesson: (id) => backend.deleteLesson(id),
    },
    apiKeys: createApiKeys(backend),
    teams: createTeams(backend),
    insights,
    admin: createAdmin(backend),
    dispose: () => {
      browser.removeEventListener?.("online", onOnline);
      insights.dispose();
    },
  };
}

/** Creates the client. Services are made on first use, per mode; `setMode` starts over in the other mode. */
export function createBackline(options: BacklineOptions = {}): Backline {
  let mode = detectMode(options.mode);
  let services: Services | undefined;

  const current = (): Services => {
    if (services) return services;
    const deviceStorage = options.storage ?? defaultStorage();
    if (mode === "http") {
      const backend = httpBackend(options.baseUrl ?? "", options.fetch ?? globalThis.fetch.bind(globalThis), {
        rateLimited: options.retry?.rateLimited ?? 2,
        network: options.retry?.network ?? 2,
        maxWaitSeconds: options.retry?.maxWaitSeconds ?? 60,
      });
      services = createServices(backend, deviceStorage, options);
      return services;
    }
    const stub = stubBackend(
      options.stubStorage ?? options.storage ?? localStorageOrMemory(),
      deviceStorage,
      {
        admins: options.stubAdmins,
        shareBaseUrl: options.stubShareBaseUrl,
        appUrl: options.stubAppUrl,
      },
    );
    services = { ...createServices(stub, deviceStorage, options), mailbox: stub.mailbox };
    return services;
  };

  return {
    get mode() {
      return mode;
    },
    setMode(next: BacklineMode) {
      if (next !== "http" && next !== "stub") throw new TypeError(`Unknown Backline mode: ${String(next)}`);
      services?.dispose();
      services = undefined;
      mode = next;
    },
    get auth() {
      return current().auth;
    },
    get mfa() {
      return current().mfa;
    },
    get passkeys() {
      return current().passkeys;
    },
    get dataSync() {
      return current().dataSync;
    },
    get sharing() {
      return current().sharing;
    },
    get payment() {
      return current().payment;
    },
    get content() {
      return current().content;
    },
    get apiKeys() {
      return current().apiKeys;
    },
    get teams() {
      return current().teams;
    },
    track: (name, props) => current().insights.events.track(name, props),
    get events() {
      return current().insights.events;
    },
    get progress() {
      return current().insights.progress;
    },
    get metrics() {
      return current().insights.metrics;
    },
    get admin() {
      return current().admin;
    },
    async readStubMailbox(to?: string) {
      const mailbox = current().mailbox;
      if (!mailbox)
        throw new TypeError("readStubMailbox is for stub mode: in http mode emails go to real inboxes");
      return mailbox(to);
    },
  };
}
