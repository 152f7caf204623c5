import { bigint, boolean, index, integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
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
 */
export const patterns = pgTable(
  "patterns",
  {
    id: uuid().primaryKey(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
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
  (t) => [index("patterns_user_seq_idx").on(t.userId, t.changeSeq)],
);

export type Pattern = typeof patterns.$inferSelect;
