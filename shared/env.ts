import type { Redis } from "@upstash/redis/cloudflare";
import type { Database } from "../db/database";
import type { AccessClaims } from "./auth/access-token";
import type { Config } from "./config";
import type { RevocationCheck } from "./middleware/auth";

/** Worker bindings: the generated `Env` plus the local-only stand-in overrides. */
export type Bindings = Env & {
  /** Local only: Neon HTTP SQL endpoint of the dev stack. Never set in production. */
  NEON_HTTP_ENDPOINT?: string;
  /** Local only: base URL of the Stripe emulator. Never set in production. */
  STRIPE_API_BASE?: string;
  /** Mailbox URL (MAIL_TRANSPORT=mailbox). */
  MAIL_URL?: string;
  /** Secret: email provider key (MAIL_TRANSPORT=resend|postmark). */
  MAIL_API_KEY?: string;
  /** Secret: the previous JWT secret during a rotation. */
  JWT_SECRET_PREVIOUS?: string;
};

export type { Database, Schema } from "../db/database";

/** Context variables set by the shared middleware. */
export type Variables = {
  requestId: string;
  config: Config;
  db: Database;
  redis: Redis;
  /** The verified access token's claims, when the request carries one. */
  auth?: AccessClaims;
  /** The pending Redis check that the token's session is not revoked; awaited by requireAuth. */
  revocation?: RevocationCheck;
  /** The signed-in user's id; logged with the request. */
  userId?: string;
  /** Who rate limits and idempotency keys are counted for: `user:<id>` or `ip:<addr>`. */
  principal?: string;
};

export type AppEnv = { Bindings: Bindings; Variables: Variables };
