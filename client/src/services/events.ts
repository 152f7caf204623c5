/**
 * Usage events: `track` queues in memory; the queue is sent to POST /api/events in batches
 * on an interval, when a batch is full, and when the page is hidden. Each device has an
 * anonymous id (kept in storage) that the server merges into the account on sign-in; a
 * sign-out starts a new one, so the next person on this device is not merged into the last.
 *
 * Page hide sends with `fetch(…, { keepalive: true })`, not `navigator.sendBeacon`: a beacon
 * cannot carry the Authorization header, so a signed-in user's last events would arrive as
 * anonymous ones. A keepalive fetch outlives the page like a beacon does, with the same 64 KiB
 * budget (batches stay under it), and keeps the Bearer token.
 */
import { EVENT_NAME_PATTERN, isServerEventName } from "../../../shared/events/catalogue";
import { propsFault } from "../../../shared/events/props";
import type { Backend } from "../backend";
import { BacklineError, randomId } from "../errors";
import type {
  EventProps,
  EventsOptions,
  EventsService,
  MetricsService,
  ProgressService,
  TrackedEvent,
} from "../events-types";
import { browser } from "../globals";
import type { JsonStore } from "../storage";
import type { AuthCore } from "./auth";

/** Events per request, as the API takes them. */
const BATCH = 100;
/** A batch's JSON stays under the 64 KiB a keepalive fetch may carry. */
const BATCH_BYTES = 60_000;
const CONSENT_KEY = "events:consent";
const ANONYMOUS_KEY = "events:anonymous-id";

interface Queued {
  event: TrackedEvent;
  /** The device's anonymous id when it was tracked (a sign-out in between changes it). */
  anonymousId: string;
}

interface PrivacySignals {
  navigator?: { doNotTrack?: string | null; globalPrivacyControl?: boolean };
  document?: { visibilityState?: string };
}
const page = globalThis as unknown as PrivacySignals;

/** Whether the browser asks not to be tracked (Do Not Track or Global Privacy Control). */
function browserOptsOut(): boolean {
  return page.navigator?.doNotTrack === "1" || page.navigator?.globalPrivacyControl === true;
}

/** Failures worth trying again later: the network, a rate limit, an outage. */
function retryable(error: unknown): boolean {
  if (!(error instanceof BacklineError)) return true;
  return error.status === 0 || error.status === 429 || error.status >= 500;
}

export function createEvents(
  backend: Backend,
  auth: AuthCore,
  store: JsonStore,
  options: EventsOptions = {},
): EventsService & { dispose(): void } {
  const maxQueue = options.maxQueue ?? 1000;
  let queue: Queued[] = [];
  let consent: boolean | undefined;
  let anonymousId: string = randomId();
  let sending: Promise<void> | undefined;

  // The stored choice and id, once; until then the defaults apply and the queue waits.
  const ready = (async () => {
    const [storedConsent, storedId] = await Promise.all([
      store.read<boolean | null>(CONSENT_KEY, () => null),
      store.read<string | null>(ANONYMOUS_KEY, () => null),
    ]);
    consent ??= storedConsent ?? undefined;
    const fresh = anonymousId;
    anonymousId = storedId ?? anonymousId;
    for (const q of queue) if (q.anonymousId === fresh) q.anonymousId = anonymousId;
    if (!storedId) await store.write(ANONYMOUS_KEY, anonymousId);
  })().catch(() => undefined);

  const isEnabled = () => consent ?? (!options.requireConsent && !browserOptsOut());

  async function newAnonymousId(): Promise<void> {
    anonymousId = randomId();
    await store.write(ANONYMOUS_KEY, anonymousId);
  }

  let signedInAs = auth.userId();
  const unsubscribe = auth.onAuthStateChanged((state) => {
    const now = state.user?.id;
    if (signedInAs !== undefined && now !== signedInAs) void newAnonymousId();
    signedInAs = now;
  });

  /** The next batch: leading events of one anonymous id, at most 100 and about 60 KB. */
  function takeBatch(): Queued[] {
    const first = queue[0];
    const batch: Queued[] = [];
    let bytes = 0;
    for (const q of queue) {
      const size = JSON.stringify(q.event).length + 1;
      if (q.anonymousId !== first?.anonymousId || batch.length === BATCH || bytes + size > BATCH_BYTES) break;
      batch.push(q);
      bytes += size;
    }
    queue = queue.slice(batch.length);
    return batch;
  }

  async function sendAll(keepalive: boolean): Promise<void> {
    await ready;
    if (!isEnabled()) {
      queue = [];
      return;
    }
    while (queue.length > 0) {
      const batch = takeBatch();
      try {
        await backend.trackEvents(
          { anonymousId: batch[0]?.anonymousId, events: batch.map((q) => q.event) },
          { keepalive },
        );
      } catch (error) {
        // Kept for the next flush when it may pass then; a batch the API refuses is dropped.
        if (retryable(error)) queue = [...batch, ...queue].slice(-maxQueue);
        return;
      }
    }
  }

  function flush(keepalive = false): Promise<void> {
    // The page is going away: send now, beside any flush already under way.
    if (keepalive) return sendAll(true);
    sending ??= sendAll(false).finally(() => {
      sending = undefined;
    });
    return sending;
  }

  const onHide = () => {
    if (page.document?.visibilityState === undefined || page.document.visibilityState === "hidden") {
      void flush(true);
    }
  };
  browser.addEventListener?.("visibilitychange", onHide);
  browser.addEventListener?.("pagehide", onHide);
  const timer = setInterval(() => void flush(), options.flushIntervalMs ?? 10_000);
  (timer as { unref?: () => void }).unref?.();

  return {
    track(name: string, props?: EventProps) {
      if (!EVENT_NAME_PATTERN.test(name) || isServerEventName(name)) {
        throw new TypeError(`track: "${name}" is not an event name the SDK may send`);
      }
      const fault = propsFault(props);
      if (fault) throw new TypeError(`track: ${fault}`);
      if (!isEnabled()) return;
      const event: TrackedEvent = {
        name,
        ts: new Date().toISOString(),
        ...(props && { props: { ...props } }),
      };
      queue = [...queue, { event, anonymousId }].slice(-maxQueue);
      if (queue.length >= BATCH) void flush();
    },
    flush: () => flush(),
    async setConsent(granted) {
      await ready;
      consent = granted;
      await store.write(CONSENT_KEY, granted);
      if (granted) {
        await store.write(ANONYMOUS_KEY, anonymousId);
      } else {
        queue = [];
        anonymousId = randomId();
        await store.remove(ANONYMOUS_KEY);
      }
    },
    isEnabled,
    pending: () => queue.length,
    dispose() {
      clearInterval(timer);
      unsubscribe();
      browser.removeEventListener?.("visibilitychange", onHide);
      browser.removeEventListener?.("pagehide", onHide);
    },
  };
}

/** Default time zone for the summary: the browser's. */
function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** The events, progress-summary and metrics services, as `createBackline` exposes them. */
export function createInsights(backend: Backend, auth: AuthCore, store: JsonStore, options?: EventsOptions) {
  const events = createEvents(backend, auth, store, options);
  const progress: ProgressService = {
    summary: (o = {}) => backend.progressSummary(o.timeZone ?? browserTimeZone()),
  };
  const metrics: MetricsService = { get: (name, range) => backend.adminMetric(name, range) };
  return { events, progress, metrics, dispose: () => events.dispose() };
}
