import { index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./users";

/**
 * A sign-in: one refresh-token family. The refresh token is `<id>.<secret>`; only hashes
 * are stored. Each refresh rotates `refreshHash` into `previousRefreshHash`, so a reuse
 * of the previous token within the grace window is told apart from a replay.
 */
export const sessions = pgTable(
  "sessions",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    refreshHash: text().notNull(),
    previousRefreshHash: text(),
    rotatedAt: timestamp({ withTimezone: true }),
    /** How the user proved who they are: `password` today; OAuth and MFA later. */
    method: text().notNull().default("password"),
    userAgent: text(),
    ip: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index("sessions_user_idx").on(t.userId, t.createdAt)],
);

export type Session = typeof sessions.$inferSelect;
