import type { ServerResponse } from "node:http";
import type Stripe from "stripe";
import type { Plan } from "../../shared/billing/plans";
import {
  type DevRequest,
  errorMessage,
  escapeHtml,
  headerValue,
  parseJson,
  sendHtml,
  sendJson,
} from "../http-util";
import { registerCheckoutRoutes } from "./checkout";
import { registerCustomerRoutes } from "./customers";
import { type EmitOutcome, EventDelivery, registerDeliveryRoutes } from "./delivery";
import { expandResponse } from "./expand";
import { type FormParams, parseStripeParams } from "./form";
import { registerInvoiceRoutes } from "./invoices";
import { registerPaymentRoutes } from "./payments";
import { registerPortalRoutes } from "./portal";
import { registerPriceRoutes, seedPlans } from "./prices";
import { StripeApiError, StripeStore, stripeId } from "./store";
import { registerSubscriptionRoutes } from "./subscriptions";
import { registerEventRoutes } from "./webhooks";

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

/** A request to a test/dev control or page under /_stripe/. */
export interface ControlRequest {
  req: DevRequest;
  params: Record<string, string>;
  /** The body parsed as JSON (undefined when empty or not JSON). */
  json: unknown;
  /** The body decoded as a form (HTML forms post these). */
  form: FormParams;
  /** True when the caller sent `Accept: application/json`. */
  wantsJson: boolean;
}

/** What a control answers: JSON, an HTML page, or a 303 redirect. */
export type ControlResult =
  | { status?: number; json: unknown }
  | { status?: number; html: string }
  | { redirect: string };

/** A handler for a route under /_stripe/; may throw StripeApiError. */
export type ControlHandler = (request: ControlRequest) => ControlResult | Promise<ControlResult>;

interface Route<H> {
  method: string;
  segments: string[];
  handler: H;
}

interface StoredResponse {
  fingerprint: string;
  response: Promise<{ status: number; body: unknown }>;
}

/** Extra settings of the emulator. */
export interface StripeEmulatorOptions {
  /** Plans to seed as products and prices. */
  plans?: Plan[];
  /** The base URL the emulator is reachable at (checkout and portal URLs); set it once listening. */
  publicUrl?: string;
  /** Pauses between delivery attempts; attempts = length + 1. Default [100, 500, 2000]. */
  retryDelaysMs?: number[];
}

const MAX_IDEMPOTENCY_KEYS = 10_000;

function matchRoute<H>(
  routes: Route<H>[],
  method: string,
  path: string,
): { route: Route<H>; params: Record<string, string> } | undefined {
  const segments = path.split("/").filter(Boolean);
  for (const route of routes) {
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

/** The Stripe API stand-in: a router over an in-memory store, event delivery, and /_stripe/ controls. */
export class StripeEmulator {
  readonly store = new StripeStore();
  readonly delivery: EventDelivery;
  /** Base URL for the hosted pages (checkout, portal): the stack URL. */
  publicUrl: string;
  private readonly routes: Route<StripeRouteHandler>[] = [];
  private readonly controls: Route<ControlHandler>[] = [];
  private readonly idempotency = new Map<string, StoredResponse>();

  constructor(
    readonly webhookSecret: string,
    public webhookUrl: string | undefined,
    options: StripeEmulatorOptions = {},
  ) {
    this.publicUrl = options.publicUrl ?? "http://127.0.0.1";
    this.delivery = new EventDelivery(this, options.retryDelaysMs ?? [100, 500, 2000]);
    registerCustomerRoutes(this);
    registerEventRoutes(this);
    registerDeliveryRoutes(this);
    registerPriceRoutes(this);
    registerCheckoutRoutes(this);
    registerSubscriptionRoutes(this);
    registerInvoiceRoutes(this);
    registerPaymentRoutes(this);
    registerPortalRoutes(this);
    if (options.plans) seedPlans(this, options.plans);
  }

  /** Adds a Stripe API route; `pattern` like "/v1/customers/:id". */
  route(method: string, pattern: string, handler: StripeRouteHandler): void {
    this.routes.push({ method, segments: pattern.split("/").filter(Boolean), handler });
  }

  /** Adds a test/dev control or hosted page; `pattern` like "/_stripe/checkout/:id". */
  control(method: string, pattern: string, handler: ControlHandler): void {
    this.controls.push({ method, segments: pattern.split("/").filter(Boolean), handler });
  }

  /**
   * Records an event and sends it to the webhook URL (with retries), or keeps it in the
   * pending queue when no URL is set. The event exists when this returns its promise.
   */
  emitEvent(
    type: Stripe.Event.Type,
    object: Stripe.Event.Data.Object,
    previousAttributes?: Stripe.Event.Data.PreviousAttributes,
  ): Promise<EmitOutcome> {
    return this.delivery.emit({ type, object, previousAttributes });
  }

  /** Runs one API call, replaying the stored response for a repeated Idempotency-Key. */
  dispatch(call: Omit<StripeCall, "params">, scope: string): Promise<{ status: number; body: unknown }> {
    const run = async () => {
      const found = matchRoute(this.routes, call.method, call.path);
      if (!found) {
        throw new StripeApiError(
          404,
          "invalid_request_error",
          `Unrecognized request URL (${call.method}: ${call.path}).`,
        );
      }
      const body = await found.route.handler({ ...call, params: found.params });
      return { status: 200, body: expandResponse(this.store, body, call.form.expand) };
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

  /** Runs a /_stripe/ control; undefined when no control has that path. */
  async runControl(req: DevRequest): Promise<ControlResult | undefined> {
    const found = matchRoute(this.controls, req.method, req.url.pathname);
    if (!found) return undefined;
    const text = req.body.toString("utf8");
    const isJson = /json/i.test(headerValue(req.headers, "content-type") ?? "") || /^\s*[[{]/.test(text);
    return found.route.handler({
      req,
      params: found.params,
      json: text.trim() === "" ? undefined : parseJson(req.body),
      form: isJson ? {} : parseStripeParams(text),
      wantsJson: /application\/json/i.test(headerValue(req.headers, "accept") ?? ""),
    });
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

function sendControlError(req: DevRequest, res: ServerResponse, error: unknown): void {
  const rendered =
    error instanceof StripeApiError
      ? renderError(error)
      : renderError(new StripeApiError(500, "api_error", errorMessage(error)));
  const accept = headerValue(req.headers, "accept") ?? "";
  if (/text\/html/i.test(accept) && !/application\/json/i.test(accept)) {
    const message = error instanceof Error ? error.message : String(error);
    sendHtml(
      res,
      rendered.status,
      `<!doctype html><meta charset="utf-8"><title>Error</title><p>${escapeHtml(message)}</p>`,
    );
    return;
  }
  sendJson(res, rendered.status, rendered.body);
}

async function handleControl(emulator: StripeEmulator, req: DevRequest, res: ServerResponse): Promise<void> {
  try {
    const result = await emulator.runControl(req);
    if (!result) {
      sendJson(res, 404, {
        error: {
          type: "invalid_request_error",
          message: `Unrecognized emulator control (${req.method}: ${req.url.pathname}).`,
        },
      });
    } else if ("redirect" in result) {
      res.writeHead(303, { location: result.redirect, "content-length": 0 });
      res.end();
    } else if ("html" in result) {
      sendHtml(res, result.status ?? 200, result.html);
    } else {
      sendJson(res, result.status ?? 200, result.json);
    }
  } catch (error) {
    sendControlError(req, res, error);
  }
}

/** Serves /v1/* (Stripe API) and /_stripe/* (hosted pages, webhook and test controls). */
export function createStripeHandler(emulator: StripeEmulator) {
  return async function handleStripe(req: DevRequest, res: ServerResponse): Promise<boolean> {
    const { pathname } = req.url;
    if (pathname.startsWith("/_stripe/")) {
      await handleControl(emulator, req, res);
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
