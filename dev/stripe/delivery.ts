import type Stripe from "stripe";
import { errorMessage, isRecord } from "../http-util";
import type { StripeEmulator } from "./emulator";
import { StripeApiError, unixNow } from "./store";
import { buildEvent, type EventSpec, eventCustomer, signPayload } from "./webhooks";

const EVENTS = "events";
const MAX_LOGGED_ATTEMPTS = 10_000;
const ATTEMPT_TIMEOUT_MS = 30_000;

/** The outcome of sending one event to a URL, after retries (status 0: no HTTP response). */
export interface Delivery {
  url: string;
  status: number;
  body: string;
  attempts: number;
  error?: string;
}

/** One POST of an event to a webhook URL, as GET /_stripe/deliveries lists it. */
export interface DeliveryAttempt {
  event: string;
  type: string;
  customer: string | null;
  url: string;
  /** 1 for the first try of a delivery, 2 for its first retry, … */
  attempt: number;
  /** HTTP status, 0 when the request failed without a response. */
  status: number;
  error: string | null;
  /** Unix milliseconds when the attempt started. */
  at: number;
  duration_ms: number;
}

/** What happened to an emitted event: sent to the webhook URL, or queued for /_stripe/pending/take. */
export interface EmitOutcome {
  event: Stripe.Event;
  payload: string;
  pending: boolean;
  delivery: Delivery | null;
}

/** An event handed out by /_stripe/pending/take, ready to POST with its Stripe-Signature. */
export interface PendingEvent {
  id: string;
  type: string;
  created: number;
  payload: string;
  signature: string;
}

/** How to send: `times` sends of the same payload, the first `concurrent` of them at once. */
export interface SendOptions {
  times?: number;
  concurrent?: number;
  /** A fixed Stripe-Signature for every send; default: signed afresh per attempt. */
  signature?: string;
  /** Attempts per send (default: retry delays + 1). */
  attempts?: number;
}

/** What a control answers for each event it sent. */
export interface OutcomeSummary {
  id: string;
  type: string;
  pending: boolean;
  delivery: Delivery | null;
}

/** The JSON a control answers for each event it sent: `{id, type, pending, delivery}`. */
export function summarizeOutcome(outcome: EmitOutcome): OutcomeSummary {
  return {
    id: outcome.event.id,
    type: outcome.event.type,
    pending: outcome.pending,
    delivery: outcome.delivery,
  };
}

interface QueuedEvent {
  event: Stripe.Event;
  payload: string;
  customer: string | null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Records events, delivers them with retries (logging every attempt) or queues them when no URL is set. */
export class EventDelivery {
  private readonly queue: QueuedEvent[] = [];
  private readonly log: DeliveryAttempt[] = [];
  private readonly payloads = new Map<string, string>();

  constructor(
    private readonly emulator: StripeEmulator,
    /** Pauses between attempts; a delivery makes `retryDelaysMs.length + 1` attempts. */
    public retryDelaysMs: number[],
  ) {}

  /** Builds and stores an event and its exact JSON payload. */
  record(spec: EventSpec, pendingWebhooks: number): { event: Stripe.Event; payload: string } {
    const event = buildEvent(spec, pendingWebhooks);
    const payload = JSON.stringify(event, null, 2);
    this.emulator.store.put(EVENTS, event);
    this.payloads.set(event.id, payload);
    return { event, payload };
  }

  /** The JSON text an event was first sent as. */
  payloadOf(eventId: string): string | undefined {
    return this.payloads.get(eventId);
  }

  /** The Stripe-Signature header for a payload (emulator secret and now by default). */
  sign(payload: string, timestamp = unixNow(), secret = this.emulator.webhookSecret): string {
    return signPayload(payload, secret, timestamp);
  }

  /**
   * Records the event synchronously, then delivers it to `spec.url` or the webhook URL, or, with no
   * URL, puts it in the pending queue (unless `queue` is false).
   */
  async emit(spec: EventSpec, queue = true): Promise<EmitOutcome> {
    const url = spec.url ?? this.emulator.webhookUrl;
    const { event, payload } = this.record(spec, url || queue ? 1 : 0);
    if (!url) {
      if (queue) this.queue.push({ event, payload, customer: eventCustomer(spec.object) });
      return { event, payload, pending: queue, delivery: null };
    }
    const signature = spec.timestamp === undefined ? undefined : this.sign(payload, spec.timestamp);
    const [delivery] = await this.send(event, payload, url, { signature });
    return { event, payload, pending: false, delivery: delivery ?? null };
  }

  /** Sends an event `times` times (the first `concurrent` at once, then one by one), each with retries. */
  async send(
    event: Stripe.Event,
    payload: string,
    url: string,
    options: SendOptions = {},
  ): Promise<Delivery[]> {
    const times = options.times ?? 1;
    const concurrent = Math.min(options.concurrent ?? 1, times);
    const one = () => this.deliver(event, payload, url, options);
    const results = await Promise.all(Array.from({ length: concurrent }, one));
    for (let i = concurrent; i < times; i += 1) results.push(await one());
    return results;
  }

  private async deliver(
    event: Stripe.Event,
    payload: string,
    url: string,
    options: SendOptions,
  ): Promise<Delivery> {
    const attempts = options.attempts ?? this.retryDelaysMs.length + 1;
    let result: Delivery = { url, status: 0, body: "", attempts: 0 };
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      const at = Date.now();
      result = {
        url,
        ...(await this.post(url, payload, options.signature ?? this.sign(payload))),
        attempts: attempt,
      };
      this.remember({
        event: event.id,
        type: event.type,
        customer: eventCustomer(event.data.object),
        url,
        attempt,
        status: result.status,
        error: result.error ?? (result.status >= 200 && result.status < 300 ? null : `HTTP ${result.status}`),
        at,
        duration_ms: Date.now() - at,
      });
      if (result.status >= 200 && result.status < 300) break;
      if (attempt < attempts) {
        const delays = this.retryDelaysMs;
        await sleep(delays[Math.min(attempt - 1, delays.length - 1)] ?? 0);
      }
    }
    return result;
  }

  private async post(
    url: string,
    payload: string,
    signature: string,
  ): Promise<{ status: number; body: string; error?: string }> {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "stripe-signature": signature,
          "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        },
        body: payload,
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      return { status: 0, body: "", error: errorMessage(error) };
    }
  }

  private remember(attempt: DeliveryAttempt): void {
    this.log.push(attempt);
    if (this.log.length > MAX_LOGGED_ATTEMPTS) this.log.shift();
  }

  /** Queued events (of one customer when given), oldest first, signed now; `remove` takes them out. */
  pendingEvents(customer: string | undefined, remove: boolean): PendingEvent[] {
    const picked = this.queue.filter((item) => customer === undefined || item.customer === customer);
    if (remove) {
      const taken = new Set(picked);
      const kept = this.queue.filter((item) => !taken.has(item));
      this.queue.splice(0, this.queue.length, ...kept);
    }
    return picked.map(({ event, payload }) => ({
      id: event.id,
      type: event.type,
      created: event.created,
      payload,
      signature: this.sign(payload),
    }));
  }

  /** Logged attempts, oldest first, optionally for one event or one customer. */
  attempts(filter: { event?: string; customer?: string }): DeliveryAttempt[] {
    return this.log.filter(
      (attempt) =>
        (filter.event === undefined || attempt.event === filter.event) &&
        (filter.customer === undefined || attempt.customer === filter.customer),
    );
  }
}

function customerFilter(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      "customer must be a string",
      undefined,
      "customer",
    );
  }
  return value;
}

/** /_stripe/pending, /_stripe/pending/take and /_stripe/deliveries. */
export function registerDeliveryRoutes(emulator: StripeEmulator): void {
  emulator.control("POST", "/_stripe/pending/take", ({ json }) => {
    const customer = customerFilter(isRecord(json) ? json.customer : undefined);
    return { json: emulator.delivery.pendingEvents(customer, true) };
  });
  emulator.control("GET", "/_stripe/pending", ({ url }) => {
    const customer = url.searchParams.get("customer") ?? undefined;
    return { json: emulator.delivery.pendingEvents(customer, false) };
  });
  emulator.control("GET", "/_stripe/deliveries", ({ url }) => {
    const event = url.searchParams.get("event") ?? undefined;
    const customer = url.searchParams.get("customer") ?? undefined;
    return { json: { data: emulator.delivery.attempts({ event, customer }) } };
  });
}
