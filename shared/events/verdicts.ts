/**
 * The per-event verdicts of POST /api/events. Imports nothing outside shared/events, so the
 * SDK's stub judges events exactly as the worker does.
 */
import { CLIENT_EVENT_NAMES, isServerEventName } from "./catalogue";
import { type EventProps, propsFault } from "./props";

/** How far ahead of the server's clock an event may be stamped (client clocks drift). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** Why an event was refused; stable codes the SDK and dashboards may branch on. */
export type RejectReason =
  | "unknown-name"
  | "server-only-name"
  | "invalid-ts"
  | "ts-in-future"
  | "ts-expired"
  | "invalid-props";

/** An event that passed: its time parsed, its props checked. */
export interface AcceptedEvent {
  name: string;
  ts: Date;
  props: EventProps;
}

export type Verdict =
  | { index: number; status: "accepted"; event: AcceptedEvent }
  | { index: number; status: "rejected"; reason: RejectReason; detail: string };

export interface VerdictRules {
  /** Names EVENT_NAMES_EXTRA adds to the catalogue. */
  extraNames: readonly string[];
  retentionDays: number;
  now: Date;
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Judges each event of a batch on its own: a name from the catalogue (never a server-only
 * one), a time that is neither ahead of the server nor older than the retention period, and
 * small flat props. Rejections carry a reason, so one bad event does not cost the others.
 */
export function judgeEvents(
  events: readonly { name: string; ts: string; props?: Record<string, unknown> }[],
  rules: VerdictRules,
): Verdict[] {
  const names = new Set<string>([...CLIENT_EVENT_NAMES, ...rules.extraNames]);
  const latest = rules.now.getTime() + MAX_CLOCK_SKEW_MS;
  const earliest = rules.now.getTime() - rules.retentionDays * 86_400_000;
  return events.map((e, index): Verdict => {
    const reject = (reason: RejectReason, detail: string): Verdict => ({
      index,
      status: "rejected",
      reason,
      detail,
    });
    if (isServerEventName(e.name))
      return reject("server-only-name", `${e.name} is recorded by the server only`);
    if (!names.has(e.name))
      return reject("unknown-name", `${e.name.slice(0, 64)} is not in the event catalogue`);
    const ts = ISO_WITH_OFFSET.test(e.ts) ? new Date(e.ts) : undefined;
    if (!ts || Number.isNaN(ts.getTime()))
      return reject("invalid-ts", "ts must be an ISO 8601 time with an offset");
    if (ts.getTime() > latest) return reject("ts-in-future", "ts is ahead of the server's clock");
    if (ts.getTime() < earliest) {
      return reject("ts-expired", `ts is older than the ${rules.retentionDays}-day retention period`);
    }
    const fault = propsFault(e.props);
    if (fault) return reject("invalid-props", fault);
    return { index, status: "accepted", event: { name: e.name, ts, props: (e.props ?? {}) as EventProps } };
  });
}
