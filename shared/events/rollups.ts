import { type Day, deleteExpiredEvents, earliestDayReceivedSince, rollUpDays } from "../../db/queries/events";
import type { Config } from "../config";
import type { Database } from "../env";

/**
 * How far back the cron looks for newly received events. Three cron periods (every 5 min),
 * so a run that was skipped or failed is caught by the next ones.
 */
export const ROLLUP_LOOKBACK_MS = 15 * 60_000;

const dayOf = (date: Date): Day => date.toISOString().slice(0, 10);

/**
 * The cron's rollup: replaces the rollups of yesterday and today (UTC), reaching back to the
 * oldest day an event received lately belongs to (an offline queue flushed late, a merge),
 * but never to a day the retention has begun to delete: its rollup was made while all its
 * events were there and stays as it is. Idempotent: each day's rows are recomputed from the
 * raw events, never added to.
 */
export async function rollUpRecentEvents(
  db: Database,
  config: Pick<Config, "EVENT_RETENTION_DAYS">,
  now = new Date(),
): Promise<{ from: Day; to: Day }> {
  const yesterday = dayOf(new Date(now.getTime() - 86_400_000));
  const firstWholeDay = dayOf(new Date(now.getTime() - (config.EVENT_RETENTION_DAYS - 1) * 86_400_000));
  const late = await earliestDayReceivedSince(db, new Date(now.getTime() - ROLLUP_LOOKBACK_MS));
  const earliest = [late ?? yesterday, yesterday].sort()[0] as Day;
  const from = earliest < firstWholeDay && firstWholeDay <= yesterday ? firstWholeDay : earliest;
  const range = { from, to: dayOf(now) };
  await rollUpDays(db, range);
  return range;
}

/** The cron's retention: raw events older than EVENT_RETENTION_DAYS are deleted. */
export function purgeExpiredEvents(db: Database, config: Config): Promise<number> {
  return deleteExpiredEvents(db, config.EVENT_RETENTION_DAYS);
}
