import type { ServerResponse } from "node:http";
import type Stripe from "stripe";
import { type DevRequest, errorMessage, headerValue, sendJson } from "./http-util";
import { registerCustomerRoutes } from "./stripe-customers";
import { type FormParams, parseStripeParams } from "./stripe-form";
import { StripeApiError, StripeStore, stripeId } from "./stripe-store";
import { type DeliveryResult, handleEventRequest, registerEventRoutes, sendEvent } from "./stripe-webhooks";

/** One API call as a resource handler sees it. */
export interface StripeCall {
  method: string;
  path: string;
  /** Values of `:name` segments of the route pattern. */
  params: Record<string, string>;
  /** Form body for POST, query string otherwise, decoded from bracket notation. */
  form: FormParams;
  requestId: string;
  idempotencyKey?: string;
}

/** A resource handler: returns the JSON body (status 200) or throws StripeApiError. */
export type StripeRouteHandler = (call: StripeCall) => unknown;

interface Route {
  method: string;
  segments: string[];
  handler: StripeRouteHandler;
}

interface StoredResponse {
  fingerprint: string;
  response: Promise<{ status: number; body: unknown }>;
}

const MAX_IDEMPOTENCY_KEYS = 10_000;

/** The Stripe API stand-in: a router over an in-memory store, plus event delivery. */
export class StripeEmulator {
  readonly store = new StripeStore();
  private readonly routes: Route[] = [];
  private readonly idempotency = new Map<string, StoredResponse>();

  constructor(
    readonly webhookSecret: string,
    public webhookUrl: string | undefined,
  ) {
    registerCustomerRoutes(this);
    registerEventRoutes(this);
  }

  /** Adds a route; `pattern` like "/v1/customers/:id". */
  route(method: string, pattern: string, handler: StripeRouteHandler): void {
    this.routes.push({ method, segments: pattern.split("/").filter(Boolean), handler });
  }

  /** Builds, signs and delivers an event to `url` (default: the configured webhook URL). */
  emitEvent(
    type: Stripe.Event.Type,
    object: Stripe.Event.Data.Object,
    url = this.webhookUrl,
  ): Promise<DeliveryResult> {
    return sendEvent(this, { type, object, url });
  }

  private match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    const segments = path.split("/").filter(Boolean);
    for (const route of this.routes) {
      if (route.method !== method || route.segments.length !== segments.length) continue;
      const params: Record<string, string> = {};
      const ok = route.segments.every((segment, i) => {
        const actual = segments[i] ?? "";
        if (segment.startsWith(":")) {
          params[segment.slice(1)] = decodeURIComponent(actual);
          return true;
        }
        return segment === actual;
      });
      if (ok) return { route, params };
    }
    return undefined;
  }

  /** Runs one API call, replaying the stored response for a repeated Idempotency-Key. */
  dispatch(call: Omit<StripeCall, "params">, scope: string): Promise<{ status: number; body: unknown }> {
    const run = async () => {
      const found = this.match(call.method, call.path);
      if (!found) {
        throw new StripeApiError(
          404,
          "invalid_request_error",
          `Unrecognized request URL (${call.method}: ${call.path}).`,
        );
      }
      return { status: 200, body: await found.route.handler({ ...call, params: found.params }) };
    };
    if (call.method !== "POST" || !call.idempotencyKey) return run();
    const key = `${scope}:${call.idempotencyKey}`;
    const fingerprint = JSON.stringify([call.method, call.path, call.form]);
    const stored = this.idempotency.get(key);
    if (stored) {
      if (stored.fingerprint !== fingerprint) {
        return Promise.reject(
          new StripeApiError(
            400,
            "idempotency_error",
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${call.idempotencyKey}' if you meant to execute a different request.`,
          ),
        );
      }
      return stored.response;
    }
    const response = run().catch((error: unknown) => {
      if (error instanceof StripeApiError && error.status < 500) return renderError(error);
      this.idempotency.delete(key);
      throw error;
    });
    if (this.idempotency.size >= MAX_IDEMPOTENCY_KEYS) {
      const oldest = this.idempotency.keys().next().value;
      if (oldest !== undefined) this.idempotency.delete(oldest);
    }
    this.idempotency.set(key, { fingerprint, response });
    return response;
  }
}

function renderError(error: StripeApiError): { status: number; body: unknown } {
  const body: Record<string, string> = { type: error.type, message: error.message };
  if (error.code) body.code = error.code;
  if (error.param) body.param = error.param;
  return { status: error.status, body: { error: body } };
}

/** The secret key from `Authorization: Bearer sk_…` (or Basic with the key as user name). */
function apiKey(req: DevRequest): string | undefined {
  const header = headerValue(req.headers, "authorization") ?? "";
  const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (bearer) return bearer;
  const basic = /^Basic\s+(\S+)$/i.exec(header)?.[1];
  return basic ? Buffer.from(basic, "base64").toString("utf8").split(":")[0] : undefined;
}

/** Serves /v1/* (Stripe API) and POST /_stripe/events (signed webhook sender). */
export function createStripeHandler(emulator: StripeEmulator) {
  return async function handleStripe(req: DevRequest, res: ServerResponse): Promise<boolean> {
    const { pathname } = req.url;
    if (pathname === "/_stripe/events") {
      await handleEventRequest(emulator, req, res);
      return true;
    }
    if (!pathname.startsWith("/v1/")) return false;
    const requestId = stripeId("req");
    const headers = { "request-id": requestId };
    const key = apiKey(req);
    if (!key || !/^(sk|rk)_/.test(key)) {
      const message = key
        ? `Invalid API Key provided: ${key.slice(0, 8)}***`
        : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').";
      sendJson(res, 401, { error: { type: "invalid_request_error", message } }, headers);
      return true;
    }
    const encoded = req.method === "POST" ? req.body.toString("utf8") : req.url.search.slice(1);
    try {
      const { status, body } = await emulator.dispatch(
        {
          method: req.method,
          path: pathname,
          form: parseStripeParams(encoded),
          requestId,
          idempotencyKey: headerValue(req.headers, "idempotency-key"),
        },
        key,
      );
      sendJson(res, status, body, headers);
    } catch (error) {
      const rendered =
        error instanceof StripeApiError
          ? renderError(error)
          : renderError(new StripeApiError(500, "api_error", errorMessage(error)));
      sendJson(res, rendered.status, rendered.body, headers);
    }
    return true;
  };
}
