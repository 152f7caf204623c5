import type { Redis } from "@upstash/redis/cloudflare";
import type { Context } from "hono";
import { type ApiKeyFacts, findLiveApiKey, liveApiKeyAssertion } from "../../db/queries/api-keys";
import { auditAsApiKey } from "../../db/queries/audit";
import { createAssertingDb } from "../clients";
import { sha256 } from "../crypto";
import { describeError } from "../db-errors";
import type { AppEnv } from "../env";
import { defineProblems, problems } from "../errors";
import { ACCESS_TOKEN_TTL_SECONDS, type AccessClaims } from "./access-token";
import { apiKeyPrefixFor, parseApiKey } from "./api-key-format";
import type { PendingApiKey } from "./api-key-pending";
import { type ApiKeyRoutes, SCOPE_ROLES } from "./api-key-scopes";

/**
 * Authenticating with an API key, in two steps around the rate limiter so that a cached key
 * costs one Upstash round trip (its cache read shares the limiter's pipeline) and no Neon one
 * of its own: `startApiKeyAuthentication` checks the key's shape and the route with no I/O and
 * starts the cache read; `resolveApiKey` takes the facts (from the cache, else one lookup,
 * then cached), checks expiry and scope, and gives the request a database handle that asserts
 * the key is live (not revoked, not past its rotation grace) in the same round trip as the
 * route's first statement, so a revoked key is refused at once.
 */

export const apiKeyProblems = {
  ...defineProblems({
    insufficientScope: { status: 403, title: "The API key lacks the scope this route needs" },
    apiKeyNotAccepted: { status: 403, title: "This route does not accept API keys" },
  }),
  /** Malformed, unknown, expired, revoked or rotated out: one shape, so nothing is learned from it. */
  invalidApiKey: () =>
    problems.unauthorized({
      detail: "The API key is invalid, expired or revoked.",
      headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' },
    }),
};

/** How long a key's facts stay cached: as long as an access token keeps its role and tier claims. */
export const API_KEY_CACHE_SECONDS = ACCESS_TOKEN_TTL_SECONDS;

/** Redis key of a key's cached facts, by its secret's hash. */
export function apiKeyCacheKey(secretHash: string): string {
  return `apikey:${secretHash}`;
}

// EVAL is a "write" to the SDK's auto-pipeline: the read travels with the limiter's EVALSHA.
const READ_CACHE = "return redis.call('GET', KEYS[1])";

async function readCachedFacts(c: Context<AppEnv>, secretHash: string): Promise<ApiKeyFacts | undefined> {
  try {
    const value = await c.get("redis").eval<[], unknown>(READ_CACHE, [apiKeyCacheKey(secretHash)], []);
    if (value === null || value === undefined) return undefined;
    return (typeof value === "string" ? JSON.parse(value) : value) as ApiKeyFacts;
  } catch (error) {
    logWarning(c, "api key cache unavailable; looking the key up in the database", error);
    return undefined;
  }
}

function cacheFacts(c: Context<AppEnv>, redis: Redis, secretHash: string, facts: ApiKeyFacts): void {
  const write = redis
    .set(apiKeyCacheKey(secretHash), JSON.stringify(facts), { ex: API_KEY_CACHE_SECONDS })
    .catch((error: unknown) => logWarning(c, "api key facts not cached", error));
  try {
    c.executionCtx.waitUntil(write);
  } catch {
    // No execution context (app.request in a unit test): the write runs on its own.
  }
}

function logWarning(c: Context<AppEnv>, msg: string, error: unknown): void {
  console.warn(
    JSON.stringify({ level: "warn", msg, requestId: c.get("requestId"), ...describeError(error) }),
  );
}

/**
 * Checks a presented key's shape, checksum and environment and that the route accepts keys
 * (no I/O: a malformed key costs no lookup), then starts the cache read and counts the
 * request for the key (`key:<id>`, the id is inside the secret).
 */
export async function startApiKeyAuthentication(
  c: Context<AppEnv>,
  secret: string,
  routes: ApiKeyRoutes | undefined,
): Promise<void> {
  const parsed = parseApiKey(secret, apiKeyPrefixFor(c.get("config").APP_ENV));
  if (!parsed) throw apiKeyProblems.invalidApiKey();
  const scope = routes?.(c.req.method, c.req.path);
  if (!scope) {
    throw apiKeyProblems.apiKeyNotAccepted({
      detail: "This route needs a signed-in session; API keys are not accepted here.",
    });
  }
  const secretHash = await sha256(parsed.secret);
  c.set("principal", `key:${parsed.id}`);
  c.set("apiKey", { id: parsed.id, secretHash, scope, cached: readCachedFacts(c, secretHash) });
}

/**
 * Finishes what startApiKeyAuthentication began: the key's facts (cache, else one lookup that
 * is then cached), 401 when the key is unknown or expired, 403 when it lacks the route's scope
 * or its owner the role that scope needs. The request then acts as the key's owner, with
 * claims shaped like an access token's (`sid` naming the key) so the routes run unchanged.
 */
export async function resolveApiKey(c: Context<AppEnv>): Promise<void> {
  const pending = c.get("apiKey");
  if (!pending) return;
  const facts = (await pending.cached) ?? (await lookUp(c, pending));
  if (!facts || facts.keyId !== pending.id) throw apiKeyProblems.invalidApiKey();
  if (facts.expiresAt !== null && Date.parse(facts.expiresAt) <= Date.now()) {
    throw apiKeyProblems.invalidApiKey();
  }
  if (!facts.scopes.includes(pending.scope)) {
    throw apiKeyProblems.insufficientScope({
      detail: `This route needs an API key with the ${pending.scope} scope.`,
      extensions: { requiredScope: pending.scope },
      headers: { "WWW-Authenticate": `Bearer error="insufficient_scope", scope="${pending.scope}"` },
    });
  }
  const role = SCOPE_ROLES[pending.scope];
  if (role && facts.role !== role)
    throw problems.forbidden(`The ${pending.scope} scope needs the ${role} role.`);
  const assertion = liveApiKeyAssertion({ ...facts, secretHash: pending.secretHash, role });
  const db = createAssertingDb(c.get("config"), assertion, c.get("requestId"));
  auditAsApiKey(db, facts.keyId);
  c.set("db", db);
  c.set("userId", facts.userId);
  c.set("auth", claimsOf(facts));
  c.set("revocation", Promise.resolve({ ok: true as const, revoked: false }));
}

async function lookUp(c: Context<AppEnv>, pending: PendingApiKey): Promise<ApiKeyFacts | undefined> {
  const facts = await findLiveApiKey(c.get("db"), pending.secretHash);
  if (facts) cacheFacts(c, c.get("redis"), pending.secretHash, facts);
  return facts;
}

function claimsOf(facts: ApiKeyFacts): AccessClaims {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: facts.userId,
    sid: `key:${facts.keyId}`,
    role: facts.role,
    tier: facts.tier,
    email_verified: facts.emailVerified,
    iat: now,
    nbf: now,
    exp: now + API_KEY_CACHE_SECONDS,
  };
}
