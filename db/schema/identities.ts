import { sql } from "drizzle-orm";
import { check, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./users";

/** The sign-in providers an identity can come from. */
export const OAUTH_PROVIDERS = ["google", "github"] as const;
export type OAuthProvider = (typeof OAUTH_PROVIDERS)[number];

/**
 * An account at a sign-in provider linked to a user: that provider's user id signs this user in.
 * `email` is the address the provider gave at link time (for the user's list of identities).
 */
export const identities = pgTable(
  "identities",
  {
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text({ enum: OAUTH_PROVIDERS }).notNull(),
    providerUserId: text().notNull(),
    email: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "identities_provider_user_pk", columns: [t.provider, t.providerUserId] }),
    // One account per provider and user: unlinking names the provider.
    uniqueIndex("identities_user_provider_unique").on(t.userId, t.provider),
    check("identities_provider_check", sql`${t.provider} in ('google', 'github')`),
  ],
);

export type Identity = typeof identities.$inferSelect;
