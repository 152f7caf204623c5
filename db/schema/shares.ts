import { boolean, index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { patterns } from "./patterns";
import { users } from "./users";

/** Share links to a pattern: random base62 ids, optional expiry, revocable, with a view count. */
export const shares = pgTable(
  "shares",
  {
    shareId: text().primaryKey(),
    patternId: uuid()
      .notNull()
      .references(() => patterns.id, { onDelete: "cascade" }),
    ownerId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    isPublic: boolean().notNull().default(true),
    views: integer().notNull().default(0),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index("shares_owner_idx").on(t.ownerId, t.createdAt)],
);

export type Share = typeof shares.$inferSelect;
