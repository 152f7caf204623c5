import type { Redis } from "@upstash/redis/cloudflare";
import type { Database } from "../db/database";
import type { AccessClaims } from "./auth/access-token";
import type { PendingApiKey } from "./auth/api-key-pending";
import type { RevocationCheck } from "./auth/revocation";
import type { Bindings } from "./bindings";
import type { Config } from "./config";

export type { Database } from "../db/database";
export type { Bindings } from "./bindings";

/** Context variables set by the shared middleware. */
export type Variables = {
  requestId: string;
  /**
   * Local runs only, and only when the client sent its own X-Request-Id: the id the worker tags
   * its Neon, Upstash and Stripe calls with, so the dev/ stand-ins can count one request's round
   * trips (tests and the bench's probes). Untraced requests share the per-isolate clients, as in
   * production.
   */
  traceId?: string;
  config: Config;
  db: Database;
  redis: Redis;
  /** The verified access token's claims, when the request carries one (its session not yet checked). */
  auth?: AccessClaims;
  /** The claims once requireAuth() or requireRole() found the session live. */
  claims?: AccessClaims;
  /** The pending Redis check that the token's session is not revoked; awaited by requireAuth. */
  revocation?: RevocationCheck;
  /**
   * Set when the request reads ahead (shared/middleware/read-ahead.ts): its database handle
   * holds what it reads until the rate limit and the session are checked, so requireAuth need
   * not wait for them.
   */
  readAhead?: true;
  /** The signed-in user's id; logged with the request. */
  userId?: string;
  /** The API key the request presented, until resolveApiKeys() has checked it (shared/auth/api-key-auth.ts). */
  apiKey?: PendingApiKey;
  /**
   * Set when the request is authenticated by a team's API key: the team it acts for. Routes that
   * act on team data (patterns, class progress) take it as the team; `userId` is then the key's
   * creator.
   */
  keyTeamId?: string;
  /** Who rate limits and idempotency keys are counted for: `user:<id>`, `key:<id>` or `ip:<addr>`. */
  principal?: string;
};

export type AppEnv = { Bindings: Bindings; Variables: Variables };
