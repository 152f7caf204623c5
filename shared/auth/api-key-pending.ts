import type { ApiKeyFacts } from "../../db/queries/api-keys";
import type { ApiKeyRoute } from "./api-key-scopes";

/** What the cache read found: the key's facts, or a miss with the client's misses counted so far in this window. */
export type CachedApiKey = { facts: ApiKeyFacts } | { misses: number; resetSeconds: number };

/** A presented key between authenticate() and resolveApiKeys() (shared/auth/api-key-auth.ts). */
export interface PendingApiKey {
  id: string;
  secretHash: string;
  /** The route as a personal key and as a team key calls it; which applies is known once the key's facts are. */
  route: { user?: ApiKeyRoute; team?: ApiKeyRoute };
  /** The cache read, started in the rate limiter's tick; undefined when Redis failed. */
  cached: Promise<CachedApiKey | undefined>;
}
