/** The stub's usage_events table, read by its events, metrics and progress summary. */
import type { StubDb } from "./world";

/** An event as the stub keeps it (the server's usage_events row). */
export interface StubEvent {
  name: string;
  ts: string;
  userId: string | null;
  anonymousId: string | null;
  props: Record<string, string | number | boolean>;
}

export type WithEvents = StubDb & { usageEvents?: StubEvent[] };

/** Raw events are kept for the API's default retention, and at most this many. */
export const RETENTION_DAYS = 90;
export const MAX_EVENTS = 5000;

/** The stub's events; those of a deleted account are gone with it (the server's cascade). */
export function eventsOf(db: StubDb): StubEvent[] {
  const events = (db as WithEvents).usageEvents ?? [];
  return events.filter((e) => e.userId === null || db.users[e.userId] !== undefined);
}
