import {
  bigint,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { users } from "./users";

/** An event's properties: a flat map of small scalars (shared/events/props.ts bounds them). */
export type EventProps = Record<string, string | number | boolean>;

/**
 * Raw usage events: from the SDK (signed in or under an anonymous id) and from the server
 * (sign-up, checkout, cancellation), deleted after EVENT_RETENTION_DAYS by the cron.
 * Deleting a user deletes their events (cascade): an anonymous id merged into the account
 * plus timestamps and props is a trail of one person, which an erasure must not leave behind;
 * the daily rollups hold only counts, so dashboards keep their history.
 */
export const usageEvents = pgTable(
  "usage_events",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    name: text().notNull(),
    /** When it happened, by the client's clock (bounded at ingestion) or the server's. */
    ts: timestamp({ withTimezone: true }).notNull(),
    userId: uuid().references(() => users.id, { onDelete: "cascade" }),
    anonymousId: uuid(),
    props: jsonb().$type<EventProps>().notNull().default({}),
    receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("usage_events_ts_idx").on(t.ts),
    index("usage_events_received_idx").on(t.receivedAt),
    index("usage_events_user_idx").on(t.userId, t.name, t.ts),
    index("usage_events_anonymous_idx").on(t.anonymousId),
  ],
);

/**
 * Events per UTC day and name, split by subject (the lesson, pattern or share the event is
 * about, '' when none): the dashboards read these, never the raw events. `actors` counts
 * distinct users or anonymous ids.
 */
export const eventDailyRollups = pgTable(
  "event_daily_rollups",
  {
    day: date({ mode: "string" }).notNull(),
    name: text().notNull(),
    subject: text().notNull().default(""),
    events: integer().notNull(),
    actors: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.name, t.subject] })],
);

/** Distinct actors per UTC day: active that day, in the 7 days and in the 30 days ending it. */
export const activeDailyRollups = pgTable("active_daily_rollups", {
  day: date({ mode: "string" }).primaryKey(),
  dau: integer().notNull(),
  wau: integer().notNull(),
  mau: integer().notNull(),
});

export type UsageEvent = typeof usageEvents.$inferSelect;
