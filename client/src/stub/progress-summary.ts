/** Stub GET /api/progress/summary (functions/progress/summary.ts), from the stub's own progress and events. */
import { ProgressSummaryQuery } from "../../../shared/schemas/events";
import type { ProgressSummary } from "../events-types";
import { lessonsOf } from "./lessons";
import { validate } from "./problems";
import { eventsOf } from "./usage-events";
import type { StubDb, StubUser } from "./world";

const DAY_MS = 86_400_000;

/** An instant's calendar day in a time zone, `YYYY-MM-DD`. */
export function localDay(instant: string | Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date(instant));
}

const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;

/** Runs of consecutive days: the longest, and the one reaching today or yesterday. */
export function streaksOf(days: readonly string[], today: string): { current: number; longest: number } {
  const sorted = [...new Set(days)].map(dayNumber).sort((a, b) => a - b);
  let longest = 0;
  let run = 0;
  let current = 0;
  sorted.forEach((n, i) => {
    run = i > 0 && n === (sorted[i - 1] as number) + 1 ? run + 1 : 1;
    longest = Math.max(longest, run);
    if (n >= dayNumber(today) - 1) current = run;
  });
  return { current, longest };
}

const percent = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10);

/** The summary as the API computes it (db/queries/progress-summary.ts). */
export function stubProgressSummary(db: StubDb, user: StubUser, query: { tz?: string }, now = new Date()) {
  const { tz } = validate(ProgressSummaryQuery, query, "/api/progress/summary", "query");
  const lessons = Object.values(lessonsOf(db)).filter((l) => l.publishedAt !== null);
  const mine = db.progress[user.id] ?? {};
  const byCategory = new Map<string, { completed: number; total: number }>();
  for (const l of lessons) {
    const c = byCategory.get(l.category) ?? { completed: 0, total: 0 };
    c.total += 1;
    if (mine[l.id]?.completed) c.completed += 1;
    byCategory.set(l.category, c);
  }
  const categories = [...byCategory.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([category, c]) => ({ category, ...c, completionPercent: percent(c.completed, c.total) }));
  const days = [
    ...Object.values(mine).flatMap((p) => (p.completedAt ? [localDay(p.completedAt, tz)] : [])),
    ...eventsOf(db)
      .filter((e) => e.userId === user.id && e.name === "lesson_completed")
      .map((e) => localDay(e.ts, tz)),
  ];
  const { current, longest } = streaksOf(days, localDay(now, tz));
  const all = lessonsOf(db);
  const completedLessons = categories.reduce((n, c) => n + c.completed, 0);
  const totalLessons = categories.reduce((n, c) => n + c.total, 0);
  const summary: ProgressSummary = {
    timeZone: tz,
    completedLessons,
    totalLessons,
    completionPercent: percent(completedLessons, totalLessons),
    categories,
    currentStreak: current,
    longestStreak: longest,
    lastActiveDay: days.length > 0 ? ([...days].sort().at(-1) ?? null) : null,
    recent: Object.values(mine)
      .sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1))
      .slice(0, 10)
      .map((p) => ({
        lessonId: p.lessonId,
        title: all[p.lessonId]?.title ?? null,
        category: all[p.lessonId]?.category ?? null,
        completed: p.completed,
        bestScore: p.bestScore,
        attempts: p.attempts,
        at: p.updatedAt,
      })),
  };
  return summary;
}
