/**
 * Stub usage events (functions/events) and admin metrics (functions/admin/metrics.ts): events
 * are judged as the worker judges them and kept in the stub's data; the metrics are worked
 * out from that data. What the stub has no source for answers empty (revenue: no prices;
 * failed webhooks: no Stripe; the outbox: the stub "sends" at once).
 */
import { judgeEvents } from "../../../shared/events/verdicts";
import { MetricsRangeQuery, TrackEventsBody } from "../../../shared/schemas/events";
import type { Backend } from "../backend";
import type { MetricData, MetricName } from "../events-types";
import { validate } from "./problems";
import { stubProgressSummary } from "./progress-summary";
import { eventsOf, MAX_EVENTS, RETENTION_DAYS, type StubEvent, type WithEvents } from "./usage-events";
import type { StubDb, StubWorld } from "./world";

const DAY_MS = 86_400_000;
const utcDay = (ts: string) => ts.slice(0, 10);

function daysIn(range: { from: string; to: string }): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${range.from}T00:00:00Z`); t <= Date.parse(`${range.to}T00:00:00Z`); t += DAY_MS) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

const rate = (part: number, whole: number) =>
  whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000;
const actorOf = (e: StubEvent) => e.userId ?? e.anonymousId;

/** Distinct actors of the events within `days` days ending on `day`. */
function actorsWithin(events: StubEvent[], day: string, days: number): number {
  const end = Date.parse(`${day}T00:00:00Z`) + DAY_MS;
  const start = end - days * DAY_MS;
  const actors = events
    .filter((e) => Date.parse(e.ts) >= start && Date.parse(e.ts) < end)
    .flatMap((e) => actorOf(e) ?? []);
  return new Set(actors).size;
}

function metricOf<K extends MetricName>(
  db: StubDb,
  name: K,
  range: { from: string; to: string },
): MetricData[K] {
  const days = daysIn(range);
  const inRange = (ts: string) => utcDay(ts) >= range.from && utcDay(ts) <= range.to;
  const events = eventsOf(db);
  const counted = (eventName: string) => events.filter((e) => e.name === eventName && inRange(e.ts));
  const users = Object.values(db.users);
  const answers: { [M in MetricName]: () => MetricData[M] } = {
    signups: () =>
      days.map((day) => ({ day, signUps: users.filter((u) => utcDay(u.createdAt) === day).length })),
    "active-users": () =>
      days.map((day) => ({
        day,
        dau: actorsWithin(events, day, 1),
        wau: actorsWithin(events, day, 7),
        mau: actorsWithin(events, day, 30),
      })),
    conversion: () => {
      const cohort = users.filter((u) => inRange(u.createdAt));
      const converted = cohort.filter((u) => db.subscriptions[u.id] !== undefined).length;
      return {
        signedUp: cohort.length,
        converted,
        rate: rate(converted, cohort.length),
        checkoutsCompleted: counted("checkout_completed").length,
      };
    },
    revenue: () => [],
    "lesson-funnel": () => {
      const lessons = db.lessons ?? {};
      const ids = [
        ...new Set(
          [...counted("lesson_started"), ...counted("lesson_completed")].map((e) => e.props.lessonId),
        ),
      ];
      return ids
        .filter((id): id is string => typeof id === "string" && id !== "")
        .sort()
        .map((lessonId) => {
          const started = counted("lesson_started").filter((e) => e.props.lessonId === lessonId).length;
          const completed = counted("lesson_completed").filter((e) => e.props.lessonId === lessonId).length;
          const lesson = lessons[lessonId];
          return {
            lessonId,
            title: lesson?.title ?? null,
            category: lesson?.category ?? null,
            started,
            completed,
            completionRate: rate(completed, started),
          };
        });
    },
    "top-shared-patterns": () => {
      const byPattern = new Map<string, { opens: number; links: Set<string> }>();
      for (const e of counted("share_opened")) {
        const share = db.shares[String(e.props.shareId)];
        if (!share || !db.patterns[share.patternId] || db.patterns[share.patternId]?.deletedAt) continue;
        const entry = byPattern.get(share.patternId) ?? { opens: 0, links: new Set<string>() };
        entry.opens += 1;
        entry.links.add(share.shareId);
        byPattern.set(share.patternId, entry);
      }
      return [...byPattern.entries()]
        .map(([patternId, v]) => ({
          patternId,
          name: db.patterns[patternId]?.name ?? "",
          opens: v.opens,
          links: v.links.size,
        }))
        .sort((a, b) => b.opens - a.opens || (a.patternId < b.patternId ? -1 : 1))
        .slice(0, 10);
    },
    "failed-webhooks": () => ({ days: days.map((day) => ({ day, failed: 0 })), byType: [] }),
    "outbox-backlog": () => ({
      days: days.map((day) => {
        const queued = db.outbox.filter((m) => utcDay(m.sentAt) === day).length;
        return { day, queued, sent: queued, pending: 0 };
      }),
      pending: 0,
      oldestPendingAt: null,
    }),
  };
  return answers[name]();
}

/** POST /api/events, GET /api/progress/summary and GET /api/admin/metrics/*. */
export function stubEvents(
  world: StubWorld,
): Pick<Backend, "trackEvents" | "progressSummary" | "adminMetric"> {
  return {
    trackEvents(body) {
      const instance = "/api/events";
      return world.tx((db) => {
        const input = validate(TrackEventsBody, body, instance);
        const userId = world.maybeViewer(db, instance)?.id ?? null;
        const now = new Date();
        const verdicts = judgeEvents(input.events, { extraNames: [], retentionDays: RETENTION_DAYS, now });
        const anonymousId = input.anonymousId ?? null;
        const earliest = now.getTime() - RETENTION_DAYS * DAY_MS;
        const kept = eventsOf(db).filter((e) => Date.parse(e.ts) >= earliest);
        if (userId && anonymousId) {
          for (const e of kept) if (e.anonymousId === anonymousId && e.userId === null) e.userId = userId;
        }
        for (const v of verdicts) {
          if (v.status === "accepted") {
            kept.push({ ...v.event, ts: v.event.ts.toISOString(), userId, anonymousId });
          }
        }
        (db as WithEvents).usageEvents = kept.slice(-MAX_EVENTS);
        const results = verdicts.map((v) =>
          v.status === "accepted"
            ? { index: v.index, status: v.status }
            : { index: v.index, status: v.status, reason: v.reason, detail: v.detail },
        );
        return { results };
      });
    },
    async progressSummary(tz) {
      const db = await world.read();
      const user = world.viewer(db, "/api/progress/summary");
      return stubProgressSummary(db, user, { tz });
    },
    async adminMetric(name, range) {
      const instance = `/api/admin/metrics/${name}`;
      const db = await world.read();
      world.admin(db, instance);
      return metricOf(db, name, validate(MetricsRangeQuery, range, instance, "query"));
    },
  };
}
