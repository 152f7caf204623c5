/** Request schemas of usage events, the metrics' date range and the progress summary. */
import * as z from "zod";

/**
 * One event as the envelope accepts it: its shape only. Whether its name is in the
 * catalogue, its time within bounds and its props small is judged per event
 * (functions/events/verdicts.ts), so one bad event does not refuse the batch.
 */
export const TrackedEvent = z
  .object({
    name: z.string().min(1).max(64).meta({ description: "A name from the event catalogue" }),
    ts: z.string().max(40).meta({
      description: "When it happened: ISO 8601 with an offset, not in the future, within retention",
    }),
    props: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: "Flat string, number or boolean values; at most 12 keys and 1 KiB as JSON" }),
  })
  .strict()
  .meta({ id: "TrackedEvent" });

export const EVENTS_PER_BATCH = 100;

export const TrackEventsBody = z
  .object({
    anonymousId: z.uuid().optional().meta({
      description: "This device's anonymous id; signed in, its earlier anonymous events become yours",
    }),
    events: z.array(TrackedEvent).min(1).max(EVENTS_PER_BATCH),
  })
  .strict()
  .meta({ id: "TrackEventsRequest" });

/** The longest date range a metric covers. */
export const METRICS_MAX_DAYS = 366;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date like 2025-01-31")
  .refine(
    (v) =>
      !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
    "is not a calendar date",
  );

const dayNumber = (v: string) => Date.parse(`${v}T00:00:00Z`) / 86_400_000;

/** `?from=YYYY-MM-DD&to=YYYY-MM-DD`, UTC days, both included. */
export const MetricsRangeQuery = z
  .object({
    from: day.meta({ description: "First UTC day, included" }),
    to: day.meta({ description: "Last UTC day, included" }),
  })
  .superRefine((q, ctx) => {
    const span = dayNumber(q.to) - dayNumber(q.from);
    if (span < 0) ctx.addIssue({ code: "custom", path: ["to"], message: "must not be before from" });
    else if (span >= METRICS_MAX_DAYS) {
      ctx.addIssue({
        code: "custom",
        path: ["to"],
        message: `the range may span at most ${METRICS_MAX_DAYS} days`,
      });
    }
  });

/** An IANA time zone the runtime knows, e.g. Europe/Berlin. */
export const TimeZone = z
  .string()
  .max(64, { error: "must be an IANA time zone like Europe/Berlin", abort: true })
  .regex(/^[A-Za-z][A-Za-z0-9_+\-/]*$/, {
    error: "must be an IANA time zone like Europe/Berlin",
    abort: true,
  })
  .refine(isKnownTimeZone, "is not a time zone we know (use an IANA name like Europe/Berlin)");

function isKnownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const ProgressSummaryQuery = z.object({
  tz: TimeZone.default("UTC").meta({
    description: "Your IANA time zone: streak days are your calendar days",
  }),
});
