import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { liveSessionAssertion } from "../../db/queries/sessions";
import type { Role } from "../../db/schema/users";
import { type AccessClaims, verifyAccessToken } from "../auth/access-token";
import { resolveApiKey, startApiKeyAuthentication } from "../auth/api-key-auth";
import { looksLikeApiKey } from "../auth/api-key-format";
import type { ApiKeyRouteTables } from "../auth/api-key-scopes";
import { authProblems } from "../auth/problems";
import { isSessionRevoked, warnRevocationUnavailable } from "../auth/revocation";
import { createAssertingDb } from "../clients";
import type { AppEnv, Bindings, Variables } from "../env";
import { problems } from "../errors";

/**
 * Reads a Bearer access token if there is one: verifies it with no DB query, sets `auth`,
 * `userId` and `principal`, and starts the session revocation check in Redis without
 * waiting, so it shares one Upstash round trip with the rate limiter that runs next.
 * A token that does not verify is refused at once. An API key (`bk_…`) is accepted only on
 * the routes `apiKeys` names (personal and team keys each their own), and only where
 * resolveApiKeys() runs after the rate limiter.
 */
export function authenticate(options: { apiKeys?: ApiKeyRouteTables } = {}): MiddlewareHandler<AppEnv> {
  return async function authenticateMiddleware(c, next) {
    const header = c.req.header("Authorization");
    if (header === undefined) return next();
    const match = /^Bearer ([A-Za-z0-9_\-.=]+)$/.exec(header);
    if (match?.[1] && looksLikeApiKey(match[1])) {
      await startApiKeyAuthentication(c, match[1], options.apiKeys);
      return next();
    }
    const config = c.get("config");
    const claims =
      match?.[1] &&
      (await verifyAccessToken(match[1], {
        current: config.JWT_SECRET,
        previous: config.JWT_SECRET_PREVIOUS,
      }));
    if (!claims) throw authProblems.invalidAccessToken();
    c.set("auth", claims);
    c.set("userId", claims.sub);
    c.set("principal", `user:${claims.sub}`);
    c.set(
      "revocation",
      isSessionRevoked(c.get("redis"), claims.sid).then(
        (revoked) => ({ ok: true as const, revoked }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
    );
    await next();
  };
}

/**
 * Checks the API key authenticate() let through (its cache read shared the rate limiter's
 * round trip): mount it after the limiter on groups whose routes accept keys.
 */
export function resolveApiKeys(): MiddlewareHandler<AppEnv> {
  return async function resolveApiKeysMiddleware(c, next) {
    await resolveApiKey(c);
    await next();
  };
}

/** Context variables of a request that requireAuth() or requireRole() let through. */
export type SignedInVariables = {
  /** The signed-in user's id. */
  userId: string;
  /** The access token's claims, its session checked live. */
  claims: AccessClaims;
};

/** The env of a route behind requireAuth() or requireRole(): `userId` and `claims` are set. */
export type SignedInEnv = { Bindings: Bindings; Variables: Variables & SignedInVariables };

/** Refuses the request unless it carries a valid access token of a session that is not revoked. */
export function requireAuth() {
  return createMiddleware<SignedInEnv>(async function requireAuthMiddleware(c, next) {
    const claims = await assertLiveSession(c);
    c.set("claims", claims);
    c.set("userId", claims.sub);
    await next();
  });
}

/** Refuses the request unless the signed-in user has one of these roles (403 otherwise). */
export function requireRole(...roles: Role[]) {
  return createMiddleware<SignedInEnv>(async function requireRoleMiddleware(c, next) {
    const claims = await assertLiveSession(c);
    if (!roles.includes(claims.role)) {
      throw problems.forbidden(`This needs the ${roles.join(" or ")} role.`);
    }
    c.set("claims", claims);
    c.set("userId", claims.sub);
    await next();
  });
}

/** Requests whose database handle already asserts their session. */
const assertedInDatabase = new WeakSet<Request>();

/**
 * The request's claims if it carries a valid token of a live session; 401 otherwise. When Redis
 * cannot say whether the session was revoked, the request's database handle asserts the session
 * in the same round trip as its first statement instead (a revoked session's statement never
 * commits and the request answers 401), so reads and writes keep working through a Redis outage.
 */
export async function assertLiveSession<E extends AppEnv>(c: Context<E>): Promise<AccessClaims> {
  const auth = c.get("auth");
  const revocation = c.get("revocation");
  if (!auth || !revocation) throw authProblems.invalidAccessToken();
  // Read ahead: the database handle holds what the route reads until the session is checked.
  if (c.get("readAhead")) return auth;
  const result = await revocation;
  if (!result.ok) {
    assertSessionInDatabase(c as unknown as Context<AppEnv>, auth, result.error);
    return auth;
  }
  if (result.revoked) throw authProblems.invalidAccessToken();
  return auth;
}

function assertSessionInDatabase(c: Context<AppEnv>, auth: AccessClaims, cause: unknown): void {
  if (assertedInDatabase.has(c.req.raw)) return;
  assertedInDatabase.add(c.req.raw);
  const assertion = liveSessionAssertion(auth.sid, auth.sub);
  c.set("db", createAssertingDb(c.get("config"), assertion, c.get("traceId")));
  warnRevocationUnavailable(c.get("requestId"), cause);
}
