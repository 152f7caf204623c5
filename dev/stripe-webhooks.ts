import { createHmac } from "node:crypto";
import type { ServerResponse } from "node:http";
import Stripe from "stripe";
import { type DevRequest, errorMessage, isRecord, parseJson, sendJson } from "./http-util";
import type { StripeEmulator } from "./stripe-emulator";
import { paginate, StripeApiError, stripeId, unixNow } from "./stripe-store";

const EVENTS = "events";

/** What happened when an event was POSTed to a webhook endpoint (status 0: no HTTP response). */
export interface DeliveryResult {
  event: Stripe.Event;
  delivery: { status: number; body: string; url?: string; error?: string };
}

/** What to send: the event type, its object, and optional overrides for tests. */
export interface EventSpec {
  type: Stripe.Event.Type;
  object: Stripe.Event.Data.Object;
  previousAttributes?: Stripe.Event.Data.PreviousAttributes;
  url?: string;
  /** Event `created` (unix seconds). */
  created?: number;
  /** Signature timestamp (unix seconds); an old one makes a stale signature. */
  timestamp?: number;
}

/** The Stripe-Signature header value: `t=<ts>,v1=<hex HMAC-SHA256(secret, "<ts>.<payload>")>`. */
export function signPayload(payload: string, secret: string, timestamp: number): string {
  const signature = createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${signature}`;
}

/** Builds a Stripe.Event around an object. */
export function buildEvent(spec: EventSpec, pendingWebhooks: number): Stripe.Event {
  const data: Stripe.Event.Data = { object: spec.object };
  if (spec.previousAttributes) data.previous_attributes = spec.previousAttributes;
  const event: Stripe.EventBase = {
    id: stripeId("evt", 24),
    object: "event",
    api_version: Stripe.API_VERSION,
    created: spec.created ?? unixNow(),
    data,
    livemode: false,
    pending_webhooks: pendingWebhooks,
    request: { id: null, idempotency_key: null },
    type: spec.type,
  };
  return event as Stripe.Event;
}

/** Records the event, signs it with the emulator's secret and POSTs it to the endpoint. */
export async function sendEvent(emulator: StripeEmulator, spec: EventSpec): Promise<DeliveryResult> {
  const url = spec.url ?? emulator.webhookUrl;
  const event = buildEvent(spec, url ? 1 : 0);
  emulator.store.put(EVENTS, event);
  if (!url) return { event, delivery: { status: 0, body: "", error: "no webhook URL configured" } };
  const payload = JSON.stringify(event, null, 2);
  const signature = signPayload(payload, emulator.webhookSecret, spec.timestamp ?? unixNow());
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json; charset=utf-8",
        "stripe-signature": signature,
        "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
      },
      body: payload,
      signal: AbortSignal.timeout(30_000),
    });
    return { event, delivery: { status: response.status, body: await response.text(), url } };
  } catch (error) {
    return { event, delivery: { status: 0, body: "", url, error: errorMessage(error) } };
  }
}

function optionalNumber(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? Math.floor(value) : undefined;
}

/**
 * POST /_stripe/events with JSON `{type, data: {object, previous_attributes?}, url?, created?, timestamp?}`:
 * answers `{event, delivery: {status, body}}` after delivering the signed event.
 */
export async function handleEventRequest(emulator: StripeEmulator, req: DevRequest, res: ServerResponse) {
  if (req.method !== "POST") {
    sendJson(res, 405, { error: { type: "invalid_request_error", message: "use POST /_stripe/events" } });
    return;
  }
  const body = parseJson(req.body);
  const data = isRecord(body) ? body.data : undefined;
  if (!isRecord(body) || typeof body.type !== "string" || !isRecord(data) || !isRecord(data.object)) {
    sendJson(res, 400, {
      error: {
        type: "invalid_request_error",
        message: 'expected JSON {"type": string, "data": {"object": {...}}}',
      },
    });
    return;
  }
  const result = await sendEvent(emulator, {
    type: body.type as Stripe.Event.Type,
    object: data.object as Stripe.Event.Data.Object,
    previousAttributes: isRecord(data.previous_attributes)
      ? (data.previous_attributes as Stripe.Event.Data.PreviousAttributes)
      : undefined,
    url: typeof body.url === "string" ? body.url : undefined,
    created: optionalNumber(body.created),
    timestamp: optionalNumber(body.timestamp),
  });
  sendJson(res, 200, result);
}

/** GET /v1/events/:id and GET /v1/events (type filter) over the events this emulator sent. */
export function registerEventRoutes(emulator: StripeEmulator): void {
  emulator.route("GET", "/v1/events/:id", ({ params }) => {
    const event = emulator.store.get<Stripe.Event>(EVENTS, params.id ?? "");
    if (!event) throw StripeApiError.missing("event", params.id ?? "");
    return event;
  });
  emulator.route("GET", "/v1/events", ({ form, path }) => {
    const type = typeof form.type === "string" ? form.type : undefined;
    const events = emulator.store.all<Stripe.Event>(EVENTS).filter((event) => !type || event.type === type);
    return paginate(events, form, path);
  });
}
