import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { teams } from "./teams";
import { users } from "./users";

export interface Track {
  id?: string;
  instrument: string;
  steps: (boolean | number)[];
  volume: number;
  pan?: number;
  muted?: boolean;
  solo?: boolean;
}

export interface Mixer {
  masterVolume?: number;
  swing?: number;
  effects?: Record<string, number | boolean | string>;
}

/**
 * Drum patterns, synced across devices. `version` counts writes (If-Match); `changeSeq`
 * orders every write of one user (taken from `users.pattern_seq` in the same statement, so
 * writes of a user commit in sequence order) and is the delta-sync cursor. Deletes are
 * tombstones (`deletedAt`) so other devices learn of them.
 *
 * A pattern with a `teamId` belongs to that team: `userId` is its author, and `changeSeq` comes
 * from `teams.pattern_seq` instead, so a team's patterns sync with their own cursor.
 */
export const patterns = pgTable(
  "patterns",
  {
    id: uuid().primaryKey(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    teamId: uuid().references(() => teams.id, { onDelete: "cascade" }),
    name: text().notNull(),
    tempo: integer().notNull(),
    tracks: jsonb().$type<Track[]>().notNull(),
    mixer: jsonb().$type<Mixer>().notNull().default({}),
    isPublic: boolean().notNull().default(false),
    version: integer().notNull().default(1),
    changeSeq: bigint({ mode: "number" }).notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index("patterns_user_seq_idx").on(t.userId, t.changeSeq),
    index("patterns_team_seq_idx").on(t.teamId, t.changeSeq).where(sql`team_id is not null`),
  ],
);

export type Pattern = typeof patterns.$inferSelect;
