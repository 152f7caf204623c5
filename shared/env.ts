import type { Redis } from "@upstash/redis/cloudflare";
import type { NeonHttpDatabase } from "drizzle-orm/neon-http";
import type { Config } from "./config";

/** Worker bindings: the generated `Env` plus the local-only stand-in overrides. */
export type Bindings = Env & {
  /** Local only: Neon HTTP SQL endpoint of the dev stack. Never set in production. */
  NEON_HTTP_ENDPOINT?: string;
  /** Local only: base URL of the Stripe emulator. Never set in production. */
  STRIPE_API_BASE?: string;
};

// biome-ignore lint/complexity/noBannedTypes: no schema yet; domain tables join it as issues land.
export type Schema = {};
export type Database = NeonHttpDatabase<Schema>;

/** Context variables set by the shared middleware. */
export type Variables = {
  requestId: string;
  config: Config;
  db: Database;
  redis: Redis;
  /** Set by authentication middleware; logged with the request. */
  userId?: string;
  /** Who rate limits and idempotency keys are counted for: `user:<id>` or `ip:<addr>`. */
  principal?: string;
};

export type AppEnv = { Bindings: Bindings; Variables: Variables };
