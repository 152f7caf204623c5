import type { ApiKeyFacts } from "../../db/queries/api-keys";
import type { ApiKeyScope } from "./api-key-scopes";

/** A presented key between authenticate() and resolveApiKeys() (shared/auth/api-key-auth.ts). */
export interface PendingApiKey {
  id: string;
  secretHash: string;
  /** The scope the route needs. */
  scope: ApiKeyScope;
  /** The cache read, started in the rate limiter's tick; undefined when it missed or Redis failed. */
  cached: Promise<ApiKeyFacts | undefined>;
}
