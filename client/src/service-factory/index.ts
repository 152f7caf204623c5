/**
 * The drop-in `serviceFactory` of Music Producer Lab's backend spec: the site imports this
 * module in place of its own factory and keeps its code. One adapter (this folder) turns the
 * Backline SDK's services into the spec's five interfaces; behind it, mode 'real' is the SDK in
 * http mode (the API) and mode 'stub' the SDK's offline stub, keeping its data in localStorage.
 *
 * Mode: `?backend=real` in the page URL, else `window.BACKEND_AVAILABLE`, else 'stub'. The page
 * may set `window.BACKLINE_CONFIG` (the dev server's /config.js does): `apiUrl`, the API's origin
 * (default: the page's own), and `stubShareBaseUrl`, where stub share links point (a URL or a
 * path on the page's site; default `<origin>/share`).
 */

import { browser } from "../globals";
import { createBackline } from "../index";
import { localStorageOrMemory } from "../storage";
import type { Backline, KeyValueStorage } from "../types";
import { adaptAuth } from "./auth";
import { adaptContent } from "./content";
import { adaptDataSync } from "./data-sync";
import { adaptPayment } from "./payment";
import { realSession, type Session, STUB_USER_KEY, stubSession } from "./session";
import { adaptSharing } from "./sharing";
import type {
  IAuthService,
  IContentService,
  IDataSyncService,
  IPaymentService,
  ISharingService,
  ServiceMode,
} from "./types";

export { BacklineError } from "../errors";
export type * from "./types";
export { STUB_USER_KEY };

/** What a page may set before importing the module. */
interface PageGlobals {
  BACKEND_AVAILABLE?: unknown;
  BACKLINE_CONFIG?: { apiUrl?: string; stubShareBaseUrl?: string };
}

/** Settings for a factory made by hand (tests, pages that know their API); the singleton reads the page. */
export interface ServiceFactoryOptions {
  /** The API's origin in real mode; default `window.BACKLINE_CONFIG.apiUrl`, else the page's origin. */
  baseUrl?: string;
  /** The fetch of real mode (default: globalThis.fetch). */
  fetch?: typeof fetch;
  /** Real mode: the device store (default IndexedDB). Stub mode: all its data (default localStorage). */
  storage?: KeyValueStorage;
  /** Stub mode: where the stub keeps its "server" data, when not in `storage`. */
  stubStorage?: KeyValueStorage;
  /** Stub mode: emails that sign up as admins. */
  stubAdmins?: string[];
  /** Stub mode: the base of share URLs (default `window.BACKLINE_CONFIG.stubShareBaseUrl`, else `<page origin>/share`). */
  stubShareBaseUrl?: string;
  /** The page's query string for detectMode (default `location.search`). */
  search?: string;
}

interface Client {
  mode: ServiceMode;
  sdk: Backline;
  session: Session;
}

interface Services {
  client?: Client;
  auth?: IAuthService;
  dataSync?: IDataSyncService;
  sharing?: ISharingService;
  payment?: IPaymentService;
  content?: IContentService;
}

export class ServiceFactory {
  /** 'real' or 'stub'; change it with setMode. */
  mode: ServiceMode;
  private services: Services = {};

  constructor(private readonly options: ServiceFactoryOptions = {}) {
    this.mode = this.detectMode();
  }

  /** `?backend=real`, then `window.BACKEND_AVAILABLE`, else 'stub'. */
  detectMode(): ServiceMode {
    const search = this.options.search ?? browser.location?.search ?? "";
    if (new URLSearchParams(search).get("backend") === "real") return "real";
    if ((globalThis as PageGlobals).BACKEND_AVAILABLE) return "real";
    return "stub";
  }

  getAuthService(): IAuthService {
    return this.service("auth", ({ sdk, session }) => adaptAuth(sdk.auth, session));
  }

  getDataSyncService(): IDataSyncService {
    return this.service("dataSync", ({ sdk }) => adaptDataSync(sdk.dataSync, this.userId));
  }

  getSharingService(): ISharingService {
    return this.service("sharing", ({ sdk }) => adaptSharing(sdk.sharing, this.userId));
  }

  getPaymentService(): IPaymentService {
    return this.service("payment", ({ sdk }) => adaptPayment(sdk.payment, this.userId));
  }

  getContentService(): IContentService {
    return this.service("content", ({ sdk }) => adaptContent(sdk.content));
  }

  /** Switches to 'real' or 'stub'; the services made so far are dropped (get them again). */
  setMode(mode: ServiceMode): void {
    if (mode !== "real" && mode !== "stub")
      throw new TypeError(`serviceFactory.setMode: mode must be 'real' or 'stub', got ${String(mode)}`);
    this.retire();
    this.mode = mode;
  }

  /** The cached service, or a new one over the current mode's client. */
  private service<K extends Exclude<keyof Services, "client">>(
    name: K,
    make: (client: Client) => NonNullable<Services[K]>,
  ): NonNullable<Services[K]> {
    const client = this.client(); // first: a mode change replaces this.services
    const cached = this.services[name];
    if (cached) return cached as NonNullable<Services[K]>;
    const made = make(client);
    this.services[name] = made;
    return made;
  }

  private readonly userId = (): string | null => this.client().sdk.auth.getAuthState().user?.id ?? null;

  /** The SDK client of the current mode, made on first use (and again if `mode` was assigned). */
  private client(): Client {
    if (this.services.client?.mode !== this.mode) {
      this.retire();
      this.services.client = this.mode === "real" ? this.realClient() : this.stubClient();
    }
    return this.services.client;
  }

  private realClient(): Client {
    const config = (globalThis as PageGlobals).BACKLINE_CONFIG;
    const session = realSession(this.options.fetch ?? globalThis.fetch.bind(globalThis));
    const sdk = createBackline({
      mode: "http",
      baseUrl: this.options.baseUrl ?? config?.apiUrl ?? "",
      fetch: session.fetch,
      ...(this.options.storage && { storage: this.options.storage }),
    });
    return { mode: "real", sdk, session };
  }

  private stubClient(): Client {
    // The spec's stub keeps everything in localStorage (its session under `stub-user`).
    const storage = this.options.storage ?? localStorageOrMemory();
    const shareBase =
      this.options.stubShareBaseUrl ?? (globalThis as PageGlobals).BACKLINE_CONFIG?.stubShareBaseUrl;
    const page = browser.location?.origin;
    const sdk = createBackline({
      mode: "stub",
      storage,
      stubStorage: this.options.stubStorage ?? storage,
      ...(this.options.stubAdmins && { stubAdmins: this.options.stubAdmins }),
      ...(shareBase && { stubShareBaseUrl: page ? new URL(shareBase, page).href : shareBase }),
    });
    return { mode: "stub", sdk, session: stubSession(storage) };
  }

  /** Drops the services; the SDK's setMode stops the old client's background sync. */
  private retire(): void {
    const old = this.services.client;
    if (old) old.sdk.setMode(old.sdk.mode);
    this.services = {};
  }
}

/** The factory of the page, as the spec's service-factory.js exports it. */
export const serviceFactory = new ServiceFactory();
