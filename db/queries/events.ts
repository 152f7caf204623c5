import { sql } from "drizzle-orm";
import type { Database } from "../database";
import type { EventProps } from "../schema/events";

/** An event accepted for storage. */
export interface NewEvent {
  name: string;
  ts: Date;
  props: EventProps;
}

/**
 * Stores a batch of accepted events in one statement and, when a signed-in request names the
 * device's anonymous id, gives that id's earlier anonymous events to the user in the same
 * statement. Returns how many were inserted and merged.
 */
export async function ingestEvents(
  db: Database,
  v: { userId: string | null; anonymousId: string | null; events: NewEvent[] },
) {
  const rows = JSON.stringify(
    v.events.map((e) => ({ name: e.name, ts: e.ts.toISOString(), props: e.props })),
  );
  const merge = v.userId !== null && v.anonymousId !== null;
  const result = await db.execute<{ inserted: number; merged: number }>(sql`
    with merged as (
      update usage_events set user_id = ${v.userId}::uuid
      where ${merge} and anonymous_id = ${v.anonymousId}::uuid and user_id is null
      returning 1
    ),
    inserted as (
      insert into usage_events (name, ts, user_id, anonymous_id, props)
      select e.name, e.ts, ${v.userId}::uuid, ${v.anonymousId}::uuid, e.props
      from jsonb_to_recordset(${rows}::jsonb) as e(name text, ts timestamptz, props jsonb)
      returning 1
    )
    select (select count(*) from inserted)::int as inserted, (select count(*) from merged)::int as merged
  `);
  const row = result.rows[0];
  return { inserted: Number(row?.inserted ?? 0), merged: Number(row?.merged ?? 0) };
}

/**
 * A server-side event for a `db.batch` beside the action it records; written only while the
 * user exists (a webhook may name an account deleted since).
 */
export function insertServerEvent(
  db: Database,
  e: { name: string; userId: string; ts?: Date; props?: EventProps },
) {
  return db.execute(sql`
    insert into usage_events (name, ts, user_id, props)
    select ${e.name}, coalesce(${e.ts?.toISOString() ?? null}::timestamptz, now()), ${e.userId}::uuid,
      ${JSON.stringify(e.props ?? {})}::jsonb
    where exists (select 1 from users where id = ${e.userId}::uuid)
  `);
}

/**
 * The `subscription_canceled` event of a subscription that the same batch has just ended: for
 * its owner, once per subscription (a replayed or repeated deletion adds nothing).
 */
export function insertCancellationEvent(db: Database, v: { subscriptionId: string; ts: Date }) {
  return db.execute(sql`
    insert into usage_events (name, ts, user_id, props)
    select 'subscription_canceled', ${v.ts.toISOString()}::timestamptz, s.user_id,
      jsonb_build_object('subscription', s.id) || case when s.price_id is null then '{}'::jsonb
        else jsonb_build_object('priceId', s.price_id) end
    from subscriptions s
    where s.id = ${v.subscriptionId} and s.user_id is not null and s.status = 'canceled'
      and not exists (select 1 from usage_events e where e.user_id = s.user_id
        and e.name = 'subscription_canceled' and e.props->>'subscription' = s.id)
  `);
}

/** A UTC day, `YYYY-MM-DD`. */
export type Day = string;

/** The earliest UTC day of the events received since `since` (late arrivals included), if any. */
export async function earliestDayReceivedSince(db: Database, since: Date): Promise<Day | null> {
  const result = await db.execute<{ day: string | null }>(sql`
    select to_char(min(ts) at time zone 'UTC', 'YYYY-MM-DD') as day
    from usage_events where received_at >= ${since.toISOString()}::timestamptz
  `);
  return result.rows[0]?.day ?? null;
}

/**
 * The subject an event is about, as the rollups group it: a share event's share link (the
 * dashboard finds its pattern), else its lesson or pattern; '' when none.
 */
const SUBJECT = sql`case when name like 'share%'
  then coalesce(props->>'shareId', props->>'patternId', '')
  else coalesce(props->>'lessonId', props->>'patternId', props->>'shareId', '') end`;
const ACTOR = sql`coalesce(user_id::text, anonymous_id::text)`;
const utcStart = (day: Day) => sql`(${day}::date::timestamp at time zone 'UTC')`;

/**
 * Recomputes the daily rollups of every UTC day in [from, to] from the raw events, replacing
 * what was there (re-running a day gives the same rows), in one batch: events per day, name
 * and subject, and the day's active, 7-day and 30-day distinct actors.
 */
export async function rollUpDays(db: Database, range: { from: Day; to: Day }) {
  const start = utcStart(range.from);
  const end = sql`(${utcStart(range.to)} + interval '1 day')`;
  await db.batch([
    db.execute(
      sql`delete from event_daily_rollups where day between ${range.from}::date and ${range.to}::date`,
    ),
    db.execute(sql`
      insert into event_daily_rollups (day, name, subject, events, actors)
      select (ts at time zone 'UTC')::date, name, ${SUBJECT}, count(*), count(distinct ${ACTOR})
      from usage_events where ts >= ${start} and ts < ${end}
      group by 1, 2, 3
    `),
    db.execute(
      sql`delete from active_daily_rollups where day between ${range.from}::date and ${range.to}::date`,
    ),
    db.execute(sql`
      insert into active_daily_rollups (day, dau, wau, mau)
      select d.day,
        count(distinct e.actor) filter (where e.ts >= d.start),
        count(distinct e.actor) filter (where e.ts >= d.start - interval '6 days'),
        count(distinct e.actor)
      from (
        select g::date as day, (g::date::timestamp at time zone 'UTC') as start
        from generate_series(${range.from}::timestamp, ${range.to}::timestamp, interval '1 day') g
      ) d
      left join lateral (
        select ${ACTOR} as actor, ts from usage_events
        where ts >= d.start - interval '29 days' and ts < d.start + interval '1 day'
          and ${ACTOR} is not null
      ) e on true
      group by d.day
    `),
  ]);
}

/** Deletes raw events older than the retention period; returns how many. */
export async function deleteExpiredEvents(db: Database, retentionDays: number) {
  const result = await db.execute(sql`
    delete from usage_events where ts < now() - make_interval(days => ${retentionDays})
  `);
  return result.rowCount ?? 0;
}
