/** The SDK's types for usage events, the learner's summary and the admin metrics. */
import type { components } from "./api";

type Schemas = components["schemas"];

/** An event's properties: flat string, number or boolean values (at most 12 keys, 1 KiB as JSON). */
export type EventProps = Record<string, string | number | boolean>;
/** One event as POST /api/events takes it. */
export type TrackedEvent = Omit<Schemas["TrackedEvent"], "props"> & { props?: EventProps };
export type TrackEventsRequest = Omit<Schemas["TrackEventsRequest"], "events"> & { events: TrackedEvent[] };
/** The server's verdict on one event of a batch. */
export type EventResult = Schemas["EventResult"];
export type TrackEventsResponse = Schemas["TrackEventsResponse"];

/** GET /api/progress/summary. */
export type ProgressSummary = Schemas["ProgressSummary"];

/** UTC days `YYYY-MM-DD`, both included (at most 366 days). */
export interface DateRange {
  from: string;
  to: string;
}

/** What each metric under /api/admin/metrics answers. */
export interface MetricData {
  signups: Schemas["SignUpsPerDay"];
  "active-users": Schemas["ActiveUsersPerDay"];
  conversion: Schemas["ConversionMetric"];
  revenue: Schemas["RevenueMetric"];
  "lesson-funnel": Schemas["LessonFunnel"];
  "top-shared-patterns": Schemas["TopSharedPatterns"];
  "failed-webhooks": Schemas["FailedWebhooks"];
  "outbox-backlog": Schemas["OutboxBacklog"];
}
export type MetricName = keyof MetricData;

/** How `track` batches and when it may send. */
export interface EventsOptions {
  /** Milliseconds between flushes of the queue (default 10 000). */
  flushIntervalMs?: number;
  /** Events kept in memory while they cannot be sent; the oldest go first (default 1000). */
  maxQueue?: number;
  /**
   * Send nothing until `events.setConsent(true)` (default false). Without it, tracking is on
   * unless the browser asks not to be tracked (Do Not Track or Global Privacy Control).
   */
  requireConsent?: boolean;
}

/** Usage events: `track` queues, the service sends in batches. */
export interface EventsService {
  /**
   * Queues an event (a catalogue name such as page_view or lesson_completed, and small flat
   * props). Sent with the next flush: on the interval, when 100 are queued, and when the page
   * is hidden. Without consent it is dropped. Throws TypeError for a malformed name or props.
   */
  track(name: string, props?: EventProps): void;
  /** Sends what is queued now; resolves when done (failed sends stay queued for the next flush). */
  flush(): Promise<void>;
  /** Grants or withdraws consent (kept on the device). Withdrawing drops the queue and this device's anonymous id. */
  setConsent(granted: boolean): Promise<void>;
  /** Whether events are being collected now. */
  isEnabled(): boolean;
  /** Events waiting to be sent. */
  pending(): number;
}

export interface ProgressService {
  /** Lessons completed per category, streaks in your time zone (default: the browser's), recent activity. */
  summary(options?: { timeZone?: string }): Promise<ProgressSummary>;
}

export interface MetricsService {
  /** One admin metric over a range of UTC days. */
  get<K extends MetricName>(name: K, range: DateRange): Promise<MetricData[K]>;
}
