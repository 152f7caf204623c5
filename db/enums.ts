/**
 * The value lists the tables constrain columns to. Imports nothing, so request schemas
 * (shared/schemas) and the browser SDK can use them without bundling drizzle.
 */

export const ROLES = ["user", "teacher", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const TIERS = ["free", "premium"] as const;
export type Tier = (typeof TIERS)[number];

export const DIFFICULTIES = ["beginner", "intermediate", "advanced"] as const;
export type Difficulty = (typeof DIFFICULTIES)[number];

export const WEBHOOK_STATUSES = ["processing", "processed", "ignored", "failed"] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];
