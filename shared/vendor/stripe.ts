/**
 * Stripe for the worker, built from the `stripe` package's own modules (its request sender,
 * resource classes, errors, webhook verification and fetch client) with only the API resources
 * Backline calls. `new Stripe()` instantiates every resource the API has (about 150), so each
 * of them stays in the bundle: 243 KB minified, 33 KB of the gzipped worker. This client keeps
 * the six in `StripeClient`; a call to any other is a type error, not a runtime surprise.
 * Requests, retries, idempotency keys, telemetry and errors are the package's code, unchanged;
 * `StripeCore` below stands in for the part of the `Stripe` class (stripe/esm/stripe.core.js)
 * that the request sender and the resources read. test/stripe-client.test.ts checks each call
 * against the local emulator and that the headers match what `new Stripe()` sends.
 */
import type Stripe from "stripe";
import { ApiVersion } from "../../node_modules/stripe/esm/apiVersion.js";
import * as errors from "../../node_modules/stripe/esm/Error.js";
import type { HttpClient } from "../../node_modules/stripe/esm/net/HttpClient.js";
import { WebPlatformFunctions } from "../../node_modules/stripe/esm/platform/WebPlatformFunctions.js";
import { RequestSender } from "../../node_modules/stripe/esm/RequestSender.js";
import { SessionResource as BillingPortalSessionResource } from "../../node_modules/stripe/esm/resources/BillingPortal/Sessions.js";
import { SessionResource as CheckoutSessionResource } from "../../node_modules/stripe/esm/resources/Checkout/Sessions.js";
import { CustomerResource } from "../../node_modules/stripe/esm/resources/Customers.js";
import { InvoicePaymentResource } from "../../node_modules/stripe/esm/resources/InvoicePayments.js";
import { RefundResource } from "../../node_modules/stripe/esm/resources/Refunds.js";
import { SubscriptionResource } from "../../node_modules/stripe/esm/resources/Subscriptions.js";
import { StripeResource } from "../../node_modules/stripe/esm/StripeResource.js";
import { DEFAULT_BASE_ADDRESSES } from "../../node_modules/stripe/esm/Types.js";
import {
  createApiKeyAuthenticator,
  detectAIAgent,
  validateInteger,
} from "../../node_modules/stripe/esm/utils.js";
import { createWebhooks } from "../../node_modules/stripe/esm/Webhooks.js";

/** The Stripe API surface the worker uses. */
export type StripeClient = Pick<Stripe, "customers" | "subscriptions" | "invoicePayments" | "refunds"> & {
  checkout: Pick<Stripe["checkout"], "sessions">;
  billingPortal: Pick<Stripe["billingPortal"], "sessions">;
};

/** The options the worker passes (a subset of `Stripe.StripeConfig`, same meaning). */
export type StripeClientConfig = Pick<
  Stripe.StripeConfig,
  "maxNetworkRetries" | "timeout" | "host" | "port" | "protocol"
> & { httpClient: HttpClient };

/** The package's version, sent in the User-Agent; the test compares it with `Stripe.PACKAGE_VERSION`. */
export const PACKAGE_VERSION = "23.1.0";

const platform = new WebPlatformFunctions();

/** `Stripe.errors`: the error classes a failed call rejects with. */
export { errors };
/** `Stripe.webhooks`: signature verification (`constructEventAsync`) and test headers. */
export const webhooks = createWebhooks(platform);
/** `Stripe.createFetchHttpClient`. */
export const createFetchHttpClient = (fetchFn?: typeof fetch) => platform.createFetchHttpClient(fetchFn);
/** `Stripe.createSubtleCryptoProvider`. */
export const createSubtleCryptoProvider = () => platform.createSubtleCryptoProvider();

// stripe.core.js constants, read through getConstant and the getters below.
const DEFAULT_HOST = "api.stripe.com";
const DEFAULT_PORT = "443";
const DEFAULT_BASE_PATH = "/v1/";
const DEFAULT_TIMEOUT = 80_000;
const MAX_NETWORK_RETRY_DELAY_SEC = 5;
const INITIAL_NETWORK_RETRY_DELAY_SEC = 0.5;

const env = platform.getEnv();
const runtimeVersion = platform.getRuntimeVersion();
const AI_AGENT = env ? detectAIAgent(env) : "";
const USER_AGENT: Record<string, string | boolean> = {
  bindings_version: PACKAGE_VERSION,
  lang: "node",
  typescript: false,
  ...(runtimeVersion ? { lang_version: runtimeVersion } : {}),
  ...(AI_AGENT ? { ai_agent: AI_AGENT } : {}),
};
const CONSTANTS: Record<string, unknown> = {
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_BASE_PATH,
  DEFAULT_API_VERSION: ApiVersion,
  DEFAULT_TIMEOUT,
  MAX_NETWORK_RETRY_DELAY_SEC,
  INITIAL_NETWORK_RETRY_DELAY_SEC,
  PACKAGE_VERSION,
  API_VERSION: ApiVersion,
  AI_AGENT,
  USER_AGENT,
};

/**
 * What `Stripe` (stripe.core.js) gives the request sender and the resources: configuration,
 * authentication, the event emitter, telemetry and the user agent, with the same defaults.
 * No app info, stripe account, stripe context or custom authenticator: the worker sets none.
 */
class StripeCore {
  readonly _platformFunctions = platform;
  readonly _emitter = platform.createEmitter();
  readonly _prevRequestMetrics: unknown[] = [];
  readonly _appInfo = undefined;
  readonly _authenticator: ReturnType<typeof createApiKeyAuthenticator>;
  readonly _api: Record<string, unknown>;
  readonly _requestSender: RequestSender;

  constructor(key: string, config: StripeClientConfig) {
    this._api = {
      host: config.host || DEFAULT_HOST,
      port: config.port || DEFAULT_PORT,
      protocol: config.protocol || "https",
      basePath: DEFAULT_BASE_PATH,
      version: ApiVersion,
      timeout: validateInteger("timeout", config.timeout, DEFAULT_TIMEOUT),
      maxNetworkRetries: validateInteger(
        "maxNetworkRetries",
        config.maxNetworkRetries,
        platform.getDefaultMaxNetworkRetries(),
      ),
      agent: null,
      httpClient: config.httpClient,
      dev: false,
      stripeAccount: null,
      stripeContext: null,
    };
    this._authenticator = createApiKeyAuthenticator(key);
    this._requestSender = new RequestSender(asStripe(this), StripeResource.MAX_BUFFERED_REQUEST_METRICS);
  }

  getApiField(key: string): unknown {
    return this._api[key];
  }
  _setApiField(key: string, value: unknown): void {
    this._api[key] = value;
  }
  getConstant(name: string): unknown {
    return CONSTANTS[name];
  }
  resolveBaseAddress(apiBase: keyof typeof DEFAULT_BASE_ADDRESSES): string {
    const host = this._api.host as string;
    return host !== DEFAULT_HOST ? host : DEFAULT_BASE_ADDRESSES[apiBase];
  }
  getMaxNetworkRetries(): number {
    return this._api.maxNetworkRetries as number;
  }
  getMaxNetworkRetryDelay(): number {
    return MAX_NETWORK_RETRY_DELAY_SEC;
  }
  getInitialNetworkRetryDelay(): number {
    return INITIAL_NETWORK_RETRY_DELAY_SEC;
  }
  getTelemetryEnabled(): boolean {
    return true;
  }
  getEmitEventBodiesEnabled(): boolean {
    return false;
  }
  getAppInfoAsString(): string {
    return "";
  }
  /** The X-Stripe-Client-User-Agent header, as stripe.core.js `getClientUserAgentSeeded` builds it. */
  getClientUserAgent(cb: (userAgent: string) => void): void {
    const userAgent: Record<string, string> = {};
    for (const [field, value] of Object.entries(USER_AGENT)) userAgent[field] = encodeURIComponent(value);
    const platformInfo = platform.getPlatformInfo();
    if (platformInfo) userAgent.platform = encodeURIComponent(platformInfo);
    userAgent.httplib = encodeURIComponent((this._api.httpClient as HttpClient).getClientName());
    const telemetryId = platform.getTelemetryId();
    if (telemetryId) userAgent.telemetry_id = telemetryId;
    cb(JSON.stringify(userAgent));
  }
}

/** The resources are typed against `Stripe`; they read only what `StripeCore` implements. */
function asStripe(core: StripeCore): Stripe {
  return core as unknown as Stripe;
}

/** A Stripe client with the worker's resources: `new Stripe(key, config)` for `StripeClient`'s calls. */
export function createStripeClient(key: string, config: StripeClientConfig): StripeClient {
  const core = asStripe(new StripeCore(key, config));
  return {
    customers: new CustomerResource(core),
    subscriptions: new SubscriptionResource(core),
    invoicePayments: new InvoicePaymentResource(core),
    refunds: new RefundResource(core),
    checkout: { sessions: new CheckoutSessionResource(core) },
    billingPortal: { sessions: new BillingPortalSessionResource(core) },
  };
}
