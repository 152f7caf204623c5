import { createHmac } from "node:crypto";
import Stripe from "stripe";
import { isRecord } from "../http-util";
import type { SendOptions } from "./delivery";
import type { StripeEmulator } from "./emulator";
import { paginate, StripeApiError, stripeId, unixNow, wireCopy } from "./store";

const EVENTS = "events";
const MAX_TIMES = 100;

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

/** Builds a Stripe.Event around a snapshot of an object. */
export function buildEvent(spec: EventSpec, pendingWebhooks: number): Stripe.Event {
  const data: Stripe.Event.Data = { object: wireCopy(spec.object) };
  if (spec.previousAttributes) data.previous_attributes = wireCopy(spec.previousAttributes);
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

/** The customer an event is about: the object's `customer`, or its id when it is a customer. */
export function eventCustomer(object: Stripe.Event.Data.Object): string | null {
  const record = object as { id?: unknown; object?: unknown; customer?: unknown };
  if (record.object === "customer" && typeof record.id === "string") return record.id;
  if (typeof record.customer === "string") return record.customer;
  if (isRecord(record.customer) && typeof record.customer.id === "string") return record.customer.id;
  return null;
}

function optionalInteger(
  body: Record<string, unknown>,
  name: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
) {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      `${name} must be an integer between ${min} and ${max}`,
      undefined,
      name,
    );
  }
  return value;
}

/** Reads `{times?, concurrent?, attempts?}` (each a positive integer). */
function sendOptions(value: unknown): SendOptions {
  if (value === undefined) return {};
  if (!isRecord(value)) {
    throw new StripeApiError(400, "invalid_request_error", "deliver must be an object", undefined, "deliver");
  }
  return {
    times: optionalInteger(value, "times", 1, MAX_TIMES),
    concurrent: optionalInteger(value, "concurrent", 1, MAX_TIMES),
    attempts: optionalInteger(value, "attempts", 1, 10),
  };
}

/** The `delivery` of POST /_stripe/events when there is no URL to send to. */
const NOT_DELIVERED = { url: null, status: 0, body: "", attempts: 0, error: "no webhook URL configured" };

/**
 * /v1/events (the events this emulator sent) and the event controls:
 * POST /_stripe/events, POST /_stripe/events/:id/deliver, POST /_stripe/sign.
 */
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

  emulator.control("POST", "/_stripe/events", async ({ json: body }) => {
    const data = isRecord(body) ? body.data : undefined;
    if (!isRecord(body) || typeof body.type !== "string" || !isRecord(data) || !isRecord(data.object)) {
      throw new StripeApiError(
        400,
        "invalid_request_error",
        'expected JSON {"type": string, "data": {"object": {...}}}',
      );
    }
    const url = typeof body.url === "string" ? body.url : emulator.webhookUrl;
    const options = sendOptions(body.deliver);
    const timestamp = optionalInteger(body, "timestamp");
    const { event, payload } = emulator.delivery.record(
      {
        type: body.type as Stripe.Event.Type,
        object: data.object as Stripe.Event.Data.Object,
        previousAttributes: isRecord(data.previous_attributes)
          ? (data.previous_attributes as Stripe.Event.Data.PreviousAttributes)
          : undefined,
        created: optionalInteger(body, "created"),
      },
      url ? 1 : 0,
    );
    const signature = emulator.delivery.sign(payload, timestamp);
    if (!url) return { json: { event, delivery: NOT_DELIVERED, payload, signature } };
    const deliveries = await emulator.delivery.send(event, payload, url, {
      ...options,
      signature: timestamp === undefined ? undefined : signature,
    });
    return { json: { event, delivery: deliveries[0], deliveries } };
  });

  emulator.control("POST", "/_stripe/events/:id/deliver", async ({ params, json }) => {
    const id = params.id ?? "";
    const event = emulator.store.get<Stripe.Event>(EVENTS, id);
    const payload = emulator.delivery.payloadOf(id);
    if (!event || payload === undefined) throw StripeApiError.missing("event", id);
    const body = isRecord(json) ? json : {};
    const url = typeof body.url === "string" ? body.url : emulator.webhookUrl;
    if (!url) return { json: { event, payload, signature: emulator.delivery.sign(payload) } };
    const deliveries = await emulator.delivery.send(event, payload, url, sendOptions(body));
    return { json: { event, delivery: deliveries[0], deliveries } };
  });

  emulator.control("POST", "/_stripe/sign", ({ json }) => {
    const body = isRecord(json) ? json : {};
    if (typeof body.payload !== "string") {
      throw new StripeApiError(
        400,
        "invalid_request_error",
        'expected JSON {"payload": string}',
        undefined,
        "payload",
      );
    }
    const secret = typeof body.secret === "string" ? body.secret : undefined;
    return {
      json: { signature: emulator.delivery.sign(body.payload, optionalInteger(body, "timestamp"), secret) },
    };
  });
}
