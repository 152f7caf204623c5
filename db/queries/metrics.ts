/**
 * The admin dashboard's metrics: each one statement over a range of UTC days, read from the
 * daily rollups (db/queries/events.ts) or the tables that hold the truth (subscriptions, the
 * webhook ledger, the outbox). Days without data are answered as zeros.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../database";

/** UTC days `YYYY-MM-DD`, both included. */
export interface DayRange {
  from: string;
  to: string;
}

const start = (r: DayRange) => sql`(${r.from}::date::timestamp at time zone 'UTC')`;
const end = (r: DayRange) => sql`((${r.to}::date + 1)::timestamp at time zone 'UTC')`;
const days = (r: DayRange) =>
  sql`(select g::date as day from generate_series(${r.from}::timestamp, ${r.to}::timestamp, interval '1 day') g)`;

async function rowsOf<T extends Record<string, unknown>>(db: Database, query: SQL): Promise<T[]> {
  return (await db.execute<T>(query)).rows;
}

/** Sign-ups per day (the server's sign_up events, so deleted accounts still count on their day). */
export function signUpsPerDay(db: Database, r: DayRange) {
  return rowsOf<{ day: string; signUps: number }>(
    db,
    sql`
      select to_char(d.day, 'YYYY-MM-DD') as "day", coalesce(sum(e.events), 0)::int as "signUps"
      from ${days(r)} d
      left join event_daily_rollups e on e.day = d.day and e.name = 'sign_up'
      group by d.day order by d.day
    `,
  );
}

/** Distinct actors (users or anonymous ids) per day: that day, the 7 and the 30 days ending it. */
export function activeUsersPerDay(db: Database, r: DayRange) {
  return rowsOf<{ day: string; dau: number; wau: number; mau: number }>(
    db,
    sql`
      select to_char(d.day, 'YYYY-MM-DD') as "day", coalesce(a.dau, 0) as "dau", coalesce(a.wau, 0) as "wau",
        coalesce(a.mau, 0) as "mau"
      from ${days(r)} d left join active_daily_rollups a on a.day = d.day
      order by d.day
    `,
  );
}

/** Subscription statuses that never started paying. */
const NEVER_PAID = sql`('incomplete', 'incomplete_expired')`;

/**
 * Free → premium: of the accounts created in the range (and not deleted), how many have taken
 * a subscription since; and the checkouts completed in the range.
 */
export async function conversion(db: Database, r: DayRange) {
  const [row] = await rowsOf<{ signedUp: number; converted: number; checkoutsCompleted: number }>(
    db,
    sql`
      with cohort as (
        select u.id, exists (select 1 from subscriptions s
          where s.user_id = u.id and s.status not in ${NEVER_PAID}) as converted
        from users u where u.created_at >= ${start(r)} and u.created_at < ${end(r)}
      )
      select (select count(*) from cohort)::int as "signedUp",
        (select count(*) from cohort where converted)::int as "converted",
        (select coalesce(sum(events), 0) from event_daily_rollups
          where name = 'checkout_completed' and day between ${r.from}::date and ${r.to}::date)::int
          as "checkoutsCompleted"
    `,
  );
  return row ?? { signedUp: 0, converted: 0, checkoutsCompleted: 0 };
}

/** A plan's price as the revenue metric needs it (from BILLING_PLANS). */
export interface PlanPrice {
  priceId: string;
  interval: "day" | "week" | "month" | "year";
  amount: number;
  currency: string;
}

/** What a plan brings in per month, in minor units. */
function monthlyAmount(p: PlanPrice): number {
  const perMonth = { day: 365 / 12, week: 52 / 12, month: 1, year: 1 / 12 }[p.interval];
  return p.amount * perMonth;
}

/**
 * MRR at the end of the range and churn over it, per currency, from the subscriptions table
 * and the plans' prices: a subscription counts from its creation until it ended (or was
 * canceled); churned = active when the range began and ended within it.
 */
export function revenue(db: Database, r: DayRange, plans: readonly PlanPrice[]) {
  const prices = sql.join(
    plans.map((p) => sql`(${p.priceId}, ${monthlyAmount(p)}::numeric, ${p.currency})`),
    sql`, `,
  );
  return rowsOf<{
    currency: string;
    mrr: number;
    activeAtStart: number;
    activeAtEnd: number;
    started: number;
    churned: number;
  }>(
    db,
    sql`
      with prices(price_id, monthly, currency) as (values ${prices}),
      subs as (
        select s.created_at as began, p.monthly, p.currency,
          coalesce(s.ended_at, case when s.status = 'canceled' then coalesce(s.canceled_at, s.updated_at) end)
            as ended
        from subscriptions s join prices p on p.price_id = s.price_id
        where s.status not in ${NEVER_PAID}
      )
      select currency as "currency",
        round(coalesce(sum(monthly) filter (where began < ${end(r)} and (ended is null or ended >= ${end(r)})), 0))::int
          as "mrr",
        count(*) filter (where began < ${start(r)} and (ended is null or ended >= ${start(r)}))::int as "activeAtStart",
        count(*) filter (where began < ${end(r)} and (ended is null or ended >= ${end(r)}))::int as "activeAtEnd",
        count(*) filter (where began >= ${start(r)} and began < ${end(r)})::int as "started",
        count(*) filter (where began < ${start(r)} and ended >= ${start(r)} and ended < ${end(r)})::int as "churned"
      from subs group by currency order by currency
    `,
  );
}

/** Per lesson: lesson_started and lesson_completed events in the range, with the lesson's title. */
export function lessonFunnel(db: Database, r: DayRange) {
  return rowsOf<{
    lessonId: string;
    title: string | null;
    category: string | null;
    started: number;
    completed: number;
  }>(
    db,
    sql`
      select e.subject as "lessonId", l.title as "title", l.category as "category",
        coalesce(sum(e.events) filter (where e.name = 'lesson_started'), 0)::int as "started",
        coalesce(sum(e.events) filter (where e.name = 'lesson_completed'), 0)::int as "completed"
      from event_daily_rollups e left join lessons l on l.id = e.subject
      where e.name in ('lesson_started', 'lesson_completed') and e.subject <> ''
        and e.day between ${r.from}::date and ${r.to}::date
      group by e.subject, l.title, l.category, l.position
      order by l.category nulls last, l.position nulls last, e.subject
    `,
  );
}

/** The patterns whose share links were opened most in the range (share_opened by shareId). */
export function topSharedPatterns(db: Database, r: DayRange, limit: number) {
  return rowsOf<{ patternId: string; name: string; opens: number; links: number }>(
    db,
    sql`
      select p.id as "patternId", p.name as "name", sum(e.events)::int as "opens",
        count(distinct s.share_id)::int as "links"
      from event_daily_rollups e
      join shares s on s.share_id = e.subject
      join patterns p on p.id = s.pattern_id and p.deleted_at is null
      where e.name = 'share_opened' and e.day between ${r.from}::date and ${r.to}::date
      group by p.id, p.name
      order by "opens" desc, p.id
      limit ${limit}
    `,
  );
}

/** Stripe events received in the range that are failed now: per day, and per event type. */
export async function failedWebhooks(db: Database, r: DayRange) {
  const [row] = await rowsOf<{
    days: { day: string; failed: number }[];
    byType: { type: string; failed: number }[];
  }>(
    db,
    sql`
      with failed as (
        select (received_at at time zone 'UTC')::date as day, type from stripe_events
        where status = 'failed' and received_at >= ${start(r)} and received_at < ${end(r)}
      )
      select
        (select json_agg(json_build_object('day', to_char(d.day, 'YYYY-MM-DD'),
            'failed', (select count(*) from failed f where f.day = d.day)) order by d.day)
          from ${days(r)} d) as "days",
        (select coalesce(json_agg(json_build_object('type', t.type, 'failed', t.n) order by t.n desc, t.type), '[]')
          from (select type, count(*) as n from failed group by type) t) as "byType"
    `,
  );
  return row ?? { days: [], byType: [] };
}

/** Emails queued per day in the range and how many of them are still unsent; the oldest unsent. */
export async function outboxBacklog(db: Database, r: DayRange) {
  const [row] = await rowsOf<{
    days: { day: string; queued: number; sent: number; pending: number }[];
    pending: number;
    oldestPendingAt: string | null;
  }>(
    db,
    sql`
      with queued as (
        select (created_at at time zone 'UTC')::date as day, sent_at is not null as sent from email_outbox
        where created_at >= ${start(r)} and created_at < ${end(r)}
      )
      select
        (select json_agg(json_build_object('day', to_char(d.day, 'YYYY-MM-DD'),
            'queued', (select count(*) from queued q where q.day = d.day),
            'sent', (select count(*) from queued q where q.day = d.day and q.sent),
            'pending', (select count(*) from queued q where q.day = d.day and not q.sent)) order by d.day)
          from ${days(r)} d) as "days",
        (select count(*) from email_outbox where sent_at is null)::int as "pending",
        (select to_char(min(created_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
          from email_outbox where sent_at is null) as "oldestPendingAt"
    `,
  );
  return row ?? { days: [], pending: 0, oldestPendingAt: null };
}
