import { sql } from "drizzle-orm";
import { check, index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { teams } from "./teams";
import { users } from "./users";

/**
 * Server-to-server credentials. The secret (`bk_live_…`/`bk_test_…`, its id inside it) is shown
 * once; only its SHA-256 is kept. A rotation moves the current hash to `previousSecretHash`,
 * which keeps working for a grace period after `rotatedAt`. A key with a `teamId` belongs to
 * that team (`userId` is then its creator); one without belongs to its user.
 */
export const apiKeys = pgTable(
  "api_keys",
  {
    /** 16 base62 characters, also carried inside the secret (so the limiter knows the key before any lookup). */
    id: text().primaryKey(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    teamId: uuid().references(() => teams.id, { onDelete: "cascade" }),
    name: text().notNull(),
    scopes: text().array().notNull(),
    secretHash: text().notNull().unique(),
    previousSecretHash: text(),
    rotatedAt: timestamp({ withTimezone: true }),
    /** `bk_live_` or `bk_test_`: the environment the key was made for. */
    prefix: text().notNull(),
    /** The secret's last four characters, so a user can tell their keys apart in the list. */
    lastFour: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }),
    lastUsedAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index("api_keys_user_idx").on(t.userId, t.createdAt),
    index("api_keys_team_idx").on(t.teamId, t.createdAt).where(sql`team_id is not null`),
    index("api_keys_previous_hash_idx").on(t.previousSecretHash),
    check("api_keys_scopes_check", sql`cardinality(${t.scopes}) > 0`),
  ],
);

export type ApiKey = typeof apiKeys.$inferSelect;
