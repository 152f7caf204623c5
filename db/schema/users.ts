import { sql } from "drizzle-orm";
import { bigint, check, index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

import { ROLES, TIERS } from "../enums";

export { ROLES, type Role, TIERS, type Tier } from "../enums";

const timestamps = {
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
};

/** Accounts. Email is stored trimmed and lowercased. */
export const users = pgTable(
  "users",
  {
    id: uuid().primaryKey().defaultRandom(),
    email: text().notNull().unique(),
    passwordHash: text().notNull(),
    displayName: text().notNull(),
    avatarUrl: text(),
    role: text({ enum: ROLES }).notNull().default("user"),
    tier: text({ enum: TIERS }).notNull().default("free"),
    emailVerifiedAt: timestamp({ withTimezone: true }),
    disabledAt: timestamp({ withTimezone: true }),
    /** Last change sequence number given to one of this user's patterns (delta-sync cursor). */
    patternSeq: bigint({ mode: "number" }).notNull().default(0),
    /** The Stripe customer (cus_…), created at the first checkout. */
    stripeCustomerId: text().unique(),
    ...timestamps,
  },
  (t) => [
    check("users_role_check", sql`${t.role} in ('user', 'teacher', 'admin')`),
    check("users_tier_check", sql`${t.tier} in ('free', 'premium')`),
    index("users_created_at_idx").on(t.createdAt, t.id),
  ],
);

export type User = typeof users.$inferSelect;
