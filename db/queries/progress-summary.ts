import { sql } from "drizzle-orm";
import type { Database } from "../database";

/** A learner's progress summary as one statement returns it. */
export interface ProgressSummaryRow {
  categories: { category: string; completed: number; total: number }[];
  currentStreak: number;
  longestStreak: number;
  lastActiveDay: string | null;
  recent: {
    lessonId: string;
    title: string | null;
    category: string | null;
    completed: boolean;
    bestScore: number;
    attempts: number;
    at: string;
  }[];
}

/** Lessons listed as recent activity. */
export const RECENT_ACTIVITY = 10;

/**
 * A learner's summary in one statement: published lessons completed per category, streaks
 * and recent activity. A streak counts consecutive calendar days in `tz` with a completed
 * attempt: the first completion of a lesson (lesson_progress.completed_at, kept for good) or
 * a lesson_completed event (a repeat of a lesson, kept for the events' retention). The
 * current streak is the one that reaches today or yesterday in `tz` (today is not over yet).
 */
export async function progressSummary(
  db: Database,
  v: { userId: string; tz: string; now: Date },
): Promise<ProgressSummaryRow> {
  const result = await db.execute<Record<string, unknown>>(sql`
    with catalogue as (
      select id, category from lessons where published_at is not null
    ),
    per_category as (
      select c.category, count(*)::int as total, count(p.lesson_id)::int as completed
      from catalogue c
      left join lesson_progress p on p.lesson_id = c.id and p.user_id = ${v.userId} and p.completed
      group by c.category
    ),
    active_days as (
      select (completed_at at time zone ${v.tz})::date as day from lesson_progress
      where user_id = ${v.userId} and completed_at is not null
      union
      select (ts at time zone ${v.tz})::date from usage_events
      where user_id = ${v.userId} and name = 'lesson_completed'
    ),
    streaks as (
      select max(day) as last_day, count(*)::int as length
      from (select day, day - (row_number() over (order by day))::int as island from active_days) d
      group by island
    ),
    today as (select (${v.now.toISOString()}::timestamptz at time zone ${v.tz})::date as day)
    select
      (select coalesce(json_agg(json_build_object('category', category, 'completed', completed, 'total', total)
        order by category), '[]') from per_category) as categories,
      (select coalesce(max(length), 0) from streaks, today where last_day >= today.day - 1) as current_streak,
      (select coalesce(max(length), 0) from streaks) as longest_streak,
      (select to_char(max(day), 'YYYY-MM-DD') from active_days) as last_active_day,
      (select coalesce(json_agg(r order by r.sort_at desc), '[]') from (
        select p.lesson_id as "lessonId", l.title, l.category, p.completed, p.best_score as "bestScore",
          p.attempts, to_char(p.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at,
          p.updated_at as sort_at
        from lesson_progress p left join lessons l on l.id = p.lesson_id
        where p.user_id = ${v.userId}
        order by p.updated_at desc limit ${RECENT_ACTIVITY}
      ) r) as recent
  `);
  const row = result.rows[0] ?? {};
  const recent = (row.recent ?? []) as (ProgressSummaryRow["recent"][number] & { sort_at?: unknown })[];
  return {
    categories: (row.categories ?? []) as ProgressSummaryRow["categories"],
    currentStreak: Number(row.current_streak ?? 0),
    longestStreak: Number(row.longest_streak ?? 0),
    lastActiveDay: (row.last_active_day as string | null) ?? null,
    recent: recent.map(({ sort_at: _, ...r }) => r),
  };
}
