import { neon, neonConfig, type ParameterizedQuery } from "@neondatabase/serverless";
import { Redis } from "@upstash/redis/cloudflare";
import { drizzle } from "drizzle-orm/neon-http";
import { assertingClient, type Client, drizzleOptions, gatedClient } from "../db/database";
import type { Config } from "./config";
import type { Database } from "./env";
import { createFetchHttpClient, createStripeClient, type StripeClient } from "./vendor/stripe";

/**
 * In local mode the worker tags its Neon and Upstash calls with the request id, so the dev/
 * stand-ins can count the round trips one request costs. Neon sends the connection string
 * as a header: the key rides in it as a query parameter. Never done in production.
 */
const TRACE_PARAM = "backline_trace";

/** How long one Upstash call may take before it counts as Redis being unreachable. */
export const REDIS_TIMEOUT_MS = 1000;

/**
 * How long one Neon HTTP query (or batch) may take before Postgres counts as unreachable and
 * the request answers 503. Above a cold compute's wake-up (typically well under a second)
 * and far above any query this API makes.
 */
export const DATABASE_TIMEOUT_MS = 5000;

/** The Neon driver's fetch, bounded: a Postgres that hangs is a 503, not a request that never ends. */
function boundedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  return fetch(input, { ...init, signal: AbortSignal.timeout(DATABASE_TIMEOUT_MS) });
}

/** Databases by config, per isolate: no sockets, each query is its own fetch (style.md). */
const databases = new WeakMap<Config, Database>();

/**
 * Drizzle over Neon's HTTP driver: one round trip per query or per `db.batch`. Built once per
 * isolate and config; a traced local call (its own connection string) gets its own.
 * No relational schema is passed: nothing uses `db.query`, and building its config cost
 * 16–29% of a request's CPU.
 */
export function createDb(config: Config, traceId?: string): Database {
  pointDriverAt(config);
  if (config.local && traceId) return buildDb(tracedUrl(config, traceId));
  let db = databases.get(config);
  if (!db) {
    db = buildDb(config.DATABASE_URL);
    databases.set(config, db);
  }
  return db;
}

/**
 * A database for one request whose statements carry `assertion` in the same transaction until
 * it has passed once (db/database.ts `assertingClient`): no extra round trip. Built per request,
 * as it remembers whether the assertion passed.
 */
export function createAssertingDb(config: Config, assertion: ParameterizedQuery, traceId?: string): Database {
  pointDriverAt(config);
  const url = config.local && traceId ? tracedUrl(config, traceId) : config.DATABASE_URL;
  return buildDb(url, assertion);
}

/**
 * The request's database whose results wait for `gate` (shared/middleware/read-ahead.ts): its
 * statements leave at once on `db`'s connection. Built per request, as the gate is the request's.
 */
export function createGatedDb(db: Database, gate: Promise<unknown>): Database {
  const client = (db as Database & { $client: Client }).$client;
  return drizzle({ client: gatedClient(client, gate), ...drizzleOptions });
}

function tracedUrl(config: Config, traceId: string): string {
  const traced = new URL(config.DATABASE_URL);
  traced.searchParams.set(TRACE_PARAM, traceId);
  return traced.toString();
}

/**
 * The driver's fetch and endpoint are global, read when a query is sent: set on every request,
 * as a cached database may serve a config whose endpoint another one replaced (tests run
 * several configs in one isolate).
 */
function pointDriverAt(config: Config): void {
  neonConfig.fetchFunction = boundedFetch;
  // Only ever set when the worker runs against the local stand-in.
  if (config.NEON_HTTP_ENDPOINT) neonConfig.fetchEndpoint = config.NEON_HTTP_ENDPOINT;
}

function buildDb(url: string, assertion?: ParameterizedQuery): Database {
  const client = neon(url);
  return drizzle({ client: assertion ? assertingClient(client, assertion) : client, ...drizzleOptions });
}

/**
 * Upstash Redis over REST. Commands issued in the same tick share one HTTP request
 * (auto-pipelining); each request is bounded by a short timeout and never retried,
 * so an unreachable Redis is noticed quickly and each caller decides to fail open or closed.
 */
export function createRedis(config: Config, traceId?: string): Redis {
  // The stand-in reads the trace key from the path: the SDK has no per-client headers.
  const url =
    config.local && traceId
      ? `${config.UPSTASH_REDIS_REST_URL}/~trace/${encodeURIComponent(traceId)}`
      : config.UPSTASH_REDIS_REST_URL;
  return new Redis({
    url,
    token: config.UPSTASH_REDIS_REST_TOKEN,
    enableAutoPipelining: true,
    enableTelemetry: false,
    // Plain JSON replies: every value stored is text, and base64 replies cost a decode of each
    // string in every reply (about a tenth of a request's JS time in workerd).
    responseEncoding: false,
    retry: false,
    signal: () => AbortSignal.timeout(REDIS_TIMEOUT_MS),
  });
}

/** Stripe clients by config, per isolate: each API call is its own fetch (style.md). */
const stripes = new WeakMap<Config, StripeClient>();

/**
 * Stripe with the fetch HTTP client (the Node client hangs in workerd), holding only the API
 * resources the worker calls (shared/vendor/stripe.ts). Built once per isolate and config; a
 * traced local call gets its own, which tags each call with the request id so the emulator
 * can count it.
 */
export function createStripe(config: Config, traceId?: string): StripeClient {
  if (config.STRIPE_API_BASE && traceId) return buildStripe(config, traceId);
  let stripe = stripes.get(config);
  if (!stripe) {
    stripe = buildStripe(config);
    stripes.set(config, stripe);
  }
  return stripe;
}

function buildStripe(config: Config, traceId?: string): StripeClient {
  const options = { maxNetworkRetries: 1, timeout: 10_000 };
  if (!config.STRIPE_API_BASE) {
    return createStripeClient(config.STRIPE_SECRET_KEY, { ...options, httpClient: createFetchHttpClient() });
  }
  const local = new URL(config.STRIPE_API_BASE);
  const traced: typeof fetch = (input, init) => {
    if (!traceId) return fetch(input, init);
    const headers = new Headers(init?.headers);
    headers.set("x-backline-trace", traceId);
    return fetch(input, { ...init, headers });
  };
  return createStripeClient(config.STRIPE_SECRET_KEY, {
    ...options,
    httpClient: createFetchHttpClient(traced),
    host: local.hostname,
    port: local.port || (local.protocol === "https:" ? "443" : "80"),
    protocol: local.protocol.replace(":", "") as "http" | "https",
  });
}
