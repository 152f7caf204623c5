import type { Redis } from "@upstash/redis/cloudflare";
import type { Context } from "hono";
import { type ApiKeyFacts, findLiveApiKey, liveApiKeyAssertion } from "../../db/queries/api-keys";
import { auditAsApiKey } from "../../db/queries/audit";
import { clientRateLimitKey } from "../client-ip";
import { createAssertingDb } from "../clients";
import { sha256 } from "../crypto";
import { describeError } from "../db-errors";
import type { AppEnv } from "../env";
import { defineProblems, problems } from "../errors";
import { type RateLimitPolicy, rateLimitedError, windowSeconds } from "../middleware/rate-limit";
import { ACCESS_TOKEN_TTL_SECONDS, type AccessClaims } from "./access-token";
import { apiKeyPrefixFor, parseApiKey } from "./api-key-format";
import type { CachedApiKey, PendingApiKey } from "./api-key-pending";
import { type ApiKeyRoute, type ApiKeyRouteTables, SCOPE_ROLES } from "./api-key-scopes";

/**
 * Authenticating with an API key, in two steps around the rate limiter so that a cached key
 * costs one Upstash round trip (its cache read shares the limiter's pipeline) and no Neon one
 * of its own: `startApiKeyAuthentication` checks the key's shape and the route with no I/O and
 * starts the cache read; `resolveApiKey` takes the facts (from the cache, else one lookup,
 * then cached), checks expiry and scope, and gives the request a database handle that asserts
 * the key is live (not revoked, not past its rotation grace, a team key's creator still a
 * manager of its team) in the same round trip as the route's first statement, so a revoked
 * key is refused at once.
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

/**
 * Lookups in Postgres (cache misses) one client IP (IPv6: its /64) may cause per window. The
 * limiter counts per key id, which a caller picks freely: without this budget a flood of
 * well-formed keys nobody issued would cost one Neon query each. A server's own keys miss
 * once per API_KEY_CACHE_SECONDS each, far below it.
 */
export const API_KEY_LOOKUP_POLICY = {
  name: "api-key-lookups",
  limit: 30,
  window: "1 m",
  failMode: "open",
} satisfies RateLimitPolicy;

/** Redis key of a key's cached facts, by its secret's hash. */
export function apiKeyCacheKey(secretHash: string): string {
  return `apikey:${secretHash}`;
}

/** Redis key of a client's cache misses in the current window. */
export function apiKeyMissesKey(client: string): string {
  return `rl:${API_KEY_LOOKUP_POLICY.name}:${client}`;
}

// EVAL is a "write" to the SDK's auto-pipeline: the read travels with the limiter's EVALSHA.
// A miss counts against the client's lookup budget in the same script (fixed window), so the
// budget costs no round trip either; it answers the facts' JSON, or {misses, seconds left}.
const READ_CACHE = `
local facts = redis.call('GET', KEYS[1])
if facts then return facts end
local misses = redis.call('INCR', KEYS[2])
if misses == 1 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
return {misses, redis.call('TTL', KEYS[2])}
`;

async function readCache(c: Context<AppEnv>, secretHash: string): Promise<CachedApiKey | undefined> {
  const window = windowSeconds(API_KEY_LOOKUP_POLICY.window);
  try {
    const value = await c
      .get("redis")
      .eval<[string], unknown>(
        READ_CACHE,
        [apiKeyCacheKey(secretHash), apiKeyMissesKey(clientRateLimitKey(c))],
        [String(window)],
      );
    if (Array.isArray(value)) {
      const [misses, ttl] = value.map(Number) as [number, number];
      return { misses, resetSeconds: ttl > 0 ? ttl : window };
    }
    return { facts: (typeof value === "string" ? JSON.parse(value) : value) as ApiKeyFacts };
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
 * Checks a presented key's shape, checksum and environment and that the route accepts keys of
 * some kind (no I/O: a malformed key costs no lookup), then starts the cache read and counts
 * the request for the key (`key:<id>`, the id is inside the secret).
 */
export async function startApiKeyAuthentication(
  c: Context<AppEnv>,
  secret: string,
  routes: ApiKeyRouteTables | undefined,
): Promise<void> {
  const parsed = parseApiKey(secret, apiKeyPrefixFor(c.get("config").APP_ENV));
  if (!parsed) throw apiKeyProblems.invalidApiKey();
  const route = {
    user: routes?.user(c.req.method, c.req.path),
    team: routes?.team(c.req.method, c.req.path),
  };
  if (!route.user && !route.team) {
    throw apiKeyProblems.apiKeyNotAccepted({
      detail: "This route needs a signed-in session; API keys are not accepted here.",
    });
  }
  const secretHash = await sha256(parsed.secret);
  c.set("principal", `key:${parsed.id}`);
  c.set("apiKey", { id: parsed.id, secretHash, route, cached: readCache(c, secretHash) });
}

/**
 * Finishes what startApiKeyAuthentication began: the key's facts (cache, else one lookup that
 * is then cached, within the client's lookup budget), 401 when the key is unknown or expired,
 * 403 when the route does not take keys of its kind (personal or team), when it lacks the
 * route's scope or its owner the role that scope needs. The request then acts as the key's
 * owner (a team key's creator, with `keyTeamId` set), with claims shaped like an access
 * token's (`sid` naming the key) so the routes run unchanged.
 */
export async function resolveApiKey(c: Context<AppEnv>): Promise<void> {
  const pending = c.get("apiKey");
  if (!pending) return;
  const facts = await factsOf(c, pending);
  if (!facts || facts.keyId !== pending.id) throw apiKeyProblems.invalidApiKey();
  if (facts.expiresAt !== null && Date.parse(facts.expiresAt) <= Date.now()) {
    throw apiKeyProblems.invalidApiKey();
  }
  // Facts cached before team keys existed carry no teamId: those are personal keys.
  const teamId = facts.teamId ?? null;
  const { scope } = routeFor(pending, teamId);
  if (!facts.scopes.includes(scope)) {
    throw apiKeyProblems.insufficientScope({
      detail: `This route needs an API key with the ${scope} scope.`,
      extensions: { requiredScope: scope },
      headers: { "WWW-Authenticate": `Bearer error="insufficient_scope", scope="${scope}"` },
    });
  }
  // A team key's scopes need a manager of the team, which the key's liveness already asserts.
  const role = teamId ? undefined : SCOPE_ROLES[scope];
  if (role && facts.role !== role) throw problems.forbidden(`The ${scope} scope needs the ${role} role.`);
  const assertion = liveApiKeyAssertion({ ...facts, secretHash: pending.secretHash, role });
  const db = createAssertingDb(c.get("config"), assertion, c.get("traceId"));
  auditAsApiKey(db, facts.keyId);
  c.set("db", db);
  c.set("userId", facts.userId);
  c.set("auth", claimsOf(facts));
  c.set("revocation", Promise.resolve({ ok: true as const, revoked: false }));
  if (teamId) c.set("keyTeamId", teamId);
}

/** The cached facts, else a lookup unless the client has used up its lookup budget (429 then). */
async function factsOf(c: Context<AppEnv>, pending: PendingApiKey): Promise<ApiKeyFacts | undefined> {
  const cached = await pending.cached;
  if (cached && "facts" in cached) return cached.facts;
  if (cached && cached.misses > API_KEY_LOOKUP_POLICY.limit) {
    throw rateLimitedError(API_KEY_LOOKUP_POLICY, {
      limit: API_KEY_LOOKUP_POLICY.limit,
      remaining: 0,
      reset: Date.now() + cached.resetSeconds * 1000,
    });
  }
  return lookUp(c, pending);
}

/**
 * The route as this key's kind calls it: a team key only on the team routes (and on a route
 * naming a team, only its own team), a personal key only on the personal ones.
 */
function routeFor(pending: PendingApiKey, teamId: string | null): ApiKeyRoute {
  const route = teamId ? pending.route.team : pending.route.user;
  if (!route) {
    throw apiKeyProblems.apiKeyNotAccepted({
      detail: teamId
        ? "A team's API key is not accepted on this route: it acts on its team's patterns and class progress only."
        : "This route accepts a team's API keys only.",
    });
  }
  // Team ids are UUIDs, stored in lower case; a path may spell one in upper case.
  if (teamId && route.teamId !== undefined && route.teamId.toLowerCase() !== teamId) {
    throw apiKeyProblems.apiKeyNotAccepted({ detail: "A team's API key acts on its own team only." });
  }
  return route;
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
